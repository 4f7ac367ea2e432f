/**
 * A small stand-alone harness for the Entra emulation: a temp state dir, the emulator's TLS material, an in-code
 * EmulatorState, an HTTPS server on 127.0.0.1:0 that routes only to `entra.handle` (404 otherwise), and HTTPS
 * clients (undici, trusting the CA by PEM) including an MSAL network module. Independent of emulator/server.ts.
 */
import "../../emulator/tls/reflect-metadata";
import { createHash, KeyObject, randomUUID, webcrypto } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import * as x509 from "@peculiar/x509";
import { Agent, request } from "undici";
import { type Entra, type EntraOptions, createEntra } from "../../emulator/entra";
import type { EmulatorState } from "../../emulator/state/model";
import { ensureTlsMaterial } from "../../emulator/tls/certificates";

export const AUTOMATION_ROLE = "Automation.ReadWrite.All";
export const BC_SCOPE = "https://api.businesscentral.dynamics.com/.default";
export const FEDERATED_ISSUER_NAME = "github";
export const FEDERATED_SUBJECT = "repo:contoso/bc-infra:environment:production";

export interface TestCertificate {
  certPem: string;
  keyPem: string;
  /** Hex SHA-1 / SHA-256 thumbprints of the DER. */
  thumbprintSha1: string;
  thumbprintSha256: string;
  /** base64url thumbprints as they appear in JWT headers. */
  x5t: string;
  x5tS256: string;
  privateKey: KeyObject;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected freely
  json: any;
}

export interface EntraHarness {
  origin: string;
  host: string;
  caPem: string;
  stateDir: string;
  entra: Entra;
  state: EmulatorState;
  options: EntraOptions;
  tenantId: string;
  domain: string;
  /** App with a secret, two certificates (one expired), a federated credential and Automation.ReadWrite.All. */
  app: { clientId: string; secret: string; cert: TestCertificate; expiredCert: TestCertificate };
  /** App with only a secret and no roles. */
  plainApp: { clientId: string; secret: string };
  /** A certificate registered nowhere. */
  strangerCert: TestCertificate;
  /** Added to Date.now() for the emulator's clock. */
  clock: { offsetMs: number };
  networkClient: INetworkModule;
  get(path: string, headers?: Record<string, string>): Promise<HttpResult>;
  post(path: string, body: string | Record<string, string>, headers?: Record<string, string>): Promise<HttpResult>;
  send(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<HttpResult>;
  /** Every response body seen by this harness (to check that no secret is ever echoed). */
  bodies: string[];
  close(): Promise<void>;
}

export async function startEntraHarness(
  options: Partial<EntraOptions> & { stateDir?: string } = {},
): Promise<EntraHarness> {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "bc-emulator-entra-"));
  const ownsStateDir = options.stateDir === undefined;
  const tls = await ensureTlsMaterial(stateDir);
  const clock = { offsetMs: 0 };
  let origin = "";
  const tenantId = randomUUID();
  const domain = "cronus-test.onmicrosoft.com";
  const [cert, expiredCert, strangerCert] = await Promise.all([
    makeCertificate("CN=bc-automation", -1, 365),
    makeCertificate("CN=bc-automation-old", -400, -35),
    makeCertificate("CN=stranger", -1, 365),
  ]);
  const app = { clientId: randomUUID(), secret: `s3cr3t~${randomUUID()}`, cert, expiredCert };
  const plainApp = { clientId: randomUUID(), secret: `plain~${randomUUID()}` };
  const state: EmulatorState = { version: 1, tenants: [] };
  const entraOptions: EntraOptions = {
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    rejectReplayedAssertions: options.rejectReplayedAssertions,
  };
  const entra = await createEntra({
    state: () => state,
    origin: () => origin,
    stateDir,
    options: entraOptions,
    now: () => Date.now() + clock.offsetMs,
  });

  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const url = new URL(req.url ?? "/", origin);
    entra.handle(req, res, url).then(
      (handled) => {
        if (!handled) {
          req.resume();
          res.writeHead(404, { "content-type": "text/plain" });
          res.end("not an Entra route");
        }
      },
      (err) => {
        // handle() must never reject; make it visible if it does.
        res.writeHead(599, { "content-type": "text/plain" });
        res.end(`handle() rejected: ${String(err)}`);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const host = new URL(origin).host;

  state.tenants.push({
    id: tenantId,
    domains: [domain],
    apps: [
      {
        clientId: app.clientId,
        displayName: "BC automation",
        secrets: [app.secret],
        certificates: [cert.certPem, expiredCert.certPem],
        federatedCredentials: [
          {
            issuer: entra.federatedIssuer(FEDERATED_ISSUER_NAME),
            subject: FEDERATED_SUBJECT,
            audience: "api://AzureADTokenExchange",
          },
        ],
        grantedRoles: [AUTOMATION_ROLE],
      },
      {
        clientId: plainApp.clientId,
        displayName: "No roles",
        secrets: [plainApp.secret],
        certificates: [],
        federatedCredentials: [],
        grantedRoles: [],
      },
    ],
    environments: [],
    authorizedAdminApps: [],
  });

  const agent = new Agent({ connect: { ca: tls.caCertPem } });
  const bodies: string[] = [];
  const send = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const res = await request(path.startsWith("https://") ? path : `${origin}${path}`, {
      method: method as "GET",
      headers,
      body,
      dispatcher: agent,
    });
    const text = await res.body.text();
    bodies.push(text);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: flatHeaders(res.headers), text, json };
  };
  const networkClient: INetworkModule = {
    sendGetRequestAsync: <T>(url: string, opts?: NetworkRequestOptions) => msalSend<T>(send, "GET", url, opts),
    sendPostRequestAsync: <T>(url: string, opts?: NetworkRequestOptions) => msalSend<T>(send, "POST", url, opts),
  };

  return {
    origin,
    host,
    caPem: tls.caCertPem,
    stateDir,
    entra,
    state,
    options: entraOptions,
    tenantId,
    domain,
    app,
    plainApp,
    strangerCert,
    clock,
    networkClient,
    bodies,
    send,
    get: (path, headers) => send("GET", path, undefined, headers),
    post: (path, body, headers = {}) =>
      send("POST", path, typeof body === "string" ? body : new URLSearchParams(body).toString(), {
        "content-type": "application/x-www-form-urlencoded",
        ...headers,
      }),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await agent.close();
      if (ownsStateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

async function msalSend<T>(
  send: (method: string, path: string, body?: string, headers?: Record<string, string>) => Promise<HttpResult>,
  method: "GET" | "POST",
  url: string,
  options?: NetworkRequestOptions,
): Promise<NetworkResponse<T>> {
  const result = await send(method, url, options?.body, options?.headers ?? {});
  return { status: result.status, headers: result.headers, body: (result.json ?? {}) as T };
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

const RSA: webcrypto.RsaHashedKeyGenParams = {
  name: "RSASSA-PKCS1-v1_5",
  hash: "SHA-256",
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};

/** A self-signed client certificate valid from `fromDays` to `toDays` relative to now. */
export async function makeCertificate(subject: string, fromDays: number, toDays: number): Promise<TestCertificate> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const keys = (await webcrypto.subtle.generateKey(RSA, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const day = 24 * 3600 * 1000;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: subject,
    notBefore: new Date(Date.now() + fromDays * day),
    notAfter: new Date(Date.now() + toDays * day),
    keys,
    signingAlgorithm: RSA,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
  });
  const der = Buffer.from(cert.rawData);
  const privateKey = KeyObject.from(keys.privateKey);
  const sha1 = createHash("sha1").update(der).digest();
  const sha256 = createHash("sha256").update(der).digest();
  return {
    certPem: cert.toString("pem"),
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    thumbprintSha1: sha1.toString("hex").toUpperCase(),
    thumbprintSha256: sha256.toString("hex").toUpperCase(),
    x5t: sha1.toString("base64url"),
    x5tS256: sha256.toString("base64url"),
    privateKey,
  };
}
