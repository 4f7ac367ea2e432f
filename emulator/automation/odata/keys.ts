/**
 * Resource paths and key segments (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/api-endpoint-structure, https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis, https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/dynamics-error-codes).
 *
 * BC answers every malformed key literal with 404 `BadRequest_NotFound` "Bad Request - Error in query syntax."
 * [OBS ALOps #782] — including a GUID key written quoted and a string key written unquoted, which are
 * well-formed OData but the wrong literal type for the key property.
 */
import { notFoundRoute, querySyntax } from "../../errors";
import { isGuid, isIntegerText } from "./literals";

export type KeyValue = string | number | boolean;

/** How a key literal was written; bindKey needs it because `'5f1c…'` and `5f1c…` are different literals. */
export type KeyLiteralKind = "string" | "guid" | "int" | "bool";

export type ParsedKey =
  | { kind: "single"; value: KeyValue; literal: KeyLiteralKind }
  | { kind: "composite"; values: Record<string, KeyValue>; literals: Record<string, KeyLiteralKind> };

export type KeySpec = { name: string; type: "guid" | "string" | "int" }[];

export interface PathSegment {
  name: string;
  /** Text between the parentheses, verbatim (quotes kept). Absent when the segment has no parentheses. */
  keyText?: string;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A cursor over the key text; every method advances or throws, so parsing is linear and cannot loop. */
class KeyReader {
  pos = 0;
  constructor(readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && (this.text[this.pos] === " " || this.text[this.pos] === "\t")) this.pos++;
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /** Reads up to the next top-level `,` or `=` (or the end); quotes are handled by readLiteral. */
  readBare(): string {
    const start = this.pos;
    while (this.pos < this.text.length && !",= \t".includes(this.text[this.pos])) this.pos++;
    return this.text.slice(start, this.pos);
  }

  readLiteral(): { value: KeyValue; literal: KeyLiteralKind } {
    if (this.text[this.pos] === "'") return { value: this.readString(), literal: "string" };
    const bare = this.readBare();
    if (isGuid(bare)) return { value: bare, literal: "guid" };
    if (isIntegerText(bare)) {
      const n = Number(bare);
      if (!Number.isSafeInteger(n)) throw querySyntax();
      return { value: n, literal: "int" };
    }
    if (bare === "true" || bare === "false") return { value: bare === "true", literal: "bool" };
    throw querySyntax();
  }

  /** `'it''s'` ⇒ `it's`. The caller has already percent-decoded the URL. */
  readString(): string {
    let out = "";
    this.pos++; // opening quote
    for (;;) {
      const quote = this.text.indexOf("'", this.pos);
      if (quote < 0) throw querySyntax();
      out += this.text.slice(this.pos, quote);
      if (this.text[quote + 1] === "'") {
        out += "'";
        this.pos = quote + 2;
      } else {
        this.pos = quote + 1;
        return out;
      }
    }
  }
}

/**
 * Parses the text inside a key segment's parentheses: `5f1c…` (GUID), `'CODE'`, `42`, `true`, or the named
 * form `scope='System',appId=…,id='D365 BASIC'` (also accepted for a single key: `id=5f1c…`).
 * Malformed ⇒ 404 BadRequest_NotFound "Bad Request - Error in query syntax." like BC.
 */
export function parseKeySegment(text: string): ParsedKey {
  const r = new KeyReader(text);
  r.skipSpace();
  if (r.atEnd()) throw querySyntax();
  // Named form if the text starts with `identifier =`; a quoted string or a GUID can never look like that.
  const head = /^[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*=/.exec(text);
  if (!head) {
    const single = r.readLiteral();
    r.skipSpace();
    if (!r.atEnd()) throw querySyntax();
    return { kind: "single", ...single };
  }
  // Maps, then Object.fromEntries: a key named `__proto__` must become data, not a prototype.
  const values = new Map<string, KeyValue>();
  const literals = new Map<string, KeyLiteralKind>();
  for (;;) {
    r.skipSpace();
    const name = r.readBare();
    if (!NAME_RE.test(name) || values.has(name)) throw querySyntax();
    r.skipSpace();
    if (r.text[r.pos] !== "=") throw querySyntax();
    r.pos++;
    r.skipSpace();
    const lit = r.readLiteral();
    values.set(name, lit.value);
    literals.set(name, lit.literal);
    r.skipSpace();
    if (r.atEnd()) {
      return { kind: "composite", values: Object.fromEntries(values), literals: Object.fromEntries(literals) };
    }
    if (r.text[r.pos] !== ",") throw querySyntax();
    r.pos++;
  }
}

/**
 * Splits `companies(1b…)/configurationPackages(…)/file('X')/content` into segments. Quotes are honoured
 * inside parentheses (a `/`, `(` or `)` inside `'…'` belongs to the key), because the caller has already
 * percent-decoded the path and `%2F` in a code is legal.
 * Unbalanced parentheses, unterminated strings, or text after `)` ⇒ query-syntax error; an empty segment
 * (`a//b`) ⇒ BC's "No HTTP resource was found" 404. A single leading and trailing `/` are ignored.
 */
export function splitPath(path: string): PathSegment[] {
  let body = path.startsWith("/") ? path.slice(1) : path;
  if (body.endsWith("/")) body = body.slice(0, -1);
  const segments: PathSegment[] = [];
  if (body === "") return segments;
  let i = 0;
  for (;;) {
    const start = i;
    while (i < body.length && body[i] !== "/" && body[i] !== "(" && body[i] !== ")") i++;
    const name = body.slice(start, i);
    if (body[i] === ")") throw querySyntax();
    if (body[i] === "(") {
      if (name === "") throw querySyntax();
      const close = findClosingParen(body, i + 1);
      segments.push({ name, keyText: body.slice(i + 1, close) });
      i = close + 1;
      if (i < body.length && body[i] !== "/") throw querySyntax();
    } else {
      if (name === "") throw notFoundRoute(path);
      segments.push({ name });
    }
    if (i >= body.length) return segments;
    i++; // the '/'
    if (i >= body.length) throw notFoundRoute(path);
  }
}

/** Index of the `)` closing a key that starts at `from`; quotes protect `(`, `)` and `/`. */
function findClosingParen(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (c === "'") {
      // Skip the string; `''` is an escaped quote and simply re-enters the loop as the next string.
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw querySyntax();
      i = end + 1;
    } else if (c === ")") {
      return i;
    } else if (c === "(") {
      // Keys never nest parentheses outside strings.
      throw querySyntax();
    } else {
      i++;
    }
  }
  throw querySyntax();
}

/**
 * Matches a parsed key against the entity's key properties and returns normalized values by name
 * (GUIDs lower-cased so lookups are case-insensitive, as BC's are).
 * Wrong literal kind (quoted GUID, unquoted string, quoted number), a positional key for a composite key,
 * or a named key whose names differ from the spec ⇒ query-syntax error.
 */
export function bindKey(parsed: ParsedKey, spec: KeySpec): Record<string, KeyValue> {
  const out: Record<string, KeyValue> = {};
  if (parsed.kind === "single") {
    if (spec.length !== 1) throw querySyntax();
    out[spec[0].name] = bindOne(parsed.value, parsed.literal, spec[0].type);
    return out;
  }
  const names = Object.keys(parsed.values);
  if (names.length !== spec.length) throw querySyntax();
  for (const prop of spec) {
    if (!Object.hasOwn(parsed.values, prop.name)) throw querySyntax();
    out[prop.name] = bindOne(parsed.values[prop.name], parsed.literals[prop.name], prop.type);
  }
  return out;
}

function bindOne(value: KeyValue, literal: KeyLiteralKind, type: KeySpec[number]["type"]): KeyValue {
  if (type === "guid" && literal === "guid") return String(value).toLowerCase();
  if (type === "string" && literal === "string") return value;
  if (type === "int" && literal === "int") return value;
  throw querySyntax();
}
