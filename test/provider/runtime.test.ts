/**
 * The provider runtime and the connection schema: `configure` creates the process's runtime once and refuses a
 * different stack config later; fresh runtimes share nothing; every setting the schema declares is documented.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { configure } from "../../provider";
import { FIELD_NAMES_WITH_CONFIG, metaOf, resolveSettings } from "../../provider/connection";
import { createRuntime, processRuntime } from "../../provider/runtime";
import { emulatorStackConfig, settingsFor, startTestEmulator } from "./helpers/emu";

const config = (values: Record<string, string>) => ({ get: (key: string) => values[key] });

describe("the process's runtime", () => {
  it("the first configure creates it; later ones with the same config reuse it; a different config fails", async () => {
    const values = { "businesscentral:tenantId": "contoso.onmicrosoft.com", "businesscentral:environment": "prod" };
    await configure({ config: config(values) });
    const first = processRuntime();
    expect(first.config.get("businesscentral:environment")).toBe("prod");
    await configure({ config: config({ ...values }) });
    expect(processRuntime()).toBe(first);
    await expect(
      configure({ config: config({ ...values, "businesscentral:environment": "sandbox" }) }),
    ).rejects.toThrow(/configured again with a different stack config \(businesscentral:environment\)/);
    expect(processRuntime()).toBe(first);
  });
});

describe("fresh runtimes", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(async () => {
    await emu?.stop();
  });

  it("share no connection, token or limiter; one runtime reuses its own", async () => {
    const a = createRuntime();
    const b = createRuntime();
    const settings = settingsFor(emu);
    expect(a.connect(settings)).toBe(a.connect(settings));
    expect(a.connect(settings)).not.toBe(b.connect(settings));
    const tokenA = await a.connect(settings).tokens.getToken();
    expect((await a.connect(settings).tokens.getToken()).token).toBe(tokenA.token);
    expect(a.connections.limiters.for("t:c")).not.toBe(b.connections.limiters.for("t:c"));
    await Promise.all([a.close(), b.close()]);
  });

  it("resolve reads the runtime's own stack config, then the environment it was given", () => {
    const runtime = createRuntime({
      config: config(emulatorStackConfig(emu)),
      env: { BC_SCOPE_COMPANY: "My Company" },
    });
    const resolved = runtime.resolve({ environment: "sandbox-24" });
    expect(resolved).toMatchObject({ tenantId: emu.tenantId.toLowerCase(), environment: "sandbox-24" });
    expect(resolved.settings.scopeCompany).toBe("My Company");
    expect(resolved.propagationMs).toBe(0);
    expect(runtime.resolve({ connection: { propagationTimeout: "90s" } }).propagationMs).toBe(90_000);
  });
});

describe("the connection schema", () => {
  it("validates config and environment values with the fields' rules, naming each", () => {
    const problems = (() => {
      try {
        resolveSettings({}, config({ "businesscentral:environment": "1 bad" }), {
          AZURE_TENANT_ID: "not a tenant",
          AZURE_CLIENT_ID: "6f1f7b3e-2c4d-4b8a-9e1f-0a2b3c4d5e6f",
          AZURE_CLIENT_SECRET: "secret-value",
          BC_ADMIN_API_VERSION: "3.0",
        });
      } catch (err) {
        return (err as { problems: string[] }).problems;
      }
      return [];
    })();
    expect(problems).toEqual([
      "tenantId 'not a tenant' is neither a GUID nor a domain name (e.g. contoso.onmicrosoft.com).",
      "environment '1 bad' must be a BC environment name (a letter, then ≤29 letters, digits, _ or -).",
      "adminApiVersion '3.0' must be an Admin Center API version like v2.28.",
    ]);
  });

  it("every stack config key and environment variable it declares is in docs/authentication.md's table", () => {
    const doc = readFileSync(join(__dirname, "../../docs/authentication.md"), "utf8");
    const rows = doc.split("\n").filter((line) => line.startsWith("|"));
    for (const name of FIELD_NAMES_WITH_CONFIG) {
      const row = rows.find((r) => r.includes(`\`${name}\``));
      expect(row, `docs/authentication.md has no row for businesscentral:${name}`).toBeDefined();
      for (const variable of metaOf(name).env) expect(row).toContain(variable);
    }
  });
});
