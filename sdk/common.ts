import type * as pulumi from "@pulumi/pulumi";

/** Inputs every resource accepts. */
export interface ConnectionArgs {
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
}
