/**
 * `npm run test:acceptance`: a black-box run of every resource and lookup through the real Pulumi engine against
 * the environment the connection variables name, or an emulator started here (reached by URL and credentials
 * only). What it creates is called `pbc-acc-<run>`, listed in a run manifest before it is created, and removed at
 * the end; `sweep` removes what a killed run left. docs/acceptance.md.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { CONTOSO_PAYMENTS_ID } from "../../emulator/admin/catalog-seed";
import { buildPackageXml, packRapidStart } from "../../formats/rapidstart";
import { readAppFileManifest } from "../../formats/navx";
import type { AutomationApi } from "../../provider/automation";
import { exportEnvironment } from "../../provider/export";
import { manifestDir, removeManifest, type RunManifest, writeManifest } from "../../provider/cli/run-manifest";
import { runSweep } from "../../provider/cli/sweep";
import { createRuntime } from "../../provider/runtime";
import { newRunId, resolveTarget, type Target } from "./target";

/** The suite's own reads (what it checks beside the engine runs) go through one runtime, closed at the end. */
const runtime = createRuntime();
const connect: typeof runtime.connect = (...args) => runtime.connect(...args);

const ROOT = resolve(__dirname, "../..");
const PREFIX = "pbc-acc-";
const env = process.env;

interface Plan {
  run: string;
  name: string;
  work: string;
  /** Case → why it cannot run (absent: it runs). */
  skipped: Record<string, string>;
  config: Record<string, string>;
  manifest: RunManifest;
  adminAccess: boolean;
  userName?: string;
  userSecurityId?: string;
  securityGroupId?: string;
  userGroupCode?: string;
  appSourceAppId?: string;
  pteAppId?: string;
  pteVersions: string[];
  copyName?: string;
}

let target: Target;
let plan: Plan;
let api: AutomationApi;

beforeAll(async () => {
  target = await resolveTarget();
  await refuseProduction();
  const swept = await runSweep(["--prefix", PREFIX, "--environment", target.environment], {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: { ...env, ...target.env },
  });
  if (swept !== 0) throw new Error(`sweep before the run failed (exit ${swept})`);
  // (sweep closes the process's connections when it is done: connect afresh)
  api = connect(target.settings).automation(target.environment);
  plan = await makePlan();
}, 300_000);

afterAll(async () => {
  await runtime.close();
  await target?.stop();
});

/** Production only with BC_ACCEPTANCE_ALLOW_PRODUCTION=1; an unknown type only with BC_ACCEPTANCE_ENVIRONMENT_TYPE=Sandbox. */
async function refuseProduction(): Promise<void> {
  let type: string | undefined;
  try {
    type = (await connect(target.settings).admin().getEnvironment(target.environment)).type;
  } catch {
    type = undefined;
  }
  if (type === "Production" && env.BC_ACCEPTANCE_ALLOW_PRODUCTION !== "1")
    throw new Error(
      `Environment '${target.environment}' is a Production environment: the acceptance suite creates and deletes companies, apps and grants. Point BC_ENVIRONMENT at a sandbox, or set BC_ACCEPTANCE_ALLOW_PRODUCTION=1 if you really mean it.`,
    );
  if (type === undefined && env.BC_ACCEPTANCE_ENVIRONMENT_TYPE !== "Sandbox")
    throw new Error(
      `The app has no Admin Center access, so the type of environment '${target.environment}' is unknown. Set BC_ACCEPTANCE_ENVIRONMENT_TYPE=Sandbox to confirm it is a sandbox.`,
    );
}

async function makePlan(): Promise<Plan> {
  const run = newRunId();
  const name = `${PREFIX}${run}`;
  const dir = manifestDir(env);
  const work = join(dir, `${run}-work`);
  mkdirSync(work, { recursive: true });
  const skipped: Record<string, string> = {};
  const config: Record<string, string> = { name, environment: target.environment };
  let adminAccess = true;
  try {
    await connect(target.settings).admin().listApps(target.environment);
  } catch {
    adminAccess = false;
  }

  // RapidStart: a package of one setup table, under the run's code (the import refuses a file whose code differs).
  const packageFile = join(work, `${name}.rapidstart`);
  const xml = buildPackageXml({
    code: name.toUpperCase(),
    packageName: `${name} acceptance`,
    tables: [
      {
        tableId: 3,
        tableName: "Payment Terms",
        pageId: 4,
        records: [{ Code: run.toUpperCase(), "Due Date Calculation": "<12D>", Description: `${name} terms` }],
      },
    ],
  });
  writeFileSync(packageFile, packRapidStart(xml));
  config.packageFile = packageFile;

  // getCompany reads a company the environment already has (CRONUS in a sandbox).
  const existing = (await api.companies.list()).find((c) => !c.name.toLowerCase().startsWith(PREFIX));
  if (existing) config.lookupCompany = existing.name;

  // Principals: found by lookup among what the environment has (never created by the run).
  const users = await api.users.list();
  const user = env.BC_ACCEPTANCE_USER
    ? users.find((u) => u.userName.toUpperCase() === env.BC_ACCEPTANCE_USER?.toUpperCase())
    : (users.find((u) => u.state === "Enabled" && (u.contactEmail ?? "") !== "") ??
      users.find((u) => u.state === "Enabled"));
  if (user) config.userName = user.userName;
  else skipped["user grant"] = "no enabled user found (set BC_ACCEPTANCE_USER)";
  const groups = await api.securityGroups.list().catch(() => []);
  const group = env.BC_ACCEPTANCE_SECURITY_GROUP
    ? groups.find((g) => g.id.toLowerCase() === env.BC_ACCEPTANCE_SECURITY_GROUP?.toLowerCase())
    : groups[0];
  if (group) config.securityGroupId = group.id;
  else skipped["security group grant"] = "the environment has no security group (BC 24+ with one defined)";
  const hasUserGroups = await api.userGroups.available().catch(() => false);
  const userGroups = hasUserGroups ? await api.userGroups.list() : [];
  const userGroup =
    userGroups.find((g) => !(g as { assignToAllNewUsers?: boolean }).assignToAllNewUsers) ?? userGroups[0];
  if (!hasUserGroups) skipped["user group membership"] = "user groups were removed in this version (BC 25+)";
  else if (!user) skipped["user group membership"] = "no user found";
  else if (!userGroup) skipped["user group membership"] = "the environment has no user group";
  else config.userGroupCode = userGroup.code;

  // AppSource: the configured app, never one that is already installed.
  const appSourceAppId = env.BC_ACCEPTANCE_APPSOURCE_APP_ID || (target.selfStarted ? CONTOSO_PAYMENTS_ID : "");
  if (!adminAccess) skipped["AppSource app"] = "the app has no Admin Center access";
  else if (!appSourceAppId) skipped["AppSource app"] = "set BC_ACCEPTANCE_APPSOURCE_APP_ID (docs/acceptance.md)";
  else if ((await api.extensions.byAppId(appSourceAppId)).some((e) => e.isInstalled))
    skipped["AppSource app"] =
      `app ${appSourceAppId} is already installed (the suite never touches an app it did not install)`;
  else config.appSourceAppId = appSourceAppId;

  // Per-tenant app: two builds of one app (the user's, or make-app files for the emulator).
  let [v1, v2] = [env.BC_ACCEPTANCE_APP_V1, env.BC_ACCEPTANCE_APP_V2];
  if (target.selfStarted && !v1) [v1, v2] = await makeApps(work, name);
  let pteAppId: string | undefined;
  const pteVersions: string[] = [];
  if (v1 && v2) {
    const m1 = readAppFileManifest(v1).manifest;
    const m2 = readAppFileManifest(v2).manifest;
    pteAppId = m1.id;
    pteVersions.push(m1.version, m2.version);
    config.pteFile = v1;
    config.pteFileV2 = v2;
  } else skipped["per-tenant app"] = "set BC_ACCEPTANCE_APP_V1 and BC_ACCEPTANCE_APP_V2 to two builds of one app";

  const copyName = name;
  if (!adminAccess) skipped["environment copy"] = "the app has no Admin Center access";
  else config.copyName = copyName;

  const manifest: RunManifest = {
    run,
    name,
    environment: target.environment,
    createdAt: new Date().toISOString(),
    companies: [name],
    apps: [
      ...(config.appSourceAppId ? [{ appId: config.appSourceAppId, kind: "appsource" as const }] : []),
      ...(config.pteFile && pteAppId ? [{ appId: pteAppId, kind: "pte" as const }] : []),
    ],
    environments: config.copyName ? [copyName] : [],
    principals: [...(user ? [{ userName: user.userName }] : []), ...(group ? [{ securityGroupId: group.id }] : [])],
  };
  return {
    run,
    name,
    work,
    skipped,
    config,
    manifest,
    adminAccess,
    userName: user?.userName,
    userSecurityId: user?.userSecurityId,
    securityGroupId: group?.id,
    userGroupCode: config.userGroupCode,
    appSourceAppId: config.appSourceAppId,
    pteAppId: config.pteFile ? pteAppId : undefined,
    pteVersions,
    copyName: config.copyName,
  };
}

/** Two versions of one per-tenant app, built by scripts/make-app.ts (the emulator reads them; real BC would not). */
async function makeApps(work: string, name: string): Promise<[string, string]> {
  const id = randomUUID();
  const files: string[] = [];
  for (const version of ["1.0.0.0", "1.1.0.0"]) {
    const out = join(work, `${name}-${version}.app`);
    const args = ["--id", id, "--name", name, "--publisher", "pulumi-businesscentral acceptance"];
    const code = await runNode(["dist/scripts/make-app.js", ...args, "--version", version, "--out", out], {});
    if (code.exit !== 0) throw new Error(`make-app failed: ${code.output}`);
    files.push(out);
  }
  return [files[0] as string, files[1] as string];
}

function runNode(args: string[], extraEnv: Record<string, string>): Promise<{ exit: number; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...env, ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    child.once("exit", (code) => done({ exit: code ?? 1, output }));
  });
}

interface StackSummary {
  result: string;
  changes?: Record<string, number>;
  error?: string;
}

/** One engine operation on the run's stack (dist/scripts/stack.js in a child process, the connection in its env). */
async function stack(op: "up" | "refresh" | "destroy", stage: string): Promise<StackSummary> {
  const configFile = join(plan.work, "config.json");
  const config: Record<string, { value: string }> = {};
  for (const [key, value] of Object.entries({ ...plan.config, stage })) config[`acc:${key}`] = { value };
  writeFileSync(configFile, JSON.stringify(config));
  const args = [
    "dist/scripts/stack.js",
    op,
    "--example",
    "pbc-acceptance",
    "--stack",
    plan.run,
    "--state-dir",
    join(plan.work, "state"),
    "--config-file",
    configFile,
    "--program",
    "dist/scripts/acceptance/program.js",
  ];
  const { output } = await runNode(args, target.env);
  // The engine ran in processes of its own: the suite's own reads must not be served from loads made before it
  // (the provider serves reads begun within the current command; to this process every engine run is a new one).
  runtime.startCommand();
  const last =
    output
      .trim()
      .split("\n")
      .reverse()
      .find((l) => l.startsWith("{")) ?? "{}";
  try {
    const summary = JSON.parse(last) as StackSummary;
    if (summary.result !== "succeeded") process.stderr.write(output.slice(-6000));
    return summary;
  } catch {
    process.stderr.write(output.slice(-6000));
    return { result: "crashed", error: output.slice(-2000) };
  }
}

/** A case that cannot run prints `skipped: <reason>`; against the suite's own emulator that is a failure. */
function runnable(ctx: TestContext, name: string): boolean {
  const reason = plan.skipped[name];
  if (reason === undefined) return true;
  if (target.selfStarted) throw new Error(`'${name}' would be skipped against the suite's own emulator: ${reason}`);
  process.stdout.write(`${name}: skipped: ${reason}\n`);
  ctx.skip(reason);
  return false;
}

async function ownCompany() {
  const companies = await api.automationCompanies.list();
  return companies.find((c) => c.name.toLowerCase() === plan.name.toLowerCase());
}

async function installedVersion(appId: string): Promise<string | undefined> {
  const found = await api.extensions.byAppId(appId);
  const installed = found.find((e) => e.isInstalled);
  if (!installed) return undefined;
  return [installed.versionMajor, installed.versionMinor, installed.versionBuild, installed.versionRevision].join(".");
}

describe("acceptance", () => {
  it("up creates one of each resource (run manifest written first)", async () => {
    writeManifest(manifestDir(env), plan.manifest);
    const summary = await stack("up", "create");
    expect(summary.result, summary.error).toBe("succeeded");
  });

  it("company: created under the run's name", async () => {
    const company = await ownCompany();
    expect(company?.displayName).toBe(plan.name);
  });

  it("RapidStart package: imported and applied", async (ctx) => {
    if (!runnable(ctx, "RapidStart package")) return;
    const company = await ownCompany();
    const found = await api.configurationPackages.findByCode(company!.id, plan.name.toUpperCase());
    expect(found?.importStatus).toBe("Completed");
    expect(found?.applyStatus).toBe("Completed");
  });

  it("permission set assignment for a user (found by lookup), limited to the run's company", async (ctx) => {
    if (!runnable(ctx, "user grant")) return;
    const grants = await api.userPermissions.list({ userSecurityId: plan.userSecurityId! });
    expect(grants.some((g) => g.company.toLowerCase() === plan.name.toLowerCase())).toBe(true);
  });

  it("permission set assignment for a security group (found by lookup), limited to the run's company", async (ctx) => {
    if (!runnable(ctx, "security group grant")) return;
    const grants = await api.userPermissions.list({ securityGroupId: plan.securityGroupId! });
    expect(grants.some((g) => g.company.toLowerCase() === plan.name.toLowerCase())).toBe(true);
  });

  it("user group membership, limited to the run's company", async (ctx) => {
    if (!runnable(ctx, "user group membership")) return;
    const members = await api.userGroupMembers.list(plan.userSecurityId!);
    expect(
      members.some((m) => m.code === plan.userGroupCode && m.companyName.toLowerCase() === plan.name.toLowerCase()),
    ).toBe(true);
  });

  it("AppSource app: installed", async (ctx) => {
    if (!runnable(ctx, "AppSource app")) return;
    expect(await installedVersion(plan.appSourceAppId!)).toBeDefined();
  });

  it("per-tenant app: version 1 installed", async (ctx) => {
    if (!runnable(ctx, "per-tenant app")) return;
    expect(await installedVersion(plan.pteAppId!)).toBe(plan.pteVersions[0]);
  });

  it("environment copy: created as a sandbox", async (ctx) => {
    if (!runnable(ctx, "environment copy")) return;
    const copy = await connect(target.settings).admin().getEnvironment(plan.copyName!);
    expect(copy.type).toBe("Sandbox");
    expect(copy.status).toBe("Active");
  });

  it("up renames the company and upgrades the per-tenant app", async () => {
    const summary = await stack("up", "update");
    expect(summary.result, summary.error).toBe("succeeded");
    expect((await ownCompany())?.displayName).toBe(`${plan.name} renamed`);
    if (plan.pteAppId) expect(await installedVersion(plan.pteAppId)).toBe(plan.pteVersions[1]);
  });

  it("refresh notices an out-of-band change", async () => {
    const company = await ownCompany();
    await api.automationCompanies.update(company!.id, { displayName: `${plan.name} changed by hand` });
    const summary = await stack("refresh", "update");
    expect(summary.result, summary.error).toBe("succeeded");
    expect(summary.changes?.update ?? 0).toBeGreaterThanOrEqual(1);
  });

  it("export writes a program that adopts the run's objects", async () => {
    const program = await exportEnvironment(target.settings);
    expect(program).toContain(`${plan.name} changed by hand`);
    // The per-tenant app is named (its .app cannot be exported), the grants limited to the run's company adopted.
    if (plan.pteAppId) expect(program).toContain(`${plan.name} ${plan.pteVersions[1]}`);
    if (plan.userName)
      expect(program).toMatch(new RegExp(`userName: "${plan.userName}", roleId: "[^"]+", company: "${plan.name}"`));
    if (plan.securityGroupId) expect(program).toContain(`securityGroupId: "${plan.securityGroupId}"`);
  });

  it("destroy removes everything the run created and nothing else", async () => {
    const summary = await stack("destroy", "update");
    expect(summary.result, summary.error).toBe("succeeded");
    expect(await ownCompany()).toBeUndefined();
    const left = (await api.automationCompanies.list()).filter((c) => c.name.toLowerCase().startsWith(PREFIX));
    expect(left).toEqual([]);
    for (const app of plan.manifest.apps) expect(await installedVersion(app.appId)).toBeUndefined();
    if (plan.userSecurityId) {
      const grants = await api.userPermissions.list({ userSecurityId: plan.userSecurityId });
      expect(grants.filter((g) => g.company.toLowerCase().startsWith(PREFIX))).toEqual([]);
    }
    if (plan.adminAccess) {
      const environments = await connect(target.settings).admin().listEnvironments();
      const copies = environments.filter((e) => e.name.toLowerCase().startsWith(PREFIX) && e.status !== "SoftDeleted");
      expect(copies.map((e) => e.name)).toEqual([]);
    }
    removeManifest(manifestDir(env), plan.run);
    rmSync(plan.work, { recursive: true, force: true });
  });

  // Only with BC_CAPTURE_DIR (registered only then, so that a run without a capture shows no skipped test).
  if (env.BC_CAPTURE_DIR)
    it("the wire capture holds no secret, token, tenant id or user name", () => {
      const dir = env.BC_CAPTURE_DIR as string;
      const files = readdirSync(dir).filter((f) => f.endsWith(".jsonl"));
      expect(files.length).toBeGreaterThan(0);
      const secret = target.env.AZURE_CLIENT_SECRET;
      for (const file of files) {
        const text = readFileSync(join(dir, file), "utf8");
        if (secret) expect(text, file).not.toContain(secret);
        expect(text, file).not.toMatch(/eyJ[A-Za-z0-9_-]{4,}\./);
        expect(text, file).not.toMatch(/bearer\s/i);
        expect(text, file).not.toMatch(/"(access_token|client_secret|client_assertion|password)"/i);
        expect(text.toLowerCase(), file).not.toContain(target.settings.tenantId.toLowerCase());
        expect(text, file).not.toMatch(new RegExp(`[/'"]${target.environment}[/'"]`));
        if (plan.userName) expect(text, file).not.toContain(`"${plan.userName}"`);
      }
    });
});
