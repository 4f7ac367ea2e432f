/**
 * The Extension rows its change table cannot compare as data: which app it is and how it is managed, and which
 * version or content is wanted. The rows are documented in the table (`comparedBy: "diff"`); this is their logic.
 */
import type * as pulumi from "@pulumi/pulumi";
import { type PropertyBag, stableJson } from "../framework/diff";
import { containsUnknown } from "../framework/inputs";

/** How the app is managed: through the Admin Center (`appSource`) or as a per-tenant file (`filePath`). */
const kindOf = (side: PropertyBag) =>
  side.appSource !== undefined && side.appSource !== null ? "appSource" : "filePath";

/** The app: `appSource.appId`, or the id in the file's manifest; lower-cased. */
function appIdOf(side: PropertyBag): unknown {
  const id = kindOf(side) === "appSource" ? (side.appSource as { appId?: unknown }).appId : side.manifestAppId;
  return typeof id === "string" ? id.toLowerCase() : id;
}

const differs = (a: unknown, b: unknown) => stableJson(a) !== stableJson(b);
const anyUnknown = (side: PropertyBag, keys: readonly string[]) => keys.some((key) => containsUnknown(side[key]));

/** `byRules` is the diff of the other rows; the replace order is "by-key" (create first unless it may collide). */
export function diffExtension(
  olds: PropertyBag,
  news: PropertyBag,
  byRules: pulumi.dynamic.DiffResult,
): pulumi.dynamic.DiffResult {
  const replaces: string[] = [];
  let changes = byRules.changes === true;
  // Another management path: replaced, uninstalling first (it is the same installed app when the id stays).
  if (kindOf(olds) !== kindOf(news)) replaces.push(kindOf(news));
  // Another app: replaced, installing the new one first. Not known yet (preview): counts as an update.
  let anotherApp = false;
  if (anyUnknown(news, ["appSource", "filePath", "manifestAppId"])) changes = true;
  else if (differs(appIdOf(olds), appIdOf(news))) {
    anotherApp = true;
    replaces.push(kindOf(news));
  }
  // No version means "latest at install time": compared as what state recorded.
  const recordedVersion = (olds.appSource as { version?: unknown } | undefined)?.version ?? olds.version;
  const wantedVersion = (news.appSource as { version?: unknown } | undefined)?.version ?? recordedVersion;
  if (anyUnknown(news, ["appSource"]) || differs(recordedVersion, wantedVersion)) changes = true;
  // Another file version or content: re-upload.
  if (
    anyUnknown(news, ["fileSha256", "manifestVersion", "filePath"]) ||
    differs(olds.fileSha256, news.fileSha256) ||
    differs(olds.manifestVersion, news.manifestVersion)
  ) {
    changes = true;
  }

  const all = [...new Set([...replaces, ...(byRules.replaces ?? [])])];
  if (all.length === 0) return { changes, replaces: [] };
  // The other rows replace for certain (another environment or tenant) when they do not ask to delete first.
  const othersCertain = (byRules.replaces ?? []).length > 0 && byRules.deleteBeforeReplace === false;
  return { changes: true, replaces: all, deleteBeforeReplace: !(anotherApp || othersCertain) };
}
