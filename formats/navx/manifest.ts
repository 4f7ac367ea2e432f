/**
 * `NavxManifest.xml`: the identity (`Package/App` attributes `Id`, `Name`, `Publisher`, `Version`) and the
 * dependencies (`Package/Dependencies/Dependency`) of a `.app` package.
 */
import { XMLParser } from "fast-xml-parser";
import { normaliseVersion } from "../version";
import { NotAnExtensionFileError } from "./errors";

export interface AppIdentity {
  /** App id (lower-case GUID). */
  id: string;
  name: string;
  publisher: string;
  /** Four-part version `major.minor.build.revision`. */
  version: string;
}

export interface AppDependency extends AppIdentity {
  /** The dependency's MinVersion (four parts). */
  version: string;
}

export interface ParsedManifest {
  identity: AppIdentity;
  dependencies: AppDependency[];
}

type XmlNode = Record<string, unknown>;

const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  removeNSPrefix: true,
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) => name === "Dependency" || name === "App",
});

export function parseManifest(xml: string): ParsedManifest {
  const text = xml.replace(/^\uFEFF/, "");
  // No DTDs: a manifest never needs one, and refusing them keeps entity expansion out of the picture.
  if (/<!DOCTYPE/i.test(text)) throw new NotAnExtensionFileError("the manifest has a DOCTYPE");
  let doc: XmlNode;
  try {
    doc = parser.parse(text) as XmlNode;
  } catch (err) {
    throw new NotAnExtensionFileError(`the manifest is not XML (${(err as Error).message})`);
  }
  const pkg = asNode(doc.Package);
  const apps = pkg?.App;
  if (!pkg || !Array.isArray(apps) || apps.length !== 1) {
    throw new NotAnExtensionFileError("the manifest has no Package/App element");
  }
  const app = asNode(apps[0]) ?? {};
  const id = guidAttr(app.Id);
  const name = textAttr(app.Name);
  const publisher = textAttr(app.Publisher);
  const version = normaliseVersion(app.Version);
  if (!id || !name || publisher === undefined || !version) {
    throw new NotAnExtensionFileError("the manifest's App element lacks a valid Id, Name, Publisher or Version");
  }
  return { identity: { id, name, publisher, version }, dependencies: dependenciesOf(pkg) };
}

function dependenciesOf(pkg: XmlNode): AppDependency[] {
  const deps = asNode(pkg.Dependencies)?.Dependency;
  return (Array.isArray(deps) ? deps : []).map((raw) => {
    const dep = asNode(raw) ?? {};
    // Older manifests name the id `AppId`; alc writes `Id` and `MinVersion`.
    const id = guidAttr(dep.Id ?? dep.AppId);
    const version = normaliseVersion(dep.MinVersion ?? dep.Version ?? "0.0.0.0");
    if (!id || !version) throw new NotAnExtensionFileError("a Dependency lacks a valid Id or MinVersion");
    return { id, name: textAttr(dep.Name) ?? "", publisher: textAttr(dep.Publisher) ?? "", version };
  });
}

function asNode(value: unknown): XmlNode | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as XmlNode) : undefined;
}

function textAttr(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function guidAttr(value: unknown): string | undefined {
  const match = typeof value === "string" ? GUID.exec(value.trim()) : null;
  return match ? match[1].toLowerCase() : undefined;
}
