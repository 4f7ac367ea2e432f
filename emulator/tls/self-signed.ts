import { KeyObject, randomBytes, webcrypto } from "node:crypto";
// Must precede @peculiar/x509, which needs a Reflect metadata polyfill at load time.
import "./reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const RSA_2048_SHA256: webcrypto.RsaHashedKeyGenParams = {
  name: "RSASSA-PKCS1-v1_5",
  hash: "SHA-256",
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};

const DAY_MS = 24 * 60 * 60 * 1000;
/** Backdating absorbs small clock differences between processes. */
export const BACKDATE_MS = 5 * 60 * 1000;

/** A fresh RSA 2048 key pair (webcrypto, extractable). */
export async function generateRsaKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(RSA_2048_SHA256, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
}

/** A positive 128-bit certificate serial number (hex, leading byte non-zero and below 0x80). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString("hex");
}

/**
 * A self-signed end-entity certificate for a new RSA 2048 key (digitalSignature), e.g. a token-signing key that
 * publishes `x5c`/`x5t` like Entra's own signing certificates. Returns the certificate PEM and the private key.
 */
export async function selfSignedSigningCertificate(
  subject: string,
  validityDays: number,
): Promise<{ certPem: string; privateKey: KeyObject }> {
  const keys = await generateRsaKeyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: subject,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + validityDays * DAY_MS),
    keys,
    signingAlgorithm: RSA_2048_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pem = cert.toString("pem");
  return { certPem: pem.endsWith("\n") ? pem : `${pem}\n`, privateKey: KeyObject.from(keys.privateKey) };
}
