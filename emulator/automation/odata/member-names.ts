/**
 * AL enum/option values on the wire (seen in real tenants' traffic): BC's OData layer sends a value's member name with every
 * character that is not valid in an identifier written as `_xHHHH_` (space → `_x0020_`, hyphen → `_x002D_`), and a
 * blank member as `_x0020_`. A literal `_x` that would read as an escape is itself escaped (`_x005F_`), as .NET's
 * XmlConvert does, so decoding is exact.
 */

const IDENTIFIER_CHAR = /[\p{L}\p{N}_]/u;
const ESCAPE = /_x([0-9A-Fa-f]{4}|[0-9A-Fa-f]{8})_/g;

export function encodeMemberName(name: string): string {
  if (name === "") return "_x0020_";
  let out = "";
  const chars = [...name];
  for (const [index, char] of chars.entries()) {
    const startsEscape = char === "_" && /^x[0-9A-Fa-f]{4}_/.test(chars.slice(index + 1, index + 7).join(""));
    out += IDENTIFIER_CHAR.test(char) && !startsEscape ? char : escapeChar(char);
  }
  return out;
}

/** The member name a wire value stands for; text without escapes comes back unchanged. */
export function decodeMemberName(text: string): string {
  return text.replace(ESCAPE, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)));
}

function escapeChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = code.toString(16).toUpperCase();
  return `_x${hex.padStart(code > 0xffff ? 8 : 4, "0")}_`;
}
