import type * as pulumi from "@pulumi/pulumi";
import { containsUnknown } from "./inputs";

/** How a change of one input is applied (documented per resource in docs/resources.md). */
export type ChangeKind = "update" | "replace" | "ignore";

/**
 * Computes Pulumi's diff from a per-property table. `olds` are the stored outputs (which carry the inputs),
 * `news` the checked inputs; values are compared after `normalise` so BC's own normalisation (upper-casing,
 * defaults) never shows as a change.
 */
export function diffByTable(
  table: Record<string, ChangeKind>,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  normalise: (key: string, value: unknown) => unknown = (_k, v) => v,
  options: { deleteBeforeReplace?: boolean } = {},
): pulumi.dynamic.DiffResult {
  const replaces: string[] = [];
  let changes = false;
  for (const [key, kind] of Object.entries(table)) {
    if (kind === "ignore") continue;
    const before = normalise(key, olds[key]);
    const after = normalise(key, news[key]);
    const unknown = containsUnknown(news[key]);
    if (!unknown && stableJson(before) === stableJson(after)) continue;
    changes = true;
    if (kind === "replace") replaces.push(key);
  }
  return {
    changes,
    replaces,
    deleteBeforeReplace: replaces.length > 0 ? (options.deleteBeforeReplace ?? false) : undefined,
  };
}

function stableJson(value: unknown): string {
  if (value === undefined || value === null || value === "") return "";
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${k}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
