/**
 * Property: every resource's check answers random (mostly invalid) inputs with a value the engine can serialize
 * (plain JSON: no undefined, functions, class instances or non-finite numbers) and names each failure's property
 * with a reason; all failing fields come back in one run.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { handler } from "../../../provider";
import type { PropertyBag } from "../../../provider/resources/framework/diff";

const KINDS = ["Company", "ConfigurationPackage", "Extension", "PermissionSetAssignment", "UserGroupMember"];

/** Throws naming the path of the first value a protobuf Struct cannot hold. */
function assertPlainJson(value: unknown, path = "$"): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${path} is a non-finite number`);
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) assertPlainJson(v, `${path}[${i}]`);
    return;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value as PropertyBag)) assertPlainJson(v, `${path}.${k}`);
    return;
  }
  throw new Error(`${path} is ${value === undefined ? "undefined" : typeof value} (${String(value)})`);
}

/** Any value a program could pass (and some it could not: functions, dates, NaN). */
const anything = fc.oneof(
  fc.string(),
  fc.constant(""),
  fc.constant("04da6b54-80e4-46f7-96ec-b56ff0331ba9"),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(() => 1),
  fc.date(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer(), fc.constant(undefined)), {
    maxKeys: 3,
  }),
);

describe.each(KINDS)("%s check with random inputs", (kind) => {
  const h = handler(kind) as ReturnType<typeof handler> & { inputNames: readonly string[] };
  const names = [...h.inputNames, "file", "unknownInput"];

  it("always returns engine-serializable results and failures that name a property and a reason", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom(...names), anything, { maxKeys: 8 }),
        fc.dictionary(fc.constantFrom(...names), anything, { maxKeys: 4 }),
        async (news, olds) => {
          const result = await h.check(olds as PropertyBag, { __provider: "p", ...(news as PropertyBag) });
          assertPlainJson(result.inputs);
          assertPlainJson(result.failures ?? []);
          for (const failure of result.failures ?? []) {
            expect(failure.property).toMatch(/^[A-Za-z_][\w.[\]-]*$/);
            expect(failure.reason.length).toBeGreaterThan(5);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("all failures in one run", () => {
  it.each([
    [
      "Company",
      { displayName: "", businessProfileId: 7, adopt: "yes", timeouts: { create: "soon" } },
      ["displayName", "businessProfileId", "adopt", "timeouts.create"],
    ],
    [
      "PermissionSetAssignment",
      { userName: "A", securityGroupId: "x", roleId: "R".repeat(21), scope: "Global", deleteAdopted: 1 },
      ["securityGroupId", "roleId", "scope", "deleteAdopted"],
    ],
    [
      "UserGroupMember",
      { userSecurityId: "joe", groupCode: "", companyName: "C".repeat(31) },
      ["userSecurityId", "groupCode", "companyName"],
    ],
    [
      "ConfigurationPackage",
      { companyId: "c", code: "", packageName: "", languageId: -1, file: 3 },
      ["companyId", "code", "packageName", "languageId"],
    ],
  ])("%s names every bad field", async (kind, news, properties) => {
    const result = await handler(kind).check({}, { __provider: "p", ...news });
    const named = (result.failures ?? []).map((f) => f.property);
    for (const property of properties) expect(named, JSON.stringify(result.failures)).toContain(property);
  });
});
