import { createHash } from "node:crypto";

/**
 * A weak ETag shaped like BC's: base64 of `'<n>;<n-char token>1;00;'` (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/developer/devenv-connect-apps-tips).
 * Derived from the row's wire content and revision, so every write yields a new tag. Clients treat it as opaque.
 */
export function etagFor(wire: Record<string, unknown>, rev = 0): string {
  const token = createHash("sha256").update(JSON.stringify(wire)).update(String(rev)).digest("base64");
  const inner = `${token.length};${token}1;00;`;
  return `W/"${Buffer.from(`'${inner}'`).toString("base64")}"`;
}
