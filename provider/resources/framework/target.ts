/**
 * Where a resource lives (tenant and environment) and with which credential it is reached: resolved at check so a
 * changed default shows as a replace in preview, recorded in state, and guarded so read and delete never act in
 * another tenant than the one that holds the object.
 */
import type * as pulumi from "@pulumi/pulumi";
import { type ResolvedConnection, SettingsError, withoutCredential } from "../../connection";
import { BcApiError } from "../../errors";
import type { ProviderRuntime } from "../../runtime";
import type { ChangeRule, PropertyBag } from "./diff";
import { containsUnknown } from "./inputs";

/** Resolves `tenantId` and `environment` into checked inputs, or explains what is missing. */
export function resolveTarget(values: PropertyBag, runtime: ProviderRuntime): pulumi.dynamic.CheckFailure[] {
  if (containsUnknown(values.connection) || containsUnknown(values.environment)) {
    // Preview with a connection built from outputs not known yet: resolve what is known, check fully at `up`.
    const connection = (values.connection ?? {}) as PropertyBag;
    const tenantId = connection.tenantId ?? runtime.configured("tenantId");
    if (tenantId !== undefined) values.tenantId = typeof tenantId === "string" ? tenantId.toLowerCase() : tenantId;
    return [];
  }
  try {
    const { environment, tenantId } = runtime.resolve(values);
    values.environment = environment;
    values.tenantId = tenantId;
    return [];
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    return err.problems.map((problem) => ({ property: "connection", reason: problem }));
  }
}

/** The rules every resource shares for its target; the definitions' own rules come first. */
export const targetRules: readonly ChangeRule[] = [
  {
    keys: ["tenantId"],
    change: "replace",
    why:
      "Another tenant is another object. Resolved at check from `connection.tenantId`, `businesscentral:tenantId` " +
      "or `AZURE_TENANT_ID`, and recorded in state.",
    // State written before tenants were recorded has none, and inputs that were never checked have none: then
    // the recorded tenant stands.
    value: (side, olds) => {
      const tenant = side.tenantId === undefined ? olds.tenantId : side.tenantId;
      return typeof tenant === "string" ? tenant.toLowerCase() : tenant;
    },
  },
  {
    keys: ["connection"],
    change: "update",
    why:
      "Only recorded (shown as `[secret]`): refresh and destroy then use the new credential. A different tenant or " +
      "environment through it replaces (rows `tenantId`, `environment`).",
  },
];

/** Refuses to read or delete in a tenant other than the recorded one. */
export function assertRecordedTenant(kind: string, props: PropertyBag, tenantId: string): void {
  const recorded = typeof props.tenantId === "string" ? props.tenantId.toLowerCase() : undefined;
  if (recorded === undefined || recorded === tenantId.toLowerCase()) return;
  throw new Error(
    `This ${kind} was created in tenant ${recorded}, but its connection now resolves to tenant ${tenantId.toLowerCase()}. ` +
      "Refusing to act in another tenant. Restore the tenant (connection.tenantId, businesscentral:tenantId or " +
      "AZURE_TENANT_ID) to refresh or destroy it; to stop managing it, run pulumi state delete <urn>.",
  );
}

/**
 * Entra's answers while a new credential, app or role assignment propagates. A 401 from BC counts only while the
 * token carries no Automation.ReadWrite.All role (consent not through yet); with the role, the app is simply not
 * registered in the environment, which no waiting fixes: that fails at once with the hint.
 */
function isPropagationError(err: unknown): boolean {
  if (!(err instanceof BcApiError)) return false;
  if (err.code === "AADSTS7000215" || err.code === "AADSTS700016") return true;
  return err.status === 401 && err.service !== "entra" && !(err.tokenRoles ?? []).includes("Automation.ReadWrite.All");
}

/**
 * Runs a create that uses a `connection` input, retrying while Entra ID has not propagated the credential, app or
 * role the program just created (AADSTS7000215, AADSTS700016, a 401 without roles): those refusals come before any
 * request reaches BC, so nothing is sent twice. Bounded by `connection.propagationTimeout` (`propagationMs`).
 */
export async function waitingForPropagation<T>(
  target: Pick<ResolvedConnection, "propagationMs">,
  progress: (line: string) => void,
  run: () => Promise<T>,
): Promise<T> {
  if (target.propagationMs <= 0) return run();
  const deadline = Date.now() + target.propagationMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!isPropagationError(err) || Date.now() > deadline) throw err;
      const code = (err as BcApiError).code || `HTTP ${(err as BcApiError).status}`;
      progress(
        `waiting for Entra ID to propagate the connection's app, credential or role (${code}); attempt ${attempt}`,
      );
      await new Promise((r) => setTimeout(r, Math.min(2_000 * attempt, 15_000)));
    }
  }
}

/** Whether an error is Entra refusing the credential itself (expired or replaced secret, removed certificate). */
function isRejectedCredential(err: unknown): boolean {
  return (
    err instanceof BcApiError && err.service === "entra" && /^AADSTS(7000215|7000222|700027|700024)$/.test(err.code)
  );
}

/**
 * Runs a read or delete with the recorded connection; if Entra rejects its credential (rotated since), runs it
 * again with the stack's own credential (config or environment) for the same tenant and app.
 */
export async function withCredentialFallback<T>(
  props: PropertyBag,
  progress: (line: string) => void,
  run: (props: PropertyBag) => Promise<T>,
): Promise<T> {
  try {
    return await run(props);
  } catch (err) {
    const fallback = withoutCredential(props.connection);
    if (!fallback || !isRejectedCredential(err)) throw err;
    progress(
      "the recorded connection's credential was rejected; using the stack's credential for the same tenant and app",
    );
    return run({ ...props, connection: fallback });
  }
}
