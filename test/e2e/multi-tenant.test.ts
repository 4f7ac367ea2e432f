/**
 * End to end with the real engine: examples/multi-tenant hydrates three tenants of one emulator from one program,
 * credentials only as connection inputs (no `businesscentral:*` config at all). Each tenant gets exactly what was
 * declared for it, a second preview shows no change, a changed environment shows replaces, destroy removes it all,
 * and the state holds none of the three secrets in plain text. Pulumi runs in a child process (scripts/stack.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSeed, type RunningEmulator, type SeedInput, startEmulator } from "../../emulator";
import { runStack, type StackConfig, stateFileTexts } from "./stack-runner";

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
const config: StackConfig = {};

const run = (op: "up" | "preview" | "destroy", extra: string[] = []) =>
  runStack(work, config, op, ["--example", "multi-tenant", "--stack", "e2e", ...extra]);

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
    const up = await run("up");
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
    const preview = await run("preview");
    expect(preview.result, preview.error ?? preview.log.slice(-3000)).toBe("succeeded");
    expect(Object.keys(preview.changes ?? {})).toEqual(["same"]);
  });

  it("moving one tenant to another environment previews as replaces of its resources only", async () => {
    config["tenants:list"] = {
      value: JSON.stringify(tenantList((name) => (name === "fabrikam" ? "sandbox-24" : "production"))),
    };
    const preview = await run("preview", ["--diff"]);
    config["tenants:list"] = { value: JSON.stringify(tenantList(() => "production")) };
    expect(preview.result, preview.error ?? preview.log.slice(-3000)).toBe("succeeded");
    expect(preview.changes).toMatchObject({ replace: 1 + USERS.length });
    expect(preview.stdout).toMatch(/fabrikam-company/);
    expect(preview.stdout).not.toMatch(/[+-]\s+.*contoso-company/);
  });

  it("destroy removes it all", async () => {
    const destroyed = await run("destroy");
    expect(destroyed.result, destroyed.error ?? destroyed.log.slice(-3000)).toBe("succeeded");
    for (const c of CUSTOMERS) {
      expect(companyNames(c.tenantId)).toEqual(seedCompanies[c.tenantId]);
      expect(grants(c.tenantId)).toEqual(seedGrants[c.tenantId]);
    }
  });

  it("the state holds none of the secrets in plain text", () => {
    const files = stateFileTexts(join(work, "state"));
    expect(files.some((f) => f.path.endsWith(".json"))).toBe(true);
    for (const { path, text } of files) {
      for (const c of CUSTOMERS) expect(text, path).not.toContain(c.secret);
    }
  });
});
