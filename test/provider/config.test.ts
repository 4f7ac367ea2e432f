import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveSettings, SettingsError, splitPemBundle } from "../../provider/connection";

const TENANT = "6f1f7b3e-2c4d-4b8a-9e1f-0a2b3c4d5e6f";
const CLIENT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const dir = mkdtempSync(join(tmpdir(), "bc-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (values: Record<string, string>) => ({ get: (key: string) => values[key] });

function errorOf(fn: () => unknown): SettingsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SettingsError) return err;
    throw err;
  }
  throw new Error("expected a SettingsError");
}

describe("resolveSettings", () => {
  it("reads the Azure SDK environment variables and applies defaults", () => {
    const s = resolveSettings({}, undefined, {
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: CLIENT,
      AZURE_CLIENT_SECRET: "env-secret-value",
      BC_ENVIRONMENT: "production",
    });
    expect(s).toMatchObject({
      tenantId: TENANT,
      clientId: CLIENT,
      environment: "production",
      credential: { kind: "secret", secret: "env-secret-value" },
      authorityHost: "https://login.microsoftonline.com",
      apiBaseUrl: "https://api.businesscentral.dynamics.com",
      adminApiVersion: "v2.28",
      tenantInUrl: true,
    });
  });

  it("prefers explicit options over stack config over environment variables", () => {
    const env = {
      AZURE_TENANT_ID: "env.example.com",
      AZURE_CLIENT_ID: CLIENT,
      BC_ENVIRONMENT: "from-env",
      AZURE_CLIENT_SECRET: "env-secret-x",
    };
    const stack = config({
      "businesscentral:environment": "from-stack",
      "businesscentral:clientSecret": "stack-secret-x",
    });
    const s = resolveSettings({ tenantId: TENANT }, stack, env);
    expect(s.tenantId).toBe(TENANT);
    expect(s.environment).toBe("from-stack");
    expect(s.credential).toEqual({ kind: "secret", secret: "stack-secret-x" });
  });

  it("names every missing setting with its config key and environment variable", () => {
    const err = errorOf(() => resolveSettings({}, undefined, {}));
    expect(err.problems).toHaveLength(4);
    const text = err.message;
    for (const fragment of [
      "businesscentral:tenantId",
      "AZURE_TENANT_ID",
      "businesscentral:clientId",
      "AZURE_CLIENT_ID",
      "businesscentral:environment",
      "BC_ENVIRONMENT",
      "businesscentral:clientSecret",
      "AZURE_CLIENT_SECRET",
      "AZURE_CLIENT_CERTIFICATE_PATH",
      "AZURE_FEDERATED_TOKEN_FILE",
    ]) {
      expect(text).toContain(fragment);
    }
  });

  it("rejects plain-http hosts except loopback, and malformed ids", () => {
    const base = { tenantId: TENANT, clientId: CLIENT, environment: "e", clientSecret: "secret-value" };
    expect(
      errorOf(() => resolveSettings({ ...base, apiBaseUrl: "http://example.com" }, undefined, {})).message,
    ).toContain("must use https://");
    expect(resolveSettings({ ...base, apiBaseUrl: "http://127.0.0.1:8080/" }, undefined, {}).apiBaseUrl).toBe(
      "http://127.0.0.1:8080",
    );
    expect(errorOf(() => resolveSettings({ ...base, clientId: "not-a-guid" }, undefined, {})).message).toContain(
      "not a GUID",
    );
  });

  it("reads a PEM bundle (certificate + key) from AZURE_CLIENT_CERTIFICATE_PATH", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const certPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const path = join(dir, "bundle.pem");
    writeFileSync(path, `${keyPem}${certPem}`);
    const s = resolveSettings({}, undefined, {
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: CLIENT,
      BC_ENVIRONMENT: "e",
      AZURE_CLIENT_CERTIFICATE_PATH: path,
      AZURE_CLIENT_SEND_CERTIFICATE_CHAIN: "true",
    });
    expect(s.credential).toMatchObject({ kind: "certificate", sendX5c: true });
    if (s.credential.kind !== "certificate") throw new Error();
    expect(s.credential.privateKeyPem).toContain("BEGIN PRIVATE KEY");
    expect(s.credential.certificatePem).toContain("BEGIN CERTIFICATE");
  });

  it("explains unusable certificate files without echoing their content", () => {
    const path = join(dir, "cert-only.pem");
    writeFileSync(path, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const err = errorOf(() =>
      resolveSettings(
        { tenantId: TENANT, clientId: CLIENT, environment: "e", clientCertificatePath: path },
        undefined,
        {},
      ),
    );
    expect(err.message).toContain("no private key");
    const missing = errorOf(() =>
      resolveSettings(
        { tenantId: TENANT, clientId: CLIENT, environment: "e", clientCertificatePath: join(dir, "nope.pem") },
        undefined,
        {},
      ),
    );
    expect(missing.message).toContain("ENOENT");
    const encrypted = join(dir, "enc.pem");
    writeFileSync(encrypted, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nabc\n-----END ENCRYPTED PRIVATE KEY-----\n");
    expect(
      errorOf(() =>
        resolveSettings(
          { tenantId: TENANT, clientId: CLIENT, environment: "e", clientCertificatePath: encrypted },
          undefined,
          {},
        ),
      ).message,
    ).toContain("encrypted");
  });

  it("takes a federated token file and a CA file", () => {
    const ca = join(dir, "ca.pem");
    writeFileSync(ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const s = resolveSettings(
      {},
      config({
        "businesscentral:tenantId": TENANT,
        "businesscentral:clientId": CLIENT,
        "businesscentral:environment": "sandbox",
        "businesscentral:federatedTokenFile": "/var/run/token",
        "businesscentral:caCertPath": ca,
        "businesscentral:authorityHost": "https://login.microsoftonline.us/",
      }),
      {},
    );
    expect(s.credential).toEqual({ kind: "federated", tokenFile: "/var/run/token" });
    expect(s.caCertPem).toContain("BEGIN CERTIFICATE");
    expect(s.authorityHost).toBe("https://login.microsoftonline.us");
  });

  it("splits PEM bundles", () => {
    expect(splitPemBundle("junk").encryptedKey).toBe(false);
    expect(splitPemBundle("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n").encryptedKey).toBe(true);
  });
});
