/**
 * Generates a Business Central `.app` file with the real package layout (for the emulator, tests and examples):
 *
 *   node dist/scripts/make-app.js --id <guid> --name "My PTE" --publisher Contoso --version 1.0.0.0 --out my.app \
 *     [--package-id <guid>] [--dependency "<id>,<name>,<publisher>,<minVersion>"]... [--table "<id>:<name>:<fieldId>=<field>,…"]...
 *
 * The file carries a manifest and symbol metadata only (no compiled code): real BC would reject it, the emulator
 * reads its identity, dependencies and tables. The format is formats/navx; this is its command line.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { buildApp, type BuildAppInput, readApp } from "../formats/navx";
import { isFourPartVersion } from "../formats/version";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseMakeAppArgs(argv: string[]): BuildAppInput & { out: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      id: { type: "string" },
      name: { type: "string" },
      publisher: { type: "string" },
      version: { type: "string" },
      out: { type: "string" },
      "package-id": { type: "string" },
      dependency: { type: "string", multiple: true },
      table: { type: "string", multiple: true },
    },
    strict: true,
  });
  const need = (key: "id" | "name" | "publisher" | "version" | "out") => {
    const value = values[key];
    if (!value) throw new Error(`--${key} is required`);
    return value;
  };
  const id = need("id");
  const version = need("version");
  if (!GUID.test(id)) throw new Error(`--id must be a GUID, got '${id}'`);
  if (!isFourPartVersion(version)) throw new Error(`--version must be major.minor.build.revision, got '${version}'`);
  const packageId = values["package-id"];
  if (packageId !== undefined && !GUID.test(packageId))
    throw new Error(`--package-id must be a GUID, got '${packageId}'`);
  const dependencies = (values.dependency ?? []).map((text) => {
    const [depId, name, publisher, minVersion] = text.split(",").map((s) => s.trim());
    if (!GUID.test(depId ?? "") || !isFourPartVersion(minVersion ?? "")) {
      throw new Error(`--dependency must be "<guid>,<name>,<publisher>,<minVersion>", got '${text}'`);
    }
    return { id: depId, name: name ?? "", publisher: publisher ?? "", version: minVersion };
  });
  const tables = (values.table ?? []).map((text) => {
    const [tableId, tableName, fieldList = ""] = text.split(":");
    const fields = fieldList
      .split(",")
      .filter(Boolean)
      .map((f) => {
        const [fid, fname] = f.split("=");
        return { id: Number(fid), name: fname ?? "" };
      });
    if (!Number.isInteger(Number(tableId)) || fields.some((f) => !Number.isInteger(f.id))) {
      throw new Error(`--table must be "<id>:<name>:<fieldId>=<fieldName>,…", got '${text}'`);
    }
    return { id: Number(tableId), name: tableName ?? "", fields };
  });
  return {
    id,
    name: need("name"),
    publisher: need("publisher"),
    version,
    out: need("out"),
    packageId,
    dependencies,
    tables,
  };
}

function main() {
  let args: ReturnType<typeof parseMakeAppArgs>;
  try {
    args = parseMakeAppArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`make-app: ${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const { out, ...input } = args;
  const bytes = buildApp(input);
  writeFileSync(out, bytes);
  const info = readApp(bytes);
  process.stdout.write(
    `${out}: ${info.publisher}_${info.name}_${info.version} (app ${info.id}, package ${info.packageId})\n`,
  );
}

if (require.main === module) main();
