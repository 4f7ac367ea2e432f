/**
 * The Entra ID half of examples/azuread-and-bc under Pulumi mocks (Azure is unreachable here): no engine, no
 * network; every resource registration and data-source call is answered by the mocks below and recorded.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";

const BC_APP_ID = "996def3d-b36c-4153-8607-a6fd3c01b89f";
const BC_SP_OBJECT_ID = "11111111-2222-4333-8444-555555555555";
// A made-up role id: the program must take whatever Business Central's service principal publishes.
const FAKE_AUTOMATION_ROLE_ID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const FAKE_ADMIN_CENTER_ROLE_ID = "cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const TENANT_ID = "72f988bf-0000-4000-8000-000000000001";

type Recorded = { type: string; name: string; inputs: Record<string, unknown> };
const resources: Recorded[] = [];
const calls: { token: string; inputs: Record<string, unknown> }[] = [];

function output<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}
const one = (type: string) => {
  const found = resources.filter((r) => r.type === type);
  expect(found, type).toHaveLength(1);
  return found[0];
};

let stack: Awaited<ReturnType<typeof import("../../examples/azuread-and-bc/program").azureAdAndBc>>;

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        const id = `${args.name}-id`;
        switch (args.type) {
          case "azuread:index/application:Application":
            return { id, state: { ...args.inputs, clientId: "c1c1c1c1-0000-4000-8000-00000000c1c1", objectId: id } };
          case "azuread:index/servicePrincipal:ServicePrincipal":
            return { id, state: { ...args.inputs, objectId: "5p5p5p5p-0000-4000-8000-000000005p5p" } };
          case "azuread:index/applicationPassword:ApplicationPassword":
            return { id, state: { ...args.inputs, value: "s3cr3t-value", keyId: "k1" } };
          default:
            return { id, state: args.inputs };
        }
      },
      call(args) {
        calls.push({ token: args.token, inputs: args.inputs });
        switch (args.token) {
          case "azuread:index/getServicePrincipal:getServicePrincipal":
            if (args.inputs.clientId !== BC_APP_ID)
              throw new Error(`unexpected service principal ${args.inputs.clientId}`);
            return {
              id: BC_SP_OBJECT_ID,
              objectId: BC_SP_OBJECT_ID,
              clientId: BC_APP_ID,
              displayName: "Dynamics 365 Business Central",
              appRoleIds: {
                "Automation.ReadWrite.All": FAKE_AUTOMATION_ROLE_ID,
                "AdminCenter.ReadWrite.All": FAKE_ADMIN_CENTER_ROLE_ID,
                "API.ReadWrite.All": "other-role",
              },
            };
          case "azuread:index/getClientConfig:getClientConfig":
            return { id: TENANT_ID, tenantId: TENANT_ID, clientId: "deployer", objectId: "deployer-object" };
          default:
            throw new Error(`unexpected call ${args.token}`);
        }
      },
    },
    "azuread-and-bc",
    "test",
    false,
  );
  // Import after the mocks are in place, then let every registration settle.
  const { azureAdAndBc } = await import("../../examples/azuread-and-bc/program.js");
  stack = azureAdAndBc();
  await Promise.all([
    output(stack.clientId),
    output(stack.consentId),
    output(stack.adminCenterConsentId),
    output(stack.clientSecret),
    output(stack.tenantId),
  ]);
});

describe("azuread-and-bc (Entra ID half, under mocks)", () => {
  it("looks up Business Central's service principal by its well-known client id", () => {
    expect(
      calls.some(
        (c) => c.token === "azuread:index/getServicePrincipal:getServicePrincipal" && c.inputs.clientId === BC_APP_ID,
      ),
    ).toBe(true);
  });

  it("the application requires Business Central's Automation.ReadWrite.All and AdminCenter.ReadWrite.All application permissions", () => {
    const app = one("azuread:index/application:Application");
    expect(app.inputs.requiredResourceAccesses).toEqual([
      {
        resourceAppId: BC_APP_ID,
        resourceAccesses: [
          { id: FAKE_AUTOMATION_ROLE_ID, type: "Role" },
          { id: FAKE_ADMIN_CENTER_ROLE_ID, type: "Role" },
        ],
      },
    ]);
  });

  it("the service principal is for the application's client id", () => {
    const sp = one("azuread:index/servicePrincipal:ServicePrincipal");
    expect(sp.inputs.clientId).toBe("c1c1c1c1-0000-4000-8000-00000000c1c1");
  });

  it("admin consent: role assignments grant both roles on Business Central's service principal to ours", () => {
    const grants = resources.filter((r) => r.type === "azuread:index/appRoleAssignment:AppRoleAssignment");
    expect(grants.map((g) => g.inputs.appRoleId).sort()).toEqual(
      [FAKE_AUTOMATION_ROLE_ID, FAKE_ADMIN_CENTER_ROLE_ID].sort(),
    );
    for (const grant of grants)
      expect(grant.inputs).toMatchObject({
        principalObjectId: "5p5p5p5p-0000-4000-8000-000000005p5p",
        resourceObjectId: BC_SP_OBJECT_ID,
      });
  });

  it("the client secret belongs to the application and is exported as a secret", async () => {
    const pw = one("azuread:index/applicationPassword:ApplicationPassword");
    expect(pw.inputs.applicationId).toBe("bc-automation-id");
    expect(await pulumi.isSecret(stack.clientSecret)).toBe(true);
    expect(await output(stack.clientSecret)).toBe("s3cr3t-value");
  });

  it("exports the connection values the Business Central stack needs", async () => {
    expect(await output(stack.tenantId)).toBe(TENANT_ID);
    expect(await output(stack.clientId)).toBe("c1c1c1c1-0000-4000-8000-00000000c1c1");
    expect(await pulumi.isSecret(stack.clientId)).toBe(false);
  });
});
