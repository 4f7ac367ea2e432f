/**
 * Environment with the real Pulumi engine against the emulator: `up` copies production into a sandbox and
 * hydrates it (examples/test-sandbox), and `destroy` removes everything including the sandbox; a second stack
 * creates a fresh sandbox, which is hydrated once the app is registered in it, and destroys it again.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../emulator";
import { exampleProjectConfig } from "../../scripts/lib/cli";
import { emulatorConfig, ROOT, runStack, type StackConfig, stateFileTexts, writeRequests } from "./stack-runner";

/** A program file for scripts/stack.ts --program: a fresh sandbox, and a company in it once `e2e:hydrate` is true. */
const FRESH_PROGRAM = `
const pulumi = require(${JSON.stringify(join(ROOT, "node_modules/@pulumi/pulumi"))});
const bc = require(${JSON.stringify(join(ROOT, "dist/sdk"))});
const sandbox = new bc.Environment("fresh", { name: "uat-fresh", type: "Sandbox", countryCode: "US" });
if (new pulumi.Config("e2e").getBoolean("hydrate")) {
  new bc.Company("fresh-company", { environment: sandbox.name, displayName: "Fresh Company" });
}
`;

/**
 * Two sandboxes in one stack (issue 19's "done when"): one created with an update window, one copied from
 * production with a company and a grant in it. Pulumi creates both environments at once; BC creates one at a time.
 */
const TWO_SANDBOXES_PROGRAM = `
const pulumi = require(${JSON.stringify(join(ROOT, "node_modules/@pulumi/pulumi"))});
const bc = require(${JSON.stringify(join(ROOT, "dist/sdk"))});
const [startTime, endTime] = (new pulumi.Config("e2e").get("window") ?? "22:00-04:00").split("-");
new bc.Environment("dev", {
  name: "e2e-dev", type: "Sandbox", countryCode: "US", updateWindow: { startTime, endTime, timeZoneId: "UTC" },
});
const e2e = new pulumi.Config("e2e");
const test = new bc.Environment("test", {
  name: "e2e-test", type: "Sandbox", copyFrom: { environment: "production", type: "Production" },
  applicationInsightsConnectionString: e2e.getBoolean("insights") ? e2e.requireSecret("insightsKey") : undefined,
});
const company = new bc.Company("test-company", { environment: test.name, displayName: "E2E Company" });
new bc.PermissionSetAssignment("test-grant", {
  environment: test.name, userName: "JOE", roleId: "D365 BUS FULL ACCESS", company: company.name,
});
`;

/** A production environment this stack created; config `e2e:keep`, `e2e:country`, `e2e:allowDelete` vary it. */
const PRODUCTION_PROGRAM = `
const pulumi = require(${JSON.stringify(join(ROOT, "node_modules/@pulumi/pulumi"))});
const bc = require(${JSON.stringify(join(ROOT, "dist/sdk"))});
const cfg = new pulumi.Config("e2e");
if (cfg.getBoolean("keep") !== false) {
  new bc.Environment("prod", {
    name: "e2e-prod", type: "Production", countryCode: cfg.get("country") ?? "US", allowDelete: cfg.getBoolean("allowDelete"),
  });
}
`;

const INSIGHTS_KEY = "InstrumentationKey=7d0a9e55-0000-4000-8000-e2e5ec12e7a1";

let emu: RunningEmulator;
let work: string;

const tenant = () => emu.state().tenants[0]!;
const allListed = () => [...tenant().environments, ...(tenant().adminCenter?.inactiveEnvironments ?? [])];
const listed = (name: string) => allListed().find((e) => e.name === name);
/** The newest soft-deleted environment BC renamed from `name` (`<name>-yyMMddHHmmssff`). */
const renamedFrom = (name: string) =>
  allListed()
    .filter((e) => new RegExp(`^${name}-\\d{14}$`).test(e.name))
    .at(-1);

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.01 });
  work = mkdtempSync(join(tmpdir(), "bc-e2e-env-"));
  writeFileSync(join(work, "fresh.js"), FRESH_PROGRAM);
  writeFileSync(join(work, "two-sandboxes.js"), TWO_SANDBOXES_PROGRAM);
  writeFileSync(join(work, "production.js"), PRODUCTION_PROGRAM);
});

afterAll(async () => {
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("examples/test-sandbox: a copy of production, hydrated, destroyed", { timeout: 180_000 }, () => {
  const dir = () => join(work, "copy");
  const config = (): StackConfig => ({
    ...exampleProjectConfig("test-sandbox"),
    ...emulatorConfig(emu),
    "sandbox:name": { value: "uat-copy" },
  });
  const run = (op: "up" | "preview" | "destroy") => runStack(dir(), config(), op, ["--example", "test-sandbox"]);

  it("up copies production into a sandbox and hydrates it", async () => {
    const up = await run("up");
    expect(up.result, up.error ?? up.log.slice(-3000)).toBe("succeeded");
    expect(up.changes).toMatchObject({ create: 4 });
    expect(up.log).toMatch(/copying environment 'production' into sandbox environment 'uat-copy'/);
    const sandbox = listed("uat-copy")!;
    expect(sandbox.type).toBe("Sandbox");
    expect(sandbox.admin?.status).toBe("Active");
    const company = sandbox.companies.find((c) => c.displayName === "Test Company");
    expect(company).toBeDefined();
    const joe = sandbox.users.find((u) => u.userName === "JOE")!;
    expect(
      sandbox.accessControls.some(
        (a) => a.userSecurityId === joe.userSecurityId && a.roleId === "D365 BUS FULL ACCESS",
      ),
    ).toBe(true);
    // Production is untouched.
    expect(listed("production")!.companies.some((c) => c.displayName === "Test Company")).toBe(false);
  });

  it("a second preview shows no changes", async () => {
    const preview = await run("preview");
    expect(preview.result, preview.error).toBe("succeeded");
    expect(Object.keys(preview.changes ?? {})).toEqual(["same"]);
  });

  it("destroy removes the grant, the company and the sandbox", async () => {
    const down = await run("destroy");
    expect(down.result, down.error ?? down.log.slice(-3000)).toBe("succeeded");
    expect(down.changes).toMatchObject({ delete: 4 });
    // BC renames a deleted environment at once: the name is free, the renamed one recoverable.
    expect(listed("uat-copy")).toBeUndefined();
    expect(renamedFrom("uat-copy")?.admin?.status).toBe("SoftDeleted");
    expect(down.log).toMatch(/BC renamed it to 'uat-copy-\d{14}' and keeps it recoverable until/);
  });
});

describe("a fresh sandbox, hydrated once the app is registered in it", { timeout: 180_000 }, () => {
  const dir = () => join(work, "fresh");
  const config = (hydrate: boolean): StackConfig => ({
    ...emulatorConfig(emu),
    "e2e:hydrate": { value: String(hydrate) },
  });
  const run = (op: "up" | "destroy", hydrate: boolean) =>
    runStack(dir(), config(hydrate), op, ["--example", "fresh-sandbox", "--program", join(work, "fresh.js")]);

  it("up creates the sandbox and says the app must be registered in it", async () => {
    const up = await run("up", false);
    expect(up.result, up.error ?? up.log.slice(-3000)).toBe("succeeded");
    expect(up.changes).toMatchObject({ create: 2 });
    expect(listed("uat-fresh")?.admin?.status).toBe("Active");
    expect(up.log).toMatch(/not registered in it yet.*Microsoft Entra applications/);
  });

  it("after the manual registration step, up hydrates it; destroy removes it all", async () => {
    // The "Microsoft Entra applications" step has no API (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/automation-apis-using-s2s-authentication): done here as an administrator would.
    emu.mutate((s) => {
      const env = s.tenants[0]!.environments.find((e) => e.name === "uat-fresh")!;
      const source = s.tenants[0]!.environments.find((e) => e.name === "production")!;
      const registration = source.entraApplications.find((a) => a.clientId === emu.clientId)!;
      env.entraApplications.push({ ...registration });
      env.users.push(structuredClone(source.users.find((u) => u.userSecurityId === registration.userSecurityId)!));
      env.accessControls.push(
        ...structuredClone(source.accessControls.filter((a) => a.userSecurityId === registration.userSecurityId)),
      );
    });
    const up = await run("up", true);
    expect(up.result, up.error ?? up.log.slice(-3000)).toBe("succeeded");
    expect(up.changes).toMatchObject({ create: 1 });
    expect(listed("uat-fresh")!.companies.some((c) => c.displayName === "Fresh Company")).toBe(true);

    const down = await run("destroy", true);
    expect(down.result, down.error ?? down.log.slice(-3000)).toBe("succeeded");
    expect(listed("uat-fresh")).toBeUndefined();
    expect(renamedFrom("uat-fresh")?.admin?.status).toBe("SoftDeleted");
  });
});

describe("two sandboxes on the first up, destroyed and created again under the same names", {
  timeout: 240_000,
}, () => {
  const dir = () => join(work, "two");
  const run = (op: "up" | "preview" | "destroy", window?: string, insights = false) =>
    runStack(
      dir(),
      {
        ...emulatorConfig(emu),
        ...(window ? { "e2e:window": { value: window } } : {}),
        ...(insights
          ? { "e2e:insights": { value: "true" }, "e2e:insightsKey": { value: INSIGHTS_KEY, secret: true } }
          : {}),
      },
      op,
      ["--example", "two-sandboxes", "--program", join(work, "two-sandboxes.js")],
    );
  const refusedStarts = () =>
    emu.requests().filter((r) => r.status === 400 && /\/environments\/[^/]+(\/copy)?$/.test(r.path));

  it("the first up creates both (one at a time in BC), the company and the grant in the copy", async () => {
    emu.clearRequests();
    const up = await run("up");
    expect(up.result, up.error ?? up.log.slice(-3000)).toBe("succeeded");
    expect(up.changes).toMatchObject({ create: 5 });
    expect(refusedStarts()).toEqual([]);
    expect(listed("e2e-dev")?.admin?.status).toBe("Active");
    expect(listed("e2e-dev")?.admin?.settings?.updateWindow).toEqual({
      startTime: "22:00",
      endTime: "04:00",
      timeZoneId: "UTC",
    });
    const test = listed("e2e-test")!;
    expect(test.companies.some((c) => c.displayName === "E2E Company")).toBe(true);
    // A created environment has no registration for the app, and no API adds one: up says so.
    expect(up.log).toMatch(/'e2e-dev' is ready, but this app is not registered in it yet/);
  });

  it("destroy, then an immediate up with the same names, succeed", async () => {
    const down = await run("destroy");
    expect(down.result, down.error ?? down.log.slice(-3000)).toBe("succeeded");
    expect(down.changes).toMatchObject({ delete: 5 });
    expect(listed("e2e-dev")).toBeUndefined();
    expect(listed("e2e-test")).toBeUndefined();
    const up = await run("up");
    expect(up.result, up.error ?? up.log.slice(-3000)).toBe("succeeded");
    expect(up.changes).toMatchObject({ create: 5 });
    expect(listed("e2e-dev")?.admin?.status).toBe("Active");
    expect(listed("e2e-test")?.companies.some((c) => c.displayName === "E2E Company")).toBe(true);
    expect(renamedFrom("e2e-test")?.admin?.status).toBe("SoftDeleted");
  });

  it("a changed update window previews as an update and applies in place", async () => {
    const preview = await run("preview", "21:00-05:00");
    expect(preview.result, preview.error).toBe("succeeded");
    expect(preview.changes).toMatchObject({ update: 1 });
    expect(preview.changes).not.toHaveProperty("replace");
    emu.clearRequests();
    const up = await run("up", "21:00-05:00");
    expect(up.result, up.error ?? up.log.slice(-3000)).toBe("succeeded");
    expect(up.changes).toMatchObject({ update: 1 });
    expect(writeRequests(emu).map((r) => `${r.method} ${r.path.replace(/^.*\/environments\//, "")}`)).toEqual([
      "PUT e2e-dev/settings/upgrade",
    ]);
    expect(listed("e2e-dev")?.admin?.settings?.updateWindow).toMatchObject({ startTime: "21:00", endTime: "05:00" });
  });

  it("an Application Insights connection string is set in place and never written in plain text", async () => {
    const up = await run("up", "21:00-05:00", true);
    expect(up.result, up.error ?? up.log.slice(-3000)).toBe("succeeded");
    expect(up.changes).toMatchObject({ update: 1 });
    expect(up.log).toMatch(/BC restarts the environment to apply it/);
    expect(listed("e2e-test")?.admin?.appInsightsKey).toBe(INSIGHTS_KEY);
    expect(up.log).not.toContain(INSIGHTS_KEY);
    for (const file of stateFileTexts(join(dir(), "state"))) expect(file.text, file.path).not.toContain(INSIGHTS_KEY);
    const down = await run("destroy", "21:00-05:00", true);
    expect(down.result, down.error ?? down.log.slice(-3000)).toBe("succeeded");
  });
});

describe("a production environment is not deleted by accident", { timeout: 180_000 }, () => {
  const dir = () => join(work, "prod");
  const run = (op: "up" | "preview" | "destroy", e2e: Record<string, string> = {}) =>
    runStack(
      dir(),
      {
        ...emulatorConfig(emu),
        ...Object.fromEntries(Object.entries(e2e).map(([k, v]) => [`e2e:${k}`, { value: v }])),
      },
      op,
      ["--example", "production-guard", "--program", join(work, "production.js")],
    );
  const deletes = () => emu.requests().filter((r) => r.method === "DELETE");

  it("up creates it", async () => {
    const up = await run("up");
    expect(up.result, up.error ?? up.log.slice(-3000)).toBe("succeeded");
    expect(listed("e2e-prod")).toMatchObject({ type: "Production" });
  });

  it("destroy fails before any DELETE is sent", async () => {
    emu.clearRequests();
    const down = await run("destroy");
    expect(down.result).not.toBe("succeeded");
    expect(`${down.error} ${down.log}`).toMatch(/Production environment.*sent nothing.*protect: true/s);
    expect(deletes()).toEqual([]);
    expect(listed("e2e-prod")?.admin?.status ?? "Active").toBe("Active");
  });

  it("removing it from the program fails before any DELETE is sent", async () => {
    emu.clearRequests();
    const up = await run("up", { keep: "false" });
    expect(up.result).not.toBe("succeeded");
    expect(`${up.error} ${up.log}`).toMatch(/Production environment/);
    expect(deletes()).toEqual([]);
  });

  it("a change that would replace it fails at preview", async () => {
    emu.clearRequests();
    const preview = await run("preview", { country: "DK" });
    expect(preview.result).not.toBe("succeeded");
    expect(`${preview.error} ${preview.log}`).toMatch(/change of countryCode would replace it/);
    expect(writeRequests(emu)).toEqual([]);
  });

  it("allowDelete: true is recorded by an up that sends nothing; then destroy deletes it", async () => {
    emu.clearRequests();
    const up = await run("up", { allowDelete: "true" });
    expect(up.result, up.error ?? up.log.slice(-3000)).toBe("succeeded");
    expect(up.changes).toMatchObject({ update: 1 });
    expect(writeRequests(emu)).toEqual([]);
    const down = await run("destroy", { allowDelete: "true" });
    expect(down.result, down.error ?? down.log.slice(-3000)).toBe("succeeded");
    expect(listed("e2e-prod")).toBeUndefined();
  });
});
