import type * as pulumi from "@pulumi/pulumi";
import { containsUnknown } from "./inputs";

/** Pulumi property bags as handlers see them. */
export type PropertyBag = Record<string, unknown>;

/** How a change of a property is applied: in place, by replacing the object, or not at all. */
export type ChangeKind = "update" | "replace" | "none";

/**
 * One row of a resource's change table (rendered into docs/resources/*.md, see `changeTableMarkdown`).
 * `keys` are compared one by one unless `value` derives one value for the whole row, e.g. "unset means what state
 * recorded" or a case-insensitive key. `olds` are stored outputs (which carry the inputs), `news` checked inputs.
 */
export interface ChangeRule {
  keys: readonly string[];
  change: ChangeKind;
  why: string;
  /** The Property column when the keys alone would mislead. */
  label?: string;
  /** The compared value of one side; the row is "unknown" (a change) while any of its keys is unknown. */
  value?: (side: PropertyBag, olds: PropertyBag) => unknown;
  /** What an unknown (preview) value of one of `keys` counts as (default: `change`); "none" compares as usual. */
  whenUnknown?: ChangeKind;
  /** Which properties a replace names (default: `keys`). */
  report?: (olds: PropertyBag, news: PropertyBag) => string[];
  /**
   * For "by-key" replace order: whether old and new may still be the same BC row although this rule's values differ
   * (a new `userName` may name the same user; another management path for the same app). Default: they are not.
   */
  sameRowPossible?: (olds: PropertyBag, news: PropertyBag) => boolean;
  /**
   * "diff": the definition's own `diff` decides this row (it cannot be compared as data); the row still documents
   * it and covers its keys. The other rows are diffed by the rules and handed to that `diff`.
   */
  comparedBy?: "diff";
}

/**
 * Whether a replace deletes the old object first. "by-key": create the new object first when a replace rule's value
 * differs for certain (another role, company, app or environment is another row, so access never lapses); delete
 * first only when old and new may be the same row and would collide.
 */
export type ReplaceOrder =
  | "create-first"
  | "delete-first"
  | "by-key"
  | ((olds: PropertyBag, news: PropertyBag) => boolean);

/** Every resource's environment rule: unset means the environment state recorded. */
export const environmentRule: ChangeRule = {
  keys: ["environment"],
  change: "replace",
  why: "Another environment is another object. Unset means the configured default, compared with the recorded value.",
  value: (side, olds) =>
    side.environment === undefined || side.environment === "" ? olds.environment : side.environment,
};

/** Computes Pulumi's diff from a resource's change rules. */
export function diffByRules(
  rules: readonly ChangeRule[],
  olds: PropertyBag,
  news: PropertyBag,
  order: ReplaceOrder,
): pulumi.dynamic.DiffResult {
  const replaces: string[] = [];
  let changes = false;
  for (const rule of rules) {
    if (rule.change === "none") continue;
    const unknownKeys = rule.keys.filter((key) => containsUnknown(news[key]));
    const onUnknown = rule.whenUnknown ?? rule.change;
    let kind: ChangeKind = "none";
    let changed: readonly string[] = [];
    if (unknownKeys.length > 0 && onUnknown !== "none") {
      kind = onUnknown;
      changed = rule.value ? rule.keys : unknownKeys;
    } else if (rule.value) {
      const differs = stableJson(rule.value(olds, olds)) !== stableJson(rule.value(news, olds));
      if (differs) [kind, changed] = [rule.change, rule.keys];
    } else {
      changed = rule.keys.filter((key) => stableJson(olds[key]) !== stableJson(news[key]));
      if (changed.length > 0) kind = rule.change;
    }
    if (kind === "none") continue;
    changes = true;
    if (kind !== "replace") continue;
    for (const key of rule.report ? rule.report(olds, news) : changed) if (!replaces.includes(key)) replaces.push(key);
  }
  if (replaces.length === 0) return { changes, replaces };
  const deleteFirst =
    order === "delete-first" ||
    (order === "by-key" && !keyChangesForCertain(rules, olds, news)) ||
    (typeof order === "function" && order(olds, news));
  return { changes, replaces, deleteBeforeReplace: deleteFirst };
}

/** Whether some replace rule's value differs for certain (known on both sides, and not possibly the same row). */
function keyChangesForCertain(rules: readonly ChangeRule[], olds: PropertyBag, news: PropertyBag): boolean {
  return rules.some((rule) => {
    if (rule.change !== "replace" || rule.keys.some((key) => containsUnknown(news[key]))) return false;
    const differs = rule.value
      ? stableJson(rule.value(olds, olds)) !== stableJson(rule.value(news, olds))
      : rule.keys.some((key) => stableJson(olds[key]) !== stableJson(news[key]));
    return differs && !(rule.sameRowPossible?.(olds, news) ?? false);
  });
}

/** JSON with sorted keys, where undefined, null and "" are the same (an unset optional input). */
export function stableJson(value: unknown): string {
  if (value === undefined || value === null || value === "") return "";
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as PropertyBag)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${k}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** A resource's change table as the Markdown table in its docs page (kept in sync by a test). */
export function changeTableMarkdown(rules: readonly ChangeRule[], order: ReplaceOrder): string {
  const replaceText =
    order === "delete-first"
      ? "replace (delete first)"
      : order === "create-first"
        ? "replace"
        : "replace (create first; delete first only when old and new may be the same row)";
  const rows = rules.map((rule) => [
    rule.label ?? rule.keys.map((k) => `\`${k}\``).join(", "),
    rule.change === "none" ? "no diff" : rule.change === "replace" ? replaceText : "update",
    rule.why,
  ]);
  const header = ["Property", "Change", "Why"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n");
}

/** Every resource's behaviour settings: they change how the next operation runs, not the object. */
export const behaviourRule: ChangeRule = {
  keys: ["adopt", "deleteAdopted", "timeouts", "owner"],
  change: "none",
  why: "Only affect how operations run (`owner`, set by the SDK, names the resource in create intents).",
};

/** `companyId` of resources whose objects are environment-wide: it only picks the company in the URL. */
export const urlCompanyRule: ChangeRule = {
  keys: ["companyId"],
  change: "none",
  why: "Only chooses the URL company.",
};

/** A key field BC stores upper-cased (an AL Code field): another value replaces, a change of case does not. */
export function upperCasedKeyRule(key: string, why: string): ChangeRule {
  return {
    keys: [key],
    change: "replace",
    why,
    value: (side) => (typeof side[key] === "string" ? (side[key] as string).toUpperCase() : side[key]),
  };
}
