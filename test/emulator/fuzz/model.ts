/**
 * What the fuzzer knows about the emulator's request surface, read at run time so that entity sets added later
 * are fuzzed without touching the fuzzer:
 *
 * - the automation entity sets, their keys, fields, navigations, actions and media from the registry
 *   (`companyScopedSets`);
 * - real key values and field values, gathered by crawling the seeded emulator over HTTPS (GET every set in every
 *   company of every environment, and the navigations of the first rows).
 *
 * The seed is restored before every fuzz run, so the crawled keys stay valid for the whole test.
 */
import type { EntitySetDef, FieldSpec, KeyField } from "../../../emulator/automation/entity";
import { companiesSet } from "../../../emulator/automation/entities/companies";
import { companyScopedSets } from "../../../emulator/automation/registry";
import type { TestEmulator } from "../../helpers/emulator";

export interface SetModel {
  name: string;
  keys: KeyField[];
  fields: Record<string, FieldSpec>;
  /** Navigation name ⇒ the child set's name (its entitySet). */
  navigations: Record<string, string>;
  actions: string[];
  media: string[];
  canInsert: boolean;
  canModify: boolean;
  canRemove: boolean;
}

export interface SurfaceModel {
  /** Every set reachable from a company, top-level or through navigations, by entitySet name. */
  sets: Record<string, SetModel>;
  /** Sets addressable directly under `companies(<id>)/`. */
  topLevel: string[];
  /** Per environment, per set: key texts as they appear in a URL (`5f1c…`, `'CODE'`, `scope='System',…`). */
  keys: Record<string, Record<string, string[]>>;
  /** Values seen in responses, per property name (primitives only). */
  values: Record<string, unknown[]>;
  /** Per environment name: its company ids. */
  companies: Record<string, string[]>;
  /**
   * Per environment name: the top-level sets it has (version profiles differ): those whose plain GET is not BC's
   * "No HTTP resource" 404 (some answer 400 until filtered, e.g. `userPermissions`).
   */
  available: Record<string, string[]>;
  environments: string[];
  tenantId: string;
  tenantDomains: string[];
}

/** Every name an automation path segment may have: `companies`, `$metadata`, sets, navigations, media, actions. */
export function knownNames(m: Pick<SurfaceModel, "sets" | "topLevel">): Set<string> {
  const names = new Set(["companies", "$metadata", ...m.topLevel]);
  for (const set of Object.values(m.sets)) {
    for (const nav of Object.keys(set.navigations)) names.add(nav);
    for (const media of set.media) names.add(media);
    for (const action of set.actions) names.add(`Microsoft.NAV.${action}`);
  }
  return names;
}

/** Reads the registry: sets, keys, fields, navigations, actions and media. */
export function readRegistry(): Pick<SurfaceModel, "sets" | "topLevel"> {
  const sets: Record<string, SetModel> = {};
  // biome-ignore lint/suspicious/noExplicitAny: the registry holds sets of every row type
  const visit = (def: EntitySetDef<any>) => {
    if (sets[def.entitySet]) return;
    const navigations: Record<string, string> = {};
    sets[def.entitySet] = {
      name: def.entitySet,
      keys: def.keys,
      fields: def.fields,
      navigations,
      actions: Object.keys(def.actions ?? {}),
      media: Object.keys(def.media ?? {}),
      canInsert: def.insert !== undefined,
      canModify: def.modify !== undefined,
      canRemove: def.remove !== undefined,
    };
    for (const [name, child] of Object.entries(def.navigations ?? {})) {
      navigations[name] = child.entitySet;
      visit(child);
    }
  };
  const topLevel = Object.keys(companyScopedSets);
  visit(companiesSet);
  for (const def of Object.values(companyScopedSets)) visit(def);
  return { sets, topLevel };
}

/** The URL text of a key: bare GUIDs and integers, quoted strings (`'` doubled), named parts for composite keys. */
export function keyText(keys: KeyField[], row: Record<string, unknown>): string | undefined {
  const literal = (field: KeyField): string | undefined => {
    const value = row[field.name];
    if (value === undefined || value === null) return undefined;
    return field.type === "string" ? `'${String(value).replace(/'/g, "''")}'` : String(value);
  };
  if (keys.length === 1) return literal(keys[0]);
  const parts = keys.map((k) => {
    const text = literal(k);
    return text === undefined ? undefined : `${k.name}=${text}`;
  });
  return parts.includes(undefined) ? undefined : parts.join(",");
}

/** Crawls the seeded emulator for real keys and values. Sets that refuse a plain GET are simply skipped. */
export async function crawl(t: TestEmulator, environments: string[]): Promise<SurfaceModel> {
  const registry = readRegistry();
  const keys: Record<string, Record<string, Set<string>>> = {};
  const values: Record<string, Set<unknown>> = {};
  const companies: Record<string, string[]> = {};
  const available: Record<string, Set<string>> = {};
  const record = (env: string, set: SetModel, rows: Record<string, unknown>[]) => {
    for (const row of rows) {
      const text = keyText(set.keys, row);
      if (text !== undefined)
        setOf(
          slot(keys, env, () => ({})),
          set.name,
        ).add(text);
      for (const [name, value] of Object.entries(row)) {
        if (name.startsWith("@") || (typeof value === "object" && value !== null)) continue;
        const seen = setOf(values, name);
        if (seen.size < 40) seen.add(value);
      }
    }
  };
  for (const env of environments) {
    const list = await t.call("GET", "companies", { environment: env });
    const ids: string[] = list.json.value.map((c: { id: string }) => c.id);
    companies[env] = ids;
    record(env, registry.sets.companies, list.json.value);
    for (const cid of ids) {
      for (const name of registry.topLevel) {
        const set = registry.sets[name];
        const res = await t.call("GET", `companies(${cid})/${name}`, { environment: env });
        const missing = res.status === 404 && String(res.json?.error?.message).startsWith("No HTTP resource");
        if (!missing) setOf(available, env).add(name);
        if (res.status !== 200) continue;
        const rows = res.json.value as Record<string, unknown>[];
        record(env, set, rows);
        for (const row of rows.slice(0, 2)) {
          const text = keyText(set.keys, row);
          if (text === undefined) continue;
          for (const [nav, childName] of Object.entries(set.navigations)) {
            const child = await t.call("GET", `companies(${cid})/${name}(${text})/${nav}`, { environment: env });
            if (child.status === 200) record(env, registry.sets[childName], child.json.value);
          }
        }
      }
    }
  }
  const tenant = t.emu.state().tenants[0];
  return {
    ...registry,
    keys: Object.fromEntries(
      Object.entries(keys).map(([env, sets]) => [
        env,
        Object.fromEntries(Object.entries(sets).map(([k, v]) => [k, [...v]])),
      ]),
    ),
    values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, [...v]])),
    companies,
    available: Object.fromEntries(environments.map((env) => [env, [...(available[env] ?? [])]])),
    environments,
    tenantId: tenant.id,
    tenantDomains: tenant.domains,
  };
}

/** The entry of `record` at `key`, created by `make` when missing (records built from crawled names). */
function slot<T>(record: Record<string, T>, key: string, make: () => T): T {
  if (!Object.hasOwn(record, key)) record[key] = make();
  return record[key];
}

function setOf<T>(record: Record<string, Set<T>>, key: string): Set<T> {
  return slot(record, key, () => new Set<T>());
}
