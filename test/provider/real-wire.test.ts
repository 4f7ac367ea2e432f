/**
 * The provider against what real tenants sent (test/fixtures/real-wire):
 * every captured response parses with the provider's schemas, enum values decoded; the upload flow served the
 * captured bodies reuses the leftover row and sends the plain form BC was sent in the capture.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AutomationApi } from "../../provider/automation";
import { entities, type EntitySchema, parseEntity } from "../../provider/automation/schemas";
import { decodeMemberName } from "../../provider/automation/wire";
import { json, type Loopback, loopbackAutomation } from "./helpers/loopback";

const FIXTURES = join(__dirname, "../fixtures/real-wire");
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as Record<string, unknown>;

/** The provider schema of each entity set that has captures; a capture of a set missing here fails the test. */
const SCHEMA_OF: Record<string, EntitySchema<unknown>> = {
  companies: entities.company,
  automationCompanies: entities.automationCompany,
  configurationPackages: entities.configurationPackage,
  extensions: entities.extension,
  extensionUpload: entities.extensionUpload,
  extensionDeploymentStatus: entities.extensionDeploymentStatus,
  users: entities.user,
  userPermissions: entities.userPermission,
  permissionSets: entities.permissionSet,
  securityGroups: entities.securityGroup,
  userGroups: entities.userGroup,
  userGroupMembers: entities.userGroupMember,
};

const responses = readdirSync(FIXTURES).filter((f) => /\.response(\.[\w-]+)?\.json$/.test(f));

describe("captured responses parse with the provider's schemas", () => {
  it("there are captures to check", () => {
    expect(responses.length).toBeGreaterThan(0);
  });

  for (const file of responses) {
    it(file, () => {
      const set = file.split(".")[0]!;
      const schema = SCHEMA_OF[set];
      expect(schema, `no provider schema mapped for entity set '${set}': add it to SCHEMA_OF`).toBeDefined();
      const body = fixture(file);
      const rows = Array.isArray(body.value) ? (body.value as unknown[]) : [body];
      for (const row of rows) {
        const parsed = parseEntity(schema!, row) as Record<string, unknown>;
        // Every string the capture sent comes out decoded (the provider compares plain values only).
        for (const [key, value] of Object.entries(row as Record<string, unknown>)) {
          if (typeof value === "string" && key in parsed && !key.includes("@")) {
            expect(parsed[key]).toBe(decodeMemberName(value));
          }
        }
      }
    });
  }

  it("decodes the captured extensionUpload enum values to their names", () => {
    const row = parseEntity(entities.extensionUpload, fixture("extensionUpload.post.response.json"));
    expect(row).toMatchObject({ schedule: "Current version", schemaSyncMode: "Add" });
  });

  it("decodes any _xHHHH_ sequence, and leaves other text alone", () => {
    expect(decodeMemberName("Next_x0020_minor_x0020_version")).toBe("Next minor version");
    expect(decodeMemberName("Non_x002D_Inventory")).toBe("Non-Inventory");
    expect(decodeMemberName("_x0020_")).toBe(" ");
    expect(decodeMemberName("Force Sync")).toBe("Force Sync");
    expect(decodeMemberName("a_x00zz_b")).toBe("a_x00zz_b");
  });
});

const COMPANY_ID = "d6e41ca4-0742-4493-a4d8-5c698e261d87";

describe("the upload flow served the captured bodies", () => {
  let server: Loopback;
  let api: AutomationApi;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ server, api, close } = await loopbackAutomation());
  });
  afterAll(() => close());

  it("reuses the leftover row a real tenant listed (no POST, no PATCH: its settings already match)", async () => {
    server.seen.length = 0;
    server.setHandler((req, res) => {
      if (req.method === "GET" && /\/extensionUpload(\?|$)/.test(req.url))
        return json(res, 200, fixture("extensionUpload.get.response.json"));
      return json(res, 500, { error: { code: "Unexpected", message: `${req.method} ${req.url}` } });
    });
    const row = await api.extensionUpload.prepare(
      { schedule: "Current version", schemaSyncMode: "Add" },
      { companyId: COMPANY_ID },
    );
    expect(row.systemId).toBe("11111111-2222-3333-4444-555555555555");
    expect(server.seen.map((r) => r.method)).toEqual(["GET"]);
  });

  it("without a leftover row, POSTs the body real clients send and reads the captured answer", async () => {
    server.seen.length = 0;
    server.setHandler((req, res) => {
      if (req.method === "GET") return json(res, 200, { value: [] });
      if (req.method === "POST") return json(res, 201, fixture("extensionUpload.post.response.json"));
      return json(res, 500, { error: { code: "Unexpected", message: req.url } });
    });
    const row = await api.extensionUpload.prepare(
      { schedule: "Current version", schemaSyncMode: "Add" },
      { companyId: COMPANY_ID },
    );
    expect(row).toMatchObject({ systemId: "11111111-2222-3333-4444-555555555555", schedule: "Current version" });
    const post = server.seen.find((r) => r.method === "POST");
    expect(JSON.parse(post!.body)).toEqual(fixture("extensionUpload.post.request.json"));
  });
});
