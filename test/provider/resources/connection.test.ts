/**
 * The `connection` input against the emulator over HTTPS (Company handler): settings from the input before stack
 * config, check failures naming every place a setting can come from, tenant and environment resolved at check and
 * recorded (a change replaces), read and delete refusing another tenant, a rotated credential recorded by update
 * and a rejected recorded one falling back to the stack's, and a create waiting for Entra to accept a new secret.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../emulator";
import { companyHandler } from "../../../provider/resources/company";
import { UNKNOWN } from "../../../provider/resources/framework/inputs";
import { emulatorStackConfig, resetProviderCaches, startTestEmulator, testRuntime, useRuntime } from "../helpers/emu";

const h = companyHandler.withRuntime(testRuntime);

type Props = Record<string, unknown>;

let emu: RunningEmulator;
const saved = { ...process.env };

/** The emulator's default app as a connection input. */
function connection(overrides: Props = {}): Props {
  return {
    tenantId: emu.tenantId,
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    environment: emu.environment,
    authorityHost: emu.authorityHost,
    apiBaseUrl: emu.baseUrl,
    caCertPem: emu.caCertPem,
    ...overrides,
  };
}

const app = () => emu.state().tenants[0]!.apps.find((a) => a.clientId === emu.clientId)!;
const companies = (environment = emu.environment) =>
  emu.state().tenants[0]!.environments.find((e) => e.name === environment)!.companies;

beforeAll(async () => {
  emu = await startTestEmulator();
  for (const key of Object.keys(process.env)) if (/^(AZURE_|BC_)/.test(key)) delete process.env[key];
});

beforeEach(() => {
  resetProviderCaches();
  useRuntime({});
});

afterAll(async () => {
  process.env = saved;
  await emu?.stop();
});

async function checked(news: Props, olds: Props = {}) {
  const result = await h.check(olds, { __provider: "x", ...news });
  expect(result.failures ?? []).toEqual([]);
  return result.inputs as Props;
}

describe("check", () => {
  it("resolves tenant and environment from the connection, with no stack config at all", async () => {
    const inputs = await checked({ displayName: "Conn A", connection: connection() });
    expect(inputs).toMatchObject({ tenantId: emu.tenantId.toLowerCase(), environment: emu.environment });
  });

  it("a resource's own environment wins over the connection's", async () => {
    const inputs = await checked({ displayName: "Conn A", connection: connection(), environment: "sandbox-24" });
    expect(inputs.environment).toBe("sandbox-24");
  });

  it("a missing setting names the connection field, the stack config key and the environment variable", async () => {
    const { clientId: _c, ...partial } = connection();
    const result = await h.check({}, { __provider: "x", displayName: "Conn A", connection: partial });
    const reasons = (result.failures ?? []).filter((f) => f.property === "connection").map((f) => f.reason);
    expect(reasons.join("\n")).toMatch(
      /clientId\) is not set: the resource's connection\.clientId, `pulumi config set businesscentral:clientId <value>` or environment variable AZURE_CLIENT_ID/,
    );
  });

  it("a tenant or client id that is not a GUID fails, naming the field, with the other problems of the run", async () => {
    const result = await h.check(
      {},
      { __provider: "x", displayName: "", connection: connection({ tenantId: "contoso", clientId: "app" }) },
    );
    const properties = (result.failures ?? []).map((f) => f.property).sort();
    expect(properties).toEqual(["connection.clientId", "connection.tenantId", "displayName"]);
    expect(JSON.stringify(result.failures)).not.toContain(emu.clientSecret);
  });

  it("unknown connection values (outputs of resources not created yet) pass preview", async () => {
    const inputs = await checked({ displayName: "Conn A", connection: connection({ clientSecret: UNKNOWN }) });
    expect(inputs.tenantId).toBe(emu.tenantId.toLowerCase());
  });

  it("a changed default environment is a replace, not silence", async () => {
    useRuntime({ ...emulatorStackConfig(emu), "businesscentral:environment": "production" });
    const before = await checked({ displayName: "Conn A" });
    const olds = { ...before, companyId: "c", name: "Conn A" };
    useRuntime({ ...emulatorStackConfig(emu), "businesscentral:environment": "sandbox-24" });
    const after = await checked({ displayName: "Conn A" }, olds);
    expect(await h.diff("c", olds, after)).toMatchObject({ changes: true, replaces: ["environment"] });
  });

  it("another tenant is a replace; a new credential alone is an update", async () => {
    const olds = { ...(await checked({ displayName: "Conn A", connection: connection() })), companyId: "c" };
    const rotated = await checked({ displayName: "Conn A", connection: connection({ clientSecret: "rotated" }) });
    expect(await h.diff("c", olds, rotated)).toMatchObject({ changes: true, replaces: [] });
    const elsewhere = { ...rotated, tenantId: "99999999-9999-4999-8999-999999999999" };
    expect((await h.diff("c", olds, elsewhere)).replaces).toContain("tenantId");
  });
});

describe("lifecycle through a connection input", () => {
  let id: string;
  let outs: Props;

  it("creates through the connection and records tenant, environment and the connection", async () => {
    const result = await h.create(await checked({ displayName: "Conn Lifecycle", connection: connection() }));
    id = result.id;
    outs = result.outs as Props;
    expect(companies().some((c) => c.id === id)).toBe(true);
    expect(outs).toMatchObject({ tenantId: emu.tenantId.toLowerCase(), environment: emu.environment });
    expect(outs.connection).toMatchObject({ clientId: emu.clientId });
  });

  it("read and delete refuse to act in another tenant than the recorded one", async () => {
    const moved = { ...outs, tenantId: "99999999-9999-4999-8999-999999999999" };
    await expect(h.read(id, moved)).rejects.toThrow(/created in tenant 99999999-.*Refusing to act in another tenant/);
    await expect(h.delete(id, moved)).rejects.toThrow(/Refusing to act in another tenant/);
    expect(companies().some((c) => c.id === id)).toBe(true);
  });

  it("a rotated secret is recorded by update; refresh then uses it", async () => {
    app().secrets.push("rotated-secret-1");
    const news = await checked({
      displayName: "Conn Lifecycle",
      connection: connection({ clientSecret: "rotated-secret-1" }),
    });
    outs = (await h.update(id, outs, news)).outs as Props;
    emu.mutate((state) => {
      const a = state.tenants[0]!.apps.find((x) => x.clientId === emu.clientId)!;
      a.secrets = a.secrets.filter((s) => s !== emu.clientSecret);
    });
    resetProviderCaches();
    const read = await h.read(id, outs);
    expect(read.id).toBe(id);
  });

  it("a recorded secret Entra rejects falls back to the stack's credential for the same tenant and app", async () => {
    emu.mutate((state) => {
      const a = state.tenants[0]!.apps.find((x) => x.clientId === emu.clientId)!;
      a.secrets = [emu.clientSecret];
    });
    useRuntime({ "businesscentral:clientSecret": emu.clientSecret });
    resetProviderCaches();
    const read = await h.read(id, outs);
    expect(read.id).toBe(id);
    await h.delete(id, outs);
    expect(companies().some((c) => c.id === id)).toBe(false);
  });
});

describe("a credential Entra has not propagated yet", () => {
  it("create waits (AADSTS7000215) until the new secret works, then creates once", async () => {
    const fresh = `propagating-${Date.now()}`;
    const inputs = await checked({
      displayName: "Conn Propagation",
      connection: connection({ clientSecret: fresh, propagationTimeout: "30s" }),
    });
    setTimeout(() => app().secrets.push(fresh), 2_500);
    const before = companies().length;
    const result = await h.create(inputs);
    expect(companies().length).toBe(before + 1);
    await h.delete(result.id, result.outs as Props);
  }, 40_000);

  it("gives up after propagationTimeout with Entra's message and the hint", async () => {
    const inputs = await checked({
      displayName: "Conn Never",
      connection: connection({ clientSecret: "never-valid", propagationTimeout: "1s" }),
    });
    await expect(h.create(inputs)).rejects.toThrow(/AADSTS7000215/);
  }, 20_000);

  it("an app not registered in the environment fails at once with doctor's advice, without waiting", async () => {
    const inputs = await checked({
      displayName: "Conn Unregistered",
      connection: connection({ propagationTimeout: "1m" }),
    });
    emu.mutate((state) => {
      const env = state.tenants[0]!.environments.find((e) => e.name === emu.environment)!;
      env.entraApplications = env.entraApplications.filter((a) => a.clientId !== emu.clientId);
    });
    const started = Date.now();
    await expect(h.create(inputs)).rejects.toThrow(/Microsoft Entra applications/);
    expect(Date.now() - started).toBeLessThan(30_000);
    emu.reset();
  }, 60_000);
});
