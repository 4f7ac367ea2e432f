/**
 * The emulator's TLS material: a private CA that lives in the state directory and a server certificate for the
 * loopback names it signs. MSAL refuses plain-http authorities, so the emulator serves HTTPS and clients trust
 * `ca.pem` explicitly (DESIGN.md, "Facts measured").
 */
import {
  KeyObject,
  X509Certificate as NodeX509Certificate,
  createPrivateKey,
  createPublicKey,
  webcrypto,
} from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
// Must precede @peculiar/x509, which needs a Reflect metadata polyfill at load time.
import "./reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createFileOnce, replaceFile } from "./files";
import { BACKDATE_MS, RSA_2048_SHA256 as RSA, generateRsaKeyPair, randomSerial } from "./self-signed";

export interface TlsMaterial {
  caCertPem: string;
  caCertPath: string;
  certPem: string;
  keyPem: string;
}

/** File names inside the state directory. */
export const TLS_FILES = { caCert: "ca.pem", caKey: "ca-key.pem", server: "tls-server.pem" } as const;

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_VALIDITY_MS = 3652 * DAY_MS;
const SERVER_VALIDITY_MS = 397 * DAY_MS;
/** A server certificate closer than this to its expiry is replaced. */
const SERVER_RENEW_BEFORE_MS = 30 * DAY_MS;
const SERVER_DNS_NAMES = ["localhost"];
const SERVER_IPS = ["127.0.0.1", "::1"];

/**
 * On first call for a stateDir, generates a CA (RSA 2048, ~10 years, basicConstraints CA, keyCertSign) and stores
 * ca.pem + ca-key.pem in stateDir (mode 0600 for the key); later calls reuse them. Issues (or reuses) a server
 * certificate for DNS localhost and IPs 127.0.0.1 and ::1 signed by that CA (serverAuth EKU).
 *
 * Safe against concurrent callers (several processes on one stateDir): files are created exclusively, and the
 * server certificate and its key are kept in one file so a reader never pairs a key with the wrong certificate.
 */
export async function ensureTlsMaterial(stateDir: string): Promise<TlsMaterial> {
  const dir = path.resolve(stateDir);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await ensureCa(dir);
  const server = await ensureServerCertificate(dir, ca);
  return { caCertPem: ca.certPem, caCertPath: path.join(dir, TLS_FILES.caCert), ...server };
}

interface CaMaterial {
  certPem: string;
  cert: NodeX509Certificate;
  key: KeyObject;
}

async function ensureCa(dir: string): Promise<CaMaterial> {
  const certPath = path.join(dir, TLS_FILES.caCert);
  const keyPath = path.join(dir, TLS_FILES.caKey);
  let generated: { certPem: string; keyPem: string } | undefined;
  const generate = async () => {
    generated ??= await generateCa();
    return generated;
  };
  // The key is created first; the certificate second. Whoever wins the key also writes the certificate, everyone
  // else waits for it (createFileOnce polls briefly for a file another process is about to create).
  const keyPem = await createFileOnce(keyPath, async () => (await generate()).keyPem, 0o600);
  const createdKey = generated;
  const certPem = await createFileOnce(
    certPath,
    async () => {
      if (createdKey) return createdKey.certPem;
      throw new Error(
        `${keyPath} exists but ${certPath} does not (an earlier start was interrupted?). ` +
          `Delete ${TLS_FILES.caKey} to generate a new CA.`,
      );
    },
    0o644,
    { waitForOther: createdKey === undefined },
  );
  const cert = parseCertificate(certPem, certPath);
  const key = parsePrivateKey(keyPem, keyPath);
  if (!sameKeyPair(cert, key)) {
    throw new Error(
      `The emulator CA in ${dir} is inconsistent: ${TLS_FILES.caKey} does not belong to ${TLS_FILES.caCert}. ` +
        `Delete both files (and ${TLS_FILES.server}) to generate a new CA, then re-trust the new ${TLS_FILES.caCert}.`,
    );
  }
  if (!cert.ca) {
    throw new Error(`${certPath} is not a CA certificate. Delete it and ${TLS_FILES.caKey} to generate a new CA.`);
  }
  if (Date.parse(cert.validTo) <= Date.now()) {
    throw new Error(
      `The emulator CA in ${certPath} expired on ${cert.validTo}. Delete ${TLS_FILES.caCert}, ${TLS_FILES.caKey} ` +
        `and ${TLS_FILES.server} to generate a new CA, then re-trust the new ${TLS_FILES.caCert}.`,
    );
  }
  return { certPem, cert, key };
}

async function ensureServerCertificate(dir: string, ca: CaMaterial): Promise<{ certPem: string; keyPem: string }> {
  const serverPath = path.join(dir, TLS_FILES.server);
  const existing = await readIfExists(serverPath);
  if (existing !== undefined) {
    const reusable = reusableServerMaterial(existing, ca);
    if (reusable) return reusable;
  }
  const fresh = await issueServerCertificate(ca);
  await replaceFile(serverPath, `${fresh.certPem}${fresh.keyPem}`, 0o600);
  return fresh;
}

/** The stored server certificate and key when they still fit: signed by this CA, right names, not near expiry. */
function reusableServerMaterial(text: string, ca: CaMaterial): { certPem: string; keyPem: string } | undefined {
  const certPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\r?\n?/.exec(text)?.[0];
  const keyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\r?\n?/.exec(text)?.[0];
  if (!certPem || !keyPem) return undefined;
  try {
    const cert = new NodeX509Certificate(certPem);
    const key = createPrivateKey(keyPem);
    const now = Date.now();
    const fits =
      cert.checkIssued(ca.cert) &&
      cert.verify(ca.cert.publicKey) &&
      Date.parse(cert.validFrom) <= now &&
      Date.parse(cert.validTo) - SERVER_RENEW_BEFORE_MS > now &&
      SERVER_DNS_NAMES.every((name) => cert.checkHost(name) !== undefined) &&
      SERVER_IPS.every((ip) => cert.checkIP(ip) !== undefined) &&
      sameKeyPair(cert, key);
    return fits ? { certPem: ensureNewline(certPem), keyPem: ensureNewline(keyPem) } : undefined;
  } catch {
    return undefined;
  }
}

async function generateCa(): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateRsaKeyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: "CN=Business Central Emulator Local CA, O=pulumi-businesscentral",
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + CA_VALIDITY_MS),
    keys,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: ensureNewline(cert.toString("pem")), keyPem: pkcs8Pem(keys.privateKey) };
}

async function issueServerCertificate(ca: CaMaterial): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateRsaKeyPair();
  const caSigningKey = await webcrypto.subtle.importKey(
    "pkcs8",
    ca.key.export({ type: "pkcs8", format: "der" }),
    RSA,
    false,
    ["sign"],
  );
  const caCert = new x509.X509Certificate(ca.certPem);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: "CN=localhost, O=pulumi-businesscentral emulator",
    issuer: caCert.subject,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(Math.min(now + SERVER_VALIDITY_MS, Date.parse(ca.cert.validTo))),
    publicKey: keys.publicKey,
    signingKey: caSigningKey,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension([
        ...SERVER_DNS_NAMES.map((value) => ({ type: "dns" as const, value })),
        ...SERVER_IPS.map((value) => ({ type: "ip" as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return { certPem: ensureNewline(cert.toString("pem")), keyPem: pkcs8Pem(keys.privateKey) };
}

function pkcs8Pem(key: webcrypto.CryptoKey): string {
  return ensureNewline(KeyObject.from(key).export({ type: "pkcs8", format: "pem" }).toString());
}

function sameKeyPair(cert: NodeX509Certificate, key: KeyObject): boolean {
  const fromCert = cert.publicKey.export({ type: "spki", format: "der" });
  const fromKey = createPublicKey(key).export({ type: "spki", format: "der" });
  return fromCert.equals(fromKey);
}

function parseCertificate(pem: string, file: string): NodeX509Certificate {
  try {
    return new NodeX509Certificate(pem);
  } catch {
    throw new Error(`${file} does not contain a readable PEM certificate. Delete it to generate a new one.`);
  }
}

function parsePrivateKey(pem: string, file: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new Error(`${file} does not contain a readable PEM private key. Delete it to generate a new one.`);
  }
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function ensureNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}
