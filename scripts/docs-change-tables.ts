/** Writes the change tables of docs/resources/*.md from the resource definitions. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DOCUMENTED, withChangeTable } from "../provider/resources/change-tables";

const docs = join(process.cwd(), "docs", "resources"); // run from the repository root (npm run)
for (const [page, resource] of Object.entries(DOCUMENTED)) {
  const path = join(docs, page);
  const before = readFileSync(path, "utf8");
  const after = withChangeTable(before, resource);
  if (after !== before) writeFileSync(path, after);
  console.log(`${page}: ${after === before ? "up to date" : "written"}`);
}
