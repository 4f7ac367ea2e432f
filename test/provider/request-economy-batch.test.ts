/**
 * The emulator's `$batch` (emulator/automation/batch.ts), as a client sees it over HTTPS: per-operation results in
 * order (a failing operation does not stop the others), at most 100 operations, and every operation counted against
 * the principal's request window by default.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent, request } from "undici";
import type { RunningEmulator } from "../../emulator";
import { clientCredentialsToken } from "../../scripts/lib/bench-fixture";
import { startTestEmulator } from "./helpers/emu";

let emu: RunningEmulator;
let dispatcher: Agent;
let token: string;

beforeAll(async () => {
  emu = await startTestEmulator({ limits: { windowRequests: 6 } });
  dispatcher = new Agent({ connect: { ca: emu.caCertPem } });
  token = await clientCredentialsToken(emu, dispatcher);
});
afterAll(async () => {
  await dispatcher.close();
  await emu.stop();
});

const root = () => `${emu.baseUrl}/v2.0/${emu.tenantId}/${emu.environment}/api/microsoft/automation/v2.0`;

async function post(url: string, body: unknown) {
  const res = await request(url, {
    method: "POST",
    dispatcher,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

describe("$batch", () => {
  it("answers each operation on its own, in order, and counts each against the window", async () => {
    const env = emu.state().tenants[0]!.environments.find((e) => e.name === emu.environment)!;
    const company = env.companies[0]!.id;
    const megan = env.users.find((u) => u.userName === "MEGAN")!.userSecurityId;
    const grants = `companies(${company})/users(${megan})/userPermissions`;
    const res = await post(`${root()}/$batch`, {
      requests: [
        { id: "a", method: "POST", url: grants, body: { roleId: "D365 READ", company: "" } },
        { id: "b", method: "POST", url: grants, body: { roleId: "D365 READ", company: "" } }, // duplicate
        { id: "c", method: "GET", url: grants },
      ],
    });
    expect(res.status).toBe(200);
    const responses = res.body.responses as { id: string; status: number; body: Record<string, unknown> }[];
    expect(responses.map((r) => [r.id, r.status])).toEqual([
      ["a", 201],
      ["b", 400],
      ["c", 200],
    ]);
    expect((responses[1]!.body.error as { code: string }).code).toBe("Internal_EntityWithSameKeyExists");
    expect((responses[2]!.body.value as { roleId: string }[]).filter((p) => p.roleId === "D365 READ")).toHaveLength(1);
    // 3 operations counted; the window holds 6: three more requests pass, the next is refused.
    const list = () => post(`${root()}/$batch`, { requests: [{ id: "1", method: "GET", url: "companies" }] });
    for (let i = 0; i < 3; i++) expect((await list()).status).toBe(200);
    expect((await list()).status).toBe(429);
  });

  it("refuses more than 100 operations and transactional batches", async () => {
    const fresh = await startTestEmulator();
    try {
      const many = Array.from({ length: 101 }, (_, i) => ({ id: String(i), method: "GET", url: "companies" }));
      const url = `${fresh.baseUrl}/v2.0/${fresh.tenantId}/${fresh.environment}/api/microsoft/automation/v2.0/$batch`;
      const via = new Agent({ connect: { ca: fresh.caCertPem } });
      const freshToken = await clientCredentialsToken(fresh, via);
      const send = async (body: unknown, headers: Record<string, string> = {}) => {
        const res = await request(url, {
          method: "POST",
          dispatcher: via,
          headers: { authorization: `Bearer ${freshToken}`, "content-type": "application/json", ...headers },
          body: JSON.stringify(body),
        });
        await res.body.dump();
        return res.statusCode;
      };
      expect(await send({ requests: many })).toBe(400);
      expect(await send({ requests: many.slice(0, 2) }, { isolation: "snapshot" })).toBe(400);
      expect(await send({ requests: many.slice(0, 100) })).toBe(200);
      await via.close();
    } finally {
      await fresh.stop();
    }
  });
});
