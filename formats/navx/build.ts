/**
 * Writing `.app` packages with the real layout (NAVX header + OPC zip with `[Content_Types].xml`,
 * `NavxManifest.xml` and `SymbolReference.json`; see ./header.ts), small enough for tests and examples. They carry
 * no compiled code: real BC would refuse them, the emulator reads their identity, dependencies and tables.
 */
import { randomUUID } from "node:crypto";
import { strToU8, zipSync } from "fflate";
import { writeNavx } from "./header";
import { escapeXml as esc } from "../xml-text";
import type { AppDependency } from "./manifest";
import { type AppTable, tablesJson } from "./symbols";

export interface BuildAppInput {
  id: string;
  name: string;
  publisher: string;
  /** `major.minor.build.revision`. */
  version: string;
  /** Package id written into the NAVX header. Default: a new GUID, as every alc compilation produces. */
  packageId?: string;
  dependencies?: AppDependency[];
  /** Tables written to `SymbolReference.json` (schema synchronisation compares them between versions). */
  tables?: AppTable[];
  /** Manifest `Application`/`Platform`/`Runtime` attributes (informational). */
  application?: string;
  platform?: string;
  runtime?: string;
  /** Adds a stored (uncompressed) entry of this many pseudo-random bytes: large packages for tests and benchmarks. */
  padding?: number;
}

export function buildApp(input: BuildAppInput): Buffer {
  const zip = zipSync(
    {
      "[Content_Types].xml": strToU8(CONTENT_TYPES),
      "NavxManifest.xml": strToU8(manifestXml(input)),
      "SymbolReference.json": strToU8(symbolReference(input)),
      ...(input.padding ? { "Resources/padding.bin": [noise(input.padding), { level: 0 }] as const } : {}),
    },
    { level: 6 },
  );
  return writeNavx(input.packageId ?? randomUUID(), zip);
}

/** Bytes that do not compress (xorshift), so a padded package is as large on disk as asked. */
function noise(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

function manifestXml(input: BuildAppInput): string {
  const application = input.application ?? "24.0.0.0";
  const dependencies = (input.dependencies ?? [])
    .map(
      (d) =>
        `    <Dependency Id="${esc(d.id)}" Name="${esc(d.name)}" Publisher="${esc(d.publisher)}" MinVersion="${esc(d.version)}" CompatibilityId="0.0.0.0" />\n`,
    )
    .join("");
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<Package xmlns="http://schemas.microsoft.com/navx/2015/manifest">',
    `  <App Id="${esc(input.id)}" Name="${esc(input.name)}" Publisher="${esc(input.publisher)}" Brief="" Description="" Version="${esc(input.version)}" CompatibilityId="0.0.0.0" PrivacyStatement="" EULA="" Help="" HelpBaseUrl="" Url="" Logo="" Platform="${esc(input.platform ?? application)}" Application="${esc(application)}" Runtime="${esc(input.runtime ?? "13.0")}" Target="Cloud" ShowMyCode="False" />`,
    "  <IdRanges>",
    '    <IdRange MinObjectId="50100" MaxObjectId="50149" />',
    "  </IdRanges>",
    dependencies ? `  <Dependencies>\n${dependencies}  </Dependencies>` : "  <Dependencies />",
    "  <InternalsVisibleTo />",
    "  <ScreenShots />",
    "  <SupportedLocales />",
    "  <Features />",
    "</Package>",
    "",
  ].join("\n");
}

function symbolReference(input: BuildAppInput): string {
  return JSON.stringify({
    RuntimeVersion: input.runtime ?? "13.0",
    AppId: input.id,
    Name: input.name,
    Publisher: input.publisher,
    Version: input.version,
    Tables: tablesJson(input.tables ?? []),
    Namespaces: [],
  });
}

const CONTENT_TYPES = [
  '<?xml version="1.0" encoding="utf-8"?>',
  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
  '  <Default Extension="xml" ContentType="" />',
  '  <Default Extension="json" ContentType="" />',
  "</Types>",
  "",
].join("\n");
