/**
 * Keys the emulator signs with: Entra's token-signing key (persisted with a self-signed certificate, like Entra's
 * own signing certificates, so JWKS entries carry `x5c`/`x5t`), and plain RSA keys for the test OIDC issuers.
 * Keys live in the state directory (mode 0600) so tokens stay valid across restarts.
 */
import {
  type JsonWebKey,
  type KeyObject,
  X509Certificate,
  createHash,
  createPrivateKey,
  createPublicKey,
} from "node:crypto";
import { generateKeyPair } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { createFileOnce } from "../tls/files";
import { selfSignedSigningCertificate } from "../tls/self-signed";

export const SIGNING_KEY_FILE = "entra-signing-key.json";
const SIGNING_CERT_SUBJECT = "CN=Business Central Emulator token signing, O=pulumi-businesscentral";
const SIGNING_CERT_DAYS = 3652;

export interface RsaSigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key. */
  kid: string;
  /** Public JWK members. */
  n: string;
  e: string;
}

export interface CertifiedSigningKey extends RsaSigningKey {
  /** base64url SHA-1 of the certificate DER. */
  x5t: string;
  /** base64 certificate DER. */
  x5c: string;
}

/** Loads Entra's token-signing key from `stateDir`, generating and persisting it on first use. */
export async function loadOrCreateSigningKey(stateDir: string): Promise<CertifiedSigningKey> {
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const file = path.join(stateDir, SIGNING_KEY_FILE);
  const text = await createFileOnce(
    file,
    async () => {
      const { certPem, privateKey } = await selfSignedSigningCertificate(SIGNING_CERT_SUBJECT, SIGNING_CERT_DAYS);
      const jwk = privateKey.export({ format: "jwk" });
      const der = new X509Certificate(certPem).raw.toString("base64");
      return `${JSON.stringify({ ...jwk, use: "sig", alg: "RS256", x5c: [der] }, null, 2)}\n`;
    },
    0o600,
  );
  const stored = parseJwkFile(text, file);
  const key = rsaKeyFromJwk(stored, file);
  const x5c = Array.isArray(stored.x5c) && typeof stored.x5c[0] === "string" ? stored.x5c[0] : undefined;
  if (!x5c) throw new Error(`${file} has no certificate (x5c). Delete it to generate a new signing key.`);
  const cert = new X509Certificate(Buffer.from(x5c, "base64"));
  if (!cert.publicKey.equals(key.publicKey)) {
    throw new Error(`${file}: the certificate does not match the key. Delete the file to generate a new signing key.`);
  }
  return { ...key, x5c, x5t: createHash("sha1").update(cert.raw).digest("base64url") };
}

/** Loads a plain RSA signing key from `file`, generating and persisting it on first use. */
export async function loadOrCreateRsaKey(file: string): Promise<RsaSigningKey> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const text = await createFileOnce(
    file,
    async () => {
      const { privateKey } = await promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
      return `${JSON.stringify({ ...privateKey.export({ format: "jwk" }), use: "sig", alg: "RS256" }, null, 2)}\n`;
    },
    0o600,
  );
  return rsaKeyFromJwk(parseJwkFile(text, file), file);
}

/** The public JWK as a JWKS entry. */
export function publicJwk(key: RsaSigningKey | CertifiedSigningKey, extra: Record<string, unknown> = {}) {
  const cert = "x5c" in key ? { x5t: key.x5t, x5c: [key.x5c] } : {};
  return { kty: "RSA", use: "sig", kid: key.kid, ...cert, n: key.n, e: key.e, alg: "RS256", ...extra };
}

/** RFC 7638 thumbprint of an RSA public key. */
export function jwkThumbprint(n: string, e: string): string {
  return createHash("sha256")
    .update(JSON.stringify({ e, kty: "RSA", n }))
    .digest("base64url");
}

type StoredJwk = JsonWebKey & { x5c?: unknown };

function parseJwkFile(text: string, file: string): StoredJwk {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === "object") return value as StoredJwk;
  } catch {
    // fall through
  }
  throw new Error(`${file} is not a JSON Web Key. Delete it to generate a new key (tokens it signed stop working).`);
}

function rsaKeyFromJwk(jwk: StoredJwk, file: string): RsaSigningKey {
  if (jwk.kty !== "RSA" || typeof jwk.n !== "string" || typeof jwk.e !== "string" || typeof jwk.d !== "string") {
    throw new Error(`${file} is not an RSA private JWK. Delete it to generate a new key.`);
  }
  const { kty, n, e, d, p, q, dp, dq, qi } = jwk;
  const privateKey = createPrivateKey({ key: { kty, n, e, d, p, q, dp, dq, qi }, format: "jwk" });
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, kid: jwkThumbprint(n, e), n, e };
}
