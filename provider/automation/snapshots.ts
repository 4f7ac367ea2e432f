/**
 * Shared reads of one environment for one connection (principal): the collections resources look things up in
 * (companies, users with their permission assignments, security groups with theirs, permission sets), each read
 * once per burst of operations and shared by every resource of the run (see SharedRead). A `pulumi up` of 200
 * assignments then sends 200 POSTs and a handful of collection GETs instead of five requests per resource, and a
 * refresh of 200 assignments reads `users?$expand=userPermissions` once instead of 200 times.
 *
 * Lifetime, two strengths (see SharedRead):
 * - `fresh` reads (a resource's `read`, i.e. refresh and drift) use only a load that started after the command
 *   began: every change made in BC before the command shows (docs/reliability.md, "What refresh sees").
 * - shared look-ups (resolving names before a create) use a load up to `maxAgeMs` old (default 5 s; up to twice that
 *   while a newer load runs in the background, so creates never stop for a reload). A look-up that
 *   finds nothing falls back to a direct request, so staleness can cost a request, never a wrong "not there"; an
 *   assignment the snapshot says exists is confirmed with BC before it is adopted; one it misses is caught by BC's
 *   duplicate-key answer.
 * Writes through this connection show at once in both (edited in or invalidated, see `afterWrite`).
 *
 * Layering: the client below knows nothing of these reads (it reports its writes through `onWrite`); the scope
 * company above reads `companies` from here; AutomationApi (index.ts) wires the three together.
 */
import type { AutomationClient, WriteOutcome } from "./client";
import { SharedRead } from "./shared-read";
import { BcApiError } from "../errors";
import {
  type AutomationCompany,
  type Company,
  type EntitySchema,
  entities,
  type PermissionSet,
  parseEntity,
  type SecurityGroup,
  type User,
  type UserPermission,
} from "./schemas";

export const DEFAULT_SNAPSHOT_MAX_AGE_MS = 5_000;
export const DEFAULT_SNAPSHOT_GATHER_MS = 25;

/** A principal and the permission sets assigned to it (by assignment id, lower-case). */
export interface Holder<P> {
  principal: P;
  /** Undefined when BC refused `$expand=userPermissions`: callers then read the grantee's rows directly. */
  permissions?: Map<string, UserPermission>;
}

/** Holders by id (lower-case): user security ids, or security group ids. */
export type Directory<P> = Map<string, Holder<P>>;

export type GranteeKey = { userSecurityId: string } | { securityGroupId: string };

/** `settled`: any loaded value, whatever its age (preview checks, see SharedRead.settled). */
export type Freshness = "shared" | "fresh" | "settled";

export interface SnapshotOptions {
  maxAgeMs?: number;
  gatherMs?: number;
  now?: () => number;
  /** When the command began (the runtime's CommandClock); `fresh` reads take only loads begun after it. */
  commandStart?: () => number;
}

export class Snapshots {
  private readonly reads = new Map<string, SharedRead<unknown>>();
  private readonly expandRefused = new Set<string>();
  private readonly options: SnapshotOptions & { maxAgeMs: number; gatherMs: number };

  constructor(
    private readonly client: AutomationClient,
    /** The company the company-scoped collections are read through when no scope is given (see ScopeCompany). */
    private readonly scopeCompanyId: () => Promise<string>,
    options: SnapshotOptions = {},
  ) {
    this.options = {
      maxAgeMs: options.maxAgeMs ?? DEFAULT_SNAPSHOT_MAX_AGE_MS,
      gatherMs: options.gatherMs ?? DEFAULT_SNAPSHOT_GATHER_MS,
      now: options.now,
      commandStart: options.commandStart,
    };
  }

  /** `GET companies` (no company in the path). */
  companies(freshness: Freshness = "shared"): Promise<Company[]> {
    return this.shared(
      "companies",
      "",
      () => this.client.list(entities.company, `${this.client.root}/companies`),
      freshness,
    );
  }

  /** `GET …/automationCompanies`, by id. */
  automationCompanies(scope?: string): Promise<Map<string, AutomationCompany>> {
    return this.shared("automationCompanies", scope, async () => {
      const url = this.client.companyUrl(scope ?? (await this.scopeCompanyId()), "automationCompanies");
      return byId(await this.client.list(entities.automationCompany, url), (c) => c.id);
    });
  }

  /** `GET …/users?$expand=userPermissions`: every user with its assignments in one read. */
  users(scope?: string, freshness: Freshness = "shared"): Promise<Directory<User>> {
    return this.shared(
      "users",
      scope,
      () => this.directory("users", scope, entities.user, (u) => u.userSecurityId),
      freshness,
    );
  }

  /** `GET …/securityGroups?$expand=userPermissions`. */
  securityGroups(scope?: string, freshness: Freshness = "shared"): Promise<Directory<SecurityGroup>> {
    return this.shared(
      "securityGroups",
      scope,
      () => this.directory("securityGroups", scope, entities.securityGroup, (g) => g.id),
      freshness,
    );
  }

  /** `GET …/permissionSets`. */
  permissionSets(scope?: string, freshness: Freshness = "shared"): Promise<PermissionSet[]> {
    return this.shared(
      "permissionSets",
      scope,
      async () => {
        const url = this.client.companyUrl(scope ?? (await this.scopeCompanyId()), "permissionSets");
        return this.client.list(entities.permissionSet, url);
      },
      freshness,
    );
  }

  /** An assignment this connection created (or found by BC's duplicate-key answer). */
  permissionAdded(grantee: GranteeKey, permission: UserPermission): void {
    this.editHolder(grantee, (holder) => holder.permissions?.set(permission.id.toLowerCase(), permission));
  }

  /** An assignment this connection deleted (or found gone). */
  permissionRemoved(grantee: GranteeKey, id: string): void {
    this.editHolder(grantee, (holder) => holder.permissions?.delete(id.toLowerCase()));
  }

  /** A company this connection created or changed (automationCompanies answers with the row). */
  companyWritten(company: AutomationCompany): void {
    this.editEach("automationCompanies", (all: Map<string, AutomationCompany>) =>
      all.set(company.id.toLowerCase(), company),
    );
  }

  /**
   * After every write the client sends (whatever its outcome): drops what it may have changed, unless the
   * operation edits the snapshot itself (`permissionAdded`, `companyWritten`, … after a known success).
   */
  afterWrite(method: string, url: string, outcome: WriteOutcome): void {
    if (outcome === "refused") return;
    const succeeded = outcome === "done";
    const path = new URL(url).pathname;
    if (/\/userPermissions(\(|$)/.test(path)) {
      // Success is edited in precisely by the caller; an unknown outcome may have changed the grantee's rows.
      if (!succeeded) this.invalidate(path.includes("/securityGroups(") ? ["securityGroups"] : ["users"]);
      return;
    }
    if (/\/automationCompanies(\(|$)/.test(path)) {
      // `companies` rows carry other fields than automationCompanies answers: read again. Deleting a company also
      // deletes the assignments in it (Access Control rows with its name).
      this.invalidate(["companies"]);
      if (method === "DELETE" || !succeeded) this.invalidate(["automationCompanies", "users", "securityGroups"]);
      return;
    }
    if (/\/users\(/.test(path)) this.invalidate(["users"]);
    else if (/\/securityGroups(\(|$)/.test(path)) this.invalidate(["securityGroups"]);
    // Installing or removing an extension adds or removes the permission sets it defines.
    else if (/\/(extensions|extensionUpload)(\(|$)/.test(path)) this.invalidate(["permissionSets"]);
    // Anything else (a RapidStart apply can write any table): nothing shared survives.
    else this.invalidate();
  }

  /** Drops the named collections (all when none named), in every scope. */
  invalidate(names?: readonly string[]): void {
    for (const [key, read] of this.reads) {
      if (!names || names.includes(key.split("|")[0] ?? "")) read.invalidate();
    }
  }

  private async directory<P>(
    set: "users" | "securityGroups",
    scope: string | undefined,
    schema: EntitySchema<P>,
    idOf: (p: P) => string,
  ): Promise<Directory<P>> {
    const url = this.client.companyUrl(scope ?? (await this.scopeCompanyId()), set);
    let rows: P[];
    let expanded = !this.expandRefused.has(set);
    try {
      rows = await this.client.list(schema, url, expanded ? { expand: "userPermissions" } : {});
    } catch (err) {
      // `$expand` of a navigation part is documented for API pages [INF for these]; where BC refuses it, the
      // principals are still shared and each grantee's rows are read on their own.
      if (!expanded || !(err instanceof BcApiError && err.status === 400)) throw err;
      this.expandRefused.add(set);
      expanded = false;
      rows = await this.client.list(schema, url);
    }
    const out: Directory<P> = new Map();
    for (const row of rows) {
      // The expanded rows are kept once, in `permissions`, not also on the principal handed to callers.
      const { userPermissions: nested, ...principal } = row as P & { userPermissions?: unknown };
      const permissions = expanded
        ? byId(
            (Array.isArray(nested) ? nested : []).map((p) =>
              parseEntity(entities.userPermission, p, `${set}/userPermissions`),
            ),
            (p) => p.id,
          )
        : undefined;
      out.set(idOf(row).toLowerCase(), { principal: principal as P, permissions });
    }
    return out;
  }

  private editHolder(grantee: GranteeKey, change: (holder: Holder<unknown>) => void): void {
    const [name, id] =
      "userSecurityId" in grantee ? ["users", grantee.userSecurityId] : ["securityGroups", grantee.securityGroupId];
    this.editEach(name, (directory: Directory<unknown>) => {
      const holder = directory.get(id.toLowerCase());
      if (holder) change(holder);
    });
  }

  private editEach<T>(name: string, change: (value: T) => void): void {
    for (const [key, read] of this.reads) {
      if (key.split("|")[0] === name) (read as SharedRead<T>).edit(change);
    }
  }

  private shared<T>(
    name: string,
    scope: string | undefined,
    load: () => Promise<T>,
    freshness: Freshness = "shared",
  ): Promise<T> {
    const key = `${name}|${scope?.toLowerCase() ?? ""}`;
    let read = this.reads.get(key) as SharedRead<T> | undefined;
    if (!read) {
      read = new SharedRead(load, this.options);
      this.reads.set(key, read as SharedRead<unknown>);
    }
    if (freshness === "settled") return read.settled();
    return freshness === "fresh" ? read.fresh() : read.get();
  }
}

function byId<T>(rows: readonly T[], idOf: (row: T) => string): Map<string, T> {
  return new Map(rows.map((row) => [idOf(row).toLowerCase(), row]));
}
