/**
 * What the Admin Center answers to a bad environment create or copy, turned into errors that name the resource's
 * input and say what to do (the error codes of https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments).
 */
import type { AdminCenterApi } from "../../admin";
import { BcApiError } from "../../errors";

/** Inputs a failure can be about. */
type Field =
  | "name"
  | "type"
  | "countryCode"
  | "ringName"
  | "applicationVersion"
  | "copyFrom.environment"
  | "restoreFrom.environment"
  | "restoreFrom.pointInTime";

const byCode: Record<string, { field: Field; fix: string }> = {
  environmentnamenotvalid: {
    field: "name",
    fix: "Use fewer than 30 characters: a letter first, then letters, digits, _ or -, and not a reserved word.",
  },
  resourceexists: {
    field: "name",
    fix: "Choose another name, or set adopt: true to manage the existing environment. (BC renames a deleted environment at once, so a deleted one does not hold the name.)",
  },
  applicationfamilynotaccessible: {
    field: "countryCode",
    fix: "Use a country/region code your tenant can create environments in (the admin center's Create environment dialog lists them), e.g. US, GB, DK.",
  },
};

/** An error that names the input (`field: …`) when the Admin Center's answer is about one; otherwise the original. */
export async function explainAdminFailure(
  err: unknown,
  admin: AdminCenterApi,
  what: { name: string; type: string },
): Promise<unknown> {
  if (!(err instanceof BcApiError) || err.service !== "admin") return err;
  const code = err.code.toLowerCase();
  // Another environment of the tenant is being created: the caller waits for it and tries again.
  if (code === "tenantalreadyprovisioning") return err;
  if (code === "maximumnumberofenvironmentsallowedreached") return quotaError(err, admin, what.type);
  if (code === "environmentnotfound" && /\/(copy|restore)$/i.test(err.path)) {
    const field = /\/restore$/i.test(err.path) ? "restoreFrom.environment" : "copyFrom.environment";
    return new Error(
      `${field}: ${err.serviceMessage} Name an existing environment of this tenant (${await environmentNames(admin)}).`,
    );
  }
  if (/\/restore$/i.test(err.path) && /point ?in ?time/i.test(err.serviceMessage)) {
    return new Error(
      `restoreFrom.pointInTime: ${err.serviceMessage} Use a UTC time in the past, at most 28 days ago (and not before the environment's first backup, about 30 minutes after it was created).`,
    );
  }
  const known = byCode[code] ?? fieldFromMessage(err.serviceMessage);
  if (!known) return err;
  return new Error(`${known.field}: ${err.serviceMessage} ${known.fix}`);
}

function fieldFromMessage(message: string): { field: Field; fix: string } | undefined {
  if (/ring/i.test(message)) {
    return { field: "ringName", fix: 'Use "PROD" (production ring) or "PREVIEW"; production environments need PROD.' };
  }
  if (/application version/i.test(message)) {
    return {
      field: "applicationVersion",
      fix: "Leave it unset for the latest version of the ring, or use a version the ring offers.",
    };
  }
  if (/country/i.test(message)) return byCode.applicationfamilynotaccessible;
  return undefined;
}

async function quotaError(err: BcApiError, admin: AdminCenterApi, type: string): Promise<Error> {
  const quotas = await admin.quotas().catch(() => undefined);
  const limit = type === "Production" ? quotas?.environmentsCount?.production : quotas?.environmentsCount?.sandbox;
  return new Error(
    `type: ${err.serviceMessage}${limit === undefined ? "" : ` (quota: ${limit} ${type.toLowerCase()} environments)`} ` +
      `Delete a ${type.toLowerCase()} environment you no longer need (Environments in the admin center; soft-deleted ones do not count), ` +
      "or buy additional environments for the tenant, then run pulumi up again.",
  );
}

export async function environmentNames(admin: AdminCenterApi): Promise<string> {
  const all = await admin.listEnvironments().catch(() => []);
  return all.length > 0 ? `environments: ${all.map((e) => `'${e.name}' (${e.type})`).join(", ")}` : "none listed";
}
