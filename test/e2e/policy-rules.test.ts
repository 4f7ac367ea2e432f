/**
 * The pack's policies called as @pulumi/policy's server calls them (resource inputs wrapped in its own
 * unknown-checking proxy), for the logic the CLI test (policy.test.ts) does not walk through case by case.
 */
import { createRequire } from "node:module";
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { policies } from "../../packages/policy/src/policies";

// @pulumi/policy's own proxy and unknown sentinel (not in its type declarations).
const proxy = createRequire(__filename)("@pulumi/policy/proxy") as {
  unknownCheckingProxy<T extends object>(value: T): T;
  unknownStringValue: string;
};
const UNKNOWN = proxy.unknownStringValue;

interface Reported {
  message: string;
  urn?: string;
  advisory: boolean;
}

function policy(name: string) {
  const found = policies.find((p) => p.name === name);
  if (!found) throw new Error(`no policy ${name}`);
  return found as ResourceValidationPolicy & Partial<StackValidationPolicy>;
}

function resource(kind: string, name: string, props: Record<string, unknown>, protect = false) {
  return {
    type: `pulumi-nodejs:dynamic/businesscentral:${kind}`,
    name,
    urn: `urn:pulumi:dev::infra::pulumi-nodejs:dynamic/businesscentral:${kind}::${name}`,
    props: proxy.unknownCheckingProxy(props),
    opts: { protect, ignoreChanges: [], aliases: [], additionalSecretOutputs: [] },
  };
}

function collect(out: Reported[]) {
  return (violation: unknown, urn?: string) => {
    if (typeof violation === "string") out.push({ message: violation, urn, advisory: false });
    else {
      const v = violation as { message: string; urn?: string; enforcementLevel?: string };
      out.push({ message: v.message, urn: v.urn, advisory: v.enforcementLevel === "advisory" });
    }
  };
}

function validate(name: string, r: ReturnType<typeof resource>, config: object = {}): Reported[] {
  const out: Reported[] = [];
  const validation = policy(name).validateResource;
  if (typeof validation !== "function") throw new Error(`${name} has no single validateResource`);
  validation({ ...r, getConfig: () => config } as unknown as ResourceValidationArgs, collect(out));
  return out;
}

function validateStack(
  name: string,
  resources: (ReturnType<typeof resource> & { propertyDependencies?: Record<string, unknown[]> })[],
  config: object = {},
): Reported[] {
  const out: Reported[] = [];
  const stack = resources.map((r) => ({ dependencies: [], propertyDependencies: {}, ...r }));
  policy(name).validateStack!(
    { resources: stack as unknown as PolicyResource[], getConfig: () => config } as unknown as StackValidationArgs,
    collect(out),
  );
  return out;
}

describe("no-super-permission-sets", () => {
  const name = "no-super-permission-sets";

  it("refuses SUPER and SUPER (DATA) to a security group in any environment", () => {
    for (const roleId of ["SUPER", "super (data)"]) {
      const found = validate(
        name,
        resource("PermissionSetAssignment", "admins", { roleId, securityGroupId: "g-1", environment: "sandbox" }),
      );
      expect(found).toHaveLength(1);
      expect(found[0].message).toContain(`PermissionSetAssignment 'admins' grants ${roleId} to a security group`);
      expect(found[0].message).toContain("securityGroupId 'g-1'");
      expect(found[0].advisory).toBe(false);
    }
  });

  it("refuses SUPER to a user in production only, by name, by config or as the default environment", () => {
    const user = (environment?: string) =>
      resource("PermissionSetAssignment", "joe", { roleId: "SUPER", userName: "JOE", environment });
    expect(validate(name, user("sandbox"))).toEqual([]);
    expect(validate(name, user("Production"))[0].message).toContain("in production environment 'Production'");
    expect(validate(name, user("prod-eu"), { productionEnvironments: ["prod-eu"] })).toHaveLength(1);
    expect(validate(name, user(undefined))[0].message).toContain("'production' (defaultEnvironment");
    expect(validate(name, user(undefined), { defaultEnvironment: "sandbox" })).toEqual([]);
  });

  it("lets other permission sets pass", () => {
    const r = resource("PermissionSetAssignment", "ok", { roleId: "D365 BUS FULL ACCESS", securityGroupId: "g" });
    expect(validate(name, r)).toEqual([]);
  });

  it("says 'cannot tell yet' (advisory) when the environment or the role is not known at preview", () => {
    const env = validate(
      name,
      resource("PermissionSetAssignment", "joe", { roleId: "SUPER", userName: "JOE", environment: UNKNOWN }),
    );
    expect(env).toHaveLength(1);
    expect(env[0].advisory).toBe(true);
    expect(env[0].message).toMatch(/^Cannot tell yet: PermissionSetAssignment 'joe' grants SUPER, and its environment/);
    const role = validate(name, resource("PermissionSetAssignment", "x", { roleId: UNKNOWN, userName: "JOE" }));
    expect(role[0].advisory).toBe(true);
  });

  it("stack level: an environment declared with type Production counts, also while its name is unknown", () => {
    const eu = resource("Environment", "prod-eu", { name: "prodwest", type: "Production" });
    const byName = resource("PermissionSetAssignment", "by-name", {
      roleId: "SUPER",
      userName: "JOE",
      environment: "prodwest",
    });
    const byOutput = {
      ...resource("PermissionSetAssignment", "by-output", { roleId: "SUPER", userName: "ANN", environment: UNKNOWN }),
      propertyDependencies: { environment: [eu] },
    };
    const sandbox = resource("PermissionSetAssignment", "elsewhere", {
      roleId: "SUPER",
      userName: "JOE",
      environment: "sandbox",
    });
    const found = validateStack(name, [byName, eu, byOutput, sandbox]);
    expect(found.map((f) => f.urn?.split("::").pop())).toEqual(["by-name", "by-output"]);
    expect(found[0].message).toContain("'prodwest' (declared with type Production in this stack)");
    expect(found[1].message).toContain("of Environment 'prod-eu' (type Production, declared in this stack)");
    expect(found.every((f) => !f.advisory)).toBe(true);
  });
});

describe("protect-production-environments", () => {
  const name = "protect-production-environments";
  const env = (props: Record<string, unknown>, protect = false) =>
    resource("Environment", "prod", { name: "prod", type: "Production", ...props }, protect);

  it("refuses a Production environment with allowDelete: true unless protected", () => {
    const found = validate(name, env({ allowDelete: true }));
    expect(found).toHaveLength(1);
    expect(found[0].message).toContain("allowDelete: true without protect: true");
    expect(found[0].message).toContain("Fix: remove allowDelete");
    expect(validate(name, env({ allowDelete: true }, true))).toEqual([]);
    expect(validate(name, env({}))).toEqual([]);
    expect(validate(name, env({ allowDelete: true, type: "Sandbox" }))).toEqual([]);
  });

  it("cannot tell yet when the type is unknown", () => {
    const found = validate(name, env({ allowDelete: true, type: UNKNOWN }));
    expect(found[0].advisory).toBe(true);
  });
});

describe("advisory policies", () => {
  it("no-delete-adopted-in-production: only in production", () => {
    const company = (environment: string) =>
      resource("Company", "c", { displayName: "C", adopt: true, deleteAdopted: true, environment });
    expect(validate("no-delete-adopted-in-production", company("sandbox"))).toEqual([]);
    const found = validate("no-delete-adopted-in-production", company("production"));
    expect(found[0].message).toContain("Company 'c' sets deleteAdopted: true in production environment 'production'");
  });

  it("pin-appsource-versions: AppSource without version, in any environment", () => {
    const ext = (appSource: object) =>
      resource("Extension", "app", { appSource, acceptIsvEula: true, environment: "sandbox" });
    expect(validate("pin-appsource-versions", ext({ appId: "a-1" }))[0].message).toContain(
      "Extension 'app' installs AppSource app a-1 without appSource.version",
    );
    expect(validate("pin-appsource-versions", ext({ appId: "a-1", version: "1.0.0.0" }))).toEqual([]);
    expect(validate("pin-appsource-versions", ext({ appId: "a-1", version: UNKNOWN }))).toEqual([]);
    expect(validate("pin-appsource-versions", resource("Extension", "pte", { filePath: "x.app" }))).toEqual([]);
  });

  it("no-data-deleting-options-in-production: Force Sync and deleteData, each named", () => {
    const ext = (environment: string) =>
      resource("Extension", "pte", { filePath: "x.app", schemaSyncMode: "Force Sync", deleteData: true, environment });
    expect(validate("no-data-deleting-options-in-production", ext("sandbox"))).toEqual([]);
    const found = validate("no-data-deleting-options-in-production", ext("production")).map((f) => f.message);
    expect(found).toHaveLength(2);
    expect(found[0]).toContain('sets schemaSyncMode: "Force Sync" in production');
    expect(found[1]).toContain("sets deleteData: true in production");
  });

  it("resource-count-per-stack: counts this provider's resources only, against maxResources", () => {
    const stack = [
      resource("Company", "a", {}),
      resource("Company", "b", {}),
      { ...resource("Company", "other", {}), type: "azuread:index/group:Group" },
    ];
    expect(validateStack("resource-count-per-stack", stack, { maxResources: 2 })).toEqual([]);
    const found = validateStack("resource-count-per-stack", stack, { maxResources: 1 });
    expect(found[0].message).toContain("This stack declares 2 Business Central resources, more than maxResources (1)");
    expect(found[0].message).toContain("npx pulumi-businesscentral fleet");
  });
});
