/**
 * Builds the example's files into ./build: a real `.rapidstart` (gzip-compressed package XML) from the readable
 * examples/data/cronus-setup.xml, and a per-tenant extension `.app` (NAVX header + zip with NavxManifest.xml) in
 * two versions, so an upgrade can be shown. Uses the repository's generators (scripts/make-*.ts, compiled to dist/):
 *   node dist/examples/hydrate-tenant/prepare.js [<out dir>]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

const repo = path.resolve(__dirname, "../../..");
// Default: examples/hydrate-tenant/build, where program.ts looks when `pulumi up` runs in the example's folder.
const out = process.argv[2] ?? path.join(repo, "examples/hydrate-tenant/build");
mkdirSync(out, { recursive: true });
const node = process.execPath;
execFileSync(
  node,
  [
    path.join(repo, "dist/scripts/make-rapidstart.js"),
    path.join(repo, "examples/data/cronus-setup.xml"),
    path.join(out, "cronus-setup.rapidstart"),
  ],
  { stdio: "ignore" },
);
// A second revision of the same package (one description changed), to show a content update.
const v2 = path.join(out, "cronus-setup-v2.xml");
writeFileSync(
  v2,
  readFileSync(path.join(repo, "examples/data/cronus-setup.xml"), "utf8").replace(
    "Net 10 days",
    "Net 10 days (revised)",
  ),
);
execFileSync(
  node,
  [path.join(repo, "dist/scripts/make-rapidstart.js"), v2, path.join(out, "cronus-setup-v2.rapidstart")],
  {
    stdio: "ignore",
  },
);
for (const version of ["1.0.0.0", "1.1.0.0"]) {
  execFileSync(
    node,
    [
      path.join(repo, "dist/scripts/make-app.js"),
      "--id",
      "5d3c2b1a-0f9e-4d8c-b7a6-958473625140",
      "--name",
      "Contoso Extras",
      "--publisher",
      "Contoso",
      "--version",
      version,
      "--out",
      path.join(out, `contoso-extras-${version}.app`),
    ],
    { stdio: "ignore" },
  );
}
process.stdout.write(`example files written to ${out}\n`);
