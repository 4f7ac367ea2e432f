import type { KeyObject } from "node:crypto";
import { CompactSign, compactVerify } from "jose";

export type JsonObject = Record<string, unknown>;

export interface DecodedJwt {
  header: JsonObject;
  payload: JsonObject;
}

/** Decodes a compact JWS without verifying it; undefined when it is not a JWT with JSON header and claims. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)) || !parts[0] || !parts[1]) return undefined;
  const header = parseJsonObject(parts[0]);
  const payload = parseJsonObject(parts[1]);
  return header && payload ? { header, payload } : undefined;
}

/** Signs `payload` as a compact JWS with `header` (which must name the algorithm). */
export async function signJwt(header: JsonObject & { alg: string }, payload: JsonObject, key: KeyObject) {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header).sign(key);
}

/** Whether the JWS signature verifies with `key` under one of `algorithms`. Never throws. */
export async function signatureValid(token: string, key: KeyObject, algorithms: string[]): Promise<boolean> {
  try {
    await compactVerify(token, key, { algorithms });
    return true;
  } catch {
    return false;
  }
}

/** A numeric date claim (seconds) as a Date, or undefined when absent or not a finite number. */
export function claimDate(value: unknown): Date | undefined {
  return typeof value === "number" && Number.isFinite(value) ? new Date(value * 1000) : undefined;
}

/** The `aud` claim as a list (it may be a string or an array of strings). */
export function audiences(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

function parseJsonObject(segment: string): JsonObject | undefined {
  try {
    const value = JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}
