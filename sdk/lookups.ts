/**
 * Lookups for programs, in Pulumi's invoke shape: `getX(args, opts)` returns a promise, `getXOutput(args, opts)`
 * takes `Input`s and returns an `Output`. They read a user, a company or a permission set of a Business Central
 * environment while the program runs (nothing is recorded in state), through the `connection` argument, then the
 * stack's `businesscentral:*` config, then the provider's environment variables (docs/authentication.md). The
 * client is loaded on first call (dynamic import), so importing the SDK stays light.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as Api from "../provider/api";
import type { ConnectionInput } from "./connection";

/** A connection whose values are known (what `getX` takes; `getXOutput` takes `Input`s of the same). */
export type ResolvedConnection = { [K in keyof ConnectionInput]?: pulumi.Unwrap<ConnectionInput[K]> };

export interface LookupConnectionArgs {
  /** Environment to read (default: `connection.environment`, `businesscentral:environment`, then `BC_ENVIRONMENT`). */
  environment?: string;
  /** How to reach BC (default: stack config, then environment variables). */
  connection?: ResolvedConnection;
}

/** `getXOutput` arguments: every field an `Input`. */
export type OutputArgs<T> = { [K in keyof T]: pulumi.Input<T[K]> };

export interface GetUserArgs extends LookupConnectionArgs {
  /** BC user name (case-insensitive; BC stores it upper-case), e.g. `ADMIN`. */
  userName: string;
}

export interface GetUserResult {
  userSecurityId: string;
  userName: string;
  displayName: string;
  /** `Enabled` or `Disabled` (as BC sends it, decoded). */
  state: string;
  contactEmail: string;
  environment: string;
}

export interface GetCompanyArgs extends LookupConnectionArgs {
  /** The company's name (exact; BC's key). Give this or `displayName`. */
  name?: string;
  /** The company's display name (exact). */
  displayName?: string;
}

export interface GetCompanyResult {
  /** The company id (as `Company.companyId`). */
  companyId: string;
  /** The same id (kept for programs written against earlier versions). */
  id: string;
  name: string;
  displayName: string;
  businessProfileId: string;
  environment: string;
}

export interface GetPermissionSetArgs extends LookupConnectionArgs {
  /** Permission set (role) id, e.g. `D365 BUS FULL ACCESS` (case-insensitive). */
  roleId: string;
  /** Narrows a role id defined more than once. */
  scope?: "System" | "Tenant";
  /** Narrows a role id defined more than once: the defining app's id. */
  appId?: string;
}

export interface GetPermissionSetResult {
  roleId: string;
  displayName: string;
  /** `System` or `Tenant`. */
  scope: string;
  appId: string;
  extensionName: string;
  environment: string;
}

/** Loads a provider module on first use (a dynamic import: the SDK's main import stays light). */
async function load<T>(module: Promise<T>): Promise<T> {
  const loaded = (await module) as T & { default?: T };
  // Node's import() of a CommonJS module exposes its exports as `default` (and usually as named exports too).
  return loaded.default && typeof loaded.default === "object" ? loaded.default : loaded;
}

/** The program's provider runtime for lookups (built on first use, shared by every lookup of the program). */
let runtime: Promise<Api.ProviderRuntime> | undefined;

function lookupRuntime(): Promise<Api.ProviderRuntime> {
  runtime ??= load(import("../provider/api.js")).then((api) => {
    const config = new pulumi.Config("businesscentral");
    return api.createRuntime({
      config: {
        get: (key) =>
          key.startsWith("businesscentral:") ? config.get(key.slice("businesscentral:".length)) : undefined,
      },
    });
  });
  return runtime;
}

async function automationFor(args: LookupConnectionArgs): Promise<Api.AutomationApi> {
  const provider = await lookupRuntime();
  const { settings, environment } = provider.resolve(args);
  return provider.connect(settings).automation(environment);
}

/** `getXOutput` from `getX`: resolves the `Input`s, then looks up (secret when the connection is). */
function outputOf<A, R>(
  lookup: (args: A, opts?: pulumi.InvokeOptions) => Promise<R>,
): (args: OutputArgs<A>, opts?: pulumi.InvokeOptions) => pulumi.Output<R> {
  return (args, opts) =>
    pulumi.output(args).apply((resolved) => lookup(resolved as unknown as A, opts)) as unknown as pulumi.Output<R>;
}

/** A BC user by user name; fails naming `userName` if there is none. */
export async function getUser(args: GetUserArgs, _opts?: pulumi.InvokeOptions): Promise<GetUserResult> {
  if (!args?.userName) throw new Error('getUser: userName is required (e.g. { userName: "ADMIN" })');
  const automation = await automationFor(args);
  const user = await automation.users.findByUserName(args.userName);
  if (!user) {
    throw new Error(
      `getUser: userName '${args.userName}' is not a user in environment '${automation.environment}'. Users come from Entra ID; add the user there and sync users in BC first.`,
    );
  }
  return {
    userSecurityId: user.userSecurityId.toLowerCase(),
    userName: user.userName,
    displayName: user.displayName,
    state: user.state,
    contactEmail: user.contactEmail ?? "",
    environment: automation.environment,
  };
}

/** A company by `name` or `displayName`; fails listing the companies if there is no match. */
export async function getCompany(args: GetCompanyArgs, _opts?: pulumi.InvokeOptions): Promise<GetCompanyResult> {
  const given = [args?.name, args?.displayName].filter((v) => v !== undefined && v !== "");
  if (given.length !== 1) throw new Error("getCompany: give exactly one of name or displayName");
  const automation = await automationFor(args);
  const company = await automation.companies.find(
    args.name ? { name: args.name } : { displayName: args.displayName ?? "" },
  );
  if (!company) {
    const companies = await automation.companies.list();
    const field = args.name ? "name" : "displayName";
    throw new Error(
      `getCompany: ${field} '${args.name || args.displayName}' matches no company in environment '${automation.environment}' (companies: ${companies.map((c) => `'${c.name}'`).join(", ")}).`,
    );
  }
  return {
    companyId: company.id.toLowerCase(),
    id: company.id.toLowerCase(),
    name: company.name,
    displayName: company.displayName,
    businessProfileId: company.businessProfileId ?? "",
    environment: automation.environment,
  };
}

/** The one permission set a role id (narrowed by scope/appId) means; ambiguous or unknown ids fail with candidates. */
export async function getPermissionSet(
  args: GetPermissionSetArgs,
  _opts?: pulumi.InvokeOptions,
): Promise<GetPermissionSetResult> {
  if (!args?.roleId) throw new Error('getPermissionSet: roleId is required (e.g. { roleId: "D365 BUS FULL ACCESS" })');
  const automation = await automationFor(args);
  const { resolvePermissionSet } = await load(import("../provider/resources/permission-set-assignment.js"));
  try {
    const set = await resolvePermissionSet(automation, {
      roleId: args.roleId.trim().toUpperCase(),
      scope: args.scope,
      appId: args.appId,
    });
    return {
      roleId: set.id,
      displayName: set.displayName,
      scope: set.scope,
      appId: set.appId.toLowerCase(),
      extensionName: set.extensionName,
      environment: automation.environment,
    };
  } catch (err) {
    throw new Error(`getPermissionSet: ${(err as Error).message}`);
  }
}

/** `getUser` with `Input` arguments, as an `Output`. */
export const getUserOutput = outputOf(getUser);
/** `getCompany` with `Input` arguments, as an `Output`. */
export const getCompanyOutput = outputOf(getCompany);
/** `getPermissionSet` with `Input` arguments, as an `Output`. */
export const getPermissionSetOutput = outputOf(getPermissionSet);
