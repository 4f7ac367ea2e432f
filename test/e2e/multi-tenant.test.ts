/**
 * End to end with the real engine: examples/multi-tenant hydrates three tenants of one emulator from one program,
 * credentials only as connection inputs (no `businesscentral:*` config at all). Each tenant gets exactly what was
 * declared for it, a second preview shows no change, a changed environment shows replaces, destroy removes it all,
 * and the state holds none of the three secrets in plain text. Pulumi runs in a child process (scripts/stack.ts).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSeed, type RunningEmulator, type SeedInput, startEmulator } from "../../emulator";

const ROOT = resolve(__dirname, "../..");
const STACK = join(ROOT, "dist/scripts/stack.js");

/** Three customers: distinct tenant ids, apps and secrets, each with the default seed's environments. */
const CUSTOMERS = [
  {
    name: "contoso",
    tenantId: "11111111-aaaa-4aaa-8aaa-000000000001",
    clientId: "22222222-bbbb-4bbb-8bbb-000000000001",
  },
  {
    name: "fabrikam",
    tenantId: "11111111-aaaa-4aaa-8aaa-000000000002",
    clientId: "22222222-bbbb-4bbb-8bbb-000000000002",
  },
  {
    name: "northwind",
    tenantId: "11111111-aaaa-4aaa-8aaa-000000000003",
    clientId: "22222222-bbbb-4bbb-8bbb-000000000003",
  },
].map((c) => ({ ...c, secret: `multi-tenant-secret-${c.name}-${Math.random().toString(36).slice(2)}` }));

function threeTenantSeed(): SeedInput {
  const template = defaultSeed().tenants[0]!;
  const templateClient = template.apps![0]!.clientId;
  return {
    tenants: CUSTOMERS.map((c) => {
      const text = JSON.stringify(template).replaceAll(templateClient, c.clientId);
      const tenant = JSON.parse(text) as typeof template;
      tenant.id = c.tenantId;
      tenant.domains = [`${c.name}.onmicrosoft.com`];
      tenant.apps![0]!.secrets = [c.secret];
      return tenant;
    }),
  };
}

/** The default seed's users: five independent grants per tenant, enough to meet BC's 5-in-flight limit. */
const USERS = ["ADMIN", "JOE", "MEGAN", "ALEX", "ISAIAH"];

let emu: RunningEmulator;
let work: string;
const config: Record<string, { value: string; secret?: boolean }> = {};

interface Summary {
  result: string;
  changes?: Record<string, number>;
  stdout?: string;
  error?: string;
}

async function pulumi(op: string, extra: string[] = []): Promise<Summary & { log: string }> {
  const configFile = join(work, "config.json");
  writeFileSync(configFile, JSON.stringify(config));
  const child = spawn(
    process.execPath,
    [
      STACK,
      op,
      "--example",
      "multi-tenant",
      "--stack",
      "e2e",
      "--state-dir",
      join(work, "state"),
      "--config-file",
      configFile,
      ...extra,
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let log = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    log += d;
  });
  await new Promise((ok) => child.once("exit", ok));
  return { ...(JSON.parse(out.trim().split("\n").pop() || "{}") as Summary), log };
}

function tenantList(environmentOf: (name: string) => string) {
  return CUSTOMERS.map((c) => ({
    name: c.name,
    tenantId: c.tenantId,
    clientId: c.clientId,
    environment: environmentOf(c.name),
    companyName: `${c.name[0]!.toUpperCase()}${c.name.slice(1)} Ltd.`,
    userNames: USERS,
    authorityHost: emu.authorityHost,
    apiBaseUrl: emu.baseUrl,
    caCertPath: emu.caCertPath,
  }));
}

const production = (tenantId: string) =>
  emu
    .state()
    .tenants.find((t) => t.id === tenantId)!
    .environments.find((e) => e.name === "production")!;
const companyNames = (tenantId: string) =>
  production(tenantId)
    .companies.map((c) => c.name)
    .sort();
const grants = (tenantId: string) =>
  production(tenantId)
    .accessControls.map((a) => `${a.userSecurityId}|${a.roleId}|${a.company}`)
    .sort();

let seedCompanies: Record<string, string[]>;
let seedGrants: Record<string, string[]>;

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.01, seed: threeTenantSeed(), latency: { kind: "fixed", ms: 40 } });
  work = mkdtempSync(join(tmpdir(), "bc-multi-tenant-"));
  config["tenants:list"] = { value: JSON.stringify(tenantList(() => "production")) };
  config["tenants:clientSecrets"] = {
    value: JSON.stringify(Object.fromEntries(CUSTOMERS.map((c) => [c.name, c.secret]))),
    secret: true,
  };
  seedCompanies = Object.fromEntries(CUSTOMERS.map((c) => [c.tenantId, companyNames(c.tenantId)]));
  seedGrants = Object.fromEntries(CUSTOMERS.map((c) => [c.tenantId, grants(c.tenantId)]));
});

afterAll(async () => {
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("one program, three tenants, connections only", () => {
  it("the stack has no businesscentral:* config", () => {
    expect(Object.keys(config).filter((k) => k.startsWith("businesscentral:"))).toEqual([]);
  });

  it("up creates in each tenant what was declared there, and nothing elsewhere", async () => {
    const up = await pulumi("up");
    expect(up.result, up.error ?? up.log.slice(-3000)).toBe("succeeded");
    // The stack, and per tenant: the Tenant, its Company and one grant per user.
    expect(up.changes).toMatchObject({ create: 1 + 3 * (2 + USERS.length) });
    for (const c of CUSTOMERS) {
      const expected = `${c.name[0]!.toUpperCase()}${c.name.slice(1)} Ltd.`;
      expect(companyNames(c.tenantId)).toEqual([...seedCompanies[c.tenantId]!, expected].sort());
      const ids = USERS.map((name) => production(c.tenantId).users.find((u) => u.userName === name)!.userSecurityId);
      const added = grants(c.tenantId).filter((g) => !seedGrants[c.tenantId]!.includes(g));
      expect(added).toEqual(ids.map((id) => `${id}|D365 READ|${expected}`).sort());
    }
    for (const c of CUSTOMERS) {
      const principal = `${c.tenantId}:${c.clientId}`;
      const peak = emu.maxConcurrent(principal);
      process.stdout.write(`requests in flight at once for ${c.name}: ${peak}\n`);
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(5);
    }
  });

  it("a second preview shows no change", async () => {
    const preview = await pulumi("preview");
    expect(preview.result, preview.error ?? preview.log.slice(-3000)).toBe("succeeded");
    expect(Object.keys(preview.changes ?? {})).toEqual(["same"]);
  });

  it("moving one tenant to another environment previews as replaces of its resources only", async () => {
    config["tenants:list"] = {
      value: JSON.stringify(tenantList((name) => (name === "fabrikam" ? "sandbox-24" : "production"))),
    };
    const preview = await pulumi("preview", ["--diff"]);
    config["tenants:list"] = { value: JSON.stringify(tenantList(() => "production")) };
    expect(preview.result, preview.error ?? preview.log.slice(-3000)).toBe("succeeded");
    expect(preview.changes).toMatchObject({ replace: 1 + USERS.length });
    expect(preview.stdout).toMatch(/fabrikam-company/);
    expect(preview.stdout).not.toMatch(/[+-]\s+.*contoso-company/);
  });

  it("destroy removes it all", async () => {
    const destroyed = await pulumi("destroy");
    expect(destroyed.result, destroyed.error ?? destroyed.log.slice(-3000)).toBe("succeeded");
    for (const c of CUSTOMERS) {
      expect(companyNames(c.tenantId)).toEqual(seedCompanies[c.tenantId]);
      expect(grants(c.tenantId)).toEqual(seedGrants[c.tenantId]);
    }
  });

  it("the state holds none of the secrets in plain text", () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(join(work, "state"));
    expect(files.some((f) => f.endsWith(".json"))).toBe(true);
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      for (const c of CUSTOMERS) expect(text, f).not.toContain(c.secret);
    }
  });
});
