import { certificateMaterial } from "../auth/certificate";
import type { ConnectionSettings } from "../connection";
import type { DoctorCheck } from "./types";

/** The settings in use, described without any secret: the credential by kind and source, a certificate by thumbprint. */
export const settingsCheck: DoctorCheck = {
  name: "settings",
  async run({ settings, options }) {
    return [
      {
        id: "settings",
        title: "connection settings",
        status: "ok",
        detail: describeSettings(settings, options.credentialSource),
      },
    ];
  },
};

function describeSettings(settings: ConnectionSettings, source?: string): string {
  return (
    `tenant ${settings.tenantId}, client ${settings.clientId}, environment '${settings.environment}', ` +
    `${describeCredential(settings.credential)}${source ? ` (from ${source})` : ""}; authority ${settings.authorityHost}, API ${settings.apiBaseUrl}` +
    `${settings.caCertPath ? `, extra CA ${settings.caCertPath}` : ""}${settings.proxy ? `, proxy ${new URL(settings.proxy).host}` : ""}`
  );
}

function describeCredential(c: ConnectionSettings["credential"]): string {
  switch (c.kind) {
    case "secret":
      return "client secret";
    case "certificate":
      try {
        const m = certificateMaterial(c.certificatePem, c.privateKeyPem);
        return `certificate '${m.subject}' (SHA-1 ${m.thumbprintSha1}, expires ${m.notAfter.toISOString().slice(0, 10)})`;
      } catch (err) {
        return `certificate (unusable: ${(err as Error).message})`;
      }
    case "federated":
      return "tokenFile" in c ? `federated token file ${c.tokenFile}` : "federated token callback";
  }
}
