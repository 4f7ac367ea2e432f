import * as pulumi from "@pulumi/pulumi";
import type { ConnectionInput } from "./connection";

/** Inputs every resource accepts. */
export interface ConnectionArgs {
  /**
   * How to reach Business Central (tenant, app, credential, environment); default: a `Tenant` parent's connection,
   * then stack config `businesscentral:*`, then environment variables. Stored as a secret. A different tenant or
   * environment replaces the resource; a new credential is only recorded.
   */
  connection?: pulumi.Input<ConnectionInput>;
  /**
   * Business Central environment name (e.g. `production`). Default: stack config `businesscentral:environment`,
   * then the `BC_ENVIRONMENT` environment variable. Changing it replaces the resource.
   */
  environment?: pulumi.Input<string>;
}

/** Deadlines for long operations, as Go-style durations (`"90s"`, `"20m"`, `"1h"`). Pulumi's `customTimeouts` does not reach dynamic providers, so these do. */
export interface Timeouts {
  create?: pulumi.Input<string>;
  update?: pulumi.Input<string>;
  delete?: pulumi.Input<string>;
}

export interface AdoptArgs {
  /**
   * Take over an existing object found by its natural key instead of failing with "already exists".
   * Dynamic providers cannot use `pulumi import`; this is the way to bring existing objects under management.
   */
  adopt?: pulumi.Input<boolean>;
  /**
   * Delete an adopted object on destroy (or replace) too. Default `false`: an adopted object was there before this
   * stack and is left in place, as found. Objects this stack created are always deleted (see also `retainOnDelete`).
   */
  deleteAdopted?: pulumi.Input<boolean>;
}

/**
 * Slots for the properties the provider fills, each a member the class `C` declares. Pulumi creates a resource's
 * output only for a property its constructor passes, so each output-only name goes in as `undefined` (an unset
 * input: never recorded).
 */
export function outputSlots<C>(...lists: readonly (readonly (keyof C & string)[])[]): Record<string, undefined> {
  return Object.fromEntries(lists.flat().map((name) => [name, undefined]));
}

/**
 * The `owner` input every resource passes: `<project>/<stack>/<Kind>/<name>`. A dynamic provider's create sees only
 * its inputs; with this it records create intents, so the next run takes back what an interrupted run created
 * (docs/reliability.md). Resource names must be unique per kind within a stack for this to hold.
 */
export function ownerOf(kind: string, name: string): string {
  return `${pulumi.getProject()}/${pulumi.getStack()}/${kind}/${name}`;
}
