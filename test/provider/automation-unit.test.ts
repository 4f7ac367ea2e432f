import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AutomationApi } from "../../provider/automation";
import { eqFilter, keySegment, queryString, stringLiteral } from "../../provider/automation/odata";
import { ResponseShapeError, TransportError } from "../../provider/errors";
import { json, type Loopback, loopbackAutomation } from "./helpers/loopback";

const COMPANY = "d6e41ca4-0742-4493-a4d8-5c698e261d87";
let server: Loopback;
let api: AutomationApi;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ server, api, close } = await loopbackAutomation());
});
afterAll(() => close());

const company = { id: COMPANY, name: "CRONUS", displayName: "CRONUS", systemVersion: "29.1" };

describe("OData helpers", () => {
  it("quotes string literals and keys, and encodes queries with %20", () => {
    expect(stringLiteral("O'Brien")).toBe("'O''Brien'");
    expect(keySegment(COMPANY, "guid")).toBe(`(${COMPANY})`);
    expect(keySegment("it's A&B", "string")).toBe("('it''s%20A%26B')");
    expect(() => keySegment("nope", "guid")).toThrow("not a GUID");
    expect(eqFilter({ code: "X'Y", skip: undefined, n: 3, id: { guid: COMPANY } })).toBe(
      `code eq 'X''Y' and n eq 3 and id eq ${COMPANY}`,
    );
    expect(queryString({ filter: "code eq 'A B'", top: 2 })).toBe("?$filter=code%20eq%20%27A%20B%27&$top=2");
  });
});

describe("response validation", () => {
  it("tolerates unknown fields and keeps them", async () => {
    server.setHandler((_, res) => json(res, 200, { value: [{ ...company, somethingNew: 42 }] }));
    const [c] = await api.companies.list();
    expect((c as Record<string, unknown>).somethingNew).toBe(42);
  });

  it("names the entity and the field when one is missing or mistyped", async () => {
    server.setHandler((_, res) => json(res, 200, { value: [{ id: COMPANY, displayName: "x" }] }));
    const missing = await api.companies.list().catch((e) => e);
    expect(missing).toBeInstanceOf(ResponseShapeError);
    expect(missing.entity).toBe("company");
    expect(missing.field).toBe("name");
    expect(missing.message).toContain("field 'name'");
    expect(missing.message).toContain("it is missing");

    server.setHandler((_, res) =>
      json(res, 200, {
        id: COMPANY,
        code: "P",
        packageName: "P",
        languageId: 0,
        productVersion: "",
        processingOrder: 0,
        excludeConfigurationTables: false,
        numberOfTables: 0,
        numberOfRecords: 0,
        numberOfErrors: 0,
        importStatus: "Bogus",
        importError: "",
        applyStatus: "No",
        applyError: "",
      }),
    );
    const mistyped = await api.configurationPackages.get(COMPANY, COMPANY).catch((e) => e);
    expect(mistyped).toBeInstanceOf(ResponseShapeError);
    expect(mistyped.message).toContain("configurationPackage whose field 'importStatus'");
    expect(mistyped.message).toContain('"Bogus"');
  });

  it("refuses to follow a nextLink to another origin (the token stays home)", async () => {
    server.setHandler((_, res) => json(res, 200, { value: [company], "@odata.nextLink": "https://evil.example/next" }));
    const err = await api.companies.list().catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.message).toContain("another origin");
  });

  it("accepts any 2xx from an action, empty or not", async () => {
    for (const [status, body] of [
      [200, ""],
      [204, ""],
      [201, '{"id":"x"}'],
      [200, "{}"],
    ] as const) {
      server.setHandler((_, res) => {
        res.writeHead(status, body ? { "content-type": "application/json" } : {});
        res.end(body);
      });
      await expect(api.configurationPackages.import(COMPANY, COMPANY)).resolves.toBeUndefined();
    }
  });

  it("sends If-Match on PATCH and DELETE, and the exact enum strings", async () => {
    server.seen.length = 0;
    server.setHandler((req, res) =>
      req.method === "DELETE"
        ? json(res, 204, {})
        : req.method === "GET"
          ? json(res, 200, { value: [] })
          : json(res, 201, { systemId: COMPANY, schedule: "Next major version", schemaSyncMode: "Force Sync" }),
    );
    await api.automationCompanies.delete(COMPANY, 'W/"etag"', { companyId: "11111111-1111-4111-8111-111111111111" });
    const upload = await api.extensionUpload.prepare(
      { schedule: "Next major version", schemaSyncMode: "Force Sync" },
      { companyId: COMPANY },
    );
    expect(upload.schemaSyncMode).toBe("Force Sync");
    const del = server.seen.find((s) => s.method === "DELETE")!;
    expect(del.headers["if-match"]).toBe('W/"etag"');
    const post = server.seen.find((s) => s.method === "POST")!;
    expect(JSON.parse(post.body)).toEqual({ schedule: "Next major version", schemaSyncMode: "Force Sync" });
  });
});
