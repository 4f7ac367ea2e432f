import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { EmulatorState, EnvironmentState, PermissionSetState, TenantState, UserState } from "./model";
import { appSourceCatalogSchema, catalogFromSeed, defaultAppSourceCatalog } from "../admin/catalog-seed";

/** Microsoft's app id for the System Application / Base Application (their permission sets carry it). */
export const BASE_APP_ID = "437dbf0e-84ff-417a-965d-ed2bb9650972";
export const SYSTEM_APP_ID = "63ca2fa4-4f03-4f2b-a480-172fef340d3f";

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be a GUID");

const assignment = z.object({ roleId: z.string(), company: z.string().default("") });

const seedSchema = z
  .object({
    tenants: z.array(
      z
        .object({
          id: guid,
          domains: z.array(z.string()).default([]),
          // Admin Center "Authorized Microsoft Entra apps" (emulator/admin); absent ⇒ none authorized.
          authorizedAdminApps: z.array(guid).default([]),
          apps: z
            .array(
              z
                .object({
                  clientId: guid,
                  displayName: z.string(),
                  secrets: z.array(z.string()).default([]),
                  certificates: z.array(z.string()).default([]),
                  federatedCredentials: z
                    .array(
                      z.object({
                        issuer: z.string(),
                        subject: z.string(),
                        audience: z.string().default("api://AzureADTokenExchange"),
                      }),
                    )
                    .default([]),
                  grantedRoles: z.array(z.string()).default([]),
                })
                .strict(),
            )
            .default([]),
          environments: z
            .array(
              z
                .object({
                  name: z
                    .string()
                    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,29}$/, "must start with a letter, ≤30 letters, digits, _ or -"),
                  type: z.enum(["Production", "Sandbox"]).default("Sandbox"),
                  countryCode: z.string().default("US"),
                  applicationVersion: z.string().default("29.1.41238.0"),
                  profile: z.enum(["24", "25", "29", "29-no-upload"]).optional(),
                  entraApplications: z
                    .array(
                      z
                        .object({
                          clientId: guid,
                          description: z.string().default(""),
                          state: z.enum(["Enabled", "Disabled"]).default("Enabled"),
                          permissionSets: z.array(z.union([z.string(), assignment])).default([]),
                        })
                        .strict(),
                    )
                    .default([]),
                  companies: z
                    .array(
                      z
                        .object({
                          id: guid.optional(),
                          name: z.string().max(30),
                          displayName: z.string().optional(),
                          evaluationCompany: z.boolean().default(false),
                        })
                        .strict(),
                    )
                    .min(1, "an environment needs at least one company"),
                  users: z
                    .array(
                      z
                        .object({
                          userSecurityId: guid.optional(),
                          userName: z.string().max(50),
                          displayName: z.string().max(80).default(""),
                          state: z.enum(["Enabled", "Disabled"]).default("Enabled"),
                          contactEmail: z.string().default(""),
                          licenseType: z.string().default("Full User"),
                          permissionSets: z.array(z.union([z.string(), assignment])).default([]),
                        })
                        .strict(),
                    )
                    .default([]),
                  permissionSets: z
                    .array(
                      z
                        .object({
                          id: z.string().max(20),
                          displayName: z.string(),
                          appId: guid.default(BASE_APP_ID),
                          extensionName: z.string().default("Base Application"),
                          scope: z.enum(["System", "Tenant"]).default("System"),
                        })
                        .strict(),
                    )
                    .optional(),
                  securityGroups: z
                    .array(
                      z
                        .object({
                          id: z.string(),
                          code: z.string().max(20),
                          groupName: z.string(),
                          members: z.array(z.string()).default([]),
                          permissionSets: z.array(z.union([z.string(), assignment])).default([]),
                        })
                        .strict(),
                    )
                    .default([]),
                  userGroups: z
                    .array(
                      z
                        .object({
                          code: z.string().max(20),
                          displayName: z.string(),
                          defaultProfileID: z.string().default(""),
                          assignToAllNewUsers: z.boolean().default(false),
                        })
                        .strict(),
                    )
                    .default([]),
                  extensions: z
                    .array(
                      z
                        .object({
                          id: guid,
                          packageId: guid.optional(),
                          displayName: z.string(),
                          publisher: z.string(),
                          version: z.string().regex(/^\d+\.\d+\.\d+\.\d+$/),
                          publishedAs: z.enum(["Global", "PTE", "Dev"]).default("Global"),
                          installed: z.boolean().default(true),
                          dependencies: z.array(guid).default([]),
                        })
                        .strict(),
                    )
                    .optional(),
                })
                .strict(),
            )
            .default([]),
        })
        .strict(),
    ),
    // The Admin Center's AppSource catalog (emulator/admin); absent ⇒ the built-in catalog.
    appSourceCatalog: appSourceCatalogSchema.optional(),
  })
  .passthrough();

export type SeedInput = z.input<typeof seedSchema>;

/** Reads and validates a seed file; errors name the offending path. */
export function loadSeedFile(path: string): SeedInput {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`Cannot read seed file ${path}: ${(err as Error).message}`);
  }
  return raw as SeedInput;
}

/** Turns a seed into the emulator's state. Missing ids are derived deterministically from names. */
export function stateFromSeed(input: SeedInput): EmulatorState {
  const parsed = seedSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid seed at ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const tenants: TenantState[] = parsed.data.tenants.map((t) => ({
    id: t.id.toLowerCase(),
    domains: t.domains,
    apps: t.apps.map((a) => ({ ...a, clientId: a.clientId.toLowerCase() })),
    environments: t.environments.map((e) => environmentFromSeed(t.id, e)),
    authorizedAdminApps: t.authorizedAdminApps.map((id) => id.toLowerCase()),
  }));
  const appSourceCatalog = parsed.data.appSourceCatalog
    ? catalogFromSeed(parsed.data.appSourceCatalog)
    : defaultAppSourceCatalog();
  return { version: 1, tenants, appSourceCatalog };
}

type EnvSeed = z.infer<typeof seedSchema>["tenants"][number]["environments"][number];

function environmentFromSeed(tenantId: string, e: EnvSeed): EnvironmentState {
  const stable = (...parts: string[]) => stableGuid(tenantId, e.name, ...parts);
  const created = "2026-01-05T08:00:00Z";
  const env: EnvironmentState = {
    name: e.name,
    type: e.type,
    countryCode: e.countryCode,
    applicationVersion: e.applicationVersion,
    profile: e.profile,
    entraApplications: [],
    companies: e.companies.map((c) => ({
      rev: 1,
      id: (c.id ?? stable("company", c.name)).toLowerCase(),
      name: c.name,
      displayName: c.displayName ?? c.name,
      businessProfileId: "",
      evaluationCompany: c.evaluationCompany,
      systemVersion: e.applicationVersion,
      systemCreatedAt: created,
      systemCreatedBy: "00000000-0000-0000-0000-000000000001",
      systemModifiedAt: created,
      systemModifiedBy: "00000000-0000-0000-0000-000000000001",
      configurationPackages: [],
      extensionUpload: null,
    })),
    users: [],
    permissionSets: (e.permissionSets ?? DEFAULT_PERMISSION_SETS).map((p) => ({
      id: p.id.toUpperCase(),
      displayName: p.displayName,
      appId: (p.appId ?? BASE_APP_ID).toLowerCase(),
      extensionName: p.extensionName ?? "Base Application",
      scope: p.scope ?? "System",
    })),
    accessControls: [],
    securityGroups: [],
    profiles: DEFAULT_PROFILES,
    userGroups: [],
    userGroupMembers: [],
    userGroupPermissions: [],
    publishedApps: (e.extensions ?? DEFAULT_EXTENSIONS).map((x) => ({
      packageId: (x.packageId ?? stable("package", x.id, x.version)).toLowerCase(),
      id: x.id.toLowerCase(),
      displayName: x.displayName,
      publisher: x.publisher,
      version: x.version,
      publishedAs: x.publishedAs ?? "Global",
      isInstalled: x.installed ?? true,
      tenantVisible: true,
      perTenant: (x.publishedAs ?? "Global") !== "Global",
      dependencies: x.dependencies ?? [],
    })),
    deploymentOperations: [],
  };
  const assign = (userSecurityId: string, sets: (string | { roleId: string; company: string })[]) => {
    for (const set of sets) {
      const { roleId, company } = typeof set === "string" ? { roleId: set, company: "" } : set;
      const ps = env.permissionSets.find((p) => p.id === roleId.toUpperCase());
      if (!ps) throw new Error(`Invalid seed: permission set '${roleId}' is not defined in environment '${e.name}'`);
      env.accessControls.push({
        rev: 1,
        id: stable("ac", userSecurityId, ps.id, company),
        userSecurityId,
        roleId: ps.id,
        company,
        scope: ps.scope,
        appId: ps.appId,
      });
    }
  };
  const addUser = (u: Omit<UserState, "rev">) => env.users.push({ rev: 1, ...u });
  for (const u of e.users) {
    const id = (u.userSecurityId ?? stable("user", u.userName)).toLowerCase();
    addUser({
      userSecurityId: id,
      userName: u.userName.toUpperCase(),
      displayName: u.displayName,
      state: u.state,
      expiryDate: "0001-01-01T00:00:00Z",
      contactEmail: u.contactEmail,
      licenseType: u.licenseType,
      authenticationEmail: u.contactEmail,
    });
    assign(id, u.permissionSets);
  }
  for (const app of e.entraApplications) {
    const id = stable("app-user", app.clientId);
    env.entraApplications.push({
      clientId: app.clientId.toLowerCase(),
      description: app.description,
      state: app.state,
      userSecurityId: id,
    });
    addUser({
      userSecurityId: id,
      userName: app.description.toUpperCase().slice(0, 50) || app.clientId.toUpperCase(),
      displayName: app.description,
      state: app.state,
      expiryDate: "0001-01-01T00:00:00Z",
      contactEmail: "",
      licenseType: "Application",
      authenticationEmail: "",
    });
    assign(id, app.permissionSets);
  }
  for (const g of e.securityGroups) {
    const groupUser = stable("group-user", g.id);
    const members = g.members.map((name) => {
      const user = env.users.find((u) => u.userName === name.toUpperCase());
      if (!user) throw new Error(`Invalid seed: security group '${g.code}' member '${name}' is not a user`);
      return user.userSecurityId;
    });
    env.securityGroups.push({
      rev: 1,
      id: g.id,
      code: g.code.toUpperCase(),
      groupName: g.groupName,
      groupUserSecurityId: groupUser,
      memberUserSecurityIds: members,
    });
    assign(groupUser, g.permissionSets);
  }
  for (const g of e.userGroups) {
    env.userGroups.push({
      rev: 1,
      id: stable("user-group", g.code),
      code: g.code.toUpperCase(),
      displayName: g.displayName,
      defaultProfileID: g.defaultProfileID,
      assignToAllNewUsers: g.assignToAllNewUsers,
    });
  }
  return env;
}

/** A GUID derived from names, so a seed without ids gives the same ids on every start. */
export function stableGuid(...parts: string[]): string {
  const hex = createHash("sha256").update(parts.join("\u0000").toLowerCase()).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const DEFAULT_PERMISSION_SETS: PermissionSetState[] = [
  ["D365 AUTOMATION", "Dyn. 365 Automation"],
  ["EXTEN. MGT. - ADMIN", "Extension Management - Admin"],
  ["D365 BASIC", "Dynamics 365 Basic access"],
  ["D365 BUS FULL ACCESS", "Dynamics 365 Full business access"],
  ["D365 BUS PREMIUM", "Dynamics 365 Premium business access"],
  ["D365 READ", "Dynamics 365 Read access"],
  ["D365 ACCOUNTANTS", "Dynamics 365 Accountants"],
  ["D365 SALES DOC, EDIT", "Dynamics 365 Create sales documents"],
  ["SECURITY", "Assign permissions to users"],
  ["SUPER", "This user is a superuser"],
  ["LOGIN", "Login"],
].map(([id, displayName]) => ({
  id,
  displayName,
  appId: BASE_APP_ID,
  extensionName: "Base Application",
  scope: "System" as const,
}));

// A role id defined twice (System in one app, Tenant in another) makes the ambiguity error reproducible.
DEFAULT_PERMISSION_SETS.push(
  {
    id: "SALES REP",
    displayName: "Sales representative",
    appId: BASE_APP_ID,
    extensionName: "Base Application",
    scope: "System",
  },
  {
    id: "SALES REP",
    displayName: "Sales representative (Contoso)",
    appId: "7c1f5a2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b",
    extensionName: "Contoso Sales Pack",
    scope: "Tenant",
  },
);

const DEFAULT_PROFILES = [
  ["BUSINESS MANAGER", "Business Manager"],
  ["ACCOUNTANT", "Accountant"],
  ["SALES ORDER PROCESSOR", "Sales Order Processor"],
].map(([profileId, displayName]) => ({
  profileId,
  applicationId: BASE_APP_ID,
  scope: "System" as const,
  source: "Base Application",
  displayName,
  enabled: true,
}));

const DEFAULT_EXTENSIONS = [
  { id: SYSTEM_APP_ID, displayName: "System Application", publisher: "Microsoft", version: "29.1.41238.41425" },
  { id: BASE_APP_ID, displayName: "Base Application", publisher: "Microsoft", version: "29.1.41238.41425" },
  {
    id: "f3552374-a1f2-4356-848e-196002525837",
    displayName: "Business Central Cloud Migration",
    publisher: "Microsoft",
    version: "29.1.41238.41425",
  },
].map((x) => ({
  ...x,
  packageId: undefined as string | undefined,
  publishedAs: "Global" as const,
  installed: true,
  dependencies: [] as string[],
}));

export const DEFAULT_TENANT_ID = "6f1f7b3e-2c4d-4b8a-9e1f-0a2b3c4d5e6f";
export const DEFAULT_CLIENT_ID = "3a9d2c71-8e4b-4f0a-b6c5-1d2e3f4a5b6c";
/** The default seed's client secret. It only opens this emulator; it is printed by the CLI on purpose. */
export const DEFAULT_CLIENT_SECRET = "emulator-only~secret~cronus-7Q2w";

/** The built-in seed: one tenant with a CRONUS-like production environment (29.x) and a 24.x sandbox. */
export function defaultSeed(): SeedInput {
  const users = [
    { userName: "ADMIN", displayName: "Annie Admin", contactEmail: "admin@cronus.example", permissionSets: ["SUPER"] },
    { userName: "JOE", displayName: "Joe Jones", contactEmail: "joe@cronus.example", permissionSets: ["D365 BASIC"] },
    { userName: "MEGAN", displayName: "Megan Bowen", contactEmail: "megan@cronus.example" },
    { userName: "ALEX", displayName: "Alex Wilber", contactEmail: "alex@cronus.example" },
    {
      userName: "ISAIAH",
      displayName: "Isaiah Langer",
      contactEmail: "isaiah@cronus.example",
      state: "Disabled" as const,
    },
  ];
  const app = {
    clientId: DEFAULT_CLIENT_ID,
    description: "Pulumi automation",
    permissionSets: ["D365 AUTOMATION", "EXTEN. MGT. - ADMIN"],
  };
  const securityGroups = [
    {
      id: "0b6d4c2a-91e3-4f57-8a1d-3c5e7f9a1b2d",
      code: "FINANCE",
      groupName: "Finance team",
      members: ["MEGAN", "ALEX"],
    },
    { id: "5e8f1a3c-2b4d-4c6e-9f0a-7b8c9d0e1f2a", code: "SALES", groupName: "Sales team", members: ["JOE"] },
  ];
  return {
    tenants: [
      {
        id: DEFAULT_TENANT_ID,
        domains: ["cronus.onmicrosoft.com"],
        // The default app may call the Admin Center API (it also holds AdminCenter.ReadWrite.All).
        authorizedAdminApps: [DEFAULT_CLIENT_ID],
        apps: [
          {
            clientId: DEFAULT_CLIENT_ID,
            displayName: "Pulumi automation",
            secrets: [DEFAULT_CLIENT_SECRET],
            grantedRoles: ["Automation.ReadWrite.All", "AdminCenter.ReadWrite.All"],
          },
        ],
        environments: [
          {
            name: "production",
            type: "Production",
            applicationVersion: "29.1.41238.0",
            entraApplications: [app],
            companies: [{ name: "CRONUS USA, Inc." }, { name: "My Company" }],
            users,
            securityGroups,
          },
          {
            name: "sandbox-24",
            type: "Sandbox",
            applicationVersion: "24.5.23489.0",
            entraApplications: [app],
            companies: [{ name: "CRONUS USA, Inc." }],
            users,
            securityGroups,
            userGroups: [
              { code: "D365 ACCOUNTANTS", displayName: "Dynamics 365 for Accountants", defaultProfileID: "ACCOUNTANT" },
              { code: "D365 SALES", displayName: "Dynamics 365 Sales" },
              // SaaS tenants have a group assigned to all new users; without one, clearing the flag asks a Confirm.
              { code: "D365 BUS FULL ACCESS", displayName: "Dynamics 365 Full access", assignToAllNewUsers: true },
            ],
          },
        ],
      },
    ],
  };
}

/** A fresh random id, for callers that need one outside a request. */
export const newGuid = () => randomUUID();
