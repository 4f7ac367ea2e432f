/**
 * BC's OData wire form of enum and option values: the member name, with characters that are not valid in an
 * identifier encoded as `_xHHHH_` (`Current_x0020_version`, `Non_x002D_Inventory`). Responses are
 * decoded before anything compares or validates them; requests keep sending the plain form, which BC accepts.
 */
import { z } from "zod";

export function decodeMemberName(value: string): string {
  return value.replace(/_x([0-9A-Fa-f]{4})_/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** An enum/option field of a response: any text, decoded. Unforeseen values pass; the code that acts decides. */
export const memberName = z.string().transform(decodeMemberName);

/** An enum field the provider acts on: decoded, then one of the documented values (else a named shape error). */
export const memberOf = <const T extends readonly [string, ...string[]]>(values: T) => memberName.pipe(z.enum(values));
