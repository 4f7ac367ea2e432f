/**
 * A credential in plain stack config (`pulumi config set --plaintext businesscentral:clientSecret …`) would sit in
 * Pulumi.<stack>.yaml and, once a resource records its connection, in the state file unencrypted. Only the program's
 * process can tell: the dynamic provider receives config with secrets already unwrapped. So the SDK checks when it
 * loads, before any resource registers, and stops the run with the fix.
 *
 * Whether a config key was set as a secret is known to @pulumi/pulumi's runtime only (`isConfigSecret` and the
 * secret keys the language host passes, both internal: https://github.com/pulumi/pulumi/blob/master/sdk/nodejs/runtime/config.ts).
 * They are feature-checked; when this @pulumi/pulumi cannot tell, a warning replaces the refusal.
 */
import * as pulumi from "@pulumi/pulumi";

/** Stack config keys whose values are credentials. Certificates and federated tokens are otherwise given as paths. */
const CREDENTIAL_KEYS = ["clientSecret", "clientCertificatePem", "federatedToken"].map((k) => `businesscentral:${k}`);

interface SecretKnowledge {
  isSecret: (key: string) => boolean;
}

/** How to ask the runtime whether a key is secret, or undefined when this @pulumi/pulumi does not say. */
function secretKnowledge(): SecretKnowledge | undefined {
  const runtime = pulumi.runtime as unknown as {
    isConfigSecret?: unknown;
    configSecretKeysEnvKey?: unknown;
  };
  if (typeof runtime.isConfigSecret !== "function" || typeof runtime.configSecretKeysEnvKey !== "string")
    return undefined;
  // The language host passes the secret keys (possibly "[]"); without that list every key would look plain.
  if (!secretKeysKnown(runtime.configSecretKeysEnvKey)) return undefined;
  const isConfigSecret = runtime.isConfigSecret as (key: string) => boolean;
  return { isSecret: (key) => isConfigSecret(key) };
}

/** Whether the runtime was given the list of secret keys (an environment variable, or the Automation API's store). */
function secretKeysKnown(envKey: string): boolean {
  if (process.env[envKey]) return true;
  try {
    // An internal module of the user's @pulumi/pulumi: feature-checked, never relied on.
    const state = require("@pulumi/pulumi/runtime/state") as { getStore?: () => { config?: Record<string, string> } };
    return Boolean(state.getStore?.().config?.[envKey]);
  } catch {
    return false;
  }
}

/** Stops the program (a RunError: no stack trace) when a credential is in plain stack config; warns when it cannot tell. */
export function refusePlaintextCredentials(): void {
  const config = pulumi.runtime.allConfig();
  const present = CREDENTIAL_KEYS.filter((key) => config[key] !== undefined);
  if (present.length === 0) return;
  const knowledge = secretKnowledge();
  if (!knowledge) {
    pulumi.log.warn(
      `pulumi-businesscentral cannot tell whether ${present.join(", ")} ${present.length > 1 ? "are" : "is"} stored as a secret with this @pulumi/pulumi. ` +
        `Make sure ${present.length > 1 ? "they were" : "it was"} set with \`pulumi config set --secret\`: a plain-text credential ends up unencrypted in the stack's config and state.`,
    );
    return;
  }
  const plain = present.filter((key) => !knowledge.isSecret(key));
  if (plain.length === 0) return;
  throw new pulumi.RunError(
    `${plain.join(", ")} ${plain.length > 1 ? "are" : "is"} set in plain text in the stack's config; ` +
      "pulumi-businesscentral refuses to run, because the credential would be stored unencrypted in the stack's config and state. " +
      `Set ${plain.length > 1 ? "them" : "it"} as a secret: ${plain
        .map((key) => `\`pulumi config set --secret ${key}\``)
        .join(", ")} (it reads the value from stdin), then run again.`,
  );
}

refusePlaintextCredentials();
