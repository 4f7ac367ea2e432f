/**
 * Fuzz requests as data, and the runner that sends them over raw HTTPS.
 *
 * A request is generated as a `RequestSpec` (small, printable: fast-check shows it when a property fails and
 * shrinks it). Parts that depend on earlier answers of the same run — "the entity the previous POST created",
 * "its current ETag" — are symbolic and resolved by `RunContext` when the request is sent, so generated
 * sequences can create a configuration package and then upload, import and delete it.
 *
 * Requests go through an undici Pool with an explicit `path`, so the request target reaches the emulator byte
 * for byte (no URL normalisation by the client): dot segments, `//`, invalid percent escapes and raw Latin-1
 * bytes are all possible.
 */
import { Pool } from "undici";
import { buildApp } from "../../../formats/navx";
import { buildPackageXml, packRapidStart } from "../../../formats/rapidstart";
import { keyText, type SurfaceModel } from "./model";

/** Marks the next character as a raw byte of the request target (see toTarget). */
export const RAW_BYTE = "\uE000";

export type Area = "automation" | "admin" | "entra" | "junk";

/** Literal request-target text, or the entity a POST of this run created (`fallback` when there is none). */
export type PathPart =
  | string
  | { recent: string; fallback: string }
  | { childKeyOf: string; child: string; fallback: string };

export type BodySpec =
  | { kind: "json"; value: unknown }
  | { kind: "text"; text: string }
  /** Arbitrary bytes (hex), e.g. invalid UTF-8. */
  | { kind: "bytes"; hex: string }
  /** A JSON object with one string property of `megabytes` MB (generated at send time, printed small). */
  | { kind: "huge"; property: string; megabytes: number }
  /** A `.app` built by the emulator's own builder, optionally damaged. */
  | { kind: "app"; id: string; version: string; dependencies: string[]; damage: Damage }
  /** A `.rapidstart` package, optionally damaged. */
  | { kind: "rapidstart"; code: string; tables: number[]; damage: Damage }
  | { kind: "form"; params: [string, string][] }
  | { kind: "multipart"; boundary: string; parts: { name: string; filename?: string; body: BodySpec }[] };

/** Byte-level damage to a generated file: flipped bytes and/or truncation (fraction of the length kept). */
export interface Damage {
  flips: [number, number][];
  keep?: number;
}

export interface RequestSpec {
  area: Area;
  method: string;
  path: PathPart[];
  /** Raw query text, "" or starting with "?". */
  query: string;
  /** `token`: a valid token of the default app; `alt`: another valid token (see RunDeps); else a raw header. */
  auth: "token" | "alt" | "none" | { raw: string };
  /** Literal If-Match, or the ETag this run last saw for the addressed entity. */
  ifMatch?: string | { current: true };
  headers: Record<string, string>;
  body?: BodySpec;
  /** Set name when this is a POST that creates an entity (its answer becomes `recent`). */
  creates?: string;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface SentRequest {
  method: string;
  target: string;
  headers: Record<string, string>;
  bodyLength: number;
}

export interface RunDeps {
  pool: Pool;
  model: SurfaceModel;
  token: string;
  /** A valid token of an app without BC roles that BC does not know. */
  altToken: string;
}

/** Per-run memory: entities created by POSTs and ETags seen, for the symbolic parts of later requests. */
export class RunContext {
  private readonly recent = new Map<string, { path: string; body: Record<string, unknown> }>();
  private readonly etags = new Map<string, string>();
  private lastEtag: string | undefined;

  constructor(private readonly deps: RunDeps) {}

  resolvePath(parts: PathPart[]): string {
    return parts
      .map((part) => {
        if (typeof part === "string") return part;
        if ("recent" in part) return this.recent.get(part.recent)?.path ?? part.fallback;
        const parent = this.recent.get(part.childKeyOf);
        const child = this.deps.model.sets[part.child];
        const key = parent && child ? keyText(child.keys, parent.body) : undefined;
        return key === undefined ? part.fallback : encodeTarget(key);
      })
      .join("");
  }

  async send(spec: RequestSpec): Promise<{ sent: SentRequest; answer: Answer }> {
    const path = toTarget(this.resolvePath(spec.path));
    const target = `${path}${spec.query}`;
    const headers: Record<string, string> = { ...spec.headers };
    if (spec.auth === "token") headers.authorization = `Bearer ${this.deps.token}`;
    else if (spec.auth === "alt") headers.authorization = `Bearer ${this.deps.altToken}`;
    else if (spec.auth !== "none") headers.authorization = spec.auth.raw;
    if (spec.ifMatch !== undefined) {
      headers["if-match"] =
        typeof spec.ifMatch === "string" ? spec.ifMatch : (this.etags.get(path) ?? this.lastEtag ?? "*");
    }
    const body = spec.body ? buildBody(spec.body) : undefined;
    const res = await this.deps.pool.request({ method: spec.method, path: target, headers, body });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    const answer: Answer = { status: res.statusCode, headers: res.headers, body: bytes };
    this.remember(spec, path, answer);
    return { sent: { method: spec.method, target, headers, bodyLength: body?.length ?? 0 }, answer };
  }

  private remember(spec: RequestSpec, path: string, answer: Answer) {
    const etag = answer.headers.etag;
    if (typeof etag === "string") {
      this.etags.set(path, etag);
      this.lastEtag = etag;
    }
    if (!spec.creates || answer.status !== 201) return;
    const set = this.deps.model.sets[spec.creates];
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(answer.body.toString("utf8"));
    } catch {
      return;
    }
    const key = set && keyText(set.keys, body);
    if (key === undefined) return;
    const entity = `${path}(${encodeTarget(key)})`;
    this.recent.set(spec.creates, { path: entity, body });
    if (typeof body["@odata.etag"] === "string") this.etags.set(entity, body["@odata.etag"]);
  }
}

export function newPool(origin: string, ca: string): Pool {
  return new Pool(origin, {
    connect: { ca },
    connections: 8,
    headersTimeout: 20_000,
    bodyTimeout: 20_000,
  });
}

/** Percent-encodes what cannot appear in a request target (UTF-8), keeping everything else as generated. */
export function encodeTarget(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x21 && code <= 0x7e) out += ch;
    else for (const byte of Buffer.from(ch, "utf8")) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * The request target for generated path text: encoded like encodeTarget, except that a Latin-1 character
 * (U+0080–U+00FF) right after the private-use marker RAW_BYTE is sent as that raw byte, to exercise the HTTP
 * parser with what an encoder never produces.
 */
function toTarget(text: string): string {
  let out = "";
  let raw = false;
  for (const ch of text) {
    if (ch === RAW_BYTE) {
      raw = true;
      continue;
    }
    const code = ch.codePointAt(0)!;
    if (raw && code >= 0x80 && code <= 0xff) out += ch;
    else out += encodeTarget(ch);
    raw = false;
  }
  return out.startsWith("/") ? out : `/${out}`;
}

export function buildBody(spec: BodySpec): Buffer {
  switch (spec.kind) {
    case "json":
      return Buffer.from(JSON.stringify(spec.value) ?? "null", "utf8");
    case "text":
      return Buffer.from(spec.text, "utf8");
    case "bytes":
      return Buffer.from(spec.hex, "hex");
    case "huge":
      return Buffer.from(JSON.stringify({ [spec.property]: "x".repeat(spec.megabytes * 1024 * 1024) }), "utf8");
    case "app":
      return damage(
        buildApp({
          id: spec.id,
          name: "Fuzz App",
          publisher: "Fuzz",
          version: spec.version,
          dependencies: spec.dependencies.map((id) => ({ id, name: "Dep", publisher: "Fuzz", version: "1.0.0.0" })),
        }),
        spec.damage,
      );
    case "rapidstart":
      return damage(
        packRapidStart(
          buildPackageXml({
            code: spec.code,
            tables: spec.tables.map((tableId) => ({
              tableId,
              tableName: tableId === 3 ? "Payment Terms" : `Table ${tableId}`,
              records: [{ Code: "FUZZ", Description: "Fuzz" }],
            })),
          }),
        ),
        spec.damage,
      );
    case "form":
      return Buffer.from(new URLSearchParams(spec.params).toString(), "utf8");
    case "multipart": {
      const chunks: Buffer[] = [];
      for (const part of spec.parts) {
        const filename = part.filename === undefined ? "" : `; filename="${part.filename}"`;
        chunks.push(
          Buffer.from(`--${spec.boundary}\r\nContent-Disposition: form-data; name="${part.name}"${filename}\r\n\r\n`),
          buildBody(part.body),
          Buffer.from("\r\n"),
        );
      }
      chunks.push(Buffer.from(`--${spec.boundary}--\r\n`));
      return Buffer.concat(chunks);
    }
  }
}

function damage(bytes: Buffer, how: Damage): Buffer {
  const out = Buffer.from(bytes);
  for (const [at, value] of how.flips) if (out.length > 0) out[at % out.length] ^= value || 1;
  return how.keep === undefined ? out : out.subarray(0, Math.floor(out.length * how.keep));
}
