/**
 * `pulumi-businesscentral fleet` as a partner runs it: a consumer project made from `npm pack` with the program of
 * examples/fleet, a stack per customer (three), each stack's own `businesscentral:*` config pointing at its tenant
 * of one emulator, and the real `pulumi` CLI driven through the Automation API. `fleet up` hydrates every tenant; a
 * grant deleted out of band in one tenant is drift for that stack alone (exit code 3), while a config change not
 * applied yet in another is pending, not drift; a company renamed in BC is `changed` with recorded and actual
 * values; a stack whose secret is wrong fails without stopping the others (exit code 1); destroy cleans up.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSeed, type RunningEmulator, type SeedInput, startEmulator } from "../../emulator";
import type { FleetReport, StackReport } from "../../provider/fleet/types";
import {
  type CommandResult,
  cliEnv,
  createConsumer,
  PULUMI_BIN,
  packTarball,
  REPO_ROOT,
  requireCli,
  run,
} from "../../scripts/lib/cli";
import { dumpDom, findChromium } from "../helpers/chromium";
import { writeRequests } from "./stack-runner";

const CUSTOMERS = ["contoso", "fabrikam", "northwind"].map((name, i) => ({
  name,
  tenantId: `11111111-aaaa-4aaa-8aaa-00000000010${i}`,
  company: `${name[0]!.toUpperCase()}${name.slice(1)} Ltd.`,
  secret: `fleet-secret-${name}-${Math.random().toString(36).slice(2)}`,
}));
const READERS = ["JOE", "MEGAN"];

/** The default seed's tenant three times: own ids, own secret for the (same) app id. */
function seed(): SeedInput {
  const template = defaultSeed().tenants[0]!;
  return {
    tenants: CUSTOMERS.map((c) => {
      const tenant = structuredClone(template);
      tenant.id = c.tenantId;
      tenant.domains = [`${c.name}.onmicrosoft.com`];
      tenant.apps![0]!.secrets = [c.secret];
      return tenant;
    }),
  };
}

let emu: RunningEmulator;
let work: string;
let project: string;
let env: NodeJS.ProcessEnv;
const transcript: string[] = [];

async function pulumi(args: string[], input?: string): Promise<CommandResult> {
  const result = await run(join(PULUMI_BIN, "pulumi"), args, { cwd: project, env, input });
  transcript.push(`$ pulumi ${args.join(" ")}\n${result.output}`);
  return result;
}

/** `npx pulumi-businesscentral fleet …` in the project, as a user types it. */
async function fleet(args: string[]): Promise<CommandResult> {
  const result = await run("npx", ["--no", "pulumi-businesscentral", "fleet", ...args], { cwd: project, env });
  transcript.push(`$ npx pulumi-businesscentral fleet ${args.join(" ")}\n${result.output}`);
  return result;
}

const readJson = (file: string) => JSON.parse(readFileSync(join(project, file), "utf8")) as FleetReport;
const byStack = (report: FleetReport) =>
  Object.fromEntries(report.stacks.map((s) => [s.stack, s])) as Record<string, StackReport>;

const production = (tenantId: string) =>
  emu
    .state()
    .tenants.find((t) => t.id === tenantId)!
    .environments.find((e) => e.name === "production")!;
const userId = (tenantId: string, name: string) =>
  production(tenantId).users.find((u) => u.userName === name)!.userSecurityId;
const readGrants = (c: (typeof CUSTOMERS)[number]) => {
  const company = production(c.tenantId).companies.find((x) => x.displayName === c.company);
  return production(c.tenantId)
    .accessControls.filter((a) => a.roleId === "D365 READ" && company && a.company === company.name)
    .map((a) => a.userSecurityId)
    .sort();
};
/** Every grant and company of a tenant's production environment, to compare with the seed after destroy. */
const snapshot = (tenantId: string) => ({
  grants: production(tenantId)
    .accessControls.map((a) => `${a.userSecurityId}|${a.roleId}|${a.company}`)
    .sort(),
  companies: production(tenantId)
    .companies.map((c) => c.name)
    .sort(),
});
let seedSnapshots: Record<string, ReturnType<typeof snapshot>>;
const companyOf = (c: (typeof CUSTOMERS)[number]) =>
  production(c.tenantId).companies.find((x) => x.displayName.startsWith(c.name[0]!.toUpperCase() + c.name.slice(1)));

async function setSecret(customer: string, secret: string) {
  const r = await pulumi(["config", "set", "--secret", "--stack", customer, "businesscentral:clientSecret"], secret);
  expect(r.code, r.output).toBe(0);
}

beforeAll(async () => {
  requireCli();
  work = mkdtempSync(join(tmpdir(), "bc-fleet-e2e-"));
  project = join(work, "fleet");
  const tarball = process.env.E2E_TARBALL ?? packTarball(join(work, "pack"));
  await createConsumer(project, tarball);
  // The example's program and project file, as a partner copies the folder.
  for (const file of ["index.ts", "Pulumi.yaml"])
    copyFileSync(join(REPO_ROOT, "examples/fleet", file), join(project, file));
  emu = await startEmulator({ timeScale: 0.01, seed: seed(), latency: { kind: "fixed", ms: 20 } });
  env = cliEnv(join(work, "state"));
  seedSnapshots = Object.fromEntries(CUSTOMERS.map((c) => [c.name, snapshot(c.tenantId)]));
  for (const c of CUSTOMERS) {
    expect((await pulumi(["stack", "init", c.name])).code).toBe(0);
    const settings = [
      `businesscentral:tenantId=${c.tenantId}`,
      `businesscentral:clientId=${emu.clientId}`,
      "businesscentral:environment=production",
      `businesscentral:authorityHost=${emu.authorityHost}`,
      `businesscentral:apiBaseUrl=${emu.baseUrl}`,
      `businesscentral:caCertPath=${emu.caCertPath}`,
      `fleet:companyName=${c.company}`,
      `fleet:readers=${JSON.stringify(READERS)}`,
    ];
    const set = await pulumi(["config", "set-all", "--stack", c.name, ...settings.flatMap((s) => ["--plaintext", s])]);
    expect(set.code, set.output).toBe(0);
    await setSecret(c.name, c.secret);
  }
}, 900_000);

afterAll(async () => {
  await emu?.stop();
  if (work && process.env.E2E_KEEP !== "1") rmSync(work, { recursive: true, force: true });
});

// Each fleet run starts the CLI, the language host, the program and the provider per stack: seconds idle, much
// longer on a busy 2-core machine.
describe("fleet on three stacks, one per emulator tenant", { timeout: 600_000 }, () => {
  it("matrix lists the stacks as a GitHub Actions matrix on one line", async () => {
    const r = await fleet(["matrix", "--format", "github"]);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout.split("\n").filter(Boolean)).toHaveLength(1);
    const matrix = JSON.parse(r.stdout) as { stack: string[] };
    expect(Object.keys(matrix)).toEqual(["stack"]);
    expect([...matrix.stack].sort()).toEqual(CUSTOMERS.map((c) => c.name));
  });

  it("an unknown stack is a usage error listing the project's stacks", async () => {
    const r = await fleet(["up", "--stacks", "contoso,wingtip"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no stack 'wingtip' in this project; its stacks: ");
    expect(r.stderr).toContain("fabrikam");
  });

  it("up hydrates every tenant, with a plain progress line per event and a summary", async () => {
    const up = await fleet(["up", "--all", "--parallel", "2", "--json", "reports/up.json"]);
    expect(up.code, up.output).toBe(0);
    for (const c of CUSTOMERS) {
      expect(companyOf(c)?.displayName).toBe(c.company);
      expect(readGrants(c)).toEqual(READERS.map((u) => userId(c.tenantId, u)).sort());
      expect(up.stdout).toMatch(new RegExp(`^${c.name}\\s+\\| up started$`, "m"));
      expect(up.stdout).toMatch(new RegExp(`^${c.name}\\s+\\| create PermissionSetAssignment joe-read$`, "m"));
      expect(up.stdout).toMatch(new RegExp(`^${c.name}\\s+\\| ok in \\d+\\.\\d s$`, "m"));
    }
    expect(up.stdout).toContain("3 stacks: 3 ok, 0 drifted, 0 failed (up,");
    const report = readJson("reports/up.json");
    expect(report.operation).toBe("up");
    expect(report.project).toBe("fleet");
    for (const s of report.stacks) {
      expect(s.status).toBe("ok");
      expect(s.changes).toMatchObject({ create: 2 + READERS.length });
    }
  });

  it("drift: a grant deleted in one tenant is drift for that stack alone (exit 3); unapplied config is pending", async () => {
    const [contoso, fabrikam, northwind] = CUSTOMERS;
    const joe = userId(fabrikam!.tenantId, "JOE");
    emu.mutate(() => {
      const env = production(fabrikam!.tenantId);
      env.accessControls = env.accessControls.filter((a) => !(a.userSecurityId === joe && a.roleId === "D365 READ"));
    });
    const rename = await pulumi(["config", "set", "--stack", "contoso", "fleet:companyName", "Contoso Trading Ltd."]);
    expect(rename.code).toBe(0);
    emu.clearRequests();

    const drift = await fleet(["drift", "--all", "--json", "reports/drift.json", "--html", "reports/drift.html"]);
    expect(drift.code, drift.output).toBe(3);
    expect(writeRequests(emu)).toEqual([]);
    const stacks = byStack(readJson("reports/drift.json"));
    expect(stacks.fabrikam).toMatchObject({
      status: "drifted",
      drift: [
        {
          kind: "missing",
          name: "joe-read",
          type: expect.stringMatching(/PermissionSetAssignment$/),
          urn: expect.stringMatching(/^urn:pulumi:fabrikam::fleet::.*::joe-read$/),
          properties: [],
        },
      ],
      // Recreating the grant repairs the drift; it is not a program change.
      pending: { create: 0, update: 0, delete: 0, replace: 0 },
    });
    expect(stacks.contoso).toMatchObject({
      status: "ok",
      drift: [],
      pending: { create: 0, update: 1, delete: 0, replace: 0 },
    });
    expect(stacks.northwind).toMatchObject({
      status: "ok",
      drift: [],
      pending: { create: 0, update: 0, delete: 0, replace: 0 },
    });
    expect(drift.stdout).toMatch(/^fabrikam\s+\| drift: PermissionSetAssignment joe-read is missing$/m);
    expect(drift.stdout).toContain("3 stacks: 2 ok, 1 drifted, 0 failed (drift,");
    expect(existsSync(join(project, "reports/drift.html"))).toBe(true);
    // Nothing was repaired: drift only looks.
    expect(readGrants(fabrikam!)).not.toContain(joe);
    expect(companyOf(contoso!)?.displayName).toBe(contoso!.company);
    expect(companyOf(northwind!)?.displayName).toBe(northwind!.company);
  });

  it("the drift page renders in headless Chromium with fabrikam drifted", (ctx) => {
    const chromium = findChromium();
    if (!chromium)
      ctx.skip("no headless Chromium (CHROMIUM_PATH or apt-get install -y --no-install-recommends chromium)");
    const dom = dumpDom(chromium!, join(project, "reports/drift.html"));
    expect(dom).toMatch(/<tr class="status-drifted" data-stack="fabrikam" data-status="drifted">/);
    expect(dom).toMatch(/<tr class="status-ok" data-stack="contoso" data-status="ok">/);
    expect(dom).toContain("joe-read");
  });

  it("up --refresh repairs the drift; a company renamed in BC is `changed` with recorded and actual values", async () => {
    const [contoso, fabrikam, northwind] = CUSTOMERS;
    const repaired = await fleet(["up", "--refresh", "--stacks", "fabrikam,contoso", "--json", "reports/repair.json"]);
    expect(repaired.code, repaired.output).toBe(0);
    const repairs = byStack(readJson("reports/repair.json"));
    // The refresh found the drift and the update repaired it: the stack is ok, the drift is listed.
    expect(repairs.fabrikam).toMatchObject({ status: "ok", drift: [{ kind: "missing", name: "joe-read" }] });
    expect(repairs.fabrikam!.changes).toMatchObject({ create: 1 });
    expect(repairs.contoso).toMatchObject({ status: "ok", drift: [] });
    expect(repairs.contoso!.changes).toMatchObject({ update: 1 });
    expect(readGrants(fabrikam!)).toContain(userId(fabrikam!.tenantId, "JOE"));
    expect(companyOf(contoso!)?.displayName).toBe("Contoso Trading Ltd.");
    emu.mutate(() => {
      const c = companyOf(northwind!)!;
      c.displayName = "Northwind Renamed In BC";
      c.rev += 1;
    });
    const drift = await fleet(["drift", "--stacks", "northwind,fabrikam", "--json", "reports/changed.json"]);
    expect(drift.code, drift.output).toBe(3);
    const stacks = byStack(readJson("reports/changed.json"));
    expect(Object.keys(stacks)).toEqual(["northwind", "fabrikam"]);
    expect(stacks.fabrikam).toMatchObject({ status: "ok", drift: [] });
    expect(stacks.northwind!.status).toBe("drifted");
    const [company] = stacks.northwind!.drift;
    expect(company).toMatchObject({ kind: "changed", name: "company", type: expect.stringMatching(/Company$/) });
    expect(company!.properties).toContainEqual({
      name: "displayName",
      recorded: "Northwind Ltd.",
      actual: "Northwind Renamed In BC",
    });
    // Provider bookkeeping is never drift; secrets never appear.
    expect(company!.properties.map((p) => p.name)).not.toContain("__provider");
    expect(JSON.stringify(stacks)).not.toContain(northwind!.secret);
  });

  it("a stack that fails (its secret no longer valid) is reported; the others run to the end (exit 1 over drift)", async () => {
    const [contoso] = CUSTOMERS;
    // The customer's app secret was rotated in Entra: contoso's runs cannot get a token any more.
    const app = () => emu.state().tenants.find((t) => t.id === contoso!.tenantId)!.apps![0]!;
    emu.mutate(() => {
      app().secrets = ["rotated-secret-nobody-has"];
    });
    const drift = await fleet(["drift", "--all", "--parallel", "3", "--json", "reports/failed.json"]);
    emu.mutate(() => {
      app().secrets = [contoso!.secret];
    });
    expect(drift.code, drift.output).toBe(1);
    const stacks = byStack(readJson("reports/failed.json"));
    expect(stacks.contoso!.status).toBe("failed");
    expect(stacks.contoso!.error).toMatch(/AADSTS7000215|invalid client secret/i);
    expect(stacks.fabrikam).toMatchObject({ status: "ok", drift: [] });
    // northwind's company is still renamed in BC.
    expect(stacks.northwind).toMatchObject({ status: "drifted", drift: [{ kind: "changed", name: "company" }] });
    expect(drift.stdout).toContain("3 stacks: 1 ok, 1 drifted, 1 failed (drift,");
    expect(drift.stdout).toMatch(/^contoso\s+\| failed in \d+\.\d s: /m);
  });

  it("refresh writes what BC has into the state and lists it; the stack stays ok", async () => {
    const refresh = await fleet(["refresh", "--stacks", "northwind", "--json", "reports/refresh.json"]);
    expect(refresh.code, refresh.output).toBe(0);
    const [northwind] = readJson("reports/refresh.json").stacks;
    expect(northwind).toMatchObject({
      stack: "northwind",
      status: "ok",
      drift: [{ kind: "changed", name: "company" }],
    });
    const drift = await fleet(["drift", "--stacks", "northwind", "--json", "reports/after-refresh.json"]);
    expect(drift.code, drift.output).toBe(0);
    // The state now says "Renamed In BC", the program still says "Northwind Ltd.": a program change, not drift.
    expect(readJson("reports/after-refresh.json").stacks[0]).toMatchObject({
      status: "ok",
      drift: [],
      pending: { create: 0, update: 1, delete: 0, replace: 0 },
    });
  });

  it("destroy removes what every stack created, and the selected stack is left as it was", async () => {
    const before = (await pulumi(["stack", "--show-name"])).stdout.trim();
    const destroyed = await fleet(["destroy", "--all", "--parallel", "3"]);
    expect(destroyed.code, destroyed.output).toBe(0);
    for (const c of CUSTOMERS) expect(snapshot(c.tenantId), c.name).toEqual(seedSnapshots[c.name]);
    expect((await pulumi(["stack", "--show-name"])).stdout.trim()).toBe(before);
  });

  it("no output holds a client secret or a token", () => {
    const all = transcript.join("\n");
    for (const c of CUSTOMERS) expect(all).not.toContain(c.secret);
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./);
  });
});
