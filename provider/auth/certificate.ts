/**
 * Certificate credentials: MSAL signs a client assertion with the private key and names the certificate by its
 * thumbprint (`x5t#S256`); Entra finds the registered certificate by that thumbprint. We compute the thumbprints
 * from the PEM ourselves (node:crypto), check that key and certificate belong together, and normalise the key to
 * PKCS#8 (MSAL's format), so a wrong file fails here with a clear message instead of as AADSTS700027 later.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { registerSecret } from "../redact";

export interface CertificateMaterial {
  /** Hex SHA-256 thumbprint of the DER certificate (what Entra shows as the certificate's thumbprint in new portals). */
  thumbprintSha256: string;
  /** Hex SHA-1 thumbprint (what the Entra portal lists under Certificates & secrets). */
  thumbprintSha1: string;
  /** The private key as PKCS#8 PEM. */
  privateKeyPem: string;
  /** The certificate (and chain) PEM, for `x5c`. */
  certificatePem: string;
  subject: string;
  notAfter: Date;
}

export class CertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CertificateError";
  }
}

export function certificateMaterial(certificatePem: string, privateKeyPem: string): CertificateMaterial {
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(certificatePem)?.[0];
  if (!first) throw new CertificateError("The certificate is not a PEM certificate (-----BEGIN CERTIFICATE-----).");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(first);
  } catch (err) {
    throw new CertificateError(`The certificate PEM cannot be parsed: ${(err as Error).message}`);
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (err) {
    throw new CertificateError(`The private key PEM cannot be parsed: ${(err as Error).message.split("\n")[0]}`);
  }
  if (!cert.checkPrivateKey(key)) {
    throw new CertificateError(
      `The private key does not belong to the certificate '${cert.subject.replace(/\n/g, ", ")}' (thumbprint ${hex(cert.fingerprint)}).`,
    );
  }
  const pkcs8 = key.export({ type: "pkcs8", format: "pem" }).toString();
  registerSecret(pkcs8);
  return {
    thumbprintSha256: hex(cert.fingerprint256),
    thumbprintSha1: hex(cert.fingerprint),
    privateKeyPem: pkcs8,
    certificatePem,
    subject: cert.subject.replace(/\n/g, ", "),
    notAfter: new Date(cert.validTo),
  };
}

/** `AB:CD:…` → `abcd…`. */
function hex(fingerprint: string): string {
  return fingerprint.replace(/:/g, "").toLowerCase();
}
