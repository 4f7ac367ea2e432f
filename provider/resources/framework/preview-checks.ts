/**
 * Preview checks: after a clean check, what only BC can tell, with read-only requests through the shared reads
 * (automation/snapshots.ts, `settled`), so a whole stack costs one token and one read per collection per
 * environment. Shared here: the credential gets a token and the target environment exists (one `GET companies` per
 * connection and environment, its verdict kept for the process). Each definition's `verify` adds its own (users,
 * security groups, companies, permission sets). `offlinePreview` turns all of it off.
 */
import type * as pulumi from "@pulumi/pulumi";
import { CREDENTIAL_FIELDS, howToSet } from "../../connection";
import { BcApiError, isNotFound } from "../../errors";
import type { ProviderRuntime } from "../../runtime";
import type { ResourceConnection } from "./context";
import type { PropertyBag } from "./diff";
import { containsUnknown } from "./inputs";
import type { Declaration } from "./preview-state";

type CheckFailure = pulumi.dynamic.CheckFailure;

/** Whether `offlinePreview` is on (a boolean input, or text from stack config or the environment). */
export function offlinePreview(settings: { offlinePreview?: unknown }): boolean {
  const value = settings.offlinePreview;
  return value === true || (typeof value === "string" && /^(1|true|yes|on)$/i.test(value.trim()));
}

/** Records what a checked resource declares in its target (when tenant and environment are known). */
export function recordDeclaration(runtime: ProviderRuntime, values: PropertyBag, what: Declaration | undefined): void {
  const { tenantId, environment } = values;
  if (!what || typeof tenantId !== "string" || typeof environment !== "string") return;
  if (containsUnknown(what)) return;
  runtime.previews.declare(tenantId, environment, what);
}

export type TargetVerdict = { reachable: true } | { reachable: false; failures: CheckFailure[] };

/**
 * Whether the resource's target can be checked further: a token and the environment, asked once per connection
 * and environment. An environment an Environment resource of the stack declares may not exist before `up`: its
 * absence is no failure (the resource's other checks are skipped then). Answers that say nothing about the target
 * (a 401/403 of an app not registered there, a network failure) skip the checks rather than fail the preview: `up`
 * reports them with their own hints. So does a
 * refused token for a credential given in the resource's `connection` input: the program may have just created it,
 * and create waits while Entra propagates it (`propagationTimeout`).
 */
export async function verifyTarget(
  runtime: ProviderRuntime,
  target: ResourceConnection & { tenantId: string; connectionInput?: unknown },
): Promise<TargetVerdict> {
  const input = (target.connectionInput ?? {}) as PropertyBag;
  const credentialFromInput = CREDENTIAL_FIELDS.some((field) => input[field] !== undefined);
  const declared = runtime.previews.declaresEnvironment(target.tenantId, target.environment);
  const verdict = await runtime.previews.once<TargetVerdict>(
    target.connection,
    `target:${target.environment.toLowerCase()}`,
    async () => {
      try {
        await target.automation.snapshots.companies("settled");
        return { reachable: true };
      } catch (err) {
        if (credentialFromInput && err instanceof BcApiError && err.service === "entra") {
          return { reachable: false, failures: [] };
        }
        return { reachable: false, failures: targetFailures(err, target) };
      }
    },
  );
  if (declared && !verdict.reachable && verdict.failures.every((f) => f.property === "environment")) {
    return { reachable: false, failures: [] };
  }
  return verdict;
}

function targetFailures(err: unknown, target: ResourceConnection & { tenantId: string }): CheckFailure[] {
  if (!(err instanceof BcApiError)) return [];
  if (err.service === "entra") {
    return [
      {
        property: "connection",
        reason:
          `the credential gets no token from Entra ID for tenant ${target.tenantId} and app ${target.settings.clientId}: ` +
          `${err.code || `HTTP ${err.status}`}${err.hint ? ` (${err.hint})` : ""}. Fix the credential: a current client secret in ` +
          `${howToSet("clientSecret", "connection")}, or a certificate or federated token (docs/authentication.md).`,
      },
    ];
  }
  if (err.service === "automation" && isNotFound(err) && /environment/i.test(err.serviceMessage)) {
    return [
      {
        property: "environment",
        reason:
          `no environment '${target.environment}' in tenant ${target.tenantId} (it does not exist or is being deleted). ` +
          "Check the name in the Business Central admin center and set it in the resource's environment, " +
          `${howToSet("environment")}; an environment this stack creates is accepted when its Environment resource ` +
          "comes first in the program (or use its name output).",
      },
    ];
  }
  return [];
}

/** Check failures for names a collection does not hold, with the nearest names for a typo. */
export function nearest(wanted: string, known: readonly string[], count = 3): string[] {
  const w = wanted.toUpperCase();
  return [...new Set(known)]
    .map((name) => ({ name, d: distance(w, name.toUpperCase()) }))
    .filter(({ name, d }) => d <= Math.max(2, Math.floor(w.length / 3)) || name.toUpperCase().includes(w))
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, count)
    .map(({ name }) => name);
}

/** " Did you mean 'A' or 'B'?" for near misses, else "". */
export function didYouMean(wanted: string, known: readonly string[]): string {
  const near = nearest(wanted, known);
  if (near.length === 0) return "";
  const quoted = near.map((n) => `'${n}'`);
  return ` Did you mean ${quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`}?`;
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
