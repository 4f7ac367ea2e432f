/**
 * `pulumi-businesscentral sweep`: an acceptance run killed halfway (the engine and its provider SIGKILLed while a
 * create hangs) leaves `pbc-acc-` objects behind; sweep removes them (the company with its package, grants and
 * membership, the environment copy, the run manifest) and changes nothing else in the environment.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import type { EmulatorState } from "../../emulator/state/model";
import { buildPackageXml, packRapidStart } from "../../formats/rapidstart";
import { main } from "../../provider/cli";
import { writeManifest } from "../../provider/cli/run-manifest";
import { waitFor } from "../helpers/emulator";
import { startTestEmulator } from "../provider/helpers/emu";
import { ROOT } from "./stack-runner";

const SANDBOX = "sandbox-24";
const RUN = "k1ll3d";
const NAME = `pbc-acc-${RUN}`;
let emu: RunningEmulator;
let work: string;

beforeAll(async () => {
  emu = await startTestEmulator();
  work = mkdtempSync(join(tmpdir(), "pbc-acc-sweep-"));
});

afterAll(async () => {
  await emu.stop();
});

function connectionEnv(): Record<string, string> {
  return {
    AZURE_TENANT_ID: emu.tenantId,
    AZURE_CLIENT_ID: emu.clientId,
    AZURE_CLIENT_SECRET: emu.clientSecret,
    AZURE_AUTHORITY_HOST: emu.authorityHost,
    BC_ENVIRONMENT: SANDBOX,
    BC_API_BASE_URL: emu.baseUrl,
    BC_CA_CERT_PATH: emu.caCertPath,
    BC_ACCEPTANCE_STATE_DIR: work,
  };
}

const sandbox = (state: EmulatorState = emu.state()) => state.tenants[0]!.environments.find((e) => e.name === SANDBOX)!;
const prefixed = (name: string) => name.toLowerCase().startsWith("pbc-acc-");

/** Everything in the tenant that is not the run's: must be the same before the run and after the sweep. */
function untouched(state: EmulatorState) {
  const env = sandbox(state);
  return {
    // (a soft-deleted copy may be renamed by BC to free its name: only live environments count here)
    environments: state.tenants[0]!.environments.filter(
      (e) => !prefixed(e.name) && !/soft|removing/i.test(e.admin?.status ?? ""),
    ).map((e) => e.name),
    companies: env.companies.filter((c) => !prefixed(c.name)).map((c) => [c.id, c.name, c.displayName]),
    accessControls: env.accessControls.filter((a) => !prefixed(a.company)).map((a) => a.id),
    userGroupMembers: env.userGroupMembers.filter((m) => !prefixed(m.companyName)).map((m) => m.id),
    users: env.users.map((u) => [u.userSecurityId, u.userName, u.state]),
    apps: env.publishedApps.map((a) => [a.id, a.version, a.isInstalled]),
  };
}

/**
 * The engine starts its provider plugin in a process group of its own: after killing the run's group, end the
 * processes that carry this test's state folder in their environment (by pid; Linux /proc).
 */
function killLeftovers(marker: string): void {
  if (!existsSync("/proc")) return;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, "utf8").includes(`BC_ACCEPTANCE_STATE_DIR=${marker}\0`))
        process.kill(Number(pid), "SIGKILL");
    } catch {
      // gone already, or not ours to read
    }
  }
}

describe("sweep after a killed acceptance run", () => {
  it("removes what the run left and nothing else", async () => {
    const before = untouched(emu.state());
    // Hang the run on its user group membership, after company, package, grants and copy are under way.
    emu.faults.add({ method: "POST", path: "*/userGroupMembers", delayMs: 600_000 });
    const packageFile = join(work, "package.rapidstart");
    const xml = buildPackageXml({
      code: NAME.toUpperCase(),
      tables: [{ tableId: 3, tableName: "Payment Terms", records: [{ Code: "K1", Description: "sweep test" }] }],
    });
    writeFileSync(packageFile, packRapidStart(xml));
    const acc = {
      name: NAME,
      environment: SANDBOX,
      packageFile,
      userName: "JOE",
      securityGroupId: "0b6d4c2a-91e3-4f57-8a1d-3c5e7f9a1b2d",
      userGroupCode: "D365 SALES",
      copyName: NAME,
    };
    writeManifest(work, {
      run: RUN,
      name: NAME,
      environment: SANDBOX,
      createdAt: new Date().toISOString(),
      companies: [NAME],
      apps: [],
      environments: [NAME],
      principals: [{ userName: "JOE" }, { securityGroupId: acc.securityGroupId }],
    });
    const configFile = join(work, "config.json");
    writeFileSync(
      configFile,
      JSON.stringify(Object.fromEntries(Object.entries(acc).map(([k, value]) => [`acc:${k}`, { value }]))),
    );
    const child = spawn(
      process.execPath,
      [
        "dist/scripts/stack.js",
        "up",
        "--example",
        "pbc-acceptance",
        "--stack",
        RUN,
        "--state-dir",
        join(work, "state"),
        "--config-file",
        configFile,
        "--program",
        "dist/scripts/acceptance/program.js",
      ],
      { cwd: ROOT, env: { ...process.env, ...connectionEnv() }, stdio: "ignore", detached: true },
    );
    const exited = new Promise((done) => child.once("exit", done));
    // Halfway: the company has its package and both grants, the copy exists, the membership request hangs.
    await waitFor(
      async () => {
        const env = sandbox();
        const company = env.companies.find((c) => c.name === NAME);
        const grants = env.accessControls.filter((a) => a.company === NAME);
        const copy = emu.state().tenants[0]!.environments.find((e) => e.name === NAME);
        return company && grants.length >= 2 && copy ? true : undefined;
      },
      120_000,
      200,
    );
    await waitFor(
      async () =>
        emu.requests().some((r) => r.path.endsWith("/userGroupMembers") && r.method === "POST") ? true : undefined,
      60_000,
      200,
    ).catch(() => undefined);
    process.kill(-child.pid!, "SIGKILL");
    await exited;
    killLeftovers(work);
    emu.faults.clear();
    // Let the copy finish (an environment mid-operation cannot be deleted; sweep would say so and exit 1).
    await waitFor(
      async () => {
        const copy = emu.state().tenants[0]!.environments.find((e) => e.name === NAME);
        return copy && (copy.admin?.status ?? "Active") === "Active" ? true : undefined;
      },
      60_000,
      200,
    );
    const left = sandbox();
    expect(left.companies.some((c) => c.name === NAME)).toBe(true);
    expect(left.accessControls.filter((a) => a.company === NAME).length).toBeGreaterThanOrEqual(2);

    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), env: connectionEnv() };
    // A dry run names what it would remove and removes nothing.
    expect(await main(["sweep", "--prefix", "pbc-acc-", "--environment", SANDBOX, "--dry-run"], io)).toBe(0);
    expect(out.join("")).toContain(
      `would remove company '${NAME}' (1 configuration package(s), 2 permission set assignment(s)`,
    );
    expect(out.join("")).toContain(`would remove environment '${NAME}'`);
    expect(sandbox().companies.some((c) => c.name === NAME)).toBe(true);
    out.length = 0;

    expect(await main(["sweep", "--prefix", "pbc-acc-", "--environment", SANDBOX], io), err.join("")).toBe(0);
    const printed = out.join("");
    expect(printed).toContain(`removed company '${NAME}'`);
    expect(printed).toContain(`removed environment '${NAME}'`);
    expect(printed).toContain(`removed run manifest ${RUN}`);
    const after = emu.state();
    const env = sandbox(after);
    expect(env.companies.filter((c) => prefixed(c.name))).toEqual([]);
    expect(env.accessControls.filter((a) => prefixed(a.company))).toEqual([]);
    expect(env.userGroupMembers.filter((m) => prefixed(m.companyName))).toEqual([]);
    const copies = after.tenants[0]!.environments.filter((e) => prefixed(e.name));
    expect(copies.every((e) => /soft/i.test(e.admin?.status ?? ""))).toBe(true);
    expect(untouched(after)).toEqual(before);
    expect(readdirSync(work).filter((f) => f.endsWith(".json") && f !== "config.json")).toEqual([]);
  }, 300_000);

  it("refuses a Production environment and asks for a prefix", async () => {
    const err: string[] = [];
    const io = {
      stdout: () => {},
      stderr: (t: string) => err.push(t),
      env: { ...connectionEnv(), BC_ENVIRONMENT: "production" },
    };
    expect(await main(["sweep", "--prefix", "pbc-acc-", "--environment", "production"], io)).toBe(1);
    expect(err.join("")).toMatch(/Production environment/);
    expect(await main(["sweep", "--environment", SANDBOX], io)).toBe(2);
    expect(await main(["sweep", "--prefix", "x", "--environment", SANDBOX], io)).toBe(2);
  });
});
