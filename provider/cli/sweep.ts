/**
 * `pulumi-businesscentral sweep --prefix pbc-acc- --environment <name> [--dry-run]`: removes what a killed
 * acceptance run left behind (docs/acceptance.md), and nothing else:
 *
 * - companies whose name starts with the prefix (case-insensitive), with their configuration packages, the
 *   permission set assignments limited to them and the user group memberships limited to them;
 * - environment copies whose name starts with the prefix (sandboxes only; soft-deleted ones are left to BC);
 * - whatever the run manifests of that environment list (`$BC_ACCEPTANCE_STATE_DIR/<run>.json`): apps the run was
 *   about to install, its environment copies and companies. A manifest is removed once everything it lists is gone.
 *
 * It refuses a Production environment like the suite does. Exit code: 0 when everything was removed (or there was
 * nothing to remove), 1 when something could not be, 2 on usage errors (as `doctor`).
 */
import { parseArgs } from "node:util";
import type { AdminCenterApi } from "../admin";
import { appOperationState } from "../admin";
import type { AutomationApi } from "../automation";
import { type ExplicitSettings, resolveSettings, SettingsError } from "../connection";
import { isNotFound } from "../errors";
import { redactText } from "../redact";
import { createRuntime } from "../runtime";
import type { CliCommand } from "./command";
import { manifestDir, readManifests, type RunManifest } from "./run-manifest";

export interface SweepIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

export const SWEEP_USAGE = `Usage: pulumi-businesscentral sweep --prefix <prefix> --environment <name> [--dry-run] [options]

Removes what a killed acceptance run left behind: companies named <prefix>… (with their configuration packages,
permission set assignments and user group memberships), environment copies named <prefix>… (sandboxes, not
soft-deleted ones), and whatever the run manifests in $BC_ACCEPTANCE_STATE_DIR list. Touches nothing else.
Refuses a Production environment unless BC_ACCEPTANCE_ALLOW_PRODUCTION=1; without Admin Center access it runs only
with BC_ACCEPTANCE_ENVIRONMENT_TYPE=Sandbox.

Options:
  --prefix <prefix>         name prefix, at least 4 characters (the suite uses pbc-acc-)
  --environment <name>      BC environment (BC_ENVIRONMENT)
  --dry-run                 print what would be removed, remove nothing
  --state-dir <dir>         where run manifests are (BC_ACCEPTANCE_STATE_DIR; default <os temp>/pbc-acceptance)
  --tenant-id, --client-id, --authority-host, --api-base-url, --ca-cert   as for doctor

Exit code: 0 when everything was removed, 1 when something could not be, 2 on usage errors.`;

export async function runSweep(argv: string[], io: SweepIo): Promise<number> {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse(argv).values;
  } catch (err) {
    io.stderr(`${(err as Error).message}\n\n${SWEEP_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${SWEEP_USAGE}\n`);
    return 0;
  }
  const prefix = values.prefix ?? "";
  if (prefix.length < 4) {
    io.stderr(`sweep needs --prefix with at least 4 characters (got '${prefix}').\n\n${SWEEP_USAGE}\n`);
    return 2;
  }
  const env = { ...io.env, ...(values["ca-cert"] ? { BC_CA_CERT_PATH: values["ca-cert"] } : {}) };
  const explicit: ExplicitSettings = {
    tenantId: values["tenant-id"],
    clientId: values["client-id"],
    environment: values.environment,
    authorityHost: values["authority-host"],
    apiBaseUrl: values["api-base-url"],
  };
  const runtime = createRuntime({ env });
  try {
    const settings = resolveSettings(explicit, undefined, env);
    const connection = runtime.connect(settings, { retry: { maxAttempts: 3, baseDelayMs: 500 } });
    const sweeper = new Sweeper(
      connection.automation(settings.environment),
      connection.admin(),
      settings.environment,
      prefix.toLowerCase(),
      values["dry-run"] === true,
      io,
    );
    const refusal = await sweeper.refusal(env);
    if (refusal) {
      io.stderr(`sweep refused: ${refusal}\n`);
      return 1;
    }
    const dir = values["state-dir"] ?? manifestDir(env);
    const ok = await sweeper.sweep(
      readManifests(dir).filter((m) => same(m.manifest.environment, settings.environment)),
    );
    return ok ? 0 : 1;
  } catch (err) {
    const problem = err instanceof SettingsError ? err.problems.join(" ") : ((err as Error).message ?? String(err));
    io.stderr(`sweep failed: ${redactText(problem)}\n`);
    return 1;
  } finally {
    await runtime.close();
  }
}

/** The `sweep` entry of the command table (provider/cli.ts). */
export const command: CliCommand = { help: SWEEP_USAGE, run: runSweep };

class Sweeper {
  private failures = 0;
  private readonly verb: string;

  constructor(
    private readonly automation: AutomationApi,
    private readonly admin: AdminCenterApi,
    private readonly environment: string,
    private readonly prefix: string,
    private readonly dryRun: boolean,
    private readonly io: SweepIo,
  ) {
    this.verb = dryRun ? "would remove" : "removed";
  }

  /** Why this environment must not be swept, or undefined. */
  async refusal(env: NodeJS.ProcessEnv): Promise<string | undefined> {
    let type: string | undefined;
    try {
      type = (await this.admin.getEnvironment(this.environment)).type;
    } catch {
      type = undefined;
    }
    if (type === "Production" && env.BC_ACCEPTANCE_ALLOW_PRODUCTION !== "1")
      return `'${this.environment}' is a Production environment (set BC_ACCEPTANCE_ALLOW_PRODUCTION=1 if you really mean it).`;
    if (type === undefined && env.BC_ACCEPTANCE_ENVIRONMENT_TYPE !== "Sandbox")
      return `the type of '${this.environment}' is unknown without Admin Center access: set BC_ACCEPTANCE_ENVIRONMENT_TYPE=Sandbox to confirm it is a sandbox.`;
    return undefined;
  }

  async sweep(manifests: { file: string; manifest: RunManifest }[]): Promise<boolean> {
    const listed = manifests.map((m) => m.manifest);
    for (const manifest of listed) for (const app of manifest.apps) await this.attempt(() => this.removeApp(app));
    const companyNames = new Set(listed.flatMap((m) => m.companies.map((c) => c.toLowerCase())));
    const companies = await this.automation.automationCompanies.list();
    for (const company of companies) {
      const name = company.name.toLowerCase();
      if (name.startsWith(this.prefix) || companyNames.has(name))
        await this.attempt(() => this.removeCompany(company.id, company.name));
    }
    await this.attempt(() =>
      this.removeEnvironments(new Set(listed.flatMap((m) => m.environments.map((e) => e.toLowerCase())))),
    );
    if (this.failures === 0 && !this.dryRun) {
      const { rmSync } = await import("node:fs");
      for (const { file, manifest } of manifests) {
        rmSync(file, { force: true });
        this.io.stdout(`removed run manifest ${manifest.run} (${file})\n`);
      }
    }
    if (this.failures === 0 && listed.length === 0 && !this.printed) this.io.stdout("nothing to remove\n");
    return this.failures === 0;
  }

  private printed = false;

  /** Progress of long operations goes to stderr: stdout lists what was removed. */
  private readonly progress = (line: string) => this.io.stderr(`${line}\n`);

  private say(text: string): void {
    this.printed = true;
    this.io.stdout(`${text}\n`);
  }

  private async attempt(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.failures++;
      this.io.stderr(`${redactText((err as Error).message ?? String(err))}\n`);
    }
  }

  /** An app a run manifest lists, if it is installed: AppSource through the Admin Center, per-tenant through BC. */
  private async removeApp(app: RunManifest["apps"][number]): Promise<void> {
    const installed = (await this.automation.extensions.byAppId(app.appId)).filter((e) => e.isInstalled);
    if (installed.length === 0) return;
    const label = `${app.kind === "pte" ? "per-tenant app" : "AppSource app"} ${installed[0]?.displayName} (${app.appId})`;
    if (!this.dryRun) {
      if (app.kind === "appsource") {
        const op = await this.admin.uninstallApp(this.environment, app.appId, {});
        const done =
          appOperationState(op.status) === "pending"
            ? await this.admin.waitForAppOperation(this.environment, app.appId, op.id, {
                timeoutMs: 30 * 60_000,
                onProgress: this.progress,
              })
            : op;
        if (appOperationState(done.status) === "failed")
          throw new Error(`could not uninstall ${label}: ${done.errorMessage ?? done.status}`);
      } else {
        for (const p of installed) await this.automation.extensions.uninstall(p.packageId);
        for (const p of await this.automation.extensions.byAppId(app.appId)) {
          if (p.isInstalled || /global/i.test(p.publishedAs)) continue;
          await this.automation.extensions.unpublish(p.packageId).catch(() => undefined);
        }
      }
    }
    this.say(`${this.verb} ${label}`);
  }

  /** A prefixed company: its packages, the grants and memberships limited to it, then the company. */
  private async removeCompany(id: string, name: string): Promise<void> {
    const packages = await this.automation.configurationPackages.list(id);
    const grants: { grantee: { userSecurityId: string } | { securityGroupId: string }; id: string }[] = [];
    const users = await this.automation.users.list();
    for (const user of users) {
      const granted = await this.automation.userPermissions.list({ userSecurityId: user.userSecurityId });
      for (const g of granted)
        if (same(g.company, name)) grants.push({ grantee: { userSecurityId: user.userSecurityId }, id: g.id });
    }
    for (const group of await this.automation.securityGroups.list().catch(() => [])) {
      const granted = await this.automation.userPermissions.list({ securityGroupId: group.id });
      for (const g of granted)
        if (same(g.company, name)) grants.push({ grantee: { securityGroupId: group.id }, id: g.id });
    }
    const memberships: { user: string; id: string }[] = [];
    if (await this.automation.userGroups.available().catch(() => false)) {
      for (const user of users) {
        const members = await this.automation.userGroupMembers.list(user.userSecurityId).catch((err) => {
          if (isNotFound(err)) return [];
          throw err;
        });
        for (const m of members)
          if (same(m.companyName, name)) memberships.push({ user: user.userSecurityId, id: m.id });
      }
    }
    if (!this.dryRun) {
      for (const m of memberships) await this.automation.userGroupMembers.delete(m.user, m.id);
      for (const g of grants) await this.automation.userPermissions.delete(g.grantee, g.id);
      for (const p of packages) await this.automation.configurationPackages.delete(id, p.id);
      await this.automation.automationCompanies.delete(id);
    }
    this.say(
      `${this.verb} company '${name}' (${packages.length} configuration package(s), ${grants.length} permission set assignment(s), ${memberships.length} user group membership(s))`,
    );
  }

  /** Prefixed (or listed) sandbox copies that are not soft-deleted; waits for each deletion to finish. */
  private async removeEnvironments(listed: Set<string>): Promise<void> {
    let environments: Awaited<ReturnType<AdminCenterApi["listEnvironments"]>>;
    try {
      environments = await this.admin.listEnvironments();
    } catch (err) {
      if (listed.size === 0) return; // no Admin Center access and nothing listed: nothing to do here
      throw err;
    }
    for (const e of environments) {
      const name = e.name.toLowerCase();
      if (!(name.startsWith(this.prefix) || listed.has(name))) continue;
      if (same(e.name, this.environment)) continue;
      if (/softdeleted|removing|deleting/i.test(e.status)) continue;
      if (e.type !== "Sandbox") {
        this.say(`left environment '${e.name}' alone: it is a ${e.type} environment`);
        continue;
      }
      if (e.status !== "Active") {
        await this.attempt(async () => {
          throw new Error(`environment '${e.name}' is ${e.status}: run sweep again once its operation has finished`);
        });
        continue;
      }
      if (!this.dryRun) {
        const op = await this.admin.deleteEnvironment(e.name);
        if (op && appOperationState(op.status) === "pending")
          await this.admin.waitForEnvironmentOperation(op, { timeoutMs: 60 * 60_000, onProgress: this.progress });
      }
      this.say(`${this.verb} environment '${e.name}'`);
    }
  }
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      prefix: { type: "string" },
      environment: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      "state-dir": { type: "string" },
      "tenant-id": { type: "string" },
      "client-id": { type: "string" },
      "authority-host": { type: "string" },
      "api-base-url": { type: "string" },
      "ca-cert": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}
