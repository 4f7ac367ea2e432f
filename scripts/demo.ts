/**
 * `npm run demo`: starts the embedded emulator and shows it answering like Business Central would:
 * a client-credentials token from its Entra side, then a few Automation API calls.
 * (Once the resources land, this script runs `pulumi up` / `preview --diff` / `destroy` on examples/hydrate-tenant.)
 */
import { Agent, request } from "undici";
import { startEmulator } from "../emulator";

async function main() {
  const step = (text: string) => process.stdout.write(`\n== ${text}\n`);
  step("Starting the Business Central + Entra ID emulator");
  const emu = await startEmulator({ timeScale: 0.05 });
  const agent = new Agent({ connect: { ca: emu.caCertPem } });
  try {
    process.stdout.write(`listening on ${emu.baseUrl} (tenant ${emu.tenantId}, environment '${emu.environment}')\n`);

    step("Getting an access token with the client-credentials flow (as MSAL does)");
    const tokenRes = await request(`${emu.authorityHost}/${emu.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      dispatcher: agent,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: emu.clientId,
        client_secret: emu.clientSecret,
        scope: "https://api.businesscentral.dynamics.com/.default",
      }).toString(),
    });
    const token = ((await tokenRes.body.json()) as { access_token: string }).access_token;
    const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
    process.stdout.write(`token for app ${claims.appid}, roles ${claims.roles.join(", ")}\n`);

    const api = `${emu.baseUrl}/v2.0/${emu.tenantId}/${emu.environment}/api/microsoft/automation/v2.0`;
    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await request(`${api}/${path}`, {
        method: method as "GET",
        dispatcher: agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { "content-type": "application/json" } : {}),
          ...headers,
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.body.text();
      return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
    };

    step("GET companies");
    const companies = await call("GET", "companies");
    for (const c of companies.json.value) process.stdout.write(`  ${c.id}  ${c.name}\n`);
    const cid = companies.json.value[0].id;

    step("POST automationCompanies (create a company)");
    const created = await call("POST", `companies(${cid})/automationCompanies`, { displayName: "Demo Company Ltd." });
    process.stdout.write(`  ${created.status}: name '${created.json.name}', id ${created.json.id}\n`);

    step("PATCH without If-Match (BC refuses it)");
    const refused = await call("PATCH", `companies(${cid})/automationCompanies(${created.json.id})`, {
      displayName: "Renamed",
    });
    process.stdout.write(`  ${refused.status}: ${refused.json.error.code}: ${refused.json.error.message}\n`);

    step("DELETE the company with its ETag");
    const deleted = await call("DELETE", `companies(${cid})/automationCompanies(${created.json.id})`, undefined, {
      "if-match": created.json["@odata.etag"],
    });
    process.stdout.write(`  ${deleted.status}\n`);
    step("Done");
  } finally {
    await agent.close();
    await emu.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`demo failed: ${(err as Error).message}\n`);
  process.exit(1);
});
