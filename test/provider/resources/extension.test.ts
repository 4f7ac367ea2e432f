import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator";
import { CONTOSO_PAYMENTS_ID, FABRIKAM_CORE_ID, FABRIKAM_SHIPPING_ID } from "../../../emulator/admin/catalog-seed";
import { buildApp, readAppManifest } from "../../../formats/navx";
import { extensionVersion } from "../../../provider/automation";
import { connectionFor } from "../../../provider/resources/framework/context";
import { extensionHandler as extensionHandlerDefinition } from "../../../provider/resources/extension";
import { extensionPolling } from "../../../provider/resources/extension/bc";
import { UNKNOWN } from "../../../provider/resources/framework/inputs";
import { resetProviderCaches, emulatorStackConfig, testRuntime, useRuntime } from "../helpers/emu";
import { expectInitializationFailure } from "../helpers/partial";

const extensionHandler = extensionHandlerDefinition.withRuntime(testRuntime);

/**
 * Extension handler against the emulator over HTTPS: AppSource apps through the Admin Center on `production`
 * (BC 29), per-tenant `.app` files built with the emulator's buildApp, uploaded through extensionUpload on
 * `sandbox-24` and through pteInstall on `production`.
 */

const h = extensionHandler;
// biome-ignore lint/suspicious/noExplicitAny: handler inputs and outputs are untyped property bags
type Props = Record<string, any>;
let dir: string;

function configure(emu: RunningEmulator) {
  resetProviderCaches();
  useRuntime(emulatorStackConfig(emu));
}

function appFile(name: string, app: { id: string; name: string; version: string; publisher?: string }) {
  const path = join(dir, name);
  writeFileSync(path, buildApp({ publisher: "Contoso IT", ...app }));
  return path;
}

/** check, then create, as the engine does; returns the checked inputs and the create result. */
async function checkAndCreate(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const checked = await h.check(olds, { __provider: "x", ...news });
  expect(checked.failures ?? []).toEqual([]);
  const created = await h.create(checked.inputs as Record<string, unknown>);
  return { inputs: checked.inputs as Props, id: created.id, outs: created.outs as Props };
}

async function installedVersion(environment: string, appId: string): Promise<string | undefined> {
  const { automation } = connectionFor(testRuntime(), { environment });
  const p = (await automation.extensions.byAppId(appId)).find((e) => e.isInstalled);
  return p ? extensionVersion(p) : undefined;
}

const failuresOf = async (news: Record<string, unknown>, olds: Record<string, unknown> = {}) =>
  (await h.check(olds, { __provider: "x", ...news })).failures ?? [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "extension-test-"));
  extensionPolling.initialIntervalMs = 50;
  extensionPolling.maxIntervalMs = 200;
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("Extension", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ timeScale: 0.01 });
    configure(emu);
  });
  afterAll(async () => {
    await emu?.stop();
  });

  describe("check", () => {
    it("reads the manifest of the file into inputs", async () => {
      const id = randomUUID();
      const path = appFile("check.app", { id, name: "Check App", version: "1.2" });
      const result = await h.check({}, { __provider: "x", filePath: path });
      expect(result.failures).toBeUndefined();
      expect(result.inputs).toMatchObject({ manifestAppId: id, manifestVersion: "1.2.0.0", __provider: "x" });
      expect((result.inputs as Props).fileSha256).toMatch(/^[0-9a-f]{64}$/);
    });

    it("provider reader agrees with the emulator's package builder", () => {
      const id = randomUUID();
      const packageId = randomUUID();
      const m = readAppManifest(buildApp({ id, name: "N", publisher: "P", version: "3.4.5.6", packageId }));
      expect(m).toEqual({ id, name: "N", publisher: "P", version: "3.4.5.6", packageId });
    });

    it("refuses bad inputs, naming the property", async () => {
      const notApp = join(dir, "not-an-app.app");
      writeFileSync(notApp, "PK definitely not an extension");
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{}, "appSource", /exactly one of appSource/],
        [{ appSource: { appId: CONTOSO_PAYMENTS_ID }, filePath: notApp, acceptIsvEula: true }, "file", /not both/],
        [{ appSource: { appId: CONTOSO_PAYMENTS_ID } }, "acceptIsvEula", /must be true/],
        [{ appSource: { appId: "contoso-payments" }, acceptIsvEula: true }, "appSource.appId", /GUID/],
        [
          { appSource: { appId: CONTOSO_PAYMENTS_ID, version: "latest" }, acceptIsvEula: true },
          "appSource.version",
          /version like/,
        ],
        [{ filePath: notApp }, "file", /not a Business Central extension package.*NAVX/],
        [{ filePath: join(dir, "missing.app") }, "file", /does not exist/],
        [{ filePath: notApp, schedule: "Tomorrow" }, "schedule", /Current version/],
        [{ filePath: notApp, schemaSyncMode: "Destructive" }, "schemaSyncMode", /Force Sync/],
        [{ filePath: notApp, uploadVia: "ftp" }, "uploadVia", /pteInstall/],
        [
          { appSource: { appId: CONTOSO_PAYMENTS_ID }, acceptIsvEula: true, schedule: "Next minor version" },
          "schedule",
          /file/,
        ],
        [{ filePath: notApp, uploadVia: "pteInstall" }, "acceptIsvEula", /pteInstall/],
        [{ filePath: notApp, companyId: "CRONUS" }, "companyId", /GUID/],
        [{ filePath: notApp, colour: "red" }, "colour", /not an input/],
      ];
      for (const [news, property, reason] of cases) {
        const failures = await failuresOf(news);
        expect(failures, JSON.stringify(news)).toContainEqual({ property, reason: expect.stringMatching(reason) });
      }
    });

    it("skips unknown values during preview", async () => {
      expect(await failuresOf({ filePath: UNKNOWN })).toEqual([]);
      expect(await failuresOf({ appSource: { appId: UNKNOWN }, acceptIsvEula: true })).toEqual([]);
    });
  });

  describe("AppSource app (Admin Center)", () => {
    const base = { appSource: { appId: CONTOSO_PAYMENTS_ID, version: "5.0.0.0" }, acceptIsvEula: true };
    let id: string;
    let outs: Props;
    let inputs: Props;

    it("installs, with the EULA accepted", async () => {
      ({ id, outs, inputs } = await checkAndCreate(base));
      expect(id).toBe(CONTOSO_PAYMENTS_ID);
      expect(outs).toMatchObject({
        appId: CONTOSO_PAYMENTS_ID,
        name: "Contoso Payment Services",
        publisher: "Contoso Software",
        version: "5.0.0.0",
        environment: emu.environment,
        acceptIsvEula: true,
      });
      expect(outs.packageId).toMatch(/^[0-9a-f-]{36}$/);
      expect(outs.__provider).toBeUndefined();
      expect(await installedVersion(emu.environment, CONTOSO_PAYMENTS_ID)).toBe("5.0.0.0");
    });

    it("read returns the inputs and the installed version", async () => {
      const read = await h.read(id, outs);
      expect(read.id).toBe(id);
      expect(read.props).toMatchObject({ version: "5.0.0.0", appId: CONTOSO_PAYMENTS_ID });
      expect(read.inputs).toMatchObject({ appSource: base.appSource, acceptIsvEula: true });
      expect((read.inputs as Props).version).toBeUndefined();
    });

    it("diff: version ⇒ update; appId, source kind, environment ⇒ replace; deleteData ⇒ update; others none", async () => {
      const d = (news: Record<string, unknown>) => h.diff(id, outs, { ...inputs, ...news });
      expect(await d({})).toMatchObject({ changes: false, replaces: [] });
      expect(await d({ appSource: { appId: CONTOSO_PAYMENTS_ID, version: "5.1.0.0" } })).toMatchObject({
        changes: true,
        replaces: [],
      });
      expect(await d({ appSource: { appId: CONTOSO_PAYMENTS_ID } })).toMatchObject({ changes: false });
      expect(await d({ appSource: { appId: FABRIKAM_CORE_ID } })).toMatchObject({
        changes: true,
        replaces: ["appSource"],
      });
      expect(await d({ appSource: undefined, filePath: "/x.app", manifestAppId: CONTOSO_PAYMENTS_ID })).toMatchObject({
        replaces: ["filePath"],
        deleteBeforeReplace: true,
      });
      expect(await d({ environment: "sandbox-24" })).toMatchObject({ changes: true, replaces: ["environment"] });
      expect(await d({ environment: undefined })).toMatchObject({ changes: false });
      expect(await d({ deleteData: true })).toMatchObject({ changes: true, replaces: [] });
      expect(await d({ installDependencies: true, timeouts: { create: "5m" }, adopt: true })).toMatchObject({
        changes: false,
      });
      expect(await d({ appSource: UNKNOWN })).toMatchObject({ changes: true });
      // Another app or environment is another row: created before the old one goes. An app id not known yet
      // (preview) is an update until it is.
      expect(await d({ appSource: { appId: FABRIKAM_CORE_ID } })).toMatchObject({ deleteBeforeReplace: false });
      expect(await d({ environment: "sandbox-24" })).toMatchObject({ deleteBeforeReplace: false });
      expect(await d({ appSource: { appId: UNKNOWN } })).toMatchObject({ changes: true, replaces: [] });
    });

    it("updates to a higher version", async () => {
      const next = { ...base, appSource: { appId: CONTOSO_PAYMENTS_ID, version: "5.1.0.0" } };
      const checked = await h.check(inputs, { __provider: "x", ...next });
      expect(checked.failures ?? []).toEqual([]);
      const updated = await h.update(id, outs, checked.inputs as Record<string, unknown>);
      outs = updated.outs as Props;
      inputs = checked.inputs as Props;
      expect(outs.version).toBe("5.1.0.0");
      expect(await installedVersion(emu.environment, CONTOSO_PAYMENTS_ID)).toBe("5.1.0.0");
    });

    it("refuses a lower version at check, naming appSource.version and the way out", async () => {
      const failures = await failuresOf(base, inputs);
      expect(failures).toContainEqual({
        property: "appSource.version",
        reason: expect.stringMatching(/lower than the installed 5\.1\.0\.0.*uninstall/),
      });
    });

    it("create without adopt refuses an installed app; adopt takes it over", async () => {
      await expect(h.create(inputs)).rejects.toThrow(/already installed.*adopt: true/);
      const adopted = await h.create({ ...inputs, adopt: true });
      expect(adopted.id).toBe(CONTOSO_PAYMENTS_ID);
      expect((adopted.outs as Props).version).toBe("5.1.0.0");
    });

    it("uninstalls on delete and read then reports the deletion", async () => {
      await h.delete(id, outs);
      expect(await installedVersion(emu.environment, CONTOSO_PAYMENTS_ID)).toBeUndefined();
      expect((await h.read(id, outs)).id).toBe("");
      await h.delete(id, outs); // already gone: no error
    });

    it("without installDependencies, a missing dependency fails the install with BC's reason", async () => {
      const checked = await h.check(
        {},
        {
          __provider: "x",
          appSource: { appId: FABRIKAM_SHIPPING_ID, version: "3.1.0.0" },
          acceptIsvEula: true,
        },
      );
      await expect(h.create(checked.inputs as Props)).rejects.toThrow(
        /needs other apps[\s\S]*set installDependencies: true/,
      );
      expect(await installedVersion(emu.environment, FABRIKAM_SHIPPING_ID)).toBeUndefined();
    });

    it("installs needed dependencies when asked", async () => {
      const { outs: shipping } = await checkAndCreate({
        appSource: { appId: FABRIKAM_SHIPPING_ID, version: "3.1.0.0" },
        acceptIsvEula: true,
        installDependencies: true,
      });
      expect(shipping.version).toBe("3.1.0.0");
      expect(await installedVersion(emu.environment, FABRIKAM_CORE_ID)).toBeDefined();
      await h.delete(FABRIKAM_SHIPPING_ID, shipping);
      expect(await installedVersion(emu.environment, FABRIKAM_SHIPPING_ID)).toBeUndefined();
    });

    it("an install whose answer is lost is recovered from the app's operations, not sent twice", async () => {
      const rule = emu.faults.add({ method: "POST", path: "*/apps/*/install", drop: "after", count: 1 });
      emu.clearRequests();
      const { id: recovered, outs: o } = await checkAndCreate(base);
      expect(emu.faults.list().find((f) => f.id === rule.id)?.fired).toBe(1);
      expect(emu.requests().filter((r) => r.method === "POST" && /\/install$/.test(r.path)).length).toBe(1);
      expect(o.version).toBe("5.0.0.0");
      await h.delete(recovered, o);
    });

    it("the Admin Center's EULA refusal is a check failure before any call", async () => {
      const failures = await failuresOf({ appSource: { appId: FABRIKAM_CORE_ID }, acceptIsvEula: false });
      expect(failures).toEqual([{ property: "acceptIsvEula", reason: expect.stringMatching(/must be true/) }]);
    });
  });

  describe("per-tenant extension through extensionUpload (sandbox-24, BC 24)", () => {
    const appId = randomUUID();
    let v1: string;
    let v2: string;
    let inputs: Props;
    let outs: Props;
    const env = { environment: "sandbox-24" };

    beforeAll(() => {
      v1 = appFile("pte-v1.app", { id: appId, name: "Contoso Sales Tweaks", version: "1.0.0.0" });
      v2 = appFile("pte-v2.app", { id: appId, name: "Contoso Sales Tweaks", version: "1.1.0.0" });
    });

    it("uploads, waits for the deployment and reports the installed package", async () => {
      // A leftover upload row (another tool's aborted upload) is reused, not POSTed over.
      const { automation } = connectionFor(testRuntime(), env);
      await automation.extensionUpload.create({ schedule: "Current version", schemaSyncMode: "Force Sync" });
      emu.clearRequests();
      ({ inputs, outs } = await checkAndCreate({ ...env, filePath: v1 }));
      expect(outs).toMatchObject({
        appId,
        name: "Contoso Sales Tweaks",
        publisher: "Contoso IT",
        version: "1.0.0.0",
        environment: "sandbox-24",
        manifestVersion: "1.0.0.0",
        fileSha256: inputs.fileSha256,
      });
      expect(await installedVersion("sandbox-24", appId)).toBe("1.0.0.0");
      expect(emu.requests().some((r) => r.method === "POST" && /extensionUpload$/.test(r.path.split("?")[0]))).toBe(
        false,
      );
    });

    it("diff: same content at another path ⇒ none; new version ⇒ update; other app ⇒ replace", async () => {
      const copy = join(dir, "copy-of-v1.app");
      writeFileSync(copy, require("node:fs").readFileSync(v1));
      const same = await h.check(inputs, { __provider: "x", ...env, filePath: copy });
      expect(await h.diff(appId, outs, same.inputs as Props)).toMatchObject({ changes: false });
      const next = await h.check(inputs, { __provider: "x", ...env, filePath: v2 });
      expect(await h.diff(appId, outs, next.inputs as Props)).toMatchObject({ changes: true, replaces: [] });
      const other = appFile("other.app", { id: randomUUID(), name: "Other", version: "1.0.0.0" });
      const replaced = await h.check(inputs, { __provider: "x", ...env, filePath: other });
      expect(await h.diff(appId, outs, replaced.inputs as Props)).toMatchObject({ replaces: ["filePath"] });
      expect(await h.diff(appId, outs, { ...inputs, unpublish: false })).toMatchObject({ changes: true, replaces: [] });
    });

    it("upgrades by uploading a higher version", async () => {
      const next = await h.check(inputs, { __provider: "x", ...env, filePath: v2 });
      expect(next.failures ?? []).toEqual([]);
      const updated = await h.update(appId, outs, next.inputs as Props);
      inputs = next.inputs as Props;
      outs = updated.outs as Props;
      expect(outs.version).toBe("1.1.0.0");
      expect(await installedVersion("sandbox-24", appId)).toBe("1.1.0.0");
    });

    it("refuses a lower version at check, naming file", async () => {
      const failures = await failuresOf({ ...env, filePath: v1 }, inputs);
      expect(failures).toEqual([
        {
          property: "file",
          reason: expect.stringMatching(/1\.0\.0\.0 is lower than the installed 1\.1\.0\.0.*uninstall/),
        },
      ]);
    });

    it("refuses changed content at the same version", async () => {
      const rebuilt = appFile("pte-v2-rebuilt.app", { id: appId, name: "Contoso Sales Tweaks", version: "1.1.0.0" });
      const next = await h.check(inputs, { __provider: "x", ...env, filePath: rebuilt });
      expect(await h.diff(appId, outs, next.inputs as Props)).toMatchObject({ changes: true });
      await expect(h.update(appId, outs, next.inputs as Props)).rejects.toThrow(/already installed.*raise the version/);
    });

    it("create refuses an installed extension without adopt; adopt takes it over", async () => {
      await expect(h.create(inputs)).rejects.toThrow(/already installed.*adopt: true/);
      const adopted = await h.create({ ...inputs, adopt: true });
      expect((adopted.outs as Props).version).toBe("1.1.0.0");
    });

    it("delete uninstalls (no unpublish before 25.4) and read reports the deletion", async () => {
      await h.delete(appId, outs);
      expect(await installedVersion("sandbox-24", appId)).toBeUndefined();
      expect((await h.read(appId, outs)).id).toBe("");
    });
  });

  describe("per-tenant extension through pteInstall (production, BC 29)", () => {
    const appId = randomUUID();
    let outs: Props;

    it("requires acceptIsvEula for pteInstall", async () => {
      const path = appFile("pte29-noeula.app", { id: randomUUID(), name: "No Eula", version: "1.0.0.0" });
      const checked = await h.check({}, { __provider: "x", filePath: path });
      await expect(h.create(checked.inputs as Props)).rejects.toThrow(/acceptIsvEula/);
    });

    it("installs through the Admin Center on BC 29", async () => {
      const path = appFile("pte29.app", { id: appId, name: "Contoso Warehouse", version: "2.0.0.0" });
      emu.clearRequests();
      ({ outs } = await checkAndCreate({ filePath: path, acceptIsvEula: true }));
      expect(outs).toMatchObject({ appId, version: "2.0.0.0", environment: emu.environment });
      expect(emu.requests().some((r) => /apps\/pteInstall/.test(r.path))).toBe(true);
    });

    it("a timeout after the upload started is a partial failure carrying the id; refresh finds it installed", async () => {
      const id = randomUUID();
      const path = appFile("pte29-slow.app", { id, name: "Contoso Slow", version: "1.0.0.0" });
      const checked = await h.check(
        {},
        { __provider: "x", filePath: path, acceptIsvEula: true, timeouts: { create: "1ms" } },
      );
      const err = expectInitializationFailure(await h.create(checked.inputs as Props).catch((e: unknown) => e));
      expect(err.id).toBe(id);
      expect(err.properties).toMatchObject({ __provider: "x", filePath: path, appId: id });
      expect(err.message).toMatch(/did not finish/);
      await new Promise((r) => setTimeout(r, 1000));
      const read = await h.read(id, err.properties);
      expect(read.props).toMatchObject({ version: "1.0.0.0", appId: id });
      await h.delete(id, read.props as Props);
    });

    it("detects drift: an uninstall outside Pulumi makes read report the deletion", async () => {
      const { automation } = connectionFor(testRuntime(), {});
      const installed = (await automation.extensions.byAppId(appId)).find((e) => e.isInstalled);
      await automation.extensions.uninstall(installed!.packageId);
      expect((await h.read(appId, outs)).id).toBe("");
    });

    it("detects drift: another version installed shows as a change on the next diff", async () => {
      const path = appFile("pte29-b.app", { id: randomUUID(), name: "Contoso Drift", version: "1.0.0.0" });
      const { id, outs: o, inputs } = await checkAndCreate({ filePath: path, acceptIsvEula: true });
      emu.mutate((state) => {
        const env = state.tenants[0].environments.find((e) => e.name === emu.environment)!;
        const row = env.publishedApps.find((p) => p.id === id && p.isInstalled)!;
        row.version = "1.0.5.0";
      });
      const read = await h.read(id, o);
      expect(read.props).toMatchObject({ version: "1.0.5.0" });
      expect(await h.diff(id, read.props as Props, inputs)).toMatchObject({ changes: true, replaces: [] });
      await h.delete(id, read.props as Props);
    });

    it("delete uninstalls and unpublishes on 25.4+", async () => {
      const path = appFile("pte29-c.app", { id: randomUUID(), name: "Contoso Unpublish", version: "1.0.0.0" });
      const { id, outs: o } = await checkAndCreate({ filePath: path, acceptIsvEula: true, deleteData: true });
      await h.delete(id, o);
      const { automation } = connectionFor(testRuntime(), {});
      expect(await automation.extensions.byAppId(id)).toEqual([]);
    });
  });
});

describe("Extension: a deployment reported Failed that did install", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ timeScale: 0.01, behaviour: { deploymentReportsFailedButInstalls: true } });
    configure(emu);
  });
  afterAll(async () => {
    await emu?.stop();
  });

  it("extensionUpload: reconciled against the installed list as success", async () => {
    const appId = randomUUID();
    const path = appFile("ambiguous.app", { id: appId, name: "Contoso Ambiguous", version: "1.0.0.0" });
    const { outs } = await checkAndCreate({ environment: "sandbox-24", filePath: path });
    expect(outs.version).toBe("1.0.0.0");
  });

  it("pteInstall: the failed operation is reconciled as success too", async () => {
    const appId = randomUUID();
    const path = appFile("ambiguous29.app", { id: appId, name: "Contoso Ambiguous 29", version: "1.0.0.0" });
    const { outs } = await checkAndCreate({ filePath: path, acceptIsvEula: true });
    expect(outs.version).toBe("1.0.0.0");
  });
});
