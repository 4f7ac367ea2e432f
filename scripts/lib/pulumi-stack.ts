/**
 * Runs a Pulumi program through the Automation API with the locally built engine, fully offline:
 * local file backend, passphrase secrets, no update checks, no plugin downloads. Inline programs need no
 * Node language host; the tests use them where they are the better tool (fault injection mid-run). The user's path,
 * `pulumi up` on a program folder, is scripts/lib/cli.ts.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type ConfigMap, LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";

export const REPO_ROOT = resolve(__dirname, "../../..");
export const PULUMI_ROOT = join(REPO_ROOT, ".tools", "pulumi");

export interface StackOptions {
  projectName: string;
  stackName: string;
  program: () => Promise<Record<string, unknown> | undefined>;
  /** Directory of the local backend (created if missing). */
  stateDir: string;
  /** Stack configuration; mark credentials `secret: true` so they are encrypted in state. */
  config: ConfigMap;
  /** Passphrase for the passphrase secrets provider (default: a fixed local one). */
  passphrase?: string;
}

export async function openStack(options: StackOptions): Promise<Stack> {
  if (!existsSync(join(PULUMI_ROOT, "bin", "pulumi"))) {
    throw new Error("The Pulumi engine is not installed: run scripts/install-pulumi (npm test and npm run demo do).");
  }
  const stateDir = resolve(options.stateDir);
  mkdirSync(stateDir, { recursive: true });
  mkdirSync(join(stateDir, ".pulumi-home"), { recursive: true });
  const pulumiCommand = await PulumiCommand.get({ root: PULUMI_ROOT });
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: options.projectName, stackName: options.stackName, program: options.program },
    {
      pulumiCommand,
      pulumiHome: join(stateDir, ".pulumi-home"),
      secretsProvider: "passphrase",
      // `main` sets the dynamic-provider plugin's cwd: the shim resolves the provider from node_modules there.
      projectSettings: {
        name: options.projectName,
        runtime: "nodejs",
        main: process.cwd(),
        backend: { url: `file://${stateDir}` },
      },
      envVars: {
        PULUMI_BACKEND_URL: `file://${stateDir}`,
        PULUMI_CONFIG_PASSPHRASE: options.passphrase ?? "local-emulator-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
      },
    },
  );
  await stack.setAllConfig(options.config);
  return stack;
}
