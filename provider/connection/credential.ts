/**
 * The credential of a connection: a client secret, a certificate (file or PEM text) or a federated token file,
 * from the first source that names any.
 */
import { readFileSync } from "node:fs";
import { registerSecret } from "../redact";
import { configKey, howToSet, metaOf } from "./schema";
import type { Credential, ExplicitSettings, StackConfig } from "./settings";

type CredentialField = "clientSecret" | "clientCertificatePath" | "federatedTokenFile";

/**
 * The first source (explicit › stack config › environment) that names any credential wins, so a stack never mixes
 * its own secret with a certificate left in the shell; within a source, secret › certificate › federated token
 * file (the Azure SDK's EnvironmentCredential order).
 */
export function resolveCredential(
  explicit: ExplicitSettings,
  stackConfig: StackConfig,
  env: NodeJS.ProcessEnv,
  sendX5c: boolean,
  problems: string[],
  via?: string,
): Credential | undefined {
  const sources: ((name: CredentialField) => string | undefined)[] = [
    (name) => nonEmpty(explicit[name]),
    (name) => nonEmpty(stackConfig.get(configKey(name))),
    (name) =>
      metaOf(name)
        .env.map((v) => nonEmpty(env[v]))
        .find((v) => v !== undefined),
  ];
  const explicitPem = nonEmpty(explicit.clientCertificatePem);
  if (explicitPem && !nonEmpty(explicit.clientSecret)) {
    return certificateFromPem(explicitPem, `${via ?? "explicit"} clientCertificatePem`, sendX5c, problems);
  }
  for (const source of sources) {
    const secret = source("clientSecret");
    if (secret) {
      registerSecret(secret);
      return { kind: "secret", secret };
    }
    const certPath = source("clientCertificatePath");
    if (certPath) return readCertificateFile(certPath, sendX5c, problems);
    const tokenFile = source("federatedTokenFile");
    if (tokenFile) return { kind: "federated", tokenFile };
  }
  problems.push(
    "no credential is set. Set one of: the client secret " +
      `(${howToSet("clientSecret", via)}); a PEM file holding the certificate and its private key ` +
      `(${howToSet("clientCertificatePath", via)}); or a federated token file (${howToSet("federatedTokenFile", via)}).`,
  );
  return undefined;
}

/** Reads a PEM bundle holding the certificate and its (unencrypted) private key, as AZURE_CLIENT_CERTIFICATE_PATH does. */
function readCertificateFile(path: string, sendX5c: boolean, problems: string[]): Credential | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    problems.push(`clientCertificatePath '${path}' cannot be read (${(err as NodeJS.ErrnoException).code ?? err}).`);
    return undefined;
  }
  return certificateFromPem(text, `clientCertificatePath '${path}'`, sendX5c, problems);
}

/** A certificate credential from a PEM bundle (certificate + unencrypted key); `what` names it in problems. */
function certificateFromPem(text: string, what: string, sendX5c: boolean, problems: string[]): Credential | undefined {
  const split = splitPemBundle(text);
  if (split.encryptedKey) {
    problems.push(
      `${what} holds an encrypted private key; password-protected keys are not supported. ` +
        "Export the key without a password (openssl pkcs8 -nocrypt) and keep the file secret.",
    );
    return undefined;
  }
  if (!split.certificatePem || !split.privateKeyPem) {
    problems.push(
      `${what} must be PEM text containing both the certificate and its private key ` +
        `(found ${split.certificatePem ? "a certificate" : "no certificate"} and ${split.privateKeyPem ? "a key" : "no private key"}).`,
    );
    return undefined;
  }
  registerSecret(split.privateKeyPem);
  return { kind: "certificate", certificatePem: split.certificatePem, privateKeyPem: split.privateKeyPem, sendX5c };
}

/** Splits a PEM bundle into its certificates (leaf first, chain kept) and its private key. */
export function splitPemBundle(text: string): {
  certificatePem?: string;
  privateKeyPem?: string;
  encryptedKey: boolean;
} {
  const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const key = text.match(/-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/);
  return {
    certificatePem: certs.length > 0 ? `${certs.join("\n")}\n` : undefined,
    privateKeyPem: key ? `${key[0]}\n` : undefined,
    encryptedKey: /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(text) || /Proc-Type: 4,ENCRYPTED/.test(text),
  };
}

export function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== "" ? value.trim() : undefined;
}
