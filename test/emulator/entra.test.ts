import { X509Certificate, createHash, createPrivateKey, generateKeyPairSync, randomUUID } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ConfidentialClientApplication } from "@azure/msal-node";
import { SignJWT, calculateJwkThumbprint, createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEntra } from "../../emulator/entra";
import {
  AUTOMATION_ROLE,
  BC_SCOPE,
  type EntraHarness,
  FEDERATED_ISSUER_NAME,
  FEDERATED_SUBJECT,
  type HttpResult,
  type TestCertificate,
  startEntraHarness,
} from "./entra-harness";

const BC_AUDIENCE = "https://api.businesscentral.dynamics.com";
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let h: EntraHarness;
const wrongSecret = `wrong~${randomUUID()}`;

beforeAll(async () => {
  h = await startEntraHarness();
});

afterAll(async () => {
  // No response body, success or failure, ever carried a secret or a client assertion.
  const secrets = [h.app.secret, h.plainApp.secret, wrongSecret];
  for (const body of h.bodies) for (const secret of secrets) expect(body).not.toContain(secret);
  await h.close();
});

function tokenPath(tenant = h.tenantId): string {
  return `/${tenant}/oauth2/v2.0/token`;
}

function secretForm(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const form: Record<string, string | undefined> = {
    grant_type: "client_credentials",
    client_id: h.app.clientId,
    client_secret: h.app.secret,
    scope: BC_SCOPE,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined));
}

function expectEntraError(res: HttpResult, status: number, error: string, code: number): void {
  expect({ status: res.status, error: res.json?.error, codes: res.json?.error_codes }).toEqual({
    status,
    error,
    codes: [code],
  });
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  const description: string = res.json.error_description;
  expect(description.startsWith(`AADSTS${code}: `)).toBe(true);
  expect(description).toMatch(
    /\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/,
  );
  expect(res.json.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  expect(res.json.trace_id).toMatch(GUID);
  expect(res.json.correlation_id).toMatch(GUID);
  expect(res.json.error_uri).toBe(`${h.origin}/error?code=${code}`);
}

async function certAssertion(
  options: {
    cert?: TestCertificate;
    signWith?: TestCertificate;
    alg?: "RS256" | "PS256";
    header?: Record<string, unknown>;
    claims?: Record<string, unknown>;
    omit?: string[];
  } = {},
): Promise<string> {
  const cert = options.cert ?? h.app.cert;
  const alg = options.alg ?? "RS256";
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    aud: `${h.origin}/${h.tenantId}/oauth2/v2.0/token`,
    iss: h.app.clientId,
    sub: h.app.clientId,
    jti: randomUUID(),
    nbf: now,
    exp: now + 600,
    ...options.claims,
  };
  for (const name of options.omit ?? []) delete claims[name];
  const thumbprint = alg === "PS256" ? { "x5t#S256": cert.x5tS256 } : { x5t: cert.x5t };
  return new SignJWT(claims)
    .setProtectedHeader({ alg, typ: "JWT", ...thumbprint, ...options.header })
    .sign((options.signWith ?? cert).privateKey);
}

function assertionForm(assertion: string, clientId = h.app.clientId): Record<string, string> {
  return {
    grant_type: "client_credentials",
    client_id: clientId,
    client_assertion_type: JWT_BEARER,
    client_assertion: assertion,
    scope: BC_SCOPE,
  };
}

function msalApp(auth: Record<string, unknown>, authorityTenant = h.tenantId): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: h.app.clientId,
      authority: `${h.origin}/${authorityTenant}`,
      knownAuthorities: [h.host],
      ...auth,
    },
    system: { networkClient: h.networkClient },
  });
}

async function jwks(): Promise<{ keys: Record<string, unknown>[] }> {
  return (await h.get(`/${h.tenantId}/discovery/v2.0/keys`)).json;
}

describe("discovery", () => {
  it("serves the tenant's OpenID configuration with the fields MSAL reads", async () => {
    const res = await h.get(`/${h.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      issuer: `${h.origin}/${h.tenantId}/v2.0`,
      token_endpoint: `${h.origin}/${h.tenantId}/oauth2/v2.0/token`,
      jwks_uri: `${h.origin}/${h.tenantId}/discovery/v2.0/keys`,
      authorization_endpoint: `${h.origin}/${h.tenantId}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${h.origin}/${h.tenantId}/oauth2/v2.0/logout`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: expect.arrayContaining(["code", "id_token"]),
      subject_types_supported: ["pairwise"],
      tenant_region_scope: expect.any(String),
      cloud_instance_name: "microsoftonline.com",
    });
    expect(res.headers["cache-control"]).toContain("max-age");
  });

  it("resolves a verified domain and the v1 path to the same tenant document", async () => {
    const byDomain = await h.get(`/${h.domain}/v2.0/.well-known/openid-configuration`);
    const v1Path = await h.get(`/${h.tenantId.toUpperCase()}/.well-known/openid-configuration`);
    expect(byDomain.json.issuer).toBe(`${h.origin}/${h.tenantId}/v2.0`);
    expect(byDomain.json.token_endpoint).toBe(`${h.origin}/${h.tenantId}/oauth2/v2.0/token`);
    expect(v1Path.json.issuer).toBe(`${h.origin}/${h.tenantId}/v2.0`);
  });

  it("serves common with Entra's {tenantid} issuer template", async () => {
    const res = await h.get("/common/v2.0/.well-known/openid-configuration");
    expect(res.status).toBe(200);
    expect(res.json.issuer).toBe(`${h.origin}/{tenantid}/v2.0`);
    expect(res.json.token_endpoint).toBe(`${h.origin}/common/oauth2/v2.0/token`);
  });

  it("answers unknown and malformed tenants like Entra", async () => {
    expectEntraError(
      await h.get(`/${randomUUID()}/v2.0/.well-known/openid-configuration`),
      400,
      "invalid_tenant",
      90002,
    );
    expectEntraError(await h.get("/nosuch.onmicrosoft.com/discovery/v2.0/keys"), 400, "invalid_tenant", 90002);
    expectEntraError(
      await h.get("/not_a_tenant!/v2.0/.well-known/openid-configuration"),
      400,
      "invalid_tenant",
      900023,
    );
  });

  it("answers MSAL instance discovery with the emulator host as the only alias", async () => {
    const authorize = encodeURIComponent(`${h.origin}/${h.tenantId}/oauth2/v2.0/authorize`);
    const res = await h.get(`/common/discovery/instance?api-version=1.1&authorization_endpoint=${authorize}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      tenant_discovery_endpoint: `${h.origin}/${h.tenantId}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [{ preferred_network: h.host, preferred_cache: h.host, aliases: [h.host] }],
    });
    const byTenant = await h.get(`/${h.tenantId}/discovery/instance?api-version=1.1`);
    expect(byTenant.json.tenant_discovery_endpoint).toBe(
      `${h.origin}/${h.tenantId}/v2.0/.well-known/openid-configuration`,
    );
    const elsewhere = encodeURIComponent("https://login.example.com/x/oauth2/v2.0/authorize");
    expectEntraError(
      await h.get(`/common/discovery/instance?api-version=1.1&authorization_endpoint=${elsewhere}`),
      400,
      "invalid_instance",
      50049,
    );
  });

  it("publishes the signing key as a JWKS entry with kid = JWK thumbprint and x5t of its certificate", async () => {
    const { keys } = await jwks();
    expect(keys).toHaveLength(1);
    const key = keys[0]!;
    expect(key).toMatchObject({ kty: "RSA", use: "sig", e: "AQAB", issuer: `${h.origin}/${h.tenantId}/v2.0` });
    expect(key.kid).toBe(await calculateJwkThumbprint({ kty: "RSA", n: key.n as string, e: key.e as string }));
    const der = Buffer.from((key.x5c as string[])[0]!, "base64");
    expect(key.x5t).toBe(createHash("sha1").update(der).digest("base64url"));
    const cert = new X509Certificate(der);
    expect(cert.publicKey.export({ format: "jwk" }).n).toBe(key.n);
    const v1 = await h.get(`/${h.domain}/discovery/keys`);
    expect(v1.json.keys[0].kid).toBe(key.kid);
  });

  it("refuses other methods on GET endpoints with AADSTS900561", async () => {
    expectEntraError(
      await h.post(`/${h.tenantId}/v2.0/.well-known/openid-configuration`, "a=b"),
      400,
      "invalid_request",
      900561,
    );
  });

  it("leaves other paths to the server", async () => {
    for (const path of ["/", `/${h.tenantId}`, `/${h.tenantId}/oauth2/v2.0/token/extra`, "/v2.0/x/y/api/v2.0"]) {
      expect((await h.get(path)).status).toBe(404);
    }
  });
});

describe("MSAL (ConfidentialClientApplication) against the emulator", () => {
  it("gets a token with a client secret, and the token carries the specified claims", async () => {
    const cca = msalApp({ clientSecret: h.app.secret });
    const result = await cca.acquireTokenByClientCredential({ scopes: [BC_SCOPE] });
    expect(result?.accessToken).toBeTruthy();
    const token = result!.accessToken;
    const claims = await h.entra.verifyAccessToken(token);
    expect(claims).toMatchObject({
      aud: BC_AUDIENCE,
      iss: h.entra.issuer(h.tenantId),
      tid: h.tenantId,
      appid: h.app.clientId,
      azp: h.app.clientId,
      roles: [AUTOMATION_ROLE],
      idtyp: "app",
      ver: "2.0",
    });
    expect(claims.iss).toBe(`${h.origin}/${h.tenantId}/v2.0`);
    expect(claims.oid).toMatch(GUID);
    expect(claims.sub).toBe(claims.oid);
    expect(claims.exp - claims.iat).toBe(3600);
    expect(claims.nbf).toBe(claims.iat);
    expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(30);
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: "RS256", typ: "JWT", kid: (await jwks()).keys[0]!.kid });
    expect(header.x5t).toBe((await jwks()).keys[0]!.x5t);
    expect(decodeJwt(token).azpacr).toBe("1");

    // The same token verifies with a generic JOSE library against the published JWKS.
    const verified = await jwtVerify(token, createLocalJWKSet(await jwks()), {
      issuer: `${h.origin}/${h.tenantId}/v2.0`,
      audience: BC_AUDIENCE,
      algorithms: ["RS256"],
    });
    expect(verified.payload.tid).toBe(h.tenantId);
  });

  it("works with a domain authority and returns the same stable object id", async () => {
    const first = await msalApp({ clientSecret: h.app.secret }, h.domain).acquireTokenByClientCredential({
      scopes: [BC_SCOPE],
    });
    const second = await msalApp({ clientSecret: h.app.secret }).acquireTokenByClientCredential({
      scopes: [BC_SCOPE],
      skipCache: true,
    });
    const a = await h.entra.verifyAccessToken(first!.accessToken);
    const b = await h.entra.verifyAccessToken(second!.accessToken);
    expect(a.tid).toBe(h.tenantId);
    expect(a.oid).toBe(b.oid);
    expect(decodeJwt(first!.accessToken).uti).not.toBe(decodeJwt(second!.accessToken).uti);
  });

  it("issues a token without roles to an app that holds none", async () => {
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: h.plainApp.clientId,
        clientSecret: h.plainApp.secret,
        authority: `${h.origin}/${h.tenantId}`,
        knownAuthorities: [h.host],
      },
      system: { networkClient: h.networkClient },
    });
    const result = await cca.acquireTokenByClientCredential({ scopes: [BC_SCOPE] });
    expect(decodeJwt(result!.accessToken).roles).toBeUndefined();
    const claims = await h.entra.verifyAccessToken(result!.accessToken);
    expect(claims.roles).toEqual([]);
    expect(claims.oid).not.toBe((await h.entra.verifyAccessToken(await secretToken())).oid);
  });

  it("gets a token with a certificate (SHA-256 thumbprint: PS256 + x5t#S256) and reuses MSAL's cached assertion", async () => {
    const cca = msalApp({
      clientCertificate: {
        thumbprintSha256: h.app.cert.thumbprintSha256,
        privateKey: h.app.cert.keyPem,
        x5c: h.app.cert.certPem,
      },
    });
    const first = await cca.acquireTokenByClientCredential({ scopes: [BC_SCOPE] });
    // msal-node resends the assertion it signed (same jti) for up to 10 minutes; Entra accepts that.
    const second = await cca.acquireTokenByClientCredential({ scopes: [BC_SCOPE], skipCache: true });
    for (const result of [first, second]) {
      const claims = await h.entra.verifyAccessToken(result!.accessToken);
      expect(claims.appid).toBe(h.app.clientId);
      expect(claims.roles).toEqual([AUTOMATION_ROLE]);
      expect(decodeJwt(result!.accessToken).azpacr).toBe("2");
    }
  });

  it("gets a token with a certificate by SHA-1 thumbprint (RS256 + x5t)", async () => {
    const cca = msalApp({
      clientCertificate: { thumbprint: h.app.cert.thumbprintSha1, privateKey: h.app.cert.keyPem },
    });
    const result = await cca.acquireTokenByClientCredential({ scopes: [BC_SCOPE] });
    expect((await h.entra.verifyAccessToken(result!.accessToken)).appid).toBe(h.app.clientId);
  });

  it("gets a token with a federated assertion minted by the emulator's OIDC issuer", async () => {
    let calls = 0;
    const cca = msalApp({
      clientAssertion: async () => {
        calls++;
        return h.entra.mintFederatedToken(FEDERATED_ISSUER_NAME, { subject: FEDERATED_SUBJECT });
      },
    });
    const result = await cca.acquireTokenByClientCredential({ scopes: [BC_SCOPE] });
    expect(calls).toBe(1);
    const claims = await h.entra.verifyAccessToken(result!.accessToken);
    expect(claims).toMatchObject({ appid: h.app.clientId, tid: h.tenantId, roles: [AUTOMATION_ROLE] });
  });

  it("surfaces a rejected secret as invalid_client with the AADSTS description, without the secret", async () => {
    const cca = msalApp({ clientSecret: wrongSecret });
    const error = await cca.acquireTokenByClientCredential({ scopes: [BC_SCOPE] }).then(
      () => undefined,
      (e: { errorCode?: string; errorMessage?: string; message?: string }) => e,
    );
    expect(error?.errorCode).toBe("invalid_client");
    expect(error?.errorMessage).toContain("AADSTS7000215");
    expect(`${error?.message} ${error?.errorMessage}`).not.toContain(wrongSecret);
  });
});

async function secretToken(): Promise<string> {
  const res = await h.post(tokenPath(), secretForm());
  expect(res.status).toBe(200);
  return res.json.access_token;
}

describe("access tokens", () => {
  it("answers the token endpoint in Entra's success shape", async () => {
    const res = await h.post(tokenPath(), secretForm(), { "client-request-id": randomUUID() });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(["access_token", "expires_in", "ext_expires_in", "token_type"]);
    expect(res.json).toMatchObject({ token_type: "Bearer", expires_in: 3600, ext_expires_in: 3600 });
    expect(res.headers["cache-control"]).toContain("no-store");
  });

  it("honours a short token lifetime, with at most 60 s of skew on expiry", async () => {
    h.options.tokenLifetimeSeconds = 5;
    try {
      const res = await h.post(tokenPath(), secretForm());
      expect(res.json.expires_in).toBe(5);
      expect(res.json.ext_expires_in).toBe(5);
      const token: string = res.json.access_token;
      const claims = decodeJwt(token);
      expect(claims.exp! - claims.iat!).toBe(5);
      h.clock.offsetMs = 30_000;
      await expect(h.entra.verifyAccessToken(token)).resolves.toMatchObject({ tid: h.tenantId });
      h.clock.offsetMs = 66_000;
      await expect(h.entra.verifyAccessToken(token)).rejects.toThrow(/expired/);
      h.clock.offsetMs = -70_000;
      await expect(h.entra.verifyAccessToken(token)).rejects.toThrow(/not yet valid/);
    } finally {
      h.options.tokenLifetimeSeconds = 3600;
      h.clock.offsetMs = 0;
    }
  });

  it("refuses tampered, foreign and malformed tokens without echoing them", async () => {
    const token = await secretToken();
    const [header, payload, signature] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, roles: ["AdminCenter.ReadWrite.All"] })).toString(
      "base64url",
    );
    await expect(h.entra.verifyAccessToken(`${header}.${forged}.${signature}`)).rejects.toThrow(/signature/);

    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const kid = decodeProtectedHeader(token).kid;
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid }).sign(privateKey);
    await expect(h.entra.verifyAccessToken(foreign)).rejects.toThrow(/signature/);

    const otherKid = await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "other" }).sign(privateKey);
    await expect(h.entra.verifyAccessToken(otherKid)).rejects.toThrow(/unknown key/);

    for (const garbage of ["", "abc", "a.b.c", `${header}.${payload}`]) {
      const error = await h.entra.verifyAccessToken(garbage).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error).toBeInstanceOf(Error);
      if (garbage.length > 3) expect(error?.message).not.toContain(garbage);
    }
  });

  it("accepts its own tokens after a restart on another port, and refuses foreign issuers", async () => {
    const other = await startEntraHarness({ stateDir: h.stateDir });
    try {
      // Same signing key (same state dir), another port: the token is still the emulator's own.
      const res = await other.post(`/${other.tenantId}/oauth2/v2.0/token`, {
        grant_type: "client_credentials",
        client_id: other.app.clientId,
        client_secret: other.app.secret,
        scope: BC_SCOPE,
      });
      expect(res.status).toBe(200);
      expect(decodeJwt(res.json.access_token).iss).toBe(`${other.origin}/${other.tenantId}/v2.0`);
      await expect(h.entra.verifyAccessToken(res.json.access_token)).resolves.toMatchObject({ tid: other.tenantId });
    } finally {
      await other.close();
    }
    // Signed with the emulator's own key but naming a foreign issuer, or another tenant's issuer: refused.
    const jwk = JSON.parse(readFileSync(join(h.stateDir, "entra-signing-key.json"), "utf8"));
    const key = createPrivateKey({
      key: { kty: jwk.kty, n: jwk.n, e: jwk.e, d: jwk.d, p: jwk.p, q: jwk.q, dp: jwk.dp, dq: jwk.dq, qi: jwk.qi },
      format: "jwk",
    });
    const good = decodeJwt(await secretToken());
    const kid = (await jwks()).keys[0]!.kid as string;
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT({ ...good, ...claims }).setProtectedHeader({ alg: "RS256", kid }).sign(key);
    await expect(h.entra.verifyAccessToken(await sign({}))).resolves.toBeTruthy();
    for (const iss of [
      `https://login.example.com/${h.tenantId}/v2.0`,
      `${h.origin}/${randomUUID()}/v2.0`,
      `http://127.0.0.1:1/${h.tenantId}/v2.0`,
      `${h.origin}/${h.tenantId}/v2.0?x=1`,
    ]) {
      await expect(h.entra.verifyAccessToken(await sign({ iss })), iss).rejects.toThrow(/issuer/);
    }
    await expect(h.entra.verifyAccessToken(await sign({ idtyp: "user" }))).rejects.toThrow(/app-only/);
    await expect(h.entra.verifyAccessToken(await sign({ roles: "x" }))).rejects.toThrow(/roles/);
    await expect(h.entra.verifyAccessToken(await sign({ appid: undefined }))).rejects.toThrow(/appid/);
  });

  it("keeps its signing key across restarts (same kid, earlier tokens still verify)", async () => {
    const token = await secretToken();
    expect(statSync(join(h.stateDir, "entra-signing-key.json")).mode & 0o777).toBe(0o600);
    const restarted = await createEntra({
      state: () => h.state,
      origin: () => h.origin,
      stateDir: h.stateDir,
      options: { tokenLifetimeSeconds: 3600 },
    });
    await expect(restarted.verifyAccessToken(token)).resolves.toMatchObject({ appid: h.app.clientId });
  });
});

describe("token endpoint failures", () => {
  it("unknown tenant: 400 invalid_request AADSTS90002", async () => {
    expectEntraError(await h.post(tokenPath(randomUUID()), secretForm()), 400, "invalid_request", 90002);
    expectEntraError(await h.post(tokenPath("nosuch.example.com"), secretForm()), 400, "invalid_request", 90002);
    expectEntraError(await h.post(tokenPath("%ZZ"), secretForm()), 400, "invalid_request", 900023);
  });

  it("common, consumers and organizations are not valid for client credentials", async () => {
    expectEntraError(await h.post(tokenPath("common"), secretForm()), 400, "invalid_request", 9001023);
    expectEntraError(await h.post(tokenPath("consumers"), secretForm()), 400, "invalid_request", 9001023);
    expectEntraError(await h.post(tokenPath("organizations"), secretForm()), 400, "invalid_request", 50059);
  });

  it("unknown application: 400 unauthorized_client AADSTS700016", async () => {
    const res = await h.post(tokenPath(), secretForm({ client_id: randomUUID() }));
    expectEntraError(res, 400, "unauthorized_client", 700016);
    expect(res.json.error_description).toContain(h.domain);
  });

  it("invalid secret: 401 invalid_client AADSTS7000215, and the secret is not echoed", async () => {
    const res = await h.post(tokenPath(), secretForm({ client_secret: wrongSecret }));
    expectEntraError(res, 401, "invalid_client", 7000215);
    expect(res.text).not.toContain(wrongSecret);
    // Another app's valid secret is no good either.
    expectEntraError(
      await h.post(tokenPath(), secretForm({ client_secret: h.plainApp.secret })),
      401,
      "invalid_client",
      7000215,
    );
  });

  it("accepts HTTP Basic client authentication and refuses it with a wrong secret", async () => {
    const basic = (secret: string) =>
      `Basic ${Buffer.from(`${encodeURIComponent(h.app.clientId)}:${encodeURIComponent(secret)}`).toString("base64")}`;
    const ok = await h.post(
      tokenPath(),
      { grant_type: "client_credentials", scope: BC_SCOPE },
      { authorization: basic(h.app.secret) },
    );
    expect(ok.status).toBe(200);
    expect((await h.entra.verifyAccessToken(ok.json.access_token)).appid).toBe(h.app.clientId);
    const bad = await h.post(
      tokenPath(),
      { grant_type: "client_credentials", scope: BC_SCOPE },
      { authorization: basic(wrongSecret) },
    );
    expectEntraError(bad, 401, "invalid_client", 7000215);
    // Two authentication methods at once are a malformed request.
    const both = await h.post(tokenPath(), secretForm(), { authorization: basic(h.app.secret) });
    expectEntraError(both, 400, "invalid_request", 9002313);
  });

  it("no client credential: 401 invalid_client AADSTS7000218", async () => {
    expectEntraError(
      await h.post(tokenPath(), secretForm({ client_secret: undefined })),
      401,
      "invalid_client",
      7000218,
    );
  });

  it("missing or unsupported grant_type: AADSTS900144 / AADSTS70003", async () => {
    const missing = await h.post(tokenPath(), secretForm({ grant_type: undefined }));
    expectEntraError(missing, 400, "invalid_request", 900144);
    expect(missing.json.error_description).toContain("'grant_type'");
    expectEntraError(
      await h.post(tokenPath(), secretForm({ grant_type: "authorization_code" })),
      400,
      "unsupported_grant_type",
      70003,
    );
    // A JSON body carries no form parameters, exactly as with Entra.
    const json = await h.send("POST", tokenPath(), JSON.stringify(secretForm()), {
      "content-type": "application/json",
    });
    expectEntraError(json, 400, "invalid_request", 900144);
  });

  it("missing client_id or scope: AADSTS900144", async () => {
    const noClient = await h.post(tokenPath(), secretForm({ client_id: undefined }));
    expectEntraError(noClient, 400, "invalid_request", 900144);
    expect(noClient.json.error_description).toContain("'client_id'");
    const noScope = await h.post(tokenPath(), secretForm({ scope: undefined }));
    expectEntraError(noScope, 400, "invalid_request", 900144);
    expect(noScope.json.error_description).toContain("'scope'");
  });

  it("scope must be BC's /.default: AADSTS1002012, AADSTS70011, AADSTS500011", async () => {
    expectEntraError(
      await h.post(tokenPath(), secretForm({ scope: "https://api.businesscentral.dynamics.com/user_impersonation" })),
      400,
      "invalid_scope",
      1002012,
    );
    expectEntraError(await h.post(tokenPath(), secretForm({ scope: "openid" })), 400, "invalid_scope", 1002012);
    expectEntraError(
      await h.post(tokenPath(), secretForm({ scope: `${BC_SCOPE} https://graph.microsoft.com/.default` })),
      400,
      "invalid_scope",
      70011,
    );
    expectEntraError(
      await h.post(tokenPath(), secretForm({ scope: "https://graph.microsoft.com/.default" })),
      400,
      "invalid_resource",
      500011,
    );
    for (const scope of [
      "996def3d-b36c-4153-8607-a6fd3c01b89f/.default",
      "https://api.businesscentral.dynamics.com//.default",
      `${BC_SCOPE} openid profile offline_access`,
    ]) {
      const res = await h.post(tokenPath(), secretForm({ scope }));
      expect(res.status, scope).toBe(200);
      expect((await h.entra.verifyAccessToken(res.json.access_token)).aud).toBe(BC_AUDIENCE);
    }
  });

  it("wrong method on the token endpoint: AADSTS900561; other flows are not emulated", async () => {
    expectEntraError(await h.get(tokenPath()), 400, "invalid_request", 900561);
    expectEntraError(await h.send("PUT", tokenPath(), "x=y"), 400, "invalid_request", 900561);
    expectEntraError(await h.get(`/${h.tenantId}/oauth2/v2.0/authorize?client_id=x`), 400, "invalid_request", 9002313);
  });

  it("answers malformed bodies with Entra-shaped 400s and keeps serving", async () => {
    const bodies = [
      "%%%",
      "grant_type=client_credentials&grant_type=client_credentials",
      "\u0000\u0001\u0002",
      "=&&=&a",
      Buffer.from([0xff, 0xfe, 0xfd]).toString("latin1"),
    ];
    for (const body of bodies) {
      const res = await h.send("POST", tokenPath(), body, { "content-type": "application/x-www-form-urlencoded" });
      expect(res.status).toBe(400);
      expect(res.json.error).toBe("invalid_request");
      expect(res.json.error_codes).toHaveLength(1);
    }
    const huge = await h.send("POST", tokenPath(), `a=${"x".repeat(300 * 1024)}`, {
      "content-type": "application/x-www-form-urlencoded",
    });
    expectEntraError(huge, 400, "invalid_request", 9002313);
    expect((await h.post(tokenPath(), secretForm())).status).toBe(200);
  });

  it("uses the client-request-id as correlation id and echoes it", async () => {
    const id = randomUUID();
    const res = await h.post(tokenPath(), secretForm({ client_secret: wrongSecret }), { "client-request-id": id });
    expect(res.json.correlation_id).toBe(id);
    expect(res.json.error_description).toContain(`Correlation ID: ${id}`);
    expect(res.headers["client-request-id"]).toBe(id);
    expect(res.headers["x-ms-request-id"]).toBe(res.json.trace_id);
  });
});

describe("certificate assertions", () => {
  it("accepts a well-formed RS256 assertion (x5t), also with a trailing slash or domain in aud", async () => {
    expect((await h.post(tokenPath(), assertionForm(await certAssertion()))).status).toBe(200);
    const slash = await certAssertion({ claims: { aud: `${h.origin}/${h.tenantId}/oauth2/v2.0/token/` } });
    expect((await h.post(tokenPath(), assertionForm(slash))).status).toBe(200);
    const domain = await certAssertion({ claims: { aud: `${h.origin}/${h.domain}/oauth2/v2.0/token` } });
    expect((await h.post(tokenPath(h.domain), assertionForm(domain))).status).toBe(200);
    const ps256 = await certAssertion({ alg: "PS256" });
    expect((await h.post(tokenPath(), assertionForm(ps256))).status).toBe(200);
  });

  it("unknown certificate: 401 invalid_client AADSTS700027 naming the thumbprint", async () => {
    const res = await h.post(tokenPath(), assertionForm(await certAssertion({ cert: h.strangerCert })));
    expectEntraError(res, 401, "invalid_client", 700027);
    expect(res.json.error_description).toContain("The key was not found");
    expect(res.json.error_description).toContain(h.strangerCert.thumbprintSha1);
  });

  it("bad signature: AADSTS700027 (key found, verification failed)", async () => {
    const assertion = await certAssertion({ cert: h.app.cert, signWith: h.strangerCert });
    const res = await h.post(tokenPath(), assertionForm(assertion));
    expectEntraError(res, 401, "invalid_client", 700027);
    expect(res.json.error_description).toContain("Key was found, but use of the key to verify the signature failed");
    expect(res.text).not.toContain(assertion);
  });

  it("expired certificate: AADSTS700027 (key expired)", async () => {
    const res = await h.post(tokenPath(), assertionForm(await certAssertion({ cert: h.app.expiredCert })));
    expectEntraError(res, 401, "invalid_client", 700027);
    expect(res.json.error_description).toContain("The key used is expired");
  });

  it("wrong audience: AADSTS700023 (the v2.0 issuer is not the token endpoint)", async () => {
    for (const aud of [`${h.origin}/${h.tenantId}/v2.0`, `${h.origin}/${randomUUID()}/oauth2/v2.0/token`]) {
      const res = await h.post(tokenPath(), assertionForm(await certAssertion({ claims: { aud } })));
      expectEntraError(res, 401, "invalid_client", 700023);
    }
  });

  it("iss/sub not the client: AADSTS50048 / AADSTS700021", async () => {
    const other = randomUUID();
    expectEntraError(
      await h.post(tokenPath(), assertionForm(await certAssertion({ claims: { sub: other } }))),
      401,
      "invalid_client",
      50048,
    );
    expectEntraError(
      await h.post(tokenPath(), assertionForm(await certAssertion({ claims: { iss: other, sub: other } }))),
      401,
      "invalid_client",
      700021,
    );
  });

  it("expired or not-yet-valid assertion: AADSTS700024", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await certAssertion({ claims: { nbf: now - 1800, exp: now - 900 } });
    const res = await h.post(tokenPath(), assertionForm(expired));
    expectEntraError(res, 401, "invalid_client", 700024);
    expect(res.json.error_description).toContain("Client assertion is not within its valid time range");
    const future = await certAssertion({ claims: { nbf: now + 1800, exp: now + 2400 } });
    expectEntraError(await h.post(tokenPath(), assertionForm(future)), 401, "invalid_client", 700024);
  });

  it("missing jti or exp, unsupported alg, not a JWT: Entra-shaped 400s", async () => {
    expectEntraError(
      await h.post(tokenPath(), assertionForm(await certAssertion({ omit: ["jti"] }))),
      400,
      "invalid_request",
      50027,
    );
    expectEntraError(
      await h.post(tokenPath(), assertionForm(await certAssertion({ omit: ["exp"] }))),
      400,
      "invalid_request",
      50027,
    );
    const valid = await certAssertion();
    const [, payload] = valid.split(".");
    const hs256 = `${Buffer.from(JSON.stringify({ alg: "HS256", x5t: h.app.cert.x5t })).toString("base64url")}.${payload}.c2ln`;
    expectEntraError(await h.post(tokenPath(), assertionForm(hs256)), 400, "invalid_request", 5002738);
    const none = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${payload}.`;
    expectEntraError(await h.post(tokenPath(), assertionForm(none)), 400, "invalid_request", 5002738);
    expectEntraError(await h.post(tokenPath(), assertionForm("not-a-jwt")), 400, "invalid_request", 50027);
  });

  it("client_assertion_type missing or wrong", async () => {
    const assertion = await certAssertion();
    const form = assertionForm(assertion);
    expectEntraError(await h.post(tokenPath(), { ...form, client_assertion_type: "" }), 400, "invalid_request", 900144);
    expectEntraError(
      await h.post(tokenPath(), { ...form, client_assertion_type: "urn:example:other" }),
      400,
      "invalid_request",
      9002313,
    );
    expectEntraError(
      await h.post(tokenPath(), { ...form, client_secret: h.app.secret }),
      400,
      "invalid_request",
      9002313,
    );
  });

  it("accepts a reused assertion by default (as Entra does) and refuses a replayed jti when asked to", async () => {
    const reused = await certAssertion();
    expect((await h.post(tokenPath(), assertionForm(reused))).status).toBe(200);
    expect((await h.post(tokenPath(), assertionForm(reused))).status).toBe(200);

    const strict = await startEntraHarness({ rejectReplayedAssertions: true });
    try {
      const now = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({
        aud: `${strict.origin}/${strict.tenantId}/oauth2/v2.0/token`,
        iss: strict.app.clientId,
        sub: strict.app.clientId,
        jti: randomUUID(),
        nbf: now,
        exp: now + 600,
      })
        .setProtectedHeader({ alg: "RS256", x5t: strict.app.cert.x5t })
        .sign(strict.app.cert.privateKey);
      const form = {
        grant_type: "client_credentials",
        client_id: strict.app.clientId,
        client_assertion_type: JWT_BEARER,
        client_assertion: assertion,
        scope: BC_SCOPE,
      };
      expect((await strict.post(`/${strict.tenantId}/oauth2/v2.0/token`, form)).status).toBe(200);
      const replay = await strict.post(`/${strict.tenantId}/oauth2/v2.0/token`, form);
      expect(replay.status).toBe(401);
      expect(replay.json).toMatchObject({ error: "invalid_client", error_codes: [50013] });
      expect(replay.text).not.toContain(assertion);
      // Federated tokens with a jti are single-use too in strict mode.
      const federated = await strict.entra.mintFederatedToken(FEDERATED_ISSUER_NAME, { subject: FEDERATED_SUBJECT });
      const fedForm = { ...form, client_assertion: federated };
      expect((await strict.post(`/${strict.tenantId}/oauth2/v2.0/token`, fedForm)).status).toBe(200);
      expect((await strict.post(`/${strict.tenantId}/oauth2/v2.0/token`, fedForm)).status).toBe(401);
    } finally {
      await strict.close();
    }
  });
});

describe("federated credentials", () => {
  const mint = (options: Partial<Parameters<EntraHarness["entra"]["mintFederatedToken"]>[1]> = {}, name = "github") =>
    h.entra.mintFederatedToken(name, { subject: FEDERATED_SUBJECT, ...options });

  it("serves the test issuer's discovery and JWKS, which verify its tokens", async () => {
    const issuer = h.entra.federatedIssuer(FEDERATED_ISSUER_NAME);
    expect(issuer).toBe(`${h.origin}/_oidc/${FEDERATED_ISSUER_NAME}`);
    const config = await h.get(`/_oidc/${FEDERATED_ISSUER_NAME}/.well-known/openid-configuration`);
    expect(config.json).toMatchObject({ issuer, jwks_uri: `${issuer}/jwks` });
    const keys = await h.get(new URL(config.json.jwks_uri).pathname);
    const token = await mint();
    const { payload } = await jwtVerify(token, createLocalJWKSet(keys.json), {
      issuer,
      audience: "api://AzureADTokenExchange",
    });
    expect(payload).toMatchObject({ sub: FEDERATED_SUBJECT });
    expect(typeof payload.jti).toBe("string");
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(statSync(join(h.stateDir, "entra-oidc-issuers", `${FEDERATED_ISSUER_NAME}.json`)).mode & 0o777).toBe(0o600);
  });

  it("exchanges a matching federated token for an access token", async () => {
    const res = await h.post(tokenPath(), assertionForm(await mint()));
    expect(res.status).toBe(200);
    const claims = await h.entra.verifyAccessToken(res.json.access_token);
    expect(claims).toMatchObject({ appid: h.app.clientId, roles: [AUTOMATION_ROLE] });
  });

  it("issuer, subject, audience mismatches: AADSTS700211 / 700213 / 700212", async () => {
    expectEntraError(await h.post(tokenPath(), assertionForm(await mint({}, "gitlab"))), 401, "invalid_client", 700211);
    const wrongSubject = await h.post(tokenPath(), assertionForm(await mint({ subject: "repo:contoso/other:ref:x" })));
    expectEntraError(wrongSubject, 401, "invalid_client", 700213);
    expect(wrongSubject.json.error_description).toContain("repo:contoso/other:ref:x");
    expectEntraError(
      await h.post(tokenPath(), assertionForm(await mint({ audience: "api://AzureADTokenExchangeChina" }))),
      401,
      "invalid_client",
      700212,
    );
  });

  it("an app without federated credentials: 400 invalid_request AADSTS70021", async () => {
    expectEntraError(
      await h.post(tokenPath(), assertionForm(await mint(), h.plainApp.clientId)),
      400,
      "invalid_request",
      70021,
    );
  });

  it("expired federated token: AADSTS700024", async () => {
    const issuedAt = Math.floor(Date.now() / 1000) - 3600;
    expectEntraError(
      await h.post(tokenPath(), assertionForm(await mint({ issuedAt, lifetimeSeconds: 300 }))),
      401,
      "invalid_client",
      700024,
    );
  });

  it("a token forged for the trusted issuer: AADSTS900384", async () => {
    const genuine = decodeJwt(await mint());
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = await new SignJWT(genuine).setProtectedHeader({ alg: "RS256" }).sign(privateKey);
    expectEntraError(await h.post(tokenPath(), assertionForm(forged)), 401, "invalid_client", 900384);
  });

  it("an external issuer the emulator cannot reach: AADSTS50166", async () => {
    const issuer = "https://token.actions.githubusercontent.com";
    const app = h.state.tenants[0]!.apps[0]!;
    app.federatedCredentials.push({ issuer, subject: FEDERATED_SUBJECT, audience: "api://AzureADTokenExchange" });
    try {
      const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({
        iss: issuer,
        sub: FEDERATED_SUBJECT,
        aud: "api://AzureADTokenExchange",
        iat: now,
        exp: now + 300,
      })
        .setProtectedHeader({ alg: "RS256", kid: "x" })
        .sign(privateKey);
      expectEntraError(await h.post(tokenPath(), assertionForm(token)), 400, "invalid_request", 50166);
    } finally {
      app.federatedCredentials.pop();
    }
  });

  it("mintFederatedToken validates its input", async () => {
    await expect(h.entra.mintFederatedToken("bad/name", { subject: "x" })).rejects.toThrow(/issuer name/);
    await expect(h.entra.mintFederatedToken("ok", { subject: "" })).rejects.toThrow(/subject/);
    await expect(h.entra.mintFederatedToken("ok", { subject: "x", lifetimeSeconds: 0 })).rejects.toThrow(/lifetime/);
  });
});

describe("robustness", () => {
  it("answers a burst of hostile requests with Entra-shaped errors only", async () => {
    const requests: Promise<HttpResult>[] = [];
    const paths = [tokenPath(), tokenPath("common"), tokenPath("%E0%A4%A"), `/${"x".repeat(300)}/oauth2/v2.0/token`];
    const bodies = ["", "a", "grant_type=client_credentials&client_id=%", `client_assertion=${"a.".repeat(2000)}`];
    for (const path of paths) {
      for (const body of bodies) {
        requests.push(h.send("POST", path, body, { "content-type": "application/x-www-form-urlencoded" }));
        requests.push(h.send("POST", path, body, { "content-type": "text/plain" }));
      }
    }
    for (const res of await Promise.all(requests)) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(typeof res.json.error).toBe("string");
      expect(res.json.error_codes).toHaveLength(1);
    }
    expect((await h.post(tokenPath(), secretForm())).status).toBe(200);
  });
});
