/**
 * Wire capture (BC_CAPTURE_DIR): the provider's own HTTP pipeline writes one JSONL line per exchange, normalised and
 * with nothing secret or personal in it. Runs in its own process (vitest forks), so the process-wide capture file
 * is this test's alone.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../../emulator";
import { resetProviderCaches, settingsFor, startTestEmulator, testRuntime } from "../helpers/emu";

const dir = mkdtempSync(join(tmpdir(), "bc-capture-"));
let emu: RunningEmulator;

beforeAll(async () => {
  process.env.BC_CAPTURE_DIR = dir;
  emu = await startTestEmulator();
  resetProviderCaches();
});

afterAll(async () => {
  delete process.env.BC_CAPTURE_DIR;
  await testRuntime().close();
  await emu.stop();
});

interface Line {
  seq: number;
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
  request?: unknown;
  response?: unknown;
  source: string;
}

describe("wire capture", () => {
  it("records every exchange of a run, normalised, with no credential, id or personal name in it", async () => {
    const conn = testRuntime().connect(settingsFor(emu));
    const api = conn.automation();
    const created = await api.automationCompanies.create({ displayName: "pbc-acc-capt01" });
    await api.automationCompanies.update(created.id, { displayName: "pbc-acc-capt01 renamed" });
    const users = await api.users.list();
    const admin = await api.users.findByUserName("ADMIN");
    expect(admin).toBeDefined();
    await api.userPermissions.create(
      { userSecurityId: admin!.userSecurityId },
      { roleId: "D365 BUS FULL ACCESS", company: "pbc-acc-capt01" },
    );
    await api.securityGroups.list();
    await conn.admin().getEnvironment(emu.environment);
    await api.automationCompanies.delete(created.id);

    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^\\d{8}T\\d{6}Z-${process.pid}\\.jsonl$`));
    const text = readFileSync(join(dir, files[0]!), "utf8");
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Line);

    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    for (const line of lines) {
      expect(Object.keys(line).slice(0, 5)).toEqual(["seq", "method", "path", "status", "headers"]);
      expect(line.source).toBe("emulator");
      for (const header of Object.keys(line.headers))
        expect(["content-type", "etag", "location", "retry-after"]).toContain(header);
    }

    // Nothing secret: no token, no secret, no assertion, no authorization header.
    expect(text).not.toContain(emu.clientSecret);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{4,}\./);
    expect(text).not.toMatch(/bearer/i);
    expect(text).not.toMatch(/"(access_token|client_secret|client_assertion|password)"/i);
    // Nothing identifying: tenant id, environment name, company ids, user names, person names, e-mail addresses.
    expect(text).not.toContain(emu.tenantId);
    expect(text).not.toMatch(new RegExp(`[/'"]${emu.environment}[/'"]`));
    for (const company of await api.companies.list()) expect(text.toLowerCase()).not.toContain(company.id);
    expect(text.toLowerCase()).not.toContain(created.id.toLowerCase());
    for (const user of users) {
      expect(text).not.toContain(`"${user.userName}"`);
      expect(text).not.toContain(user.userSecurityId);
      if (user.displayName) expect(text).not.toContain(user.displayName);
      if (user.contactEmail) expect(text).not.toContain(user.contactEmail);
    }
    expect(text).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/);

    // Placeholders are consistent: the created company keeps one placeholder from its POST to its DELETE.
    const post = lines.find((l) => l.method === "POST" && l.path.endsWith("/automationCompanies"));
    expect(post?.status).toBe(201);
    const companyPlaceholder = (post!.response as { id: string }).id;
    expect(companyPlaceholder).toMatch(/^\{automationCompany:\d+\}$/);
    const patch = lines.find((l) => l.method === "PATCH");
    expect(patch?.path).toContain(`automationCompanies(${companyPlaceholder})`);
    expect(patch?.request).toEqual({ displayName: "pbc-acc-capt01 renamed" });
    const del = lines.find((l) => l.method === "DELETE");
    expect(del?.path).toContain(`automationCompanies(${companyPlaceholder})`);
    expect(lines[0]?.path).toMatch(/^\/v2\.0\/\{tenant\}\/\{environment:1\}\/api\/microsoft\/automation\/v2\.0\//);
    const adminLine = lines.find((l) => l.path.startsWith("/admin/"));
    expect(adminLine?.path).toMatch(/\/environments\/\{environment:1\}$/);
    expect((adminLine!.response as { aadTenantId?: string }).aadTenantId).toBe("{tenant}");
    const grant = lines.find((l) => l.method === "POST" && l.path.endsWith("/userPermissions"));
    expect(grant?.path).toMatch(/users\(\{user:\d+\}\)\/userPermissions$/);
    const usersLine = lines.find((l) => l.method === "GET" && /\/users(\?|$)/.test(l.path));
    const listed = (usersLine!.response as { value: { userName: string; userSecurityId: string }[] }).value;
    expect(listed.every((u) => /^\{userName:\d+\}$/.test(u.userName) && /^\{user:\d+\}$/.test(u.userSecurityId))).toBe(
      true,
    );
  });
});
