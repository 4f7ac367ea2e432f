/**
 * Provider tests against the emulator over real HTTPS: start it, build connection settings for its default app,
 * mint federated (CI-style OIDC) tokens and make test certificates.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createEntra } from "../../../emulator/entra";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../../../emulator";
import { selfSignedSigningCertificate } from "../../../emulator/tls/self-signed";
import {
  type BcConnection,
  type ConnectionSettings,
  type ConnectOptions,
  type ExplicitSettings,
  resolveSettings,
} from "../../../provider/connection";
import { createRuntime, type ProviderRuntime, type RuntimeOptions } from "../../../provider/runtime";

export async function startTestEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ timeScale: 0.01, ...options });
}

/** Settings for the emulator's default app (secret), overridable. */
export function settingsFor(emu: RunningEmulator, overrides: ExplicitSettings = {}): ConnectionSettings {
  return resolveSettings(
    {
      tenantId: emu.tenantId,
      clientId: emu.clientId,
      environment: emu.environment,
      authorityHost: emu.authorityHost,
      apiBaseUrl: emu.baseUrl,
      caCertPem: emu.caCertPem,
      ...(overrides.credential || overrides.clientCertificatePath || overrides.federatedTokenFile
        ? {}
        : { clientSecret: emu.clientSecret }),
      ...overrides,
    },
    undefined,
    {},
  );
}

/**
 * The test file's provider runtime (each test file loads this module afresh). Tests that call handlers directly
 * bind them to it: `companyHandler.withRuntime(testRuntime)`.
 */
let runtime: ProviderRuntime = createRuntime();
let runtimeOptions: RuntimeOptions = {};

export function testRuntime(): ProviderRuntime {
  return runtime;
}

/** Starts a fresh runtime (no tokens, connections or limiters) with this `businesscentral:*` stack config. */
export function useRuntime(
  config: Record<string, string> = {},
  options: Omit<RuntimeOptions, "config"> = {},
): ProviderRuntime {
  runtimeOptions = { ...options, config: { get: (key) => config[key] } };
  runtime = createRuntime(runtimeOptions);
  return runtime;
}

/** Starts a fresh runtime with the current one's stack config: tokens, connections and limiters are forgotten. */
export function resetProviderCaches(): ProviderRuntime {
  runtime = createRuntime(runtimeOptions);
  return runtime;
}

/** The test runtime's connection for these settings. */
export function connect(settings: ConnectionSettings, options?: ConnectOptions): BcConnection {
  return runtime.connect(settings, options);
}

export const FEDERATED_ISSUER = "ci";
export const FEDERATED_SUBJECT = "repo:contoso/bc-infra:environment:production";

/**
 * Mints a CI-style OIDC token from the emulator's test issuer `/_oidc/ci` (the emulator trusts its own issuers).
 * Uses `emu.mintFederatedToken` when the running emulator offers it; otherwise an Entra instance on the same
 * state directory (the issuer's key is persisted there, so the running emulator verifies what it signs).
 */
export async function mintFederatedToken(
  emu: RunningEmulator,
  options: { subject?: string; lifetimeSeconds?: number; issuedAt?: number } = {},
): Promise<string> {
  const subject = options.subject ?? FEDERATED_SUBJECT;
  const direct = (emu as unknown as { mintFederatedToken?: (name: string, o: object) => Promise<string> })
    .mintFederatedToken;
  if (typeof direct === "function") return direct.call(emu, FEDERATED_ISSUER, { ...options, subject });
  const entra = await createEntra({
    state: () => emu.state(),
    origin: () => emu.baseUrl,
    stateDir: emu.stateDir,
    options: { tokenLifetimeSeconds: 3600 },
  });
  return entra.mintFederatedToken(FEDERATED_ISSUER, { ...options, subject });
}

/** Adds a federated credential for the test issuer to the default app. */
export function trustFederatedIssuer(emu: RunningEmulator, subject = FEDERATED_SUBJECT): void {
  emu.mutate((state) => {
    const app = state.tenants[0]!.apps.find((a) => a.clientId === emu.clientId)!;
    app.federatedCredentials.push({
      issuer: `${emu.baseUrl}/_oidc/${FEDERATED_ISSUER}`,
      subject,
      audience: "api://AzureADTokenExchange",
    });
  });
}

export interface TestCertificate {
  certPem: string;
  keyPem: string;
  /** PEM bundle file (key + certificate), as AZURE_CLIENT_CERTIFICATE_PATH expects. */
  bundlePath: string;
}

export async function makeCertificate(dir: string, name = "pulumi-bc-test"): Promise<TestCertificate> {
  const { certPem, privateKey } = await selfSignedSigningCertificate(`CN=${name}`, 30);
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const bundlePath = join(dir, `${name}.pem`);
  writeFileSync(bundlePath, `${keyPem}${certPem}`);
  return { certPem, keyPem, bundlePath };
}

/** Registers a certificate as a credential of the default app. */
export function registerCertificate(emu: RunningEmulator, certPem: string): void {
  emu.mutate((state) => {
    state.tenants[0]!.apps.find((a) => a.clientId === emu.clientId)!.certificates.push(certPem);
  });
}

/** The `businesscentral:*` stack config a Pulumi program would carry for the emulator's default app. */
export function emulatorStackConfig(emu: RunningEmulator): Record<string, string> {
  return {
    "businesscentral:tenantId": emu.tenantId,
    "businesscentral:clientId": emu.clientId,
    "businesscentral:clientSecret": emu.clientSecret,
    "businesscentral:environment": emu.environment,
    "businesscentral:authorityHost": emu.authorityHost,
    "businesscentral:apiBaseUrl": emu.baseUrl,
    "businesscentral:caCertPath": emu.caCertPath,
  };
}

/** The connection flags of `pulumi-businesscentral doctor|export` for the emulator's default app. */
export function emulatorCliFlags(emu: RunningEmulator): string[] {
  return [
    "--tenant-id",
    emu.tenantId,
    "--client-id",
    emu.clientId,
    "--authority-host",
    emu.authorityHost,
    "--api-base-url",
    emu.baseUrl,
    "--ca-cert",
    emu.caCertPath,
  ];
}
