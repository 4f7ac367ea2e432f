import * as pulumi from "@pulumi/pulumi";
import { type AdoptArgs, ownerOf, type Timeouts } from "./common";
import { type ConnectionInput, connectionOf, connectionOptions } from "./connection";
import { providerFor, TYPE_MODULE } from "./shim";

export interface EnvironmentCopySource {
  /** The environment to copy (usually production). */
  environment: pulumi.Input<string>;
  /** The type the source must have; the copy is refused when it differs (a guard against copying the wrong one). */
  type?: pulumi.Input<"Sandbox" | "Production">;
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
  /** Deadlines: `create` (default 60m) bounds the create or copy operation, `delete` (default 30m) the delete. */
  timeouts?: pulumi.Input<Timeouts>;
}

/**
 * A Business Central environment, created (or copied) and deleted through the Admin Center API. Deleting it is a
 * soft delete: BC keeps the environment recoverable for a while (and its name taken). Protect production
 * environments with `protect: true`, or `retainOnDelete: true` when Pulumi should forget rather than delete them.
 * Other resources target it with `environment: env.name`.
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
        connection: connectionOf(args.connection, opts),
        environmentId: undefined,
        aadTenantId: undefined,
        status: undefined,
        version: undefined,
        webClientUrl: undefined,
        webServiceUrl: undefined,
        owner: ownerOf("Environment", name),
      },
      connectionOptions(opts),
      TYPE_MODULE,
      "Environment",
    );
  }
}
