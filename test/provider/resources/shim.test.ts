/**
 * The provider shim Pulumi stores in state (`__provider`): serialized exactly as @pulumi/pulumi's dynamic.Resource
 * does, then loaded as the dynamic-provider process does (`requireFromString(text).handler()`, which resolves
 * `require` from the working directory), from the repository root and from `examples/`. Both steps run in child
 * node processes over the compiled `dist/` (`npm test` builds first): vitest's module loader breaks Pulumi's
 * closure serializer.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../../..");
const FIXTURES = join(__dirname, "fixtures");
const KINDS = ["Company", "ConfigurationPackage", "Extension", "UserGroupMember", "PermissionSetAssignment"] as const;

/** Inputs every handler must reject at check, naming the property. */
const BAD_INPUTS: Record<(typeof KINDS)[number], { news: Record<string, unknown>; property: string }> = {
  Company: { news: { displayName: "" }, property: "displayName" },
  ConfigurationPackage: { news: { notAnInput: 1 }, property: "notAnInput" },
  Extension: { news: { notAnInput: 1 }, property: "notAnInput" },
  UserGroupMember: { news: { userName: "JOE", groupCode: "G".repeat(21) }, property: "groupCode" },
  PermissionSetAssignment: { news: { userName: "JOE", roleId: "SUPER", scope: "Global" }, property: "scope" },
};

const OLD_SHIM = "shim stored before dispatch";

type CheckOutcome = { error?: string; failures?: { property: string; reason: string }[] };

let texts: Record<string, string>;
let again: Record<string, string>;
const loaded: Record<string, Record<string, CheckOutcome>> = {};
const PLACES = [
  ["the repository root", ROOT],
  ["examples/", join(ROOT, "examples")],
] as const;

function node(script: string, args: string[], cwd: string): string {
  return execFileSync(process.execPath, [join(FIXTURES, script), ...args], { cwd, encoding: "utf8", timeout: 60_000 });
}

beforeAll(() => {
  if (!existsSync(join(ROOT, "dist/sdk/shim.js")))
    throw new Error("dist/ is missing: run `npm run build` (npm test does)");
  texts = JSON.parse(node("serialize-shim.js", [...KINDS], ROOT));
  again = JSON.parse(node("serialize-shim.js", [...KINDS], ROOT));
  const work = mkdtempSync(join(tmpdir(), "bc-shim-"));
  try {
    const file = join(work, "cases.json");
    const cases: Record<string, { text: string; news: Record<string, unknown> }> = Object.fromEntries(
      KINDS.map((kind) => [kind, { text: texts[kind], news: { __provider: texts[kind], ...BAD_INPUTS[kind].news } }]),
    );
    // State keeps the shim text a resource was created with: one from before `dispatch` (a PermissionSetAssignment).
    const old = readFileSync(join(FIXTURES, "shim-before-dispatch.txt"), "utf8");
    cases[OLD_SHIM] = { text: old, news: { __provider: old, ...BAD_INPUTS.PermissionSetAssignment.news } };
    writeFileSync(file, JSON.stringify(cases));
    for (const [where, cwd] of PLACES) loaded[where] = JSON.parse(node("load-shim.js", [file], cwd));
    // Control: outside any project that installs the package, the same text cannot find the provider.
    loaded.outside = JSON.parse(node("load-shim.js", [file], work));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}, 120_000);

describe.each(KINDS)("%s provider shim", (kind) => {
  it("serializes small, path-free and without heavy modules", () => {
    const text = texts[kind]!;
    // Stored twice per resource and copied through the engine on every step (docs/performance.md): 3.9 KB before
    // the methods shared one dispatcher.
    expect(text.length).toBeLessThan(3072);
    expect(text).toContain('"pulumi-businesscentral/provider"');
    expect(text).toContain(`kind: "${kind}"`);
    expect(text).not.toContain(ROOT);
    expect(text).not.toMatch(/["'`]\/(work|home|Users|tmp|usr)\//);
    expect(text).not.toMatch(/[A-Za-z]:\\\\/);
    expect(text).not.toMatch(/msal|undici|zod/i);
  });

  it("serializes byte-stably (Pulumi's diff compares the text)", () => {
    expect(again[kind]).toBe(texts[kind]);
  });

  for (const [where] of PLACES) {
    it(`loads from ${where} and runs the installed provider's check`, () => {
      const result = loaded[where]![kind]!;
      expect(result.error).toBeUndefined();
      expect(result.failures?.map((f) => f.property)).toContain(BAD_INPUTS[kind].property);
    });
  }

  it("resolves the provider from the working directory (control: not found outside a project)", () => {
    expect(loaded.outside![kind]!.error).toMatch(/Cannot find module 'pulumi-businesscentral\/provider'/);
  });
});

describe("a shim stored in state by an earlier build", () => {
  it("loads and runs today's provider (state keeps the text a resource was created with)", () => {
    const result = loaded["the repository root"]![OLD_SHIM]!;
    expect(result.error).toBeUndefined();
    expect(result.failures?.map((f) => f.property)).toContain(BAD_INPUTS.PermissionSetAssignment.property);
  });
});
