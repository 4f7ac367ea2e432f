/**
 * The sequential baseline: what a shell script that knows every id would send, one request at a time (a token,
 * then one POST per resource; later one DELETE per resource). The lower bound of doing it by hand, for comparison.
 */
import { Agent, request } from "undici";
import type { RunningEmulator } from "../../emulator";
import { BENCH_COMPANIES, BENCH_ROLES, benchUserName, clientCredentialsToken } from "./bench-fixture";

export interface BaselineResult {
  upMs: number;
  destroyMs: number;
  requests: number;
}

export async function sequentialBaseline(emu: RunningEmulator, users: number): Promise<BaselineResult> {
  const dispatcher = new Agent({ connect: { ca: emu.caCertPem }, connections: 1 });
  try {
    const token = await clientCredentialsToken(emu, dispatcher);
    const root = `${emu.baseUrl}/v2.0/${emu.tenantId}/${emu.environment}/api/microsoft/automation/v2.0`;
    const environment = emu.state().tenants[0]!.environments.find((e) => e.name === emu.environment)!;
    const scope = environment.companies[0]!.id;
    const userIds = Array.from(
      { length: users },
      (_, i) => environment.users.find((u) => u.userName === benchUserName(i))!.userSecurityId,
    );
    const send = async (method: "POST" | "DELETE", url: string, body?: unknown) => {
      const res = await request(url, {
        method,
        dispatcher,
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          ...(method === "DELETE" ? { "if-match": "*" } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.body.text();
      if (res.statusCode >= 300) throw new Error(`baseline ${method} ${url}: HTTP ${res.statusCode} ${text}`);
      return text ? (JSON.parse(text) as { id: string }) : undefined;
    };

    let requests = 0;
    const created: string[] = [];
    const upStarted = Date.now();
    for (const displayName of BENCH_COMPANIES) {
      const company = await send("POST", `${root}/companies(${scope})/automationCompanies`, { displayName });
      created.push(`${root}/companies(${scope})/automationCompanies(${company!.id})`);
      requests++;
    }
    for (const userId of userIds) {
      for (const roleId of BENCH_ROLES) {
        const base = `${root}/companies(${scope})/users(${userId})/userPermissions`;
        const row = await send("POST", base, { roleId, company: "" });
        created.push(`${base}(${row!.id})`);
        requests++;
      }
    }
    const upMs = Date.now() - upStarted;

    const destroyStarted = Date.now();
    for (const url of created.reverse()) {
      await send("DELETE", url);
      requests++;
    }
    return { upMs, destroyMs: Date.now() - destroyStarted, requests };
  } finally {
    await dispatcher.close();
  }
}
