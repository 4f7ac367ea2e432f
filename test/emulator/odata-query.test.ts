import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BcError } from "../../emulator/errors";
import { bindKey, type KeySpec, parseKeySegment, splitPath } from "../../emulator/automation/odata/keys";
import {
  decodeSkiptoken,
  encodeSkiptoken,
  pageRows,
  preferredPageSize,
  SERVER_MAX_PAGE_SIZE,
} from "../../emulator/automation/odata/paging";
import {
  applyQuery,
  countMatching,
  parseNestedOptions,
  parseQueryOptions,
  type QueryOptions,
  selectFields,
} from "../../emulator/automation/odata/query";
import type { EntityShape } from "../../emulator/automation/odata/types";

// ---------------------------------------------------------------------------------------------------------
// Fixtures

const PKG: EntityShape = {
  name: "configurationPackage",
  fields: {
    id: "guid",
    code: "string",
    packageName: "string",
    n: "int",
    weight: "decimal",
    excludeConfigurationTables: "bool",
    importStatus: "enum",
    importError: "string",
    lastModifiedDateTime: "datetime",
    startDate: "date",
  },
};

type Row = Record<string, unknown>;

const G1 = "5F1C0D2E-0000-4000-8000-000000000001";
const G2 = "5f1c0d2e-0000-4000-8000-000000000002";

const ROWS: Row[] = [
  {
    id: G1,
    code: "ALPHA",
    packageName: "Alpha Pack",
    n: 1,
    weight: 1.5,
    excludeConfigurationTables: false,
    importStatus: "Completed",
    importError: null,
    lastModifiedDateTime: "2024-01-01T00:00:00Z",
    startDate: "2024-01-01",
  },
  {
    id: G2,
    code: "beta",
    packageName: "Beta pack",
    n: 2,
    weight: 2,
    excludeConfigurationTables: true,
    importStatus: "Error",
    importError: "Bad file",
    lastModifiedDateTime: "2024-01-02T00:00:00.500Z",
    startDate: "2024-02-01",
  },
  {
    id: "5f1c0d2e-0000-4000-8000-000000000003",
    code: "GAMMA",
    packageName: "gamma",
    n: 3,
    weight: 3.25,
    excludeConfigurationTables: false,
    importStatus: "No",
    importError: "",
    lastModifiedDateTime: "0001-01-01T00:00:00Z",
    startDate: "2023-12-31",
  },
  {
    id: "5f1c0d2e-0000-4000-8000-000000000004",
    code: "DELTA",
    packageName: "It's delta",
    n: 6,
    weight: 0,
    excludeConfigurationTables: true,
    importStatus: "Completed",
    importError: null,
    lastModifiedDateTime: "2024-01-01T01:30:00+02:00", // = 2023-12-31T23:30:00Z
    startDate: null,
  },
  {
    id: "5f1c0d2e-0000-4000-8000-000000000005",
    code: "EPS",
    packageName: "Eps/(odd) name",
    n: 7,
    weight: -1,
    excludeConfigurationTables: false,
    importStatus: "Scheduled",
    lastModifiedDateTime: "2025-06-30T12:00:00Z",
    startDate: "2025-06-30",
  },
  {
    id: "5f1c0d2e-0000-4000-8000-000000000009",
    code: "ZETA",
    packageName: "zeta",
    n: 9,
    weight: 9,
    excludeConfigurationTables: true,
    importStatus: "InProgress",
    importError: null,
    lastModifiedDateTime: "2026-01-01T00:00:00Z",
    startDate: "2026-01-01",
  },
];

function params(query: Record<string, string>): URLSearchParams {
  return new URLSearchParams(query);
}

function parse(query: Record<string, string>, navigations?: string[]): QueryOptions {
  return parseQueryOptions(params(query), PKG, navigations);
}

/** Codes of the rows a filter selects, in input order. */
function where(filter: string, extra: Record<string, string> = {}): string[] {
  const q = parse({ $filter: filter, ...extra });
  return applyQuery(ROWS, { filter: q.filter }).map((r) => String(r.code));
}

function bcError(fn: () => unknown): BcError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BcError);
    return err as BcError;
  }
  throw new Error("expected a BcError, nothing was thrown");
}

function expectError(fn: () => unknown, status: number, code: string, message?: string | RegExp): BcError {
  const err = bcError(fn);
  expect({ status: err.status, code: err.code }).toEqual({ status, code });
  if (typeof message === "string") expect(err.message).toBe(message);
  else if (message) expect(err.message).toMatch(message);
  return err;
}

const SYNTAX = "Bad Request - Error in query syntax.";
const expectKeySyntax = (fn: () => unknown) => expectError(fn, 404, "BadRequest_NotFound", SYNTAX);
const expectBadRequest = (fn: () => unknown, message?: string | RegExp) => expectError(fn, 400, "BadRequest", message);

// ---------------------------------------------------------------------------------------------------------
// Keys

describe("parseKeySegment", () => {
  it("parses an unquoted GUID", () => {
    expect(parseKeySegment(G1)).toEqual({ kind: "single", value: G1, literal: "guid" });
  });

  it("parses a quoted string with '' escapes and keeps spaces and slashes", () => {
    expect(parseKeySegment("'D365 BASIC'")).toEqual({ kind: "single", value: "D365 BASIC", literal: "string" });
    expect(parseKeySegment("'it''s'")).toEqual({ kind: "single", value: "it's", literal: "string" });
    expect(parseKeySegment("''''")).toEqual({ kind: "single", value: "'", literal: "string" });
    expect(parseKeySegment("''")).toEqual({ kind: "single", value: "", literal: "string" });
    expect(parseKeySegment("'a/b)c(,d=e'")).toEqual({ kind: "single", value: "a/b)c(,d=e", literal: "string" });
  });

  it("parses integers and booleans", () => {
    expect(parseKeySegment("42")).toEqual({ kind: "single", value: 42, literal: "int" });
    expect(parseKeySegment("-7")).toEqual({ kind: "single", value: -7, literal: "int" });
    expect(parseKeySegment("true")).toEqual({ kind: "single", value: true, literal: "bool" });
  });

  it("parses a composite key (permissionSets)", () => {
    const appId = "63ca2fa4-4f03-4f2b-a480-172fef340d3f";
    expect(parseKeySegment(`scope='System',appId=${appId},id='D365 BASIC'`)).toEqual({
      kind: "composite",
      values: { scope: "System", appId, id: "D365 BASIC" },
      literals: { scope: "string", appId: "guid", id: "string" },
    });
  });

  it("parses a composite key (securityGroupMembers) with whitespace around tokens", () => {
    expect(parseKeySegment(` securityGroupCode = 'FIN,ANCE' , userSecurityId = ${G2} `)).toEqual({
      kind: "composite",
      values: { securityGroupCode: "FIN,ANCE", userSecurityId: G2 },
      literals: { securityGroupCode: "string", userSecurityId: "guid" },
    });
  });

  it("accepts the named form for a single key", () => {
    expect(parseKeySegment(`id=${G1}`)).toEqual({ kind: "composite", values: { id: G1 }, literals: { id: "guid" } });
  });

  it("treats a key named __proto__ as data", () => {
    const parsed = parseKeySegment("__proto__=1");
    expect(parsed.kind === "composite" && Object.hasOwn(parsed.values, "__proto__")).toBe(true);
  });

  it.each([
    "",
    "   ",
    "'abc",
    "'a''",
    "abc",
    "1.5",
    "'a'x",
    "'a' 'b'",
    "5f1c0d2e-0000-4000-8000-00000000000",
    "5f1c0d2e-0000-4000-8000-0000000000011",
    "a=1,a=2",
    "a=",
    "a=1,",
    "=1",
    "a=1,,b=2",
    "a=1 b=2",
    "1a=2",
    "null",
    "99999999999999999999",
    "guid'5f1c0d2e-0000-4000-8000-000000000001'",
  ])("rejects %j with BC's query-syntax error", (text) => {
    expectKeySyntax(() => parseKeySegment(text));
  });
});

describe("bindKey", () => {
  const guidKey: KeySpec = [{ name: "id", type: "guid" }];
  const stringKey: KeySpec = [{ name: "id", type: "string" }];
  const intKey: KeySpec = [{ name: "code", type: "int" }];
  const permissionSetKey: KeySpec = [
    { name: "scope", type: "string" },
    { name: "appId", type: "guid" },
    { name: "id", type: "string" },
  ];

  it("binds and lower-cases a GUID key", () => {
    expect(bindKey(parseKeySegment(G1), guidKey)).toEqual({ id: G1.toLowerCase() });
  });

  it("binds string and int keys", () => {
    expect(bindKey(parseKeySegment("'FINANCE'"), stringKey)).toEqual({ id: "FINANCE" });
    expect(bindKey(parseKeySegment("0"), intKey)).toEqual({ code: 0 });
  });

  it("binds the named single-key form", () => {
    expect(bindKey(parseKeySegment(`id=${G2}`), guidKey)).toEqual({ id: G2 });
  });

  it("binds a composite key in any order", () => {
    const appId = "63CA2FA4-4F03-4F2B-A480-172FEF340D3F";
    expect(bindKey(parseKeySegment(`id='D365 BASIC',appId=${appId},scope='System'`), permissionSetKey)).toEqual({
      scope: "System",
      appId: appId.toLowerCase(),
      id: "D365 BASIC",
    });
  });

  it("rejects a quoted GUID for a GUID key, like BC", () => {
    expectKeySyntax(() => bindKey(parseKeySegment(`'${G1}'`), guidKey));
  });

  it("rejects an unquoted value for a string key (GUID-looking or numeric)", () => {
    expectKeySyntax(() => bindKey(parseKeySegment(G1), stringKey));
    expectKeySyntax(() => bindKey(parseKeySegment("42"), stringKey));
  });

  it("rejects a quoted number for an int key and a bool anywhere", () => {
    expectKeySyntax(() => bindKey(parseKeySegment("'42'"), intKey));
    expectKeySyntax(() => bindKey(parseKeySegment("true"), intKey));
  });

  it("rejects positional keys for composite specs and mismatched names", () => {
    expectKeySyntax(() => bindKey(parseKeySegment("'D365 BASIC'"), permissionSetKey));
    expectKeySyntax(() => bindKey(parseKeySegment(`scope='System',id='X'`), permissionSetKey));
    expectKeySyntax(() => bindKey(parseKeySegment(`scope='System',appid=${G1},id='X'`), permissionSetKey));
    expectKeySyntax(() => bindKey(parseKeySegment(`scope='System',appId=${G1},id='X',extra=1`), permissionSetKey));
    expectKeySyntax(() => bindKey(parseKeySegment(`other=${G1}`), guidKey));
  });
});

describe("splitPath", () => {
  it("splits a nested resource path", () => {
    expect(splitPath(`companies(${G1})/configurationPackages(${G2})/file('X')/content`)).toEqual([
      { name: "companies", keyText: G1 },
      { name: "configurationPackages", keyText: G2 },
      { name: "file", keyText: "'X'" },
      { name: "content" },
    ]);
  });

  it("keeps slashes, parentheses and escaped quotes inside string keys", () => {
    expect(splitPath("securityGroups('a/b')/userPermissions")).toEqual([
      { name: "securityGroups", keyText: "'a/b'" },
      { name: "userPermissions" },
    ]);
    expect(splitPath("file('x)y(z')/content")).toEqual([{ name: "file", keyText: "'x)y(z'" }, { name: "content" }]);
    expect(splitPath("file('it''s/a)')")).toEqual([{ name: "file", keyText: "'it''s/a)'" }]);
    expect(splitPath("permissionSets(scope='System',appId=00000000-0000-0000-0000-000000000000,id='A/B')")).toEqual([
      { name: "permissionSets", keyText: "scope='System',appId=00000000-0000-0000-0000-000000000000,id='A/B'" },
    ]);
  });

  it("handles actions, $metadata, empty keys and leading/trailing slashes", () => {
    expect(splitPath(`/extensions(${G1})/Microsoft.NAV.install/`)).toEqual([
      { name: "extensions", keyText: G1 },
      { name: "Microsoft.NAV.install" },
    ]);
    expect(splitPath("$metadata")).toEqual([{ name: "$metadata" }]);
    expect(splitPath("companies()")).toEqual([{ name: "companies", keyText: "" }]);
    expect(splitPath("")).toEqual([]);
    expect(splitPath("/")).toEqual([]);
  });

  it.each([
    "companies(1",
    "file('x)",
    "file('x'",
    "companies(1)x",
    "companies(1)(2)",
    "companies)",
    "(1)",
    "a/(1)",
    "a(b(c))",
    "file('a')'b'/x)",
  ])("rejects %j with BC's query-syntax error", (path) => {
    expectKeySyntax(() => splitPath(path));
  });

  it("answers an empty segment with BC's no-resource 404", () => {
    const err = expectError(() => splitPath("companies//extensions"), 404, "BadRequest_NotFound");
    expect(err.message).toBe("No HTTP resource was found that matches the request URI 'companies//extensions'.");
    expectError(() => splitPath("companies//"), 404, "BadRequest_NotFound");
  });
});

// ---------------------------------------------------------------------------------------------------------
// $filter

describe("$filter comparisons", () => {
  it("eq / ne on strings are exact (case-sensitive)", () => {
    expect(where("code eq 'ALPHA'")).toEqual(["ALPHA"]);
    expect(where("code eq 'alpha'")).toEqual([]);
    expect(where("code ne 'ALPHA'")).toEqual(["beta", "GAMMA", "DELTA", "EPS", "ZETA"]);
    expect(where("packageName eq 'It''s delta'")).toEqual(["DELTA"]);
  });

  it("lt / gt / le / ge on integers and decimals", () => {
    expect(where("n lt 3")).toEqual(["ALPHA", "beta"]);
    expect(where("n le 3")).toEqual(["ALPHA", "beta", "GAMMA"]);
    expect(where("n gt 6")).toEqual(["EPS", "ZETA"]);
    expect(where("n ge 6")).toEqual(["DELTA", "EPS", "ZETA"]);
    expect(where("weight lt 0")).toEqual(["EPS"]);
    expect(where("weight eq 1.5")).toEqual(["ALPHA"]);
    expect(where("weight ge 2.0")).toEqual(["beta", "GAMMA", "ZETA"]);
    expect(where("n gt 2.5")).toEqual(["GAMMA", "DELTA", "EPS", "ZETA"]);
    expect(where("weight gt -1.5e0")).toEqual(["ALPHA", "beta", "GAMMA", "DELTA", "EPS", "ZETA"]);
  });

  it("string ordering is case-insensitive first", () => {
    expect(where("code lt 'C'")).toEqual(["ALPHA", "beta"]);
    expect(where("code ge 'e'")).toEqual(["GAMMA", "EPS", "ZETA"]);
  });

  it("GUIDs are unquoted and compare case-insensitively", () => {
    expect(where(`id eq ${G1.toLowerCase()}`)).toEqual(["ALPHA"]);
    expect(where(`id eq ${G2.toUpperCase()}`)).toEqual(["beta"]);
    expect(where(`id ne ${G1}`)).toHaveLength(5);
    expect(where("id eq deadbeef-0000-4000-8000-000000000001")).toEqual([]);
  });

  it("datetimes compare as instants, with offsets, fractions and optional seconds", () => {
    expect(where("lastModifiedDateTime eq 2024-01-01T00:00:00Z")).toEqual(["ALPHA"]);
    expect(where("lastModifiedDateTime eq 2024-01-01T02:00:00+02:00")).toEqual(["ALPHA"]);
    expect(where("lastModifiedDateTime eq 2024-01-02T00:00:00.5Z")).toEqual(["beta"]);
    expect(where("lastModifiedDateTime lt 2024-01-01T00:00Z")).toEqual(["GAMMA", "DELTA"]);
    expect(where("lastModifiedDateTime gt 2024-01-01T00:00:00Z")).toEqual(["beta", "EPS", "ZETA"]);
    expect(where("lastModifiedDateTime eq 0001-01-01T00:00:00Z")).toEqual(["GAMMA"]);
  });

  it("dates compare as days; null dates never satisfy ordering", () => {
    expect(where("startDate ge 2024-01-01")).toEqual(["ALPHA", "beta", "EPS", "ZETA"]);
    expect(where("startDate lt 2024-01-01")).toEqual(["GAMMA"]);
    expect(where("startDate eq null")).toEqual(["DELTA"]);
  });

  it("booleans, bare boolean properties and not", () => {
    expect(where("excludeConfigurationTables eq true")).toEqual(["beta", "DELTA", "ZETA"]);
    expect(where("excludeConfigurationTables")).toEqual(["beta", "DELTA", "ZETA"]);
    expect(where("not excludeConfigurationTables")).toEqual(["ALPHA", "GAMMA", "EPS"]);
    expect(where("excludeConfigurationTables ne false")).toEqual(["beta", "DELTA", "ZETA"]);
    expect(where("excludeConfigurationTables gt false")).toEqual(["beta", "DELTA", "ZETA"]);
  });

  it("enums compare with strings and qualified enum literals", () => {
    expect(where("importStatus eq 'Completed'")).toEqual(["ALPHA", "DELTA"]);
    expect(where("importStatus ne 'Completed'")).toEqual(["beta", "GAMMA", "EPS", "ZETA"]);
    expect(where("importStatus eq Microsoft.NAV.importStatus'Error'")).toEqual(["beta"]);
  });

  it("null: eq/ne test presence (missing property counts as null)", () => {
    expect(where("importError eq null")).toEqual(["ALPHA", "DELTA", "EPS", "ZETA"]);
    expect(where("importError ne null")).toEqual(["beta", "GAMMA"]);
    expect(where("null eq importError")).toEqual(["ALPHA", "DELTA", "EPS", "ZETA"]);
  });

  it("a literal on the left is normalized to the property side", () => {
    expect(where("3 gt n")).toEqual(["ALPHA", "beta"]);
    expect(where("'ALPHA' eq code")).toEqual(["ALPHA"]);
    expect(where("2024-01-01T00:00:00Z lt lastModifiedDateTime")).toEqual(["beta", "EPS", "ZETA"]);
  });
});

describe("$filter functions", () => {
  it("contains / startswith / endswith (case-sensitive)", () => {
    expect(where("contains(packageName,'ack')")).toEqual(["ALPHA", "beta"]);
    expect(where("contains(packageName,'PACK')")).toEqual([]);
    expect(where("startswith(code,'G')")).toEqual(["GAMMA"]);
    expect(where("endswith(packageName,'name')")).toEqual(["EPS"]);
    expect(where("contains(packageName,'/(odd)')")).toEqual(["EPS"]);
    expect(where("startswith(code,'')")).toHaveLength(6);
  });

  it("tolower / toupper on the left side of a comparison", () => {
    expect(where("tolower(code) eq 'beta'")).toEqual(["beta"]);
    expect(where("toupper(code) eq 'BETA'")).toEqual(["beta"]);
    expect(where("contains(tolower(packageName),'pack')")).toEqual(["ALPHA", "beta"]);
    expect(where("startswith(toupper(packageName),'GAM')")).toEqual(["GAMMA"]);
  });

  it("substring with one and two arguments", () => {
    expect(where("substring(code,1) eq 'LPHA'")).toEqual(["ALPHA"]);
    expect(where("substring(code,0,2) eq 'GA'")).toEqual(["GAMMA"]);
    expect(where("substring(code,10) eq ''")).toHaveLength(6);
  });

  it("functions of null are unknown, also under not", () => {
    expect(where("contains(importError,'Bad')")).toEqual(["beta"]);
    expect(where("not contains(importError,'Bad')")).toEqual(["GAMMA"]);
    expect(where("tolower(importError) eq null")).toEqual(["ALPHA", "DELTA", "EPS", "ZETA"]);
  });

  it("boolean function results can be compared with true/false", () => {
    expect(where("startswith(code,'G') eq true")).toEqual(["GAMMA"]);
    expect(where("startswith(code,'G') eq false")).toHaveLength(5);
  });
});

describe("$filter logic, precedence and parentheses", () => {
  it("and binds tighter than or", () => {
    expect(where("n eq 9 or n gt 5 and n lt 8")).toEqual(["DELTA", "EPS", "ZETA"]);
    expect(where("(n eq 9 or n gt 5) and n lt 8")).toEqual(["DELTA", "EPS"]);
  });

  it("and across distinct fields is fine", () => {
    expect(where("n gt 1 and excludeConfigurationTables eq true and importStatus eq 'Completed'")).toEqual(["DELTA"]);
  });

  it("or on one field (also through tolower and not) is fine", () => {
    expect(where("code eq 'ALPHA' or code eq 'ZETA'")).toEqual(["ALPHA", "ZETA"]);
    expect(where("tolower(code) eq 'beta' or startswith(code,'G')")).toEqual(["beta", "GAMMA"]);
    expect(where("n lt 2 or not (n lt 9)")).toEqual(["ALPHA", "ZETA"]);
    expect(where("importStatus eq 'Error' and (n eq 1 or n eq 2)")).toEqual(["beta"]);
  });

  it("not, nested parentheses and redundant grouping", () => {
    expect(where("not (n gt 2)")).toEqual(["ALPHA", "beta"]);
    expect(where("not not (n gt 6)")).toEqual(["EPS", "ZETA"]);
    expect(where("((((n eq 3))))")).toEqual(["GAMMA"]);
    expect(where("  n   eq\t3  ")).toEqual(["GAMMA"]);
  });

  it("rejects or across distinct fields with 501 BadRequest_MethodNotImplemented", () => {
    const message = "The 'OR' operator is not supported on distinct fields on an OData filter.";
    for (const filter of [
      "n eq 1 or code eq 'X'",
      "contains(code,'A') or contains(packageName,'A')",
      "(n eq 1 and code eq 'A') or n eq 3",
      "n eq 1 and (n eq 2 or not (code eq 'x'))",
      "n eq 1 or n eq 2 or weight eq 3",
    ]) {
      expectError(() => parse({ $filter: filter }), 501, "BadRequest_MethodNotImplemented", message);
    }
  });

  it("in needs $schemaversion=2.1", () => {
    expectError(() => parse({ $filter: "code in ('ALPHA','ZETA')" }), 501, "BadRequest_MethodNotImplemented");
    expectError(
      () => parse({ $filter: "code in ('ALPHA')", $schemaversion: "2.0" }),
      501,
      "BadRequest_MethodNotImplemented",
    );
    expect(where("code in ('ALPHA','ZETA')", { $schemaversion: "2.1" })).toEqual(["ALPHA", "ZETA"]);
    expect(where(`id in (${G1.toLowerCase()}, ${G2})`, { $schemaversion: "2.1" })).toEqual(["ALPHA", "beta"]);
    expect(where("importStatus in ('Error','No') and n gt 2", { $schemaversion: "2.1" })).toEqual(["GAMMA"]);
    expectBadRequest(() => parse({ $filter: "n in ('1')", $schemaversion: "2.1" }), /incompatible types/);
    expectBadRequest(() => parse({ $filter: "n in ()", $schemaversion: "2.1" }), /position 6/);
    expectBadRequest(() => parse({ $filter: "n in (1,n)", $schemaversion: "2.1" }), /position 8/);
  });
});

describe("$filter errors", () => {
  it("type errors name the property and the EDM types", () => {
    expectBadRequest(
      () => parse({ $filter: "n eq 'x'" }),
      "A binary operator with incompatible types was detected. Found operand types 'Edm.Int32' and 'Edm.String' for operator kind 'Equal' (property 'n').",
    );
    expectBadRequest(() => parse({ $filter: `id eq '${G1}'` }), /'Edm.Guid' and 'Edm.String'.*property 'id'/);
    expectBadRequest(() => parse({ $filter: "code eq 42" }), /'Edm.String' and 'Edm.Int32'.*property 'code'/);
    expectBadRequest(() => parse({ $filter: "code eq 5f1c0d2e-0000-4000-8000-000000000001" }), /'Edm.Guid'/);
    expectBadRequest(
      () => parse({ $filter: "lastModifiedDateTime gt 2024-01-01" }),
      /'Edm.DateTimeOffset' and 'Edm.Date'/,
    );
    expectBadRequest(() => parse({ $filter: "excludeConfigurationTables eq 1" }), /'Edm.Boolean' and 'Edm.Int32'/);
    expectBadRequest(() => parse({ $filter: "n lt null" }), /operator kind 'LessThan'/);
    expectBadRequest(() => parse({ $filter: "importStatus gt 'A'" }), /enum property 'importStatus'/);
  });

  it("function signature and boolean-ness errors", () => {
    expectBadRequest(
      () => parse({ $filter: "contains(n,'1')" }),
      /No function signature for the function with name 'contains'/,
    );
    expectBadRequest(() => parse({ $filter: "contains(code)" }), /No function signature/);
    expectBadRequest(() => parse({ $filter: "substring(code,'1') eq 'x'" }), /No function signature/);
    expectBadRequest(
      () => parse({ $filter: "length(code) eq 3" }),
      /^An unknown function with name 'length' was found/,
    );
    expectBadRequest(
      () => parse({ $filter: "code" }),
      "The $filter expression must evaluate to a single boolean value.",
    );
    expectBadRequest(() => parse({ $filter: "tolower(code)" }), /single boolean value/);
    expectBadRequest(() => parse({ $filter: "not n eq 1" }), /unary operator.*'Edm.Int32'.*'Not'/);
    expectBadRequest(
      () => parse({ $filter: "n eq 1 and code" }),
      /'Edm.Boolean' and 'Edm.String' for operator kind 'And'/,
    );
  });

  it("conditions must compare exactly one property with constants", () => {
    for (const filter of [
      "n eq weight",
      "1 eq 1",
      "true",
      "n eq 1 and true",
      "contains('abc',code)",
      "contains(code,packageName)",
      "substring(code,n) eq 'x'",
    ]) {
      expectBadRequest(() => parse({ $filter: filter }), /cannot be converted to a Business Central filter/);
    }
  });

  it("unknown properties use BC's message", () => {
    expectBadRequest(
      () => parse({ $filter: "nope eq 1" }),
      "Could not find a property named 'nope' on type 'Microsoft.NAV.configurationPackage'.",
    );
    expectBadRequest(() => parse({ $filter: "Code eq 'A'" }), /property named 'Code'/);
    expectBadRequest(() => parse({ $filter: "constructor eq 'A'" }), /property named 'constructor'/);
  });

  it.each([
    ["code eq", "Expression expected at position 7 in 'code eq'."],
    ["code eq 'A' and", "Expression expected at position 15 in 'code eq 'A' and'."],
    ["(n eq 1", "')' or operator expected at position 7 in '(n eq 1'."],
    ["n eq 1)", "Syntax error at position 6 in 'n eq 1)'."],
    ["code eq 'A", "There is an unterminated string literal at position 8 in 'code eq 'A'."],
    ["code EQ 'A'", "Syntax error at position 5 in 'code EQ 'A''."],
    ["n eq 1 n eq 2", "Syntax error at position 7 in 'n eq 1 n eq 2'."],
    ["n eq 1 eq 2", "Syntax error at position 7 in 'n eq 1 eq 2'."],
    [`id eq guid'${G1}'`, `Syntax error at position 6 in 'id eq guid'${G1}''.`],
    ["n eq -", "Syntax error at position 5 in 'n eq -'."],
    ["n eq 1 & n eq 2", "Syntax error at position 7 in 'n eq 1 & n eq 2'."],
    ["eq eq 1", "Syntax error at position 0 in 'eq eq 1'."],
    ["contains(code,'a' 'b')", "')' or ',' expected at position 18 in 'contains(code,'a' 'b')'."],
    ["n eq 1,", "Syntax error at position 6 in 'n eq 1,'."],
    [
      "lastModifiedDateTime eq 2024-13-01T00:00:00Z",
      /Unrecognized 'Edm.DateTimeOffset' literal '2024-13-01T00:00:00Z'/,
    ],
    ["startDate eq 2023-02-29", /Unrecognized 'Edm.Date' literal/],
    ["customers/any(c: c/n eq 1)", /Syntax error at position 9/],
  ])("syntax: %j", (filter, message) => {
    expectBadRequest(() => parse({ $filter: filter }), message);
  });

  it("bounds nesting depth instead of overflowing the stack", () => {
    expectBadRequest(() => parse({ $filter: `${"(".repeat(5000)}n eq 1${")".repeat(5000)}` }), /Recursion depth/);
    expectBadRequest(
      () => parse({ $filter: `${"not ".repeat(100_000)}excludeConfigurationTables` }),
      /Recursion depth/,
    );
    expectBadRequest(() => parse({ $filter: "tolower(".repeat(3000) }), /Recursion depth/);
    expect(where(`${"(".repeat(50)}n eq 1${")".repeat(50)}`)).toEqual(["ALPHA"]);
  });

  it("handles very long flat chains without recursion", () => {
    const chain = Array.from({ length: 20_000 }, () => "n gt 0").join(" and ");
    expect(where(chain)).toHaveLength(6);
    const ors = Array.from({ length: 20_000 }, (_, i) => `n eq ${i + 100}`).join(" or ");
    expect(where(`${ors} or n eq 7`)).toEqual(["EPS"]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Other query options

describe("parseQueryOptions", () => {
  it("ignores non-$ parameters and empty options", () => {
    expect(parse({ company: "CRONUS", tenant: "default", "@p1": "x", $filter: " ", $select: "" })).toEqual({});
  });

  it("refuses unknown $ options", () => {
    for (const name of ["$search", "$apply", "$compute", "$xyz", "$FILTER", "$"]) {
      expectBadRequest(() => parse({ [name]: "x" }), `The query parameter '${name}' is not supported.`);
    }
  });

  it("refuses repeated options", () => {
    expectBadRequest(
      () => parseQueryOptions(new URLSearchParams("$top=1&$top=2"), PKG),
      "Query option '$top' was specified more than once, but it must be specified at most once.",
    );
  });

  it("parses $top and $skip as non-negative integers", () => {
    expect(parse({ $top: "0", $skip: "15" })).toEqual({ top: 0, skip: 15 });
    for (const bad of ["-1", "1.5", "abc", "", " 1", "1e3", "99999999999999999999"]) {
      expectBadRequest(
        () => parse({ $top: bad }),
        `Invalid value '${bad}' for $top query option found. The $top query option requires a non-negative integer value.`,
      );
      expectBadRequest(() => parse({ $skip: bad }), /\$skip query option requires a non-negative integer/);
    }
  });

  it("parses $count", () => {
    expect(parse({ $count: "true" }).count).toBe(true);
    expect(parse({ $count: "false" }).count).toBe(false);
    expectBadRequest(() => parse({ $count: "yes" }), "'yes' is not a valid count option.");
  });

  it("parses $select, deduplicates, and treats * as all", () => {
    expect(parse({ $select: "code, packageName,code" }).select).toEqual(["code", "packageName"]);
    expect(parse({ $select: "code,*" }).select).toBeUndefined();
    expectBadRequest(() => parse({ $select: "code,bogus" }), /property named 'bogus'/);
    expectBadRequest(() => parse({ $select: "code,,n" }), /Syntax error/);
    expectBadRequest(() => parse({ $select: "a/b" }), /Syntax error/);
  });

  it("parses $orderby with several fields and directions", () => {
    expect(parse({ $orderby: "importStatus desc, n,code asc" }).orderby).toEqual([
      { field: "importStatus", desc: true, type: "enum" },
      { field: "n", desc: false, type: "int" },
      { field: "code", desc: false, type: "string" },
    ]);
    expectBadRequest(() => parse({ $orderby: "bogus desc" }), /property named 'bogus'/);
    expectBadRequest(() => parse({ $orderby: "n descending" }), "Syntax error at position 0 in 'n descending'.");
    expectBadRequest(() => parse({ $orderby: "n,,code" }), "Syntax error at position 2 in 'n,,code'.");
    expectBadRequest(() => parse({ $orderby: "n, code desc, n" }), /Duplicate property named 'n'/);
  });

  it("parses $expand with nested options kept verbatim", () => {
    const q = parse({ $expand: "file($select=code;$filter=code eq 'a,b)';$top=1), lines , lines($expand=x(y))" }, [
      "file",
      "lines",
    ]);
    expect(q.expand).toEqual(["file", "lines"]);
    expect(q.expandOptions).toEqual({ file: "$select=code;$filter=code eq 'a,b)';$top=1", lines: "$expand=x(y)" });
    expect(parse({ $expand: "*" }, ["a", "b"]).expand).toEqual(["a", "b"]);
    expect(parse({ $expand: "file()" }, ["file"])).toEqual({ expand: ["file"] });
  });

  it("rejects unknown navigations and malformed $expand", () => {
    expectBadRequest(
      () => parse({ $expand: "purchaseLines" }, ["file"]),
      "Could not find a property named 'purchaseLines' on type 'Microsoft.NAV.configurationPackage'.",
    );
    expectBadRequest(() => parse({ $expand: "file" }), /property named 'file'/);
    for (const bad of ["file(", "file($top=1", "file)", "file(x)y", "file(a)b(c)", "file('x)", ",file", "f-ile"]) {
      expectBadRequest(() => parse({ $expand: bad }, ["file"]), /Syntax error/);
    }
  });

  it("splits nested options for a recursive parse", () => {
    const nested = parseNestedOptions("$select=code;$filter=code eq 'a;b' and n eq 1;$top=2");
    expect([...nested.entries()]).toEqual([
      ["$select", "code"],
      ["$filter", "code eq 'a;b' and n eq 1"],
      ["$top", "2"],
    ]);
    expect(parseQueryOptions(nested, PKG).top).toBe(2);
    expectBadRequest(() => parseNestedOptions("$top"), /Syntax error/);
  });

  it("passes $skiptoken and $schemaversion through; accepts JSON $format only", () => {
    expect(parse({ $skiptoken: "abc", $schemaversion: "2.1", $format: "json" })).toEqual({
      skiptoken: "abc",
      schemaVersion: "2.1",
    });
    expect(parse({ $format: "application/json;odata.metadata=minimal" })).toEqual({});
    expectBadRequest(() => parse({ $format: "xml" }), /format 'xml' is not supported/);
  });
});

describe("applyQuery, countMatching and selectFields", () => {
  const codes = (rows: Row[]) => rows.map((r) => r.code);

  it("orders by several fields, stably, nulls first", () => {
    const q = parse({ $orderby: "excludeConfigurationTables desc,startDate" });
    expect(codes(applyQuery(ROWS, q))).toEqual(["DELTA", "beta", "ZETA", "GAMMA", "ALPHA", "EPS"]);
    // Equal keys keep the input order.
    expect(codes(applyQuery(ROWS, parse({ $orderby: "importStatus" })))).toEqual([
      "ALPHA",
      "DELTA",
      "beta",
      "ZETA",
      "GAMMA",
      "EPS",
    ]);
  });

  it("orders datetimes as instants and strings case-insensitively", () => {
    expect(codes(applyQuery(ROWS, parse({ $orderby: "lastModifiedDateTime" })))).toEqual([
      "GAMMA",
      "DELTA",
      "ALPHA",
      "beta",
      "EPS",
      "ZETA",
    ]);
    expect(codes(applyQuery(ROWS, parse({ $orderby: "code desc" })))).toEqual([
      "ZETA",
      "GAMMA",
      "EPS",
      "DELTA",
      "beta",
      "ALPHA",
    ]);
  });

  it("applies filter, then orderby, then skip and top", () => {
    const q = parse({ $filter: "n gt 1", $orderby: "n desc", $skip: "1", $top: "2" });
    expect(codes(applyQuery(ROWS, q))).toEqual(["EPS", "DELTA"]);
    expect(codes(applyQuery(ROWS, parse({ $top: "0" })))).toEqual([]);
    expect(codes(applyQuery(ROWS, parse({ $skip: "5" })))).toEqual(["ZETA"]);
    expect(codes(applyQuery(ROWS, parse({ $skip: "50", $top: "2" })))).toEqual([]);
    expect(countMatching(ROWS, q.filter)).toBe(5);
    expect(countMatching(ROWS, undefined)).toBe(6);
  });

  it("does not mutate its input", () => {
    const copy = ROWS.map((r) => ({ ...r }));
    applyQuery(ROWS, parse({ $orderby: "n desc", $filter: "n gt 1" }));
    expect(ROWS).toEqual(copy);
  });

  it("infers an order for untyped orderby entries", () => {
    const rows = [{ v: 10 }, { v: 9 }, { v: null }, { v: 100 }];
    expect(applyQuery(rows, { orderby: [{ field: "v", desc: false }] }).map((r) => r.v)).toEqual([null, 9, 10, 100]);
  });

  it("selectFields keeps annotations, keys and selected properties in order", () => {
    const row = {
      "@odata.etag": 'W/"1"',
      id: G1,
      code: "A",
      packageName: "P",
      n: 1,
      "content@odata.mediaReadLink": "x",
      "packageName@odata.type": "y",
    };
    expect(selectFields(row, ["packageName"], ["id"])).toEqual({
      "@odata.etag": 'W/"1"',
      id: G1,
      packageName: "P",
      "packageName@odata.type": "y",
    });
    expect(Object.keys(selectFields(row, ["content", "code"], []))).toEqual([
      "@odata.etag",
      "code",
      "content@odata.mediaReadLink",
    ]);
    expect(selectFields(row, undefined, [])).toEqual(row);
    expect(selectFields(row, undefined, [])).not.toBe(row);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Paging

describe("paging", () => {
  const rows = Array.from({ length: 10 }, (_, i) => i);

  it("walks 4 pages with skiptokens and stops", () => {
    const seen: number[][] = [];
    let token: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const { page, nextSkiptoken } = pageRows(rows, { maxPageSize: 3, skiptoken: token });
      seen.push(page);
      token = nextSkiptoken;
      if (!token) break;
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(seen).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
  });

  it("gives no next token when the page ends exactly at the last row", () => {
    expect(pageRows(rows, { maxPageSize: 5, skiptoken: encodeSkiptoken(5) })).toEqual({ page: [5, 6, 7, 8, 9] });
    expect(pageRows(rows, { maxPageSize: 10 })).toEqual({ page: rows });
    expect(pageRows([], { maxPageSize: 10 })).toEqual({ page: [] });
  });

  it("pages the $top-limited result", () => {
    const limited = applyQuery(ROWS, parse({ $top: "5", $orderby: "n" })).map((r) => r.code);
    const first = pageRows(limited, { maxPageSize: 2 });
    const second = pageRows(limited, { maxPageSize: 2, skiptoken: first.nextSkiptoken });
    const third = pageRows(limited, { maxPageSize: 2, skiptoken: second.nextSkiptoken });
    expect([first.page, second.page, third.page]).toEqual([["ALPHA", "beta"], ["GAMMA", "DELTA"], ["EPS"]]);
    expect(third.nextSkiptoken).toBeUndefined();
  });

  it("clamps the page size to the server maximum of 20,000", () => {
    const many = Array.from({ length: SERVER_MAX_PAGE_SIZE + 5 }, (_, i) => i);
    const first = pageRows(many, { maxPageSize: 50_000 });
    expect(first.page).toHaveLength(SERVER_MAX_PAGE_SIZE);
    expect(decodeSkiptoken(first.nextSkiptoken!)).toBe(SERVER_MAX_PAGE_SIZE);
    expect(pageRows(many, { maxPageSize: 0 }).page).toHaveLength(SERVER_MAX_PAGE_SIZE);
    expect(pageRows(many, { maxPageSize: Number.NaN }).page).toHaveLength(SERVER_MAX_PAGE_SIZE);
    expect(pageRows(many, { maxPageSize: 2.9 }).page).toEqual([0, 1]);
  });

  it("returns an empty last page when the token points past the end", () => {
    expect(pageRows(rows, { maxPageSize: 3, skiptoken: encodeSkiptoken(50) })).toEqual({ page: [] });
  });

  it("rejects skiptokens it did not issue", () => {
    const valid = encodeSkiptoken(3);
    const forged = [
      "",
      "abc",
      "!!!",
      `${valid}=`,
      `${valid}A`,
      Buffer.from('{"o":-1}').toString("base64url"),
      Buffer.from('{"o":1.5}').toString("base64url"),
      Buffer.from('{"o":"3"}').toString("base64url"),
      Buffer.from('{"o":3,"x":1}').toString("base64url"),
      Buffer.from("null").toString("base64url"),
      "A".repeat(1000),
    ];
    for (const token of forged) {
      expectBadRequest(() => pageRows(rows, { maxPageSize: 3, skiptoken: token }), /skip token value/);
    }
  });

  it("reads odata.maxpagesize from Prefer", () => {
    expect(preferredPageSize(undefined)).toBeUndefined();
    expect(preferredPageSize("odata.maxpagesize=50")).toBe(50);
    expect(preferredPageSize("return=minimal, Odata.MaxPageSize = 7")).toBe(7);
    expect(preferredPageSize('odata.maxpagesize="12"')).toBe(12);
    expect(preferredPageSize("maxpagesize=3")).toBe(3);
    expect(preferredPageSize("odata.maxpagesize=100000")).toBe(100_000);
    expect(preferredPageSize(["return=minimal", "odata.maxpagesize=9"])).toBe(9);
    expect(preferredPageSize("odata.maxpagesize=0, odata.maxpagesize=4")).toBe(4);
    for (const bad of ["odata.maxpagesize", "odata.maxpagesize=", "odata.maxpagesize=-1", "odata.maxpagesize=1.5"]) {
      expect(preferredPageSize(bad)).toBeUndefined();
    }
    expect(preferredPageSize("odata.maxpagesize=abc;x=1")).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------------
// Robustness: random input either parses or throws BcError, quickly.

describe("robustness (property-based)", () => {
  /** Runs fn; anything thrown must be a BcError, and no call may take long. */
  function total(fn: () => unknown): boolean {
    const started = performance.now();
    try {
      fn();
    } catch (err) {
      if (!(err instanceof BcError)) throw err;
    }
    expect(performance.now() - started).toBeLessThan(1000);
    return true;
  }

  const FILTER_TOKENS = [
    "(",
    ")",
    ",",
    " ",
    "'",
    "''",
    "'x'",
    "eq",
    "ne",
    "lt",
    "gt",
    "le",
    "ge",
    "and",
    "or",
    "not",
    "in",
    "n",
    "code",
    "importStatus",
    "lastModifiedDateTime",
    "startDate",
    "id",
    "contains",
    "tolower",
    "substring",
    "1",
    "-2.5",
    "true",
    "null",
    G1,
    "2024-01-01",
    "2024-01-01T00:00:00Z",
    "Microsoft.NAV.x'A'",
    "guid",
    "/",
    "$",
    "\u00e9",
  ];
  const tokenSoup = fc.array(fc.constantFrom(...FILTER_TOKENS), { maxLength: 40 }).map((parts) => parts.join(" "));
  const tightSoup = fc.array(fc.constantFrom(...FILTER_TOKENS), { maxLength: 40 }).map((parts) => parts.join(""));
  const anyText = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 100 }));

  it("parseQueryOptions: arbitrary $filter, $orderby, $select, $expand, $top", () => {
    const options = ["$filter", "$orderby", "$select", "$expand", "$top", "$skip", "$count", "$schemaversion"];
    fc.assert(
      fc.property(fc.constantFrom(...options), fc.oneof(anyText, tokenSoup, tightSoup), (name, value) =>
        total(() => {
          const q = parseQueryOptions(new URLSearchParams({ [name]: value, $schemaversion: "2.1" }), PKG, ["file"]);
          applyQuery(ROWS, q);
        }),
      ),
      { numRuns: 3000 },
    );
  });

  it("parseQueryOptions: arbitrary raw query strings", () => {
    fc.assert(
      fc.property(anyText, (raw) => total(() => parseQueryOptions(new URLSearchParams(raw), PKG, ["file"]))),
      { numRuns: 1000 },
    );
  });

  const KEY_TOKENS = ["'", "''", "'a'", "=", ",", " ", "id", "scope", G1, "42", "-", "true", "(", ")", "/", "x"];
  const keySoup = fc.array(fc.constantFrom(...KEY_TOKENS), { maxLength: 20 }).map((p) => p.join(""));
  const spec: KeySpec = [
    { name: "scope", type: "string" },
    { name: "id", type: "guid" },
  ];

  it("parseKeySegment and bindKey", () => {
    fc.assert(
      fc.property(fc.oneof(anyText, keySoup), (text) =>
        total(() => {
          const parsed = parseKeySegment(text);
          for (const s of [spec, [{ name: "id", type: "guid" }] as KeySpec]) total(() => bindKey(parsed, s));
        }),
      ),
      { numRuns: 2000 },
    );
  });

  it("splitPath", () => {
    fc.assert(
      fc.property(fc.oneof(anyText, keySoup), (text) =>
        total(() => {
          for (const segment of splitPath(text)) {
            if (segment.keyText !== undefined) total(() => parseKeySegment(segment.keyText!));
          }
        }),
      ),
      { numRuns: 2000 },
    );
  });

  it("pageRows and preferredPageSize", () => {
    fc.assert(
      fc.property(anyText, fc.integer(), (text, size) =>
        total(() => {
          preferredPageSize(text);
          pageRows([1, 2, 3], { maxPageSize: size, skiptoken: text });
        }),
      ),
      { numRuns: 1000 },
    );
  });

  it("round-trips every skiptoken it issues", () => {
    fc.assert(
      fc.property(fc.nat(), (offset) => decodeSkiptoken(encodeSkiptoken(offset)) === offset),
      { numRuns: 500 },
    );
  });
});
