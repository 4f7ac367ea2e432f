import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DOCUMENTED, withChangeTable } from "../../../provider/resources/change-tables";

/** Each resource page's change table is the one its definition renders: docs and diff behaviour agree. */
describe("docs/resources change tables", () => {
  for (const [page, resource] of Object.entries(DOCUMENTED)) {
    it(`${page} matches the ${resource.kind} definition (npm run docs:changes rewrites it)`, () => {
      const text = readFileSync(join(__dirname, "../../../docs/resources", page), "utf8");
      expect(withChangeTable(text, resource)).toBe(text);
    });
  }
});
