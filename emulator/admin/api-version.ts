import { AdminError } from "./errors";

/** Admin Center API versions the emulator serves: v2.0 … v2.29 (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api, latest 2.29). */
export const LATEST_MINOR = 29;

/** The `2.x` of `/admin/v2.x/…`; features are gated on it ("INTRODUCED IN: API version 2.x"). */
export interface AdminApiVersion {
  minor: number;
  text: string;
}

/** Parses `v2.<n>`; anything else (v1.0, v2.30, v2.07, v3.0) is not a served version. */
export function parseApiVersion(segment: string): AdminApiVersion | undefined {
  const match = /^v2\.(0|[1-9]\d?)$/.exec(segment);
  if (!match) return undefined;
  const minor = Number(match[1]);
  return minor <= LATEST_MINOR ? { minor, text: `v2.${minor}` } : undefined;
}

export function atLeast(version: AdminApiVersion, minor: number): boolean {
  return version.minor >= minor;
}

/** Endpoints introduced in a later API version answer 404 like an unknown route in older versions. */
export function requireVersion(version: AdminApiVersion, minor: number, path: string) {
  if (!atLeast(version, minor)) {
    throw new AdminError(
      404,
      "NotFound",
      `No HTTP resource was found that matches the request URI '${path}' (introduced in API version 2.${minor}).`,
    );
  }
}
