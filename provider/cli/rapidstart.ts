/**
 * `pulumi-businesscentral rapidstart pack <in.xml> <out.rapidstart>`: packs readable RapidStart XML (UTF-8 or
 * UTF-16) into a `.rapidstart` file as Business Central exports it (UTF-16 XML, GZip), after checking it with the
 * package reader, and prints what the package holds. ConfigurationPackage does the same with an XML `file`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { packRapidStartXml, RapidStartFileError } from "../../formats/rapidstart";
import { type CliCommand, UsageError } from "./command";

const HELP = `Usage: pulumi-businesscentral rapidstart pack <in.xml> <out.rapidstart>

Packs RapidStart package XML (UTF-8 or UTF-16) into a .rapidstart file as Business Central exports it: UTF-16 XML,
GZip-compressed. The XML is checked first, so a mistake shows up here rather than as an import error in BC.
A ConfigurationPackage's file may also be the XML itself; the provider packs it the same way.

Exit code: 0 when written, 1 when the input is not a RapidStart package or cannot be read, 2 on usage errors.`;

export const command: CliCommand = {
  help: HELP,
  async run(argv, io) {
    const [action, input, output, ...rest] = argv;
    if (action !== "pack" || !input || !output || rest.length > 0 || argv.some((a) => a.startsWith("-"))) {
      throw new UsageError(
        action === "pack" || action === undefined
          ? "rapidstart pack needs <in.xml> <out.rapidstart>."
          : `Unknown action '${action}'.`,
      );
    }
    let xml: Buffer;
    try {
      xml = readFileSync(input);
    } catch (err) {
      io.stderr(`${input}: cannot be read (${(err as Error).message})\n`);
      return 1;
    }
    try {
      const { bytes, pkg } = packRapidStartXml(xml);
      writeFileSync(output, bytes);
      const records = pkg.tables.reduce((n, t) => n + t.records.length, 0);
      io.stdout(
        `${output}: package ${pkg.code || "(no code)"} "${pkg.packageName ?? ""}", ${pkg.tables.length} tables, ${records} records, ${bytes.length} bytes\n`,
      );
      for (const table of pkg.tables)
        io.stdout(`  table ${table.tableId} <${table.elementName}>: ${table.records.length} records\n`);
      return 0;
    } catch (err) {
      if (!(err instanceof RapidStartFileError)) throw err;
      io.stderr(`${input}: not a RapidStart package: ${err.message}\n`);
      return 1;
    }
  },
};
