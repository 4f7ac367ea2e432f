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
import { emulatorConfig, ROOT, runStack, type StackConfig } from "./stack-runner";

/** A program file for scripts/stack.ts --program: a fresh sandbox, and a company in it once `e2e:hydrate` is true. */
const FRESH_PROGRAM = `
const pulumi = require(${JSON.stringify(join(ROOT, "node_modules/@pulumi/pulumi"))});
const bc = require(${JSON.stringify(join(ROOT, "dist/sdk"))});
const sandbox = new bc.Environment("fresh", { name: "uat-fresh", type: "Sandbox", countryCode: "US" });
if (new pulumi.Config("e2e").getBoolean("hydrate")) {
  new bc.Company("fresh-company", { environment: sandbox.name, displayName: "Fresh Company" });
}
`;

let emu: RunningEmulator;
let work: string;

const tenant = () => emu.state().tenants[0]!;
const listed = (name: string) =>
  [...tenant().environments, ...(tenant().adminCenter?.inactiveEnvironments ?? [])].find((e) => e.name === name);

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.01 });
  work = mkdtempSync(join(tmpdir(), "bc-e2e-env-"));
  writeFileSync(join(work, "fresh.js"), FRESH_PROGRAM);
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
    expect(listed("uat-copy")?.admin?.status).toBe("SoftDeleted");
    expect(down.log).toMatch(/recoverable until/);
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
    expect(listed("uat-fresh")?.admin?.status).toBe("SoftDeleted");
  });
});
