import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { Agent, request } from "undici";
import { afterAll, describe, expect, it } from "vitest";

// Runs the compiled CLI (`npm test` builds first), as `npm run emulator` does.
const CLI = resolve(__dirname, "../../dist/emulator/cli.js");
const stateDir = mkdtempSync(join(tmpdir(), "bc-emulator-cli-"));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

interface Ready {
  baseUrl: string;
  authorityHost: string;
  tenantId: string;
  environment: string;
  clientId: string;
  clientSecret: string;
  caCertPath: string;
  adminToken: string;
}

async function startCli(args: string[]): Promise<{ child: ChildProcess; ready: Ready; lines: string[] }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const rl = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((ok, fail) => {
    rl.once("line", ok);
    child.once("exit", (code) => fail(new Error(`emulator exited with ${code}`)));
  });
  rl.on("line", (l) => lines.push(l));
  return { child, ready: JSON.parse(first), lines };
}

async function stopCli(child: ChildProcess): Promise<number | null> {
  return new Promise((ok) => {
    child.once("exit", (code) => ok(code));
    child.kill("SIGINT");
  });
}

async function token(ready: Ready, agent: Agent) {
  const res = await request(`${ready.authorityHost}/${ready.tenantId}/oauth2/v2.0/token`, {
    method: "POST",
    dispatcher: agent,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: ready.clientId,
      client_secret: ready.clientSecret,
      scope: "https://api.businesscentral.dynamics.com/.default",
    }).toString(),
  });
  return ((await res.body.json()) as { access_token: string }).access_token;
}

describe("emulator CLI", () => {
  it("prints one JSON line with the documented keys, serves, keeps state across restarts and stops on SIGINT", async () => {
    const first = await startCli(["--json", "--state-dir", stateDir]);
    const { ready } = first;
    for (const key of [
      "baseUrl",
      "authorityHost",
      "tenantId",
      "environment",
      "clientId",
      "clientSecret",
      "caCertPath",
      "adminToken",
    ]) {
      expect(typeof (ready as unknown as Record<string, unknown>)[key]).toBe("string");
    }
    const ca = readFileSync(ready.caCertPath, "utf8");
    const agent = new Agent({ connect: { ca } });
    const api = `${ready.baseUrl}/v2.0/${ready.tenantId}/${ready.environment}/api/microsoft/automation/v2.0`;
    const bearer = await token(ready, agent);
    const companies = (await (
      await request(`${api}/companies`, { dispatcher: agent, headers: { authorization: `Bearer ${bearer}` } })
    ).body.json()) as { value: { id: string }[] };
    const created = await request(`${api}/companies(${companies.value[0].id})/automationCompanies`, {
      method: "POST",
      dispatcher: agent,
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      body: JSON.stringify({ displayName: "Persisted Co" }),
    });
    expect(created.statusCode).toBe(201);
    await created.body.dump();
    expect(await stopCli(first.child)).toBe(0);
    expect(first.lines).toEqual([]);

    // Same state dir: same CA, same signing key (the old token still verifies), same companies.
    const second = await startCli(["--json", "--state-dir", stateDir]);
    expect(readFileSync(second.ready.caCertPath, "utf8")).toBe(ca);
    const api2 = `${second.ready.baseUrl}/v2.0/${second.ready.tenantId}/${second.ready.environment}/api/microsoft/automation/v2.0`;
    const again = await request(`${api2}/companies`, {
      dispatcher: agent,
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(again.statusCode).toBe(200);
    const names = ((await again.body.json()) as { value: { name: string }[] }).value.map((c) => c.name);
    expect(names).toContain("Persisted Co");
    expect(await stopCli(second.child)).toBe(0);
    await agent.close();
  });

  it("refuses bad options with a usage message and exit code 2", async () => {
    const child = spawn(process.execPath, [CLI, "--port", "abc"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => {
      stderr += d;
    });
    const code = await new Promise((ok) => child.once("exit", ok));
    expect(code).toBe(2);
    expect(stderr).toContain("--port must be a non-negative number");
  });
});
