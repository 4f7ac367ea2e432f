/**
 * examples/azuread-and-bc under Pulumi mocks (Azure is unreachable here): every resource registration and
 * data-source call is answered by the mocks below and recorded. The mocked Entra outputs are the emulator's tenant,
 * app and secret, so the Business Central half is then run for real: the BC resources' recorded inputs (their
 * connection, built from those outputs) go to the provider, which creates the objects in the emulator.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../emulator";
import { companyHandler as companyHandlerDefinition } from "../../provider/resources/company";
import { permissionSetAssignmentHandler as permissionSetAssignmentHandlerDefinition } from "../../provider/resources/permission-set-assignment";
import { resetProviderCaches, startTestEmulator, testRuntime, useRuntime } from "../provider/helpers/emu";

const companyHandler = companyHandlerDefinition.withRuntime(testRuntime);
const permissionSetAssignmentHandler = permissionSetAssignmentHandlerDefinition.withRuntime(testRuntime);

const BC_APP_ID = "996def3d-b36c-4153-8607-a6fd3c01b89f";
const BC_SP_OBJECT_ID = "11111111-2222-4333-8444-555555555555";
// A made-up role id: the program must take whatever Business Central's service principal publishes.
const FAKE_AUTOMATION_ROLE_ID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const FAKE_ADMIN_CENTER_ROLE_ID = "cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee";
let emu: RunningEmulator;
const saved = { ...process.env };

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
  emu = await startTestEmulator();
  // The example's optional emulator settings, as the Pulumi CLI passes stack config to a program.
  process.env.PULUMI_CONFIG = JSON.stringify({
    "azuread-and-bc:authorityHost": emu.authorityHost,
    "azuread-and-bc:apiBaseUrl": emu.baseUrl,
    "azuread-and-bc:caCertPath": emu.caCertPath,
    "azuread-and-bc:environment": emu.environment,
  });
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        const id = `${args.name}-id`;
        switch (args.type) {
          case "azuread:index/application:Application":
            return { id, state: { ...args.inputs, clientId: emu.clientId, objectId: id } };
          case "azuread:index/servicePrincipal:ServicePrincipal":
            return { id, state: { ...args.inputs, objectId: "5p5p5p5p-0000-4000-8000-000000005p5p" } };
          case "azuread:index/applicationPassword:ApplicationPassword":
            return { id, state: { ...args.inputs, value: emu.clientSecret, keyId: "k1" } };
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
            return { id: emu.tenantId, tenantId: emu.tenantId, clientId: "deployer", objectId: "deployer-object" };
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
    output(stack.companyId),
    output(stack.assignmentId),
    output(stack.clientId),
    output(stack.consentId),
    output(stack.adminCenterConsentId),
    output(stack.clientSecret),
    output(stack.tenantId),
  ]);
});

afterAll(async () => {
  process.env = saved;
  await emu?.stop();
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
    expect(sp.inputs.clientId).toBe(emu.clientId);
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
    expect(await output(stack.clientSecret)).toBe(emu.clientSecret);
  });

  it("exports the connection values the Business Central stack needs", async () => {
    expect(await output(stack.tenantId)).toBe(emu.tenantId);
    expect(await output(stack.clientId)).toBe(emu.clientId);
    expect(await pulumi.isSecret(stack.clientId)).toBe(false);
  });
});

/** Pulumi's wire form of a secret value (what the engine encrypts in state). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** The inputs the dynamic provider receives: the engine hands it secrets as plain values. */
function providerInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  const plain = (v: unknown): unknown =>
    v && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE
      ? (v as Record<string, unknown>).value
      : v;
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, plain(v)]));
}

describe("azuread-and-bc (Business Central half, against the emulator)", () => {
  const bcResource = (kind: string) => one(`pulumi-nodejs:dynamic/businesscentral:${kind}`);
  const env = () => emu.state().tenants[0]!.environments.find((e) => e.name === emu.environment)!;

  it("the BC resources' connection is the app's outputs, stored as a secret", async () => {
    const company = bcResource("Company");
    expect(company.inputs.connection).toMatchObject({ [SECRET_SIG]: SECRET_VALUE });
    expect(providerInputs(company.inputs).connection).toMatchObject({
      tenantId: emu.tenantId,
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
      environment: emu.environment,
    });
    expect(bcResource("PermissionSetAssignment").inputs.connection).toEqual(company.inputs.connection);
  });

  it("with no businesscentral:* config, the provider creates the company and the grant through that connection", async () => {
    resetProviderCaches();
    useRuntime({});
    for (const key of Object.keys(process.env)) if (/^(AZURE_|BC_)/.test(key)) delete process.env[key];
    const companyInputs = { __provider: "x", ...providerInputs(bcResource("Company").inputs) };
    const company = await companyHandler.check({}, companyInputs);
    expect(company.failures ?? []).toEqual([]);
    const created = await companyHandler.create(company.inputs as Record<string, unknown>);
    expect(env().companies.find((c) => c.id === created.id)?.displayName).toBe("Contoso Ltd.");

    const grantInputs = {
      __provider: "x",
      ...providerInputs(bcResource("PermissionSetAssignment").inputs),
      company: created.outs.name,
    };
    const grant = await permissionSetAssignmentHandler.check({}, grantInputs);
    expect(grant.failures ?? []).toEqual([]);
    const assigned = await permissionSetAssignmentHandler.create(grant.inputs as Record<string, unknown>);
    const admin = env().users.find((u) => u.userName === "ADMIN")!.userSecurityId;
    expect(
      env().accessControls.filter((a) => a.userSecurityId === admin && a.roleId === "D365 BUS FULL ACCESS"),
    ).toEqual([expect.objectContaining({ company: created.outs.name })]);

    await permissionSetAssignmentHandler.delete(assigned.id, assigned.outs as Record<string, unknown>);
    await companyHandler.delete(created.id, created.outs as Record<string, unknown>);
    expect(env().companies.some((c) => c.id === created.id)).toBe(false);
  });
});
