/**
 * Tokenizer for `$filter`. It runs on attacker-controlled text, so it is a single forward scan: every step
 * consumes at least one character and the only regular expressions are anchored, linear classifiers.
 * Error texts follow Microsoft.OData.Core (which BC uses to parse URIs) and name the 0-based position.
 */
import { badRequest } from "../../errors";
import type { FieldType } from "./types";
import {
  isDecimalText,
  isGuid,
  isIntegerText,
  looksLikeDate,
  looksLikeDateTime,
  parseDate,
  parseDateTimeOffset,
} from "./literals";

export type LiteralValue = string | number | boolean | null;

export type Token =
  | { t: "ident"; text: string; pos: number }
  | { t: "lit"; type: FieldType | "null"; value: LiteralValue; text: string; pos: number }
  | { t: "(" | ")" | "," | "eof"; pos: number };

/** Long expressions are cut in messages so an error body stays readable. */
export function quoteExpr(text: string): string {
  return text.length > 256 ? `${text.slice(0, 256)}…` : text;
}

export const syntaxError = (pos: number, text: string) =>
  badRequest(`Syntax error at position ${pos} in '${quoteExpr(text)}'.`);

// A "word" is a maximal run of these characters; it is then classified as a whole. This keeps GUIDs that
// start with letters (`deadbeef-…`) and datetimes with offsets (`…T10:00:00+01:00`) in one token.
const WORD_CHAR = /[A-Za-z0-9_.:+-]/;
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      i++;
    } else if (c === "(" || c === ")" || c === ",") {
      tokens.push({ t: c, pos: i });
      i++;
    } else if (c === "'") {
      const { value, end } = readString(text, i);
      tokens.push({ t: "lit", type: "string", value, text: text.slice(i, end), pos: i });
      i = end;
    } else if (WORD_CHAR.test(c)) {
      const start = i;
      while (i < text.length && WORD_CHAR.test(text[i])) i++;
      const word = text.slice(start, i);
      if (text[i] === "'") {
        // Qualified enum literal `Microsoft.NAV.status'Scheduled'`. Other typed prefixes (`guid'…'`,
        // `datetime'…'`, binary `X'…'`) are OData v3 forms that v4 rejects.
        if (!word.includes(".") || !IDENT_RE.test(word)) throw syntaxError(start, text);
        const { value, end } = readString(text, i);
        tokens.push({ t: "lit", type: "enum", value, text: text.slice(start, end), pos: start });
        i = end;
      } else {
        tokens.push(classifyWord(word, start, text));
      }
    } else {
      throw syntaxError(i, text);
    }
  }
  tokens.push({ t: "eof", pos: text.length });
  return tokens;
}

/** `'it''s'` starting at `start` ⇒ value `it's` and the index after the closing quote. */
function readString(text: string, start: number): { value: string; end: number } {
  let value = "";
  let i = start + 1;
  for (;;) {
    const quote = text.indexOf("'", i);
    if (quote < 0)
      throw badRequest(`There is an unterminated string literal at position ${start} in '${quoteExpr(text)}'.`);
    value += text.slice(i, quote);
    if (text[quote + 1] !== "'") return { value, end: quote + 1 };
    value += "'";
    i = quote + 2;
  }
}

function classifyWord(word: string, pos: number, text: string): Token {
  const lit = (type: FieldType | "null", value: LiteralValue): Token => ({ t: "lit", type, value, text: word, pos });
  const unrecognized = (edm: string) =>
    badRequest(`Unrecognized '${edm}' literal '${word}' at position ${pos} in '${quoteExpr(text)}'.`);
  if (isGuid(word)) return lit("guid", word.toLowerCase());
  if (looksLikeDateTime(word)) {
    const ms = parseDateTimeOffset(word);
    if (ms === undefined) throw unrecognized("Edm.DateTimeOffset");
    return lit("datetime", ms);
  }
  if (looksLikeDate(word)) {
    if (parseDate(word) === undefined) throw unrecognized("Edm.Date");
    return lit("date", word);
  }
  if (isIntegerText(word)) {
    const n = Number(word);
    // Beyond 2^53 the value cannot be held exactly; treat it as a decimal like ODL promotes to Edm.Decimal.
    return lit(Number.isSafeInteger(n) ? "int" : "decimal", n);
  }
  if (isDecimalText(word)) {
    const n = Number(word);
    if (!Number.isFinite(n)) throw unrecognized("Edm.Decimal");
    return lit("decimal", n);
  }
  if (word === "true" || word === "false") return lit("bool", word === "true");
  if (word === "null") return lit("null", null);
  if (IDENT_RE.test(word)) return { t: "ident", text: word, pos };
  throw syntaxError(pos, text);
}
