/**
 * The resources against the emulator's switches for what real tenants do differently from the documentation:
 * the version read from the Base Application whatever form
 * `systemVersion` has, deployment rows found although BC's clock differs from ours, user group memberships hidden
 * by "Convert user group permissions", and security groups before BC 24; each ends in the right path or a message
 * that says what to do.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { defaultSeed, type EmulatorOptions, type RunningEmulator } from "../../../emulator";
import { buildApp } from "../../../formats/navx";
import { extensionHandler as extensionHandlerDefinition } from "../../../provider/resources/extension";
import { extensionPolling } from "../../../provider/resources/extension/bc";
import { permissionSetAssignmentHandler as permissionSetAssignmentHandlerDefinition } from "../../../provider/resources/permission-set-assignment";
import { userGroupMemberHandler as userGroupMemberHandlerDefinition } from "../../../provider/resources/user-group-member";
import { emulatorStackConfig, resetProviderCaches, startTestEmulator, testRuntime, useRuntime } from "../helpers/emu";

const extensionHandler = extensionHandlerDefinition.withRuntime(testRuntime);
const permissionSetAssignmentHandler = permissionSetAssignmentHandlerDefinition.withRuntime(testRuntime);
const userGroupMemberHandler = userGroupMemberHandlerDefinition.withRuntime(testRuntime);

type Props = Record<string, unknown>;

const dir = mkdtempSync(join(tmpdir(), "real-wire-deviations-"));
let emu: RunningEmulator | undefined;

async function start(options: EmulatorOptions): Promise<RunningEmulator> {
  emu = await startTestEmulator(options);
  resetProviderCaches();
  useRuntime(emulatorStackConfig(emu));
  extensionPolling.initialIntervalMs = 50;
  extensionPolling.maxIntervalMs = 200;
  return emu;
}

afterEach(async () => {
  await emu?.stop();
  emu = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function appFile(version = "1.0.0.0") {
  const id = randomUUID();
  const path = join(dir, `${id}.app`);
  writeFileSync(path, buildApp({ id, name: "Deviation Test", publisher: "Contoso", version }));
  return { id, path };
}

async function checked(handler: typeof extensionHandler, news: Props) {
  const result = await handler.check({}, { __provider: "x", ...news });
  expect(result.failures ?? []).toEqual([]);
  return result.inputs as Props;
}

describe("version detection", () => {
  it('a build-number systemVersion ("24489") does not mislead: BC 29 still takes uploads through pteInstall', async () => {
    const e = await start({ behaviour: { companySystemVersion: "build" } });
    const { id, path } = appFile();
    const created = await extensionHandler.create(
      await checked(extensionHandler, { filePath: path, acceptIsvEula: true }),
    );
    expect(created.id).toBe(id);
    const paths = e.requests().map((r) => r.path);
    expect(paths.some((p) => p.includes("/apps/pteInstall"))).toBe(true);
    expect(paths.some((p) => /\/extensionUpload$/.test(p.split("?")[0]!))).toBe(false);
  });
});

describe("deployment rows and clocks", () => {
  it("an upload on BC 24 is followed to the end although BC's clock is two hours behind ours", async () => {
    const e = await start({ behaviour: { serverClockOffsetMs: -2 * 3_600_000 } });
    const { id, path } = appFile();
    const inputs = await checked(extensionHandler, { filePath: path, environment: "sandbox-24" });
    const created = await extensionHandler.create(inputs);
    expect(created.outs).toMatchObject({ appId: id, version: "1.0.0.0" });
    const env = e.state().tenants[0]!.environments.find((x) => x.name === "sandbox-24")!;
    expect(env.publishedApps.some((a) => a.id === id && a.isInstalled)).toBe(true);
  });
});

describe("version-dependent surfaces", () => {
  it('user group memberships hidden by "Convert user group permissions" end in the guidance, not a bare 404', async () => {
    await start({ behaviour: { userGroupPermissionsConverted: true } });
    const inputs = await checked(userGroupMemberHandler, {
      environment: "sandbox-24",
      userName: "MEGAN",
      groupCode: "D365 SALES",
    });
    await expect(userGroupMemberHandler.create(inputs)).rejects.toThrow(
      /Convert user group permissions.*Assign the group's permission sets instead with PermissionSetAssignment/,
    );
  });

  it("a security group on BC 23 is refused with the BC 24 requirement and the per-user way out", async () => {
    const seed = defaultSeed();
    seed.tenants[0]!.environments![1]!.applicationVersion = "23.5.16502.0";
    await start({ seed });
    const inputs = await checked(permissionSetAssignmentHandler, {
      environment: "sandbox-24",
      securityGroupId: "0b6d4c2a-91e3-4f57-8a1d-3c5e7f9a1b2d",
      roleId: "D365 READ",
    });
    await expect(permissionSetAssignmentHandler.create(inputs)).rejects.toThrow(
      /runs BC 23\.5\.16502\.0: security groups can be managed through the API from BC 24\.0.*per user/,
    );
  });
});
