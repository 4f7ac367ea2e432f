/**
 * No secret appears in any captured output: a recognisable secret (and a recognisable wrong one, a certificate
 * key, federated assertions and the access tokens themselves) is used across successful and failing calls with the
 * debug log on; every debug line, everything written to stdout/stderr, and every error (message, fields, causes)
 * is searched for them.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { main } from "../../provider/cli";
import { setDebugSink } from "../../provider/debug";
import {
  makeCertificate,
  mintFederatedToken,
  registerCertificate,
  resetProviderCaches,
  settingsFor,
  startTestEmulator,
  trustFederatedIssuer,
  connect,
} from "./helpers/emu";

const SECRET = `RECOGNISABLE-SECRET-${randomUUID()}`;
const WRONG = `RECOGNISABLE-WRONG-${randomUUID()}`;

let emu: RunningEmulator;
const dir = mkdtempSync(join(tmpdir(), "bc-secrets-"));
const debugLines: string[] = [];
const written: string[] = [];
const errors: unknown[] = [];
const forbidden: string[] = [SECRET, WRONG];
const restore: (() => void)[] = [];

beforeAll(async () => {
  emu = await startTestEmulator();
  emu.mutate((s) => {
    s.tenants[0]!.apps[0]!.secrets.push(SECRET);
  });
  setDebugSink((line) => debugLines.push(line));
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      written.push(String(chunk));
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = original;
    });
  }
});
afterAll(async () => {
  for (const r of restore) r();
  setDebugSink(undefined);
  await emu.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function capture(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    errors.push(err);
  }
}

/** Everything an error exposes: message, stack, own fields, and its causes. */
function describeError(err: unknown, depth = 0): string {
  if (!err || typeof err !== "object" || depth > 4) return String(err);
  const e = err as Record<string, unknown> & { message?: string; stack?: string; cause?: unknown };
  const fields: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(e)) if (key !== "cause") fields[key] = e[key];
  let text = `${e.message}\n${e.stack}\n${safeJson(fields)}`;
  if (e.cause) text += `\n${describeError(e.cause, depth + 1)}`;
  return text;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

describe("no secret in any output", () => {
  it("exercises success and failure paths with every credential kind", async () => {
    resetProviderCaches();
    const good = connect(settingsFor(emu, { clientSecret: SECRET }), {
      retry: { baseDelayMs: 10, maxDelayMs: 20, maxAttempts: 2 },
    });
    const token = await good.tokens.getToken();
    forbidden.push(token.token);
    const api = good.automation();
    await api.companies.list();
    const companyId = await api.anyCompanyId();

    // Failures of every kind.
    await capture(
      connect(settingsFor(emu, { clientSecret: WRONG }))
        .automation()
        .companies.list(),
    );
    await capture(api.automationCompanies.get(randomUUID()));
    const created = await api.automationCompanies.create({ displayName: `Secret test ${randomUUID().slice(0, 6)}` });
    await api.automationCompanies.update(created.id, { displayName: "renamed" }, created["@odata.etag"]);
    await capture(api.automationCompanies.update(created.id, { displayName: "stale" }, created["@odata.etag"]));
    emu.faults.add({ method: "POST", path: "*/Microsoft.NAV.import", drop: "after", count: 1 });
    const pkg = await api.configurationPackages.create(companyId, { code: `S${randomUUID().slice(0, 6)}` });
    await api.configurationPackages.uploadFile(companyId, pkg.id, pkg.code, Buffer.from("x"));
    await capture(api.configurationPackages.import(companyId, pkg.id));
    emu.faults.add({ method: "GET", path: "*/users", status: 503 });
    await capture(api.users.list());
    emu.faults.clear();

    // Certificate and federated credentials.
    const cert = await makeCertificate(dir, "secret-test");
    forbidden.push(cert.keyPem.split("\n")[1]!);
    registerCertificate(emu, cert.certPem);
    const certConn = connect(settingsFor(emu, { clientCertificatePath: cert.bundlePath }));
    forbidden.push((await certConn.tokens.getToken()).token);
    const strangerCert = await makeCertificate(dir, "stranger");
    forbidden.push(strangerCert.keyPem.split("\n")[1]!);
    await capture(
      connect(settingsFor(emu, { clientCertificatePath: strangerCert.bundlePath }))
        .automation()
        .companies.list(),
    );

    trustFederatedIssuer(emu);
    const assertion = await mintFederatedToken(emu);
    forbidden.push(assertion);
    const file = join(dir, "token");
    writeFileSync(file, assertion);
    forbidden.push((await connect(settingsFor(emu, { federatedTokenFile: file })).tokens.getToken()).token);
    const expired = await mintFederatedToken(emu, { issuedAt: Math.floor(Date.now() / 1000) - 3600 });
    forbidden.push(expired);
    writeFileSync(join(dir, "expired"), expired);
    await capture(connect(settingsFor(emu, { federatedTokenFile: join(dir, "expired") })).tokens.getToken());

    // Unregistered app: BC's 401 after a good token.
    emu.mutate((s) => {
      s.tenants[0]!.environments[0]!.entraApplications = [];
    });
    await capture(
      connect(settingsFor(emu, { clientSecret: SECRET }))
        .automation()
        .companies.list(),
    );

    // The doctor, both formats, good and bad.
    const env = {
      AZURE_TENANT_ID: emu.tenantId,
      AZURE_CLIENT_ID: emu.clientId,
      AZURE_CLIENT_SECRET: SECRET,
      AZURE_AUTHORITY_HOST: emu.authorityHost,
      BC_API_BASE_URL: emu.baseUrl,
      BC_ENVIRONMENT: emu.environment,
      BC_CA_CERT_PATH: emu.caCertPath,
    };
    const io = { stdout: (t: string) => written.push(t), stderr: (t: string) => written.push(t), env };
    await main(["doctor"], io);
    await main(["doctor", "--json"], io);
    emu.reset();
    await main(["doctor", "--json"], { ...io, env: { ...env, AZURE_CLIENT_SECRET: WRONG } });
    emu.mutate((s) => {
      s.tenants[0]!.apps[0]!.secrets.push(SECRET);
    });
    await main(["doctor"], io);
  });

  it("the captured output is substantial", () => {
    expect(debugLines.length).toBeGreaterThan(50);
    expect(errors.length).toBeGreaterThanOrEqual(8);
    expect(written.join("").length).toBeGreaterThan(1000);
    // The debug log did see requests with credentials in them, redacted.
    expect(debugLines.some((l) => l.includes('"authorization":"[REDACTED]"'))).toBe(true);
  });

  it("contains none of the secrets, keys, assertions or tokens", () => {
    const haystacks = [
      ["debug log", debugLines.join("\n")],
      ["stdout/stderr", written.join("")],
      ["errors", errors.map((e) => describeError(e)).join("\n")],
    ] as const;
    for (const [where, text] of haystacks) {
      for (const needle of forbidden) {
        expect(text.includes(needle), `${where} contains a secret (${needle.slice(0, 12)}…)`).toBe(false);
      }
    }
    // The PEM key file itself was never echoed either.
    const keyFile = readFileSync(join(dir, "secret-test.pem"), "utf8");
    expect(haystacks.some(([, t]) => t.includes(keyFile.slice(40, 120)))).toBe(false);
  });
});
