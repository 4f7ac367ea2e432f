import "../../emulator/tls/reflect-metadata";
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { afterAll, describe, expect, it } from "vitest";
import { TLS_FILES, ensureTlsMaterial } from "../../emulator/tls/certificates";

const dirs: string[] = [];
function tempStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bc-emulator-tls-"));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function get(port: number, host: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get({ host, port, path: "/", ca, servername: host === "localhost" ? host : undefined }, (res) => {
        let body = "";
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve(body));
      })
      .on("error", reject);
  });
}

describe("ensureTlsMaterial", () => {
  it("creates a CA once and reuses it (and the server certificate) on later calls", async () => {
    const dir = tempStateDir();
    const first = await ensureTlsMaterial(dir);
    const second = await ensureTlsMaterial(dir);
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(second.certPem).toBe(first.certPem);
    expect(second.keyPem).toBe(first.keyPem);
    expect(first.caCertPath).toBe(join(dir, TLS_FILES.caCert));
    expect(statSync(join(dir, TLS_FILES.caKey)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, TLS_FILES.server)).mode & 0o777).toBe(0o600);
  });

  it("agrees on one CA when called concurrently on a fresh directory", async () => {
    const dir = tempStateDir();
    const results = await Promise.all([ensureTlsMaterial(dir), ensureTlsMaterial(dir), ensureTlsMaterial(dir)]);
    expect(new Set(results.map((r) => r.caCertPem)).size).toBe(1);
    const ca = new X509Certificate(results[0]!.caCertPem);
    for (const r of results) {
      expect(new X509Certificate(r.certPem).verify(ca.publicKey)).toBe(true);
      const fromKey = createPublicKey(createPrivateKey(r.keyPem)).export({ type: "spki", format: "der" });
      expect(new X509Certificate(r.certPem).publicKey.export({ type: "spki", format: "der" })).toEqual(fromKey);
    }
  });

  it("issues a CA and a server certificate with the right profile", async () => {
    const material = await ensureTlsMaterial(tempStateDir());
    const ca = new X509Certificate(material.caCertPem);
    const server = new X509Certificate(material.certPem);
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkHost("localhost")).toBe("localhost");
    expect(server.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(server.subjectAltName).toContain("DNS:localhost");
    expect(server.subjectAltName).toContain("IP Address:127.0.0.1");
    expect(server.subjectAltName).toMatch(/IP Address:(::1|0:0:0:0:0:0:0:1)/);
    expect(server.keyUsage).toContain("1.3.6.1.5.5.7.3.1");
    const caYears = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / (365.25 * 24 * 3600 * 1000);
    expect(caYears).toBeGreaterThan(9.9);
    expect(createPrivateKey(material.keyPem).asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(material.keyPem).toContain("-----BEGIN PRIVATE KEY-----");

    // The same checks through @peculiar/x509: basic constraints, key usage, chain.
    const pCa = new x509.X509Certificate(material.caCertPem);
    const pServer = new x509.X509Certificate(material.certPem);
    const constraints = pCa.getExtension(x509.BasicConstraintsExtension);
    expect(constraints?.ca).toBe(true);
    const usages = pCa.getExtension(x509.KeyUsagesExtension);
    expect((usages?.usages ?? 0) & x509.KeyUsageFlags.keyCertSign).toBeTruthy();
    expect(await pServer.verify({ publicKey: pCa.publicKey })).toBe(true);
    const chain = await new x509.X509ChainBuilder({ certificates: [pCa] }).build(pServer);
    expect(chain.map((c) => c.subject)).toEqual([pServer.subject, pCa.subject]);
  });

  it("serves HTTPS that a client trusting only the CA accepts for 127.0.0.1 and localhost", async () => {
    const material = await ensureTlsMaterial(tempStateDir());
    const server = https.createServer({ cert: material.certPem, key: material.keyPem }, (_req, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      expect(await get(port, "127.0.0.1", material.caCertPem)).toBe("ok");
      expect(await get(port, "localhost", material.caCertPem)).toBe("ok");
      await expect(get(port, "127.0.0.1", (await ensureTlsMaterial(tempStateDir())).caCertPem)).rejects.toThrow();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("replaces a server certificate that no longer fits and keeps the CA", async () => {
    const dir = tempStateDir();
    const first = await ensureTlsMaterial(dir);
    writeFileSync(join(dir, TLS_FILES.server), "garbage");
    const second = await ensureTlsMaterial(dir);
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(second.certPem).not.toBe(first.certPem);
    expect(new X509Certificate(second.certPem).verify(new X509Certificate(second.caCertPem).publicKey)).toBe(true);
  });

  it("refuses a CA key that does not belong to the CA certificate", async () => {
    const dir = tempStateDir();
    await ensureTlsMaterial(dir);
    const other = tempStateDir();
    await ensureTlsMaterial(other);
    writeFileSync(join(dir, TLS_FILES.caKey), readText(join(other, TLS_FILES.caKey)));
    await expect(ensureTlsMaterial(dir)).rejects.toThrow(/inconsistent/);
  });
});

function readText(file: string): string {
  return require("node:fs").readFileSync(file, "utf8");
}
