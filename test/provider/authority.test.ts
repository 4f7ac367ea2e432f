import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Agent } from "undici";
import { isMicrosoftAuthorityHost, msalAuthorityOptions } from "../../provider/auth/authority";
import { CertificateError, certificateMaterial } from "../../provider/auth/certificate";
import { UndiciNetworkModule } from "../../provider/auth/network";
import { makeCertificate } from "./helpers/emu";

const dir = mkdtempSync(join(tmpdir(), "bc-authority-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("authority options", () => {
  it("leaves Microsoft clouds to MSAL", () => {
    for (const host of [
      "https://login.microsoftonline.com",
      "https://login.microsoftonline.us",
      "https://login.chinacloudapi.cn",
    ]) {
      expect(isMicrosoftAuthorityHost(host)).toBe(true);
      const o = msalAuthorityOptions(host, "contoso.onmicrosoft.com");
      expect(o.knownAuthorities).toBeUndefined();
      expect(o.authority).toBe(`${host}/contoso.onmicrosoft.com`);
    }
  });

  it("pins any other host with its own metadata, so nothing goes to Microsoft", () => {
    const o = msalAuthorityOptions("https://127.0.0.1:8443", "tid");
    expect(o.knownAuthorities).toEqual(["127.0.0.1:8443"]);
    expect(JSON.parse(o.authorityMetadata!).token_endpoint).toBe("https://127.0.0.1:8443/tid/oauth2/v2.0/token");
    expect(JSON.parse(o.cloudDiscoveryMetadata!).metadata[0].aliases).toEqual(["127.0.0.1:8443"]);
    expect(o.allowedOrigins).toEqual(["https://127.0.0.1:8443"]);
  });

  it("the network module refuses origins other than the authority's", async () => {
    const agent = new Agent();
    const net = new UndiciNetworkModule({ dispatcher: agent, allowedOrigins: ["https://127.0.0.1:8443"] });
    await expect(
      net.sendGetRequestAsync("https://login.microsoftonline.com/common/discovery/instance"),
    ).rejects.toThrow("refusing to contact https://login.microsoftonline.com");
    await agent.close();
  });
});

describe("certificate material", () => {
  it("computes SHA-1 and SHA-256 thumbprints and normalises the key", async () => {
    const cert = await makeCertificate(dir, "thumb");
    const m = certificateMaterial(cert.certPem, cert.keyPem);
    expect(m.thumbprintSha1).toMatch(/^[0-9a-f]{40}$/);
    expect(m.thumbprintSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.privateKeyPem).toContain("BEGIN PRIVATE KEY");
    expect(m.subject).toContain("CN=thumb");
  });

  it("refuses a key that does not belong to the certificate", async () => {
    const cert = await makeCertificate(dir, "mismatch");
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    expect(() => certificateMaterial(cert.certPem, other)).toThrow(CertificateError);
    expect(() => certificateMaterial(cert.certPem, other)).toThrow("does not belong");
  });
});
