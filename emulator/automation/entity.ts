import type { BehaviourSwitches, AsyncDelays } from "../options";
import type { TransientState } from "../server-deps";
import type { CompanyState, EnvironmentState, TenantState, UserState } from "../state/model";
import type { EnvironmentFeatures } from "./features";

/** JSON types of entity properties as the automation pages expose them. */
export type FieldType = "string" | "guid" | "int" | "decimal" | "bool" | "datetime" | "date" | "enum";

export interface FieldSpec {
  type: FieldType;
  /** Writable through POST/PATCH (the page's Editable). Read-only fields in a body are refused. */
  editable?: boolean;
  /** Maximum text length (AL Text[n]/Code[n]); longer values fail with `Application_StringExceededLength`. */
  maxLength?: number;
  /** AL Code field: stored upper-case. */
  code?: boolean;
  /**
   * Member names of an enum/option field (stored as given here; sent XML-encoded, see ./wire.ts). Input may be the
   * name, its encoded form or its caption, matched case-insensitively.
   */
  enumValues?: readonly string[];
  /** Captions that differ from the member name (`Force Sync` has caption `Force`). */
  enumCaptions?: Readonly<Record<string, string>>;
  /** NotBlank: empty values are refused. */
  notBlank?: boolean;
  /** Read-only field that POST bodies may carry and the page silently overwrites (e.g. automationCompanies.name). */
  ignoredOnInsert?: boolean;
  /** Present only when this returns true (version-dependent fields). */
  available?: (features: EnvironmentFeatures) => boolean;
}

export interface KeyField {
  name: string;
  type: "guid" | "string" | "int";
}

/** Everything a handler needs about the request it serves. */
export interface AutomationContext {
  tenant: TenantState;
  env: EnvironmentState;
  /** Company from the path (or `?company=`); undefined only for the root `companies` collection. */
  company?: CompanyState;
  features: EnvironmentFeatures;
  /** The application user of the calling app in this environment. */
  caller: UserState | { userSecurityId: string; userName: string };
  behaviour: BehaviourSwitches;
  delays: AsyncDelays;
  timeScale: number;
  now(): number;
  newGuid(): string;
  /** Marks the state dirty so the store persists it after the request. */
  changed(): void;
  /** The emulator's memory outside the persisted state. */
  transient: TransientState;
  /**
   * Absolute automation service root of this request (`https://…/v2.0/[tenant/]env/api/microsoft/automation/v2.0`).
   * Entities use its origin to build absolute `@odata.mediaEditLink`s (BCCH PATCHes the link it is given).
   */
  serviceRoot?: string;
}

/** How a bound action completed; decides the HTTP answer (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/developer/methods-auto/webserviceactionresultcode/webserviceactionresultcode-option). */
export type ActionResult =
  | { kind: "Updated" }
  | { kind: "Deleted" }
  | { kind: "Created"; body?: Record<string, unknown> };

/**
 * An entity set of any row type, as routing and validation handle it. Only the set's own functions look inside its
 * rows, so a row is `unknown` outside them.
 */
// biome-ignore lint/suspicious/noExplicitAny: the one place where sets of different row types meet
export type AnyEntitySet = EntitySetDef<any>;

export interface Parent {
  set: AnyEntitySet;
  row: unknown;
}

/**
 * One OData entity set (an automation API page). Handlers receive and return the emulator's own rows;
 * `toWire` turns a row into the page's JSON. Absent handlers mean the verb is not allowed (405).
 */
export interface EntitySetDef<Row> {
  entitySet: string;
  /** EDM entity type name used in messages (`Microsoft.NAV.<entityType>`). */
  entityType: string;
  /** Page caption, used in permission errors. */
  page: string;
  keys: KeyField[];
  fields: Record<string, FieldSpec>;
  /** Navigation properties (child entity sets evaluated against this row). */
  navigations?: Record<string, AnyEntitySet>;
  /** Media (stream) properties addressable as `<entity>(<key>)/<name>`. */
  media?: Record<string, MediaDef<Row>>;
  /** Bound actions `Microsoft.NAV.<name>`. */
  actions?: Record<
    string,
    (ctx: AutomationContext, row: Row, parent?: Parent, body?: Record<string, unknown>) => ActionResult
  >;
  /** Whether the set exists in this environment's version (else 404 like an unknown route). */
  available?: (features: EnvironmentFeatures) => boolean;
  /** Rows visible at this path. May throw (e.g. pages that demand a filter). */
  list(ctx: AutomationContext, parent: Parent | undefined, filterText?: string): Row[];
  keyOf(row: Row): Record<string, string | number>;
  toWire(row: Row, ctx: AutomationContext): Record<string, unknown>;
  /** Revision counter of the row (feeds the ETag). */
  rev?(row: Row): number;
  insert?(ctx: AutomationContext, body: Record<string, unknown>, parent: Parent | undefined): Row;
  modify?(ctx: AutomationContext, row: Row, body: Record<string, unknown>, parent: Parent | undefined): void;
  remove?(ctx: AutomationContext, row: Row, parent: Parent | undefined): void;
}

export interface MediaDef<Row> {
  read(ctx: AutomationContext, row: Row): Buffer;
  write(ctx: AutomationContext, row: Row, bytes: Buffer): void;
}

/** Returns the fields that exist in this environment's version. */
export function activeFields(def: AnyEntitySet, features: EnvironmentFeatures): Record<string, FieldSpec> {
  const out: Record<string, FieldSpec> = {};
  for (const [name, spec] of Object.entries(def.fields)) {
    if (!spec.available || spec.available(features)) out[name] = spec;
  }
  return out;
}
