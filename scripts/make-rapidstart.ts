/**
 * `node dist/scripts/make-rapidstart.js <in.xml> <out.rapidstart>`: turns a readable RapidStart package XML
 * (e.g. examples/data/cronus-setup.xml) into a `.rapidstart` file as Business Central exports it — UTF-16 XML,
 * GZip-compressed. The XML is checked first with the package reader (formats/rapidstart), so a mistake shows up here
 * rather than as an import error later; the script prints what the package contains.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { decodeXmlText, packRapidStart, RapidStartFileError, readRapidStart } from "../formats/rapidstart";

function main(argv: string[]): number {
  const [input, output] = argv;
  if (!input || !output || argv.length !== 2) {
    process.stderr.write("usage: make-rapidstart <in.xml> <out.rapidstart>\n");
    return 2;
  }
  const xml = decodeXmlText(readFileSync(input));
  const bytes = packRapidStart(xml);
  try {
    const pkg = readRapidStart(bytes);
    writeFileSync(output, bytes);
    const records = pkg.tables.reduce((n, t) => n + t.records.length, 0);
    process.stdout.write(
      `${output}: package ${pkg.code || "(no code)"} "${pkg.packageName ?? ""}", ${pkg.tables.length} tables, ${records} records, ${bytes.length} bytes\n`,
    );
    for (const table of pkg.tables) {
      process.stdout.write(`  table ${table.tableId} <${table.elementName}>: ${table.records.length} records\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof RapidStartFileError) {
      process.stderr.write(`${input}: not a RapidStart package: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = main(process.argv.slice(2));
