/**
 * Server-driven paging (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/server-driven-paging-in-odata-web-services): at most 20,000 entities per page online, lowered by the client
 * with `Prefer: odata.maxpagesize=N`; the next page is reached through `@odata.nextLink` carrying a
 * `$skiptoken`. The emulator's token is opaque to clients but simply encodes the offset into the
 * filtered, ordered (and `$top`-limited) result, which the router recomputes on every request.
 * Offsets mean rows inserted or deleted between pages shift the window; BC's key-based tokens would not,
 * but clients must not depend on either.
 */
import { badRequest } from "../../errors";

/** BC online's maximum page size. */
export const SERVER_MAX_PAGE_SIZE = 20_000;

/** `{"o":40}` as base64url: URL-safe without escaping, and obviously not a BC key. */
export function encodeSkiptoken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset }), "utf8").toString("base64url");
}

/** The offset inside a skiptoken; anything we did not issue ⇒ 400 BadRequest. */
export function decodeSkiptoken(token: string): number {
  const invalid = () => badRequest(`The skip token value '${token.slice(0, 100)}' is not valid.`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(token)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  const o = typeof parsed === "object" && parsed !== null ? (parsed as { o?: unknown }).o : undefined;
  // Re-encoding must give the same text: rejects padding variants and extra members.
  if (typeof o !== "number" || !Number.isSafeInteger(o) || o < 0 || encodeSkiptoken(o) !== token) throw invalid();
  return o;
}

/**
 * One page of `rows` starting at the skiptoken's offset (or 0), at most `maxPageSize` long (clamped to
 * 1…20,000; a non-finite or non-positive size means the server maximum), and the token of the next page
 * when rows remain.
 */
export function pageRows<T>(
  rows: T[],
  opts: { maxPageSize: number; skiptoken?: string },
): { page: T[]; nextSkiptoken?: string } {
  const size =
    Number.isFinite(opts.maxPageSize) && opts.maxPageSize >= 1
      ? Math.min(Math.floor(opts.maxPageSize), SERVER_MAX_PAGE_SIZE)
      : SERVER_MAX_PAGE_SIZE;
  const offset = opts.skiptoken === undefined ? 0 : decodeSkiptoken(opts.skiptoken);
  const end = offset + size;
  const page = rows.slice(offset, end);
  return end < rows.length ? { page, nextSkiptoken: encodeSkiptoken(end) } : { page };
}

/**
 * `odata.maxpagesize=N` (or the OData 4.01 spelling `maxpagesize=N`) from a Prefer header, which may hold
 * several comma-separated preferences (`return=minimal, odata.maxpagesize=50`). Names are case-insensitive,
 * values may be quoted; a missing, non-integer or zero value is ignored, as RFC 7240 says to ignore
 * preferences a server does not understand. The first valid one wins. The caller clamps to
 * SERVER_MAX_PAGE_SIZE (pageRows does).
 */
export function preferredPageSize(prefer: string | readonly string[] | undefined): number | undefined {
  // Node types an unknown header as string | string[]; repeated Prefer headers mean the same as one joined list.
  const text = typeof prefer === "string" ? prefer : prefer?.join(",");
  if (!text) return undefined;
  for (const pref of text.split(",")) {
    const [head] = pref.split(";");
    const eq = head.indexOf("=");
    if (eq < 0) continue;
    const name = head.slice(0, eq).trim().toLowerCase();
    if (name !== "odata.maxpagesize" && name !== "maxpagesize") continue;
    const value = head
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1");
    if (!/^\d{1,15}$/.test(value)) continue;
    const n = Number(value);
    if (n > 0) return n;
  }
  return undefined;
}
