/**
 * Each resource is declared twice, by hand: the SDK's Args and output properties (sdk/<kind>.ts, what a program
 * sees, with its TSDoc) and the provider's definition (defineResource: what check accepts and state holds). This
 * test holds them equal, kind by kind, under Pulumi's mocks: every SDK argument (the `Required<…Args>` objects
 * below must name them all, or this file does not compile) is recorded under an input name of the definition, every
 * program-facing input of the definition can be set from the SDK, and every output of the definition is an output
 * of the SDK class. Recorded names are what existing stacks hold: they never change (`file` is recorded as
 * `filePath`).
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import * as bc from "../../sdk";
import type { DefinedResource } from "../../provider/resources/framework/define";
import type { ResourceKind } from "../../provider/resources/framework/handler";
import { companyHandler } from "../../provider/resources/company";
import { configurationPackageHandler } from "../../provider/resources/configuration-package";
import { environmentHandler } from "../../provider/resources/environment";
import { extensionHandler } from "../../provider/resources/extension";
import { permissionSetAssignmentHandler } from "../../provider/resources/permission-set-assignment";
import { userGroupMemberHandler } from "../../provider/resources/user-group-member";

const GUID = "5b1f7c2e-1111-4222-8333-944455556666";
const connection: Required<bc.ConnectionInput> = {
  tenantId: GUID,
  clientId: GUID,
  clientSecret: "s",
  clientCertificatePath: "/c.pem",
  clientCertificatePem: "-----BEGIN",
  federatedTokenFile: "/t",
  environment: "production",
  authorityHost: "https://login.example",
  apiBaseUrl: "https://api.example",
  adminApiVersion: "v2.28",
  caCertPath: "/ca.pem",
  caCertPem: "-----BEGIN CERTIFICATE-----",
  proxy: "https://proxy.example",
  sendCertificateChain: false,
  tenantInUrl: true,
  scopeCompany: "CRONUS",
  propagationTimeout: "5m",
  offlinePreview: false,
};
const common = { connection, environment: "production", adopt: false, deleteAdopted: false };
const timeouts = { create: "1m", update: "1m", delete: "1m" };

/** The members of a resource class that are its own (inputs and outputs), not `urn`, `id` and the like. */
type Own<C> = Exclude<keyof C, keyof pulumi.CustomResource> & string;

interface Kind<C> {
  handler: DefinedResource;
  create(name: string): C;
  /** Every own member of the class: it must exist at run time as an output (not only be `declare`d). */
  members: Record<Own<C>, true>;
  /** Inputs of the definition the SDK does not offer, and why. */
  notOffered?: Record<string, string>;
}

const all = <C>(members: Record<Own<C>, true>) => members;

const KINDS: { [K in ResourceKind]: Kind<InstanceType<(typeof bc)[K]>> } = {
  Company: {
    handler: companyHandler,
    create: (name) =>
      new bc.Company(name, {
        ...common,
        displayName: "Contoso",
        businessProfileId: "p",
        timeouts,
      } satisfies Required<bc.CompanyArgs>),
    members: all<bc.Company>({
      companyId: true,
      name: true,
      displayName: true,
      businessProfileId: true,
      evaluationCompany: true,
      environment: true,
    }),
  },
  ConfigurationPackage: {
    handler: configurationPackageHandler,
    create: (name) =>
      new bc.ConfigurationPackage(name, {
        ...common,
        companyId: GUID,
        code: "SETUP",
        packageName: "Setup",
        languageId: 1033,
        file: "setup.rapidstart",
        apply: true,
        allowRowErrors: false,
        timeouts,
      } satisfies Required<bc.ConfigurationPackageArgs>),
    members: all<bc.ConfigurationPackage>({
      packageId: true,
      code: true,
      fileSha256: true,
      numberOfTables: true,
      numberOfRecords: true,
      numberOfErrors: true,
      importStatus: true,
      applyStatus: true,
      importError: true,
      applyError: true,
      environment: true,
    }),
  },
  Environment: {
    handler: environmentHandler,
    create: (name) =>
      new bc.Environment(name, {
        connection,
        adopt: false,
        deleteAdopted: false,
        name: "uat",
        type: "Sandbox",
        countryCode: "US",
        ringName: "PROD",
        applicationVersion: "29.0.0.0",
        copyFrom: { environment: "production", type: "Production" },
        restoreFrom: { environment: "production", pointInTime: "2026-12-01T00:00:00Z" },
        updateWindow: { startTime: "22:00", endTime: "06:00", timeZoneId: "UTC" },
        applicationInsightsConnectionString: "InstrumentationKey=00000000-0000-0000-0000-000000000000",
        securityGroupId: "00000000-0000-0000-0000-000000000001",
        accessWithM365Licenses: true,
        allowDelete: false,
        timeouts,
      } satisfies Required<bc.EnvironmentArgs>),
    members: all<bc.Environment>({
      name: true,
      type: true,
      countryCode: true,
      environmentId: true,
      aadTenantId: true,
      status: true,
      version: true,
      webClientUrl: true,
      webServiceUrl: true,
    }),
    notOffered: {
      environment: "check sets it from `name`: an environment resource targets itself",
    },
  },
  Extension: {
    handler: extensionHandler,
    create: (name) =>
      new bc.Extension(name, {
        ...common,
        appSource: { appId: GUID, version: "1.0.0.0" },
        file: "app.app",
        acceptIsvEula: true,
        installDependencies: true,
        schedule: "Current version",
        schemaSyncMode: "Add",
        uploadVia: "auto",
        deleteData: false,
        unpublish: true,
        companyId: GUID,
        timeouts,
      } satisfies Required<bc.ExtensionArgs>),
    members: all<bc.Extension>({
      appId: true,
      name: true,
      publisher: true,
      version: true,
      packageId: true,
      fileSha256: true,
      environment: true,
    }),
  },
  UserGroupMember: {
    handler: userGroupMemberHandler,
    create: (name) =>
      new bc.UserGroupMember(name, {
        ...common,
        userSecurityId: GUID,
        userName: "JOE",
        groupCode: "G",
        companyName: "",
        companyId: GUID,
        timeouts,
      } satisfies Required<bc.UserGroupMemberArgs>),
    members: all<bc.UserGroupMember>({
      memberId: true,
      userSecurityId: true,
      groupCode: true,
      groupName: true,
      environment: true,
    }),
  },
  PermissionSetAssignment: {
    handler: permissionSetAssignmentHandler,
    create: (name) =>
      new bc.PermissionSetAssignment(name, {
        ...common,
        userSecurityId: GUID,
        userName: "JOE",
        securityGroupId: GUID,
        roleId: "D365 READ",
        company: "",
        scope: "System",
        appId: GUID,
        companyId: GUID,
        timeouts,
      } satisfies Required<bc.PermissionSetAssignmentArgs>),
    members: all<bc.PermissionSetAssignment>({
      assignmentId: true,
      principalSecurityId: true,
      roleName: true,
      resolvedScope: true,
      resolvedAppId: true,
      environment: true,
    }),
  },
};

/** The inputs each registration recorded, by resource name (what the engine stores and the provider checks). */
const recorded = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        recorded.set(args.name, args.inputs);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: () => ({}),
    },
    "declarations",
    "test",
  );
});

/** Waits until the mocks saw the registration of `name`. */
async function inputsOf(resource: pulumi.CustomResource, name: string): Promise<Record<string, unknown>> {
  await new Promise<void>((resolve) => resource.urn.apply(() => resolve()));
  const inputs = recorded.get(name);
  if (!inputs) throw new Error(`no registration of ${name}`);
  return inputs;
}

describe("the SDK declares each resource as its definition does", () => {
  for (const [kind, spec] of Object.entries(KINDS) as [ResourceKind, Kind<pulumi.CustomResource>][]) {
    it(`${kind}: the SDK's inputs and outputs are the definition's`, async () => {
      const { handler } = spec;
      expect(handler.kind).toBe(kind);
      const resource = spec.create(`names-${kind}`);
      const sent = Object.keys(await inputsOf(resource, `names-${kind}`)).filter((name) => name !== "__provider");

      // Every argument is recorded under an input name of the definition…
      const derived = new Set(handler.derivedNames);
      const programInputs = handler.inputNames.filter((name) => !derived.has(name));
      expect(sent.filter((name) => !programInputs.includes(name))).toEqual([]);
      // …and every input a program may set is an SDK argument (or is left out, with a reason).
      const notOffered = Object.keys(spec.notOffered ?? {});
      expect(programInputs.filter((name) => !sent.includes(name)).sort()).toEqual(notOffered.sort());

      // Every output of the definition is an output of the class, and every member the class declares exists.
      const members = Object.keys(spec.members);
      expect(handler.outputNames.filter((name) => !members.includes(name))).toEqual([]);
      const missing = members.filter((name) => !pulumi.Output.isInstance((resource as never)[name]));
      expect(missing, "declared on the class but never given a slot").toEqual([]);
      // A member that is neither an input nor an output of the definition would always be undefined.
      const known = new Set([...handler.inputNames, ...handler.derivedNames, ...handler.outputNames]);
      expect(members.filter((name) => !known.has(name))).toEqual([]);
    });
  }
});
