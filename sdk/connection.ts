import * as pulumi from "@pulumi/pulumi";
import type { ConnectionFields } from "../provider/connection/schema";

/**
 * How resources reach Business Central: the `businesscentral:*` stack config keys as one object, every field an
 * `Input`, so an Entra app registration's outputs (`@pulumi/azuread` client id, application password) flow in and
 * one program can address several tenants. A field not given falls back to stack config, then environment
 * variables (docs/authentication.md). The SDK stores the whole object as a secret.
 *
 * The fields and their documentation are the provider's one declaration (provider/connection/schema.ts), taken
 * as a type only: nothing of the provider loads into the program.
 */
export type ConnectionInput = { [K in keyof ConnectionFields]?: pulumi.Input<NonNullable<ConnectionFields[K]>> };

export interface TenantArgs extends ConnectionInput {}

/**
 * A Business Central tenant connection as a component: resources created with `{ parent: tenant }` use its
 * connection unless they set their own. It creates nothing in BC.
 *
 *   const contoso = new bc.Tenant("contoso", { tenantId, clientId: app.clientId, clientSecret: password.value });
 *   new bc.Company("contoso", { displayName: "Contoso Ltd." }, { parent: contoso });
 */
export class Tenant extends pulumi.ComponentResource {
  /** The connection children inherit (secret). */
  readonly connection: pulumi.Output<ConnectionInput>;

  constructor(name: string, args: TenantArgs, opts?: pulumi.ComponentResourceOptions) {
    super("businesscentral:index:Tenant", name, {}, opts);
    this.connection = pulumi.secret(pulumi.output(args) as pulumi.Output<ConnectionInput>);
    this.registerOutputs({});
  }
}

/**
 * A resource's `connection`: its own, else its `Tenant` parent's, as a secret (stored encrypted in inputs and state).
 */
export function connectionOf(
  connection: pulumi.Input<ConnectionInput> | undefined,
  opts: pulumi.CustomResourceOptions | undefined,
): pulumi.Output<ConnectionInput> | undefined {
  const given = connection ?? (opts?.parent instanceof Tenant ? opts.parent.connection : undefined);
  return given === undefined ? undefined : pulumi.secret(pulumi.output(given) as pulumi.Output<ConnectionInput>);
}

/** A resource's options with `connection` kept secret in its outputs too (the provider echoes it into state). */
export function connectionOptions(opts: pulumi.CustomResourceOptions | undefined): pulumi.CustomResourceOptions {
  return { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "connection"] };
}
