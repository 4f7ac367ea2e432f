import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { TokenProvider } from "../../provider/auth/token-provider";
import { isAuth } from "../../provider/errors";
import {
  makeCertificate,
  mintFederatedToken,
  registerCertificate,
  resetProviderCaches,
  settingsFor,
  startTestEmulator,
  trustFederatedIssuer,
  connect,
  testRuntime,
} from "./helpers/emu";
import { bcFailure } from "../helpers/failure";

let emu: RunningEmulator;
const dir = mkdtempSync(join(tmpdir(), "bc-auth-"));

beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  emu.reset();
  resetProviderCaches();
});

function tokenProvider(settings: ReturnType<typeof settingsFor>, seen: string[] = []) {
  return new TokenProvider(settings, {
    dispatcher: testRuntime().connections.dispatchers.get({ caCertPem: settings.caCertPem }),
    cache: testRuntime().connections.tokens,
    onNetworkRequest: (method, url) => seen.push(`${method} ${url}`),
  });
}

describe("each credential kind obtains a token from the emulator", () => {
  it("client secret — and MSAL talks only to the configured authority, only to its token endpoint", async () => {
    const seen: string[] = [];
    const token = await tokenProvider(settingsFor(emu), seen).getToken();
    expect(token.roles).toContain("Automation.ReadWrite.All");
    expect(token.tenantId).toBe(emu.tenantId);
    expect(token.expiresOnMs).toBeGreaterThan(Date.now());
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(new RegExp(`^POST ${emu.authorityHost}/${emu.tenantId}/oauth2/v2.0/token`));
  });

  it("certificate (thumbprint computed from the PEM), with and without x5c", async () => {
    const cert = await makeCertificate(dir, "cert-auth");
    registerCertificate(emu, cert.certPem);
    const viaFile = settingsFor(emu, { clientCertificatePath: cert.bundlePath });
    expect(viaFile.credential.kind).toBe("certificate");
    expect((await tokenProvider(viaFile).getToken()).roles).toContain("Automation.ReadWrite.All");
    const withX5c = settingsFor(emu, {
      credential: { kind: "certificate", certificatePem: cert.certPem, privateKeyPem: cert.keyPem, sendX5c: true },
    });
    expect((await tokenProvider(withX5c).getToken()).token).toBeTruthy();
    // And the API accepts the token.
    const companies = await connect(viaFile).automation().companies.list();
    expect(companies.length).toBeGreaterThan(0);
  });

  it("an unregistered certificate is explained", async () => {
    const cert = await makeCertificate(dir, "cert-unknown");
    const err = await bcFailure(tokenProvider(settingsFor(emu, { clientCertificatePath: cert.bundlePath })).getToken());
    expect(err.code).toBe("AADSTS700027");
    expect(err.hint).toContain("Certificates & secrets");
  });

  it("federated token file, read again on every acquisition (CI rotates it)", async () => {
    trustFederatedIssuer(emu);
    const file = join(dir, "federated-token");
    writeFileSync(file, await mintFederatedToken(emu));
    const provider = tokenProvider(settingsFor(emu, { federatedTokenFile: file }));
    const first = await provider.getToken();
    expect(first.roles).toContain("Automation.ReadWrite.All");

    // The CI system replaced the file with an expired token: the next acquisition must read it (and fail).
    writeFileSync(file, await mintFederatedToken(emu, { issuedAt: Math.floor(Date.now() / 1000) - 3600 }));
    provider.invalidate(first.token);
    const expired = await bcFailure(provider.getToken());
    expect(expired.code).toBe("AADSTS700024");
    expect(expired.hint).toContain("federated token");

    // ...and a fresh one works again.
    writeFileSync(file, await mintFederatedToken(emu));
    expect((await provider.getToken()).token).not.toBe(first.token);
  });

  it("federated token from a callback", async () => {
    trustFederatedIssuer(emu);
    let calls = 0;
    const settings = settingsFor(emu, {
      credential: {
        kind: "federated",
        getAssertion: async () => {
          calls++;
          return mintFederatedToken(emu);
        },
      },
    });
    const provider = tokenProvider(settings);
    const first = await provider.getToken();
    provider.invalidate(first.token);
    await provider.getToken();
    expect(calls).toBe(2);
  });

  it("a missing federated token file is explained", async () => {
    const err = await bcFailure(
      tokenProvider(settingsFor(emu, { federatedTokenFile: join(dir, "absent") })).getToken(),
    );
    expect(err.code).toBe("FederatedTokenUnavailable");
    expect(err.message).toContain("cannot be read");
  });
});

describe("authentication failures are explained", () => {
  it("wrong secret", async () => {
    const wrong = "Wrong-Secret-Value-1234567890";
    const err = await bcFailure(
      connect(settingsFor(emu, { clientSecret: wrong }))
        .automation()
        .companies.list(),
    );
    expect(err.service).toBe("entra");
    expect(err.code).toBe("AADSTS7000215");
    expect(err.hint).toMatch(/client secret is wrong or expired/);
    expect(isAuth(err)).toBe(true);
    expect(err.message).not.toContain(wrong);
  });

  it("unknown app", async () => {
    const err = await bcFailure(
      connect(settingsFor(emu, { clientId: "11111111-2222-4333-8444-555555555555" }))
        .automation()
        .companies.list(),
    );
    expect(err.code).toBe("AADSTS700016");
    expect(err.hint).toContain("No app with client id 11111111-2222-4333-8444-555555555555");
  });

  it("unknown tenant", async () => {
    const err = await bcFailure(
      tokenProvider(settingsFor(emu, { tenantId: "99999999-2222-4333-8444-555555555555" })).getToken(),
    );
    expect(err.code).toBe("AADSTS90002");
    expect(err.hint).toContain("was not found");
  });

  it("an untrusted TLS certificate (no CA configured) and an unreachable host", async () => {
    const noCa = await bcFailure(tokenProvider(settingsFor(emu, { caCertPem: undefined })).getToken());
    expect(noCa.message).toMatch(/TLS certificate check failed/);
    expect(noCa.hint).toContain("BC_CA_CERT_PATH");
    const closed = await bcFailure(
      tokenProvider(settingsFor(emu, { authorityHost: "https://127.0.0.1:9" })).getToken(),
    );
    expect(closed.code).toBe("ECONNREFUSED");
    expect(closed.hint).toContain("Could not reach the token service at https://127.0.0.1:9");
  });

  it("app not registered in the environment", async () => {
    emu.mutate((s) => {
      s.tenants[0]!.environments[0]!.entraApplications = [];
    });
    const err = await bcFailure(connect(settingsFor(emu)).automation().companies.list());
    expect(err.status).toBe(401);
    expect(err.code).toBe("Authentication_InvalidCredentials");
    expect(err.hint).toContain('"Microsoft Entra applications"');
    expect(err.hint).toContain("State = Enabled");
    expect(err.hint).toContain("D365 AUTOMATION and EXTEN. MGT. - ADMIN");
  });

  it("app disabled in the environment", async () => {
    emu.mutate((s) => {
      for (const a of s.tenants[0]!.environments[0]!.entraApplications) a.state = "Disabled";
    });
    const err = await bcFailure(connect(settingsFor(emu)).automation().companies.list());
    expect(err.status).toBe(401);
    expect(err.hint).toContain("not Enabled");
  });

  it("admin consent missing (the token has no Automation.ReadWrite.All)", async () => {
    emu.mutate((s) => {
      const app = s.tenants[0]!.apps.find((a) => a.clientId === emu.clientId)!;
      app.grantedRoles = app.grantedRoles.filter((r) => r !== "Automation.ReadWrite.All");
    });
    const err = await bcFailure(connect(settingsFor(emu)).automation().companies.list());
    expect(err.status).toBe(401);
    expect(err.hint).toContain("has no Automation.ReadWrite.All role");
    expect(err.hint).toContain("Grant admin consent");
  });

  it("permission set missing", async () => {
    emu.mutate((s) => {
      const env = s.tenants[0]!.environments[0]!;
      const appUser = env.entraApplications[0]!.userSecurityId;
      env.accessControls = env.accessControls.filter(
        (ac) => !(ac.userSecurityId === appUser && ac.roleId === "EXTEN. MGT. - ADMIN"),
      );
    });
    const api = connect(settingsFor(emu)).automation();
    const err = await bcFailure(api.extensions.list());
    // Real BC reports it as an AL dialog error, not 403.
    expect(err.status).toBe(400);
    expect(err.code).toBe("Application_DialogException");
    expect(err.hint).toContain("EXTEN. MGT. - ADMIN");
  });
});

describe("token cache", () => {
  it("is shared by every connection of a principal, with one acquisition in flight", async () => {
    const seen: string[] = [];
    const settings = settingsFor(emu);
    const providers = [tokenProvider(settings, seen), tokenProvider(settings, seen)];
    const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => providers[i % 2]!.getToken()));
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    expect(seen).toHaveLength(1);
  });
});

describe("a token expiring mid-run", () => {
  let shortLived: RunningEmulator;
  beforeAll(async () => {
    shortLived = await startTestEmulator({ tokenLifetimeSeconds: 2 });
  });
  afterAll(() => shortLived.stop());

  it("is refreshed ahead of expiry and every request succeeds", async () => {
    const seen: string[] = [];
    const api = connect(settingsFor(shortLived), { onTokenRequest: (m, u) => seen.push(`${m} ${u}`) }).automation();
    const until = Date.now() + 5_500;
    let calls = 0;
    while (Date.now() < until) {
      await api.companies.list({ maxPageSize: 20_000 }); // sent every time (a plain list is shared)
      calls++;
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(calls).toBeGreaterThan(15);
    // 2 s tokens over 5.5 s: at least three tokens, fetched before the old one lapsed (no 401 was needed).
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(shortLived.requests().filter((r) => r.status === 401)).toHaveLength(0);
  });

  it("a token BC rejects (signing key rolled over) is refreshed once and the request succeeds", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "bc-rollover-"));
    let first = await startTestEmulator({ stateDir });
    const port = Number(new URL(first.baseUrl).port);
    try {
      const api = connect(settingsFor(first)).automation();
      await api.companies.list({ maxPageSize: 20_000 });
      // Restart on the same port and CA with a new token-signing key: the cached token no longer verifies.
      await first.stop();
      rmSync(join(stateDir, "entra-signing-key.json"));
      first = await startTestEmulator({ stateDir, port });
      expect((await api.companies.list({ maxPageSize: 20_000 })).length).toBeGreaterThan(0);
      const apiCalls = first.requests().filter((r) => r.path.startsWith("/v2.0/"));
      expect(apiCalls.map((r) => r.status)).toEqual([401, 200]);
    } finally {
      await first.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
