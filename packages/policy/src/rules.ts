/**
 * The checks themselves, as pure functions of one resource (and, where it matters, whether its environment is
 * production). Each message names the resource, the property and the fix.
 */
import type { ResourceView, Verdict } from "./production";
import { read, readFlag, readString, UNKNOWN } from "./props";

export interface Finding {
  message: string;
  /** The finding exists because the environment is production (a stack-level re-check may find more of these). */
  inProduction: boolean;
  /** A value is not known yet at preview: reported as advisory "cannot tell yet", checked again during `up`. */
  uncertain?: boolean;
}

export type Rule = (r: ResourceView, verdict: () => Verdict) => Finding[];

const AGAIN_AT_UP =
  "The check runs again during `pulumi up`, where a mandatory violation stops the run before the resource is created.";

function cannotTell(what: string): Finding {
  return { message: `Cannot tell yet: ${what}. ${AGAIN_AT_UP}`, inProduction: false, uncertain: true };
}

const who = (r: ResourceView) => `${r.kind} '${r.name}'`;

const SUPER_ROLES = new Set(["SUPER", "SUPER (DATA)"]);

function principalOf(props: Record<string, unknown>): string {
  for (const key of ["userName", "userSecurityId"]) {
    const value = readString(props, key);
    if (typeof value === "string") return `${key} '${value}'`;
  }
  return "its principal";
}

/** No SUPER / SUPER (DATA) to a security group anywhere, nor to anyone in production. */
export const noSuperPermissionSets: Rule = (r, verdictOf) => {
  if (r.kind !== "PermissionSetAssignment") return [];
  const role = readString(r.props, "roleId");
  if (role === UNKNOWN) return [cannotTell(`${who(r)} takes roleId from a value not known yet, so it may grant SUPER`)];
  if (role === undefined || !SUPER_ROLES.has(role.toUpperCase().replace(/\s+/g, " "))) return [];
  const fix = `Fix: set roleId to a narrower permission set (e.g. D365 BUS FULL ACCESS), or leave ${role} to be granted by hand to named administrators for the time it is needed.`;
  const group = readString(r.props, "securityGroupId");
  if (group === UNKNOWN) return [cannotTell(`${who(r)} grants ${role}, and its securityGroupId is not known yet`)];
  if (group !== undefined) {
    return [
      {
        message: `${who(r)} grants ${role} to a security group (securityGroupId '${group}'): every member of the group, now and later, gets unrestricted access to every company. ${fix}`,
        inProduction: false,
      },
    ];
  }
  const verdict = verdictOf();
  if (verdict.production === "unknown") return [cannotTell(`${who(r)} grants ${role}, and ${verdict.why}`)];
  if (!verdict.production) return [];
  return [
    {
      message: `${who(r)} grants ${role} to ${principalOf(r.props)} (roleId) in production environment ${verdict.label}. ${fix}`,
      inProduction: true,
    },
  ];
};

/** A Production Environment must not be deletable by `destroy` or a replace: no `allowDelete: true` unless protected. */
export const protectProductionEnvironments: Rule = (r) => {
  if (r.kind !== "Environment" || r.protect) return [];
  const allow = readFlag(r.props, "allowDelete");
  if (allow === false) return [];
  const type = readString(r.props, "type");
  if (allow === UNKNOWN || type === UNKNOWN) {
    const unknown = allow === UNKNOWN ? "allowDelete" : "type";
    return [cannotTell(`${who(r)} is not protected and its ${unknown} is not known yet`)];
  }
  if (type?.toLowerCase() !== "production") return [];
  const name = readString(r.props, "name");
  const label = typeof name === "string" ? ` ('${name}')` : "";
  return [
    {
      message: `${who(r)}${label} is of type Production and sets allowDelete: true without protect: true, so \`pulumi destroy\`, or a change that replaces it, deletes the production environment. Fix: remove allowDelete (or set it to false), or add { protect: true } to its resource options.`,
      inProduction: false,
    },
  ];
};

/** `deleteAdopted: true` on an object in production: destroy would delete what was there before the stack. */
export const noDeleteAdoptedInProduction: Rule = (r, verdictOf) => {
  const flag = readFlag(r.props, "deleteAdopted");
  if (flag === false) return [];
  const verdict = verdictOf();
  if (verdict.production === false) return [];
  if (flag === UNKNOWN) return [cannotTell(`${who(r)} takes deleteAdopted from a value not known yet`)];
  if (verdict.production === "unknown") return [cannotTell(`${who(r)} sets deleteAdopted: true, and ${verdict.why}`)];
  return [
    {
      message: `${who(r)} sets deleteAdopted: true in production environment ${verdict.label}: \`pulumi destroy\`, or a change that replaces it, deletes an object that existed before this stack adopted it. Fix: remove deleteAdopted (adopted objects are then left in place on destroy), or delete the object deliberately by hand.`,
      inProduction: true,
    },
  ];
};

/** An AppSource Extension should pin `appSource.version`. */
export const pinAppSourceVersions: Rule = (r) => {
  if (r.kind !== "Extension") return [];
  const source = read(r.props, "appSource");
  if (source === undefined || source === null) return [];
  if (source === UNKNOWN) return [cannotTell(`${who(r)} takes appSource from a value not known yet`)];
  if (readString(source, "version") !== undefined) return [];
  const appId = readString(source, "appId");
  const app = typeof appId === "string" ? ` ${appId}` : "";
  return [
    {
      message: `${who(r)} installs AppSource app${app} without appSource.version: every \`up\` that creates or replaces it installs whatever version is newest that day, so stacks of the same program drift apart. Fix: set appSource.version to the version you tested, and raise it deliberately.`,
      inProduction: false,
    },
  ];
};

function isForceSync(mode: string): boolean {
  return mode.replace(/[\s_-]/g, "").toLowerCase() === "forcesync";
}

/** A schema sync mode or uninstall option that deletes data, in production. */
export const noDataDeletingOptionsInProduction: Rule = (r, verdictOf) => {
  if (r.kind !== "Extension") return [];
  const mode = readString(r.props, "schemaSyncMode");
  const force = mode === UNKNOWN ? UNKNOWN : mode !== undefined && isForceSync(mode);
  const deleteData = readFlag(r.props, "deleteData");
  if (force === false && deleteData === false) return [];
  const verdict = verdictOf();
  if (verdict.production === false) return [];
  if (verdict.production === "unknown") {
    const option = force !== false ? "schemaSyncMode" : "deleteData";
    return [cannotTell(`${who(r)} sets ${option}, and ${verdict.why}`)];
  }
  const findings: Finding[] = [];
  if (force === true)
    findings.push({
      message: `${who(r)} sets schemaSyncMode: "${mode as string}" in production environment ${verdict.label}: BC drops the tables and fields the new version no longer has, with their data. Fix: use schemaSyncMode "Add" (the default) and move data with upgrade code in the app.`,
      inProduction: true,
    });
  if (deleteData === true)
    findings.push({
      message: `${who(r)} sets deleteData: true in production environment ${verdict.label}: uninstalling it (destroy, or a change that replaces it) deletes the extension's data for good. Fix: remove deleteData (uninstalling then keeps the data).`,
      inProduction: true,
    });
  if (force === UNKNOWN) findings.push(cannotTell(`${who(r)} takes schemaSyncMode from a value not known yet`));
  if (deleteData === UNKNOWN) findings.push(cannotTell(`${who(r)} takes deleteData from a value not known yet`));
  return findings;
};

/** More resources of this provider in one stack than `limit`. */
export function tooManyResources(count: number, limit: number): string | undefined {
  if (count <= limit) return undefined;
  return `This stack declares ${count.toLocaleString("en-US")} Business Central resources, more than maxResources (${limit.toLocaleString("en-US")}): every step rewrites the whole checkpoint, so each \`up\` slows down as the stack grows, and one failing tenant holds up all the others. Fix: split the program into one stack per tenant (the same program, each stack with its own config) and run them together with \`npx pulumi-businesscentral fleet\`.`;
}
