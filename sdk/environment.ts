import * as pulumi from "@pulumi/pulumi";
import { type AdoptArgs, outputSlots, ownerOf, type Timeouts } from "./common";
import { type ConnectionInput, connectionOf, connectionOptions } from "./connection";
import { OUTPUT_NAMES } from "../provider/resources/output-names";
import { providerFor, TYPE_MODULE } from "./shim";

export interface EnvironmentCopySource {
  /** The environment to copy (usually production). */
  environment: pulumi.Input<string>;
  /** The type the source must have; the copy is refused when it differs (a guard against copying the wrong one). */
  type?: pulumi.Input<"Sandbox" | "Production">;
}

export interface EnvironmentRestoreSource {
  /** The environment to restore (it stays as it is; the restore creates this new environment). */
  environment: pulumi.Input<string>;
  /** ISO 8601 UTC time to restore to, in the past and within the last 28 days, e.g. `2026-04-22T20:00:00Z`. */
  pointInTime: pulumi.Input<string>;
}

export interface EnvironmentUpdateWindow {
  /** `HH:mm`, 24-hour clock. The window is at least 6 hours and may wrap midnight (22:00–05:00). */
  startTime: pulumi.Input<string>;
  endTime: pulumi.Input<string>;
  /** A Windows time zone id (`W. Europe Standard Time`); unset keeps the environment's time zone. */
  timeZoneId?: pulumi.Input<string>;
}

export interface EnvironmentArgs extends AdoptArgs {
  /** The tenant and app that manage it (Admin Center access); default: stack config, then environment variables. */
  connection?: pulumi.Input<ConnectionInput>;
  /** Environment name: a letter, then letters, digits, `_` or `-`, fewer than 30 characters. */
  name: pulumi.Input<string>;
  type: pulumi.Input<"Sandbox" | "Production">;
  /** Country/region code (`US`, `GB`, `DK`, …). Required unless `copyFrom` is set (a copy keeps the source's). */
  countryCode?: pulumi.Input<string>;
  /** Release ring, `PROD` (default) or `PREVIEW` (sandboxes only). Not with `copyFrom`. */
  ringName?: pulumi.Input<string>;
  /** Application version to create with (default: the ring's latest). Only used at creation. Not with `copyFrom`. */
  applicationVersion?: pulumi.Input<string>;
  /** Create the environment as a copy of another one: its data and its "Microsoft Entra applications" come along. */
  copyFrom?: pulumi.Input<EnvironmentCopySource>;
  /** Create the environment as a point-in-time restore of another one (not with `copyFrom`, `countryCode`, `ringName`). */
  restoreFrom?: pulumi.Input<EnvironmentRestoreSource>;
  /** The update window, changed in place; unset leaves BC's window alone. */
  updateWindow?: pulumi.Input<EnvironmentUpdateWindow>;
  /** Application Insights connection string (stored as a secret); `""` clears it; BC restarts the environment to apply it. */
  applicationInsightsConnectionString?: pulumi.Input<string>;
  /** Entra security group (object id) whose members alone may sign in; `null` clears it; unset leaves it alone. */
  securityGroupId?: pulumi.Input<string | null>;
  /** Whether users with Microsoft 365 licences may use the environment; unset leaves it alone. */
  accessWithM365Licenses?: pulumi.Input<boolean>;
  /** A Production environment is deleted (destroy, removal, replace) only when state has `allowDelete: true`. */
  allowDelete?: pulumi.Input<boolean>;
  /** Deadlines: `create` (default 60m) bounds the create or copy operation, `delete` (default 30m) the delete. */
  timeouts?: pulumi.Input<Timeouts>;
}

/**
 * A Business Central environment, created (copied or restored) and deleted through the Admin Center API. Deleting it
 * is a soft delete: BC renames the environment at once (freeing the name) and keeps it recoverable for a while. A
 * Production environment is deleted only with `allowDelete: true` recorded; `protect: true` stops deletes at preview,
 * `retainOnDelete: true` makes Pulumi forget rather than delete. Other resources target it with `environment: env.name`.
 */
export class Environment extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly type: pulumi.Output<string>;
  declare readonly countryCode: pulumi.Output<string | undefined>;
  /** `<aadTenantId>/<name>`: environments are named uniquely within their Entra tenant. */
  declare readonly environmentId: pulumi.Output<string>;
  declare readonly aadTenantId: pulumi.Output<string>;
  /** `Active` once created (also `Preparing`, `Upgrading`, … as BC reports it). */
  declare readonly status: pulumi.Output<string>;
  /** The application version it runs now. */
  declare readonly version: pulumi.Output<string>;
  declare readonly webClientUrl: pulumi.Output<string>;
  declare readonly webServiceUrl: pulumi.Output<string>;

  constructor(name: string, args: EnvironmentArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor("Environment"),
      name,
      {
        ...args,
        ...(args.applicationInsightsConnectionString === undefined
          ? {}
          : { applicationInsightsConnectionString: pulumi.secret(args.applicationInsightsConnectionString) }),
        connection: connectionOf(args.connection, opts),
        ...outputSlots<Environment>(OUTPUT_NAMES.Environment),
        owner: ownerOf("Environment", name),
      },
      secretInsightsOptions(connectionOptions(opts)),
      TYPE_MODULE,
      "Environment",
    );
  }
}

/** The Application Insights connection string stays secret in outputs too (the provider echoes inputs into state). */
function secretInsightsOptions(opts: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
  return {
    ...opts,
    additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "applicationInsightsConnectionString"],
  };
}
