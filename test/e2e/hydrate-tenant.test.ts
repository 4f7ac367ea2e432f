/**
 * End to end with the real Pulumi engine (built by scripts/install-pulumi) against the emulator: up, no-op up,
 * one change per resource with preview --diff, drift and refresh, a fault mid-up, destroy, and a state file
 * free of secrets. Pulumi runs in a child process (scripts/stack.ts) because vitest's module loader cannot host
 * Pulumi's closure serializer.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../emulator";
import { exampleProjectConfig } from "../../scripts/lib/cli";
import { emulatorConfig, runStack, type StackConfig, stateFileTexts } from "./stack-runner";

const ROOT = resolve(__dirname, "../..");
const WRITE = /^(POST|PATCH|PUT|DELETE)$/;
/** Writes sent to Business Central; a token request (the preview checks get one) writes nothing there. */
const bcWrites = () => emu.requests().filter((r) => WRITE.test(r.method) && !r.path.includes("/oauth2/"));

let emu: RunningEmulator;
let work: string;
const config: StackConfig = {};

const pulumi = (op: "up" | "preview" | "refresh" | "destroy", extra: string[] = []) =>
  runStack(work, config, op, ["--stack", "e2e", ...extra]);

const env = () => emu.state().tenants[0].environments.find((e) => e.name === "production")!;
const legacy = () => emu.state().tenants[0].environments.find((e) => e.name === "sandbox-24")!;
const company = () => env().companies.find((c) => c.displayName.startsWith("Contoso"));
const installed = (name: string) => env().publishedApps.filter((a) => a.displayName === name && a.isInstalled);
const userId = (userName: string) => env().users.find((u) => u.userName === userName)!.userSecurityId;
const groupUser = (code: string) => env().securityGroups.find((g) => g.code === code)!.groupUserSecurityId;
const roles = (principal: string) =>
  env()
    .accessControls.filter((a) => a.userSecurityId === principal)
    .map((a) => `${a.roleId}|${a.company}`)
    .sort();

let seedSnapshot: { companies: string[]; access: string[]; members: string[]; apps: string[] };
function snapshot() {
  return {
    companies: env()
      .companies.map((c) => c.name)
      .sort(),
    access: env()
      .accessControls.map((a) => `${a.userSecurityId}|${a.roleId}|${a.company}`)
      .sort(),
    members: legacy()
      .userGroupMembers.map((m) => `${m.userSecurityId}|${m.code}`)
      .sort(),
    apps: env()
      .publishedApps.filter((a) => a.isInstalled)
      .map((a) => `${a.id}|${a.version}`)
      .sort(),
  };
}

beforeAll(async () => {
  emu = await startEmulator({ timeScale: 0.01 });
  work = mkdtempSync(join(tmpdir(), "bc-e2e-"));
  execFileSync(process.execPath, [join(ROOT, "dist/examples/hydrate-tenant/prepare.js"), join(work, "build")]);
  Object.assign(config, {
    // The example's sample data (its Pulumi.yaml); inline runs do not read Pulumi.yaml.
    ...exampleProjectConfig("hydrate-tenant"),
    ...emulatorConfig(emu),
    "hydrate:buildDir": { value: join(work, "build") },
  });
  seedSnapshot = snapshot();
});

afterAll(async () => {
  await emu?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// Each step runs the real engine (seconds when idle, much longer on a busy 2-core machine running other suites).
describe("hydrate-tenant with the real engine", { timeout: 240_000 }, () => {
  it("up from empty creates exactly the declared objects", async () => {
    const up = await pulumi("up");
    expect(up.result, up.error ?? up.log.slice(-3000)).toBe("succeeded");
    expect(up.changes).toMatchObject({ create: 8 });
    const c = company()!;
    expect(c.displayName).toBe("Contoso Ltd.");
    expect(c.configurationPackages.map((p) => [p.code, p.importStatus, p.applyStatus])).toEqual([
      ["CRONUS.SETUP", "Completed", "Completed"],
    ]);
    expect(installed("Contoso Payment Services").map((a) => a.version)).toEqual(["5.0.0.0"]);
    expect(installed("Contoso Extras").map((a) => a.version)).toEqual(["1.0.0.0"]);
    expect(roles(userId("JOE"))).toContain(`D365 BUS FULL ACCESS|${c.name}`);
    expect(roles(groupUser("FINANCE"))).toContain("D365 ACCOUNTANTS|");
    const megan = legacy().users.find((u) => u.userName === "MEGAN")!.userSecurityId;
    expect(
      legacy()
        .userGroupMembers.filter((m) => m.userSecurityId === megan)
        .map((m) => m.code),
    ).toEqual(["D365 ACCOUNTANTS"]);
    expect(env().companies.length).toBe(seedSnapshot.companies.length + 1);
  });

  it("a second up changes nothing and sends no write request", async () => {
    emu.clearRequests();
    const up = await pulumi("up");
    expect(up.result).toBe("succeeded");
    expect(Object.keys(up.changes ?? {})).toEqual(["same"]);
    const writes = bcWrites();
    expect(writes).toEqual([]);
  });

  it("a changed businesscentral:environment previews as replaces of what lives there, never as silence", async () => {
    const before = config["businesscentral:environment"];
    config["businesscentral:environment"] = { value: "sandbox-24" };
    emu.clearRequests();
    const preview = await pulumi("preview", ["--diff"]);
    config["businesscentral:environment"] = before!;
    expect(preview.result, preview.error ?? preview.log.slice(-3000)).toBe("succeeded");
    // Company, its package, both extensions and both grants target the default environment; the membership names its own.
    expect(preview.changes).toMatchObject({ replace: 6, same: 2 });
    expect(bcWrites()).toEqual([]);
  });

  it("one changed input per resource: preview --diff shows the expected updates and replaces, up applies them", async () => {
    config["hydrate:companyName"] = { value: "Contoso Trading Ltd." };
    config["hydrate:packageName"] = { value: "Contoso setup v2" };
    config["hydrate:paymentsVersion"] = { value: "5.1.0.0" };
    config["hydrate:extrasVersion"] = { value: "1.1.0.0" };
    config["hydrate:joeRole"] = { value: "D365 READ" };
    config["hydrate:meganGroup"] = { value: "D365 SALES" };
    emu.clearRequests();
    const preview = await pulumi("preview", ["--diff"]);
    expect(preview.result, preview.error).toBe("succeeded");
    expect(preview.changes).toMatchObject({ update: 4, replace: 2 });
    expect(preview.stdout).toContain("Contoso Trading Ltd.");
    expect(bcWrites()).toEqual([]);

    const up = await pulumi("up");
    expect(up.result, up.error ?? up.log.slice(-3000)).toBe("succeeded");
    expect(company()!.displayName).toBe("Contoso Trading Ltd.");
    expect(company()!.name).toBe("Contoso Ltd.");
    expect(installed("Contoso Payment Services").map((a) => a.version)).toEqual(["5.1.0.0"]);
    expect(installed("Contoso Extras").map((a) => a.version)).toEqual(["1.1.0.0"]);
    const joe = roles(userId("JOE"));
    expect(joe).toContain(`D365 READ|${company()!.name}`);
    expect(joe).not.toContain(`D365 BUS FULL ACCESS|${company()!.name}`);
    const megan = legacy().users.find((u) => u.userName === "MEGAN")!.userSecurityId;
    expect(
      legacy()
        .userGroupMembers.filter((m) => m.userSecurityId === megan)
        .map((m) => m.code),
    ).toEqual(["D365 SALES"]);
  });

  it("an out-of-band change shows as drift on refresh, and up converges", async () => {
    emu.mutate(() => {
      const c = company()!;
      c.displayName = "Renamed In BC";
      c.rev += 1;
    });
    const refresh = await pulumi("refresh");
    expect(refresh.result).toBe("succeeded");
    expect(refresh.changes).toMatchObject({ update: 1 });
    const up = await pulumi("up");
    expect(up.result).toBe("succeeded");
    expect(up.changes).toMatchObject({ update: 1 });
    expect(company()!.displayName).toBe("Contoso Trading Ltd.");
  });

  it("a connection dropped after BC acted on a POST: the run recovers by identity, no duplicate", async () => {
    config["hydrate:joeRole"] = { value: "D365 BUS PREMIUM" };
    const fault = emu.faults.add({ method: "POST", path: "*/userPermissions", drop: "after", count: 1 });
    const up = await pulumi("up");
    const fired = emu.faults.list().find((f) => f.id === fault.id)?.fired;
    emu.faults.clear();
    expect(fired).toBe(1);
    if (up.result !== "succeeded") {
      // A partial failure is acceptable as long as the next up converges.
      expect((await pulumi("up")).result).toBe("succeeded");
    }
    const premium = roles(userId("JOE")).filter((r) => r.startsWith("D365 BUS PREMIUM|"));
    expect(premium).toHaveLength(1);
    const again = await pulumi("up");
    expect(Object.keys(again.changes ?? {})).toEqual(["same"]);
  });

  it("a 500 on the package apply is recorded as a partial failure; the next up converges", async () => {
    config["hydrate:packageFile"] = { value: "cronus-setup-v2.rapidstart" };
    const fault = emu.faults.add({ method: "POST", path: "*/Microsoft.NAV.apply", status: 500, count: 1 });
    const failed = await pulumi("up");
    emu.faults.clear();
    expect(emu.faults.list()).toEqual([]);
    expect(fault.id).toBeTruthy();
    expect(failed.result).toBe("failed");
    const next = await pulumi("up");
    expect(next.result, next.error ?? next.log.slice(-3000)).toBe("succeeded");
    const packages = company()!.configurationPackages;
    expect(packages.map((p) => [p.code, p.applyStatus])).toEqual([["CRONUS.SETUP", "Completed"]]);
  });

  it("destroy brings the environment back to its seed state", async () => {
    const destroyed = await pulumi("destroy");
    expect(destroyed.result, destroyed.error ?? destroyed.log.slice(-3000)).toBe("succeeded");
    expect(snapshot()).toEqual(seedSnapshot);
  });

  it("the state holds no plaintext client secret or token", () => {
    const files = stateFileTexts(join(work, "state"));
    expect(files.some((f) => f.path.endsWith(".json"))).toBe(true);
    for (const { path, text } of files) {
      expect(text, path).not.toContain(emu.clientSecret);
      expect(text, path).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./);
    }
  });
});
