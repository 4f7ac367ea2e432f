import * as pulumi from "@pulumi/pulumi";

/**
 * How resources reach Business Central: the `businesscentral:*` stack config keys as one object, every field an
 * `Input`, so an Entra app registration's outputs (`@pulumi/azuread` client id, application password) flow in and
 * one program can address several tenants. A field not given falls back to stack config, then environment
 * variables (docs/authentication.md). The SDK stores the whole object as a secret.
 */
export interface ConnectionInput {
  /** Entra tenant id (GUID). */
  tenantId?: pulumi.Input<string>;
  /** The app registration's Application (client) id. */
  clientId?: pulumi.Input<string>;
  /** A client secret. Prefer a federated credential in CI. */
  clientSecret?: pulumi.Input<string>;
  /** A PEM file holding the certificate and its unencrypted private key. */
  clientCertificatePath?: pulumi.Input<string>;
  /** The same as PEM text (e.g. from a key vault secret). */
  clientCertificatePem?: pulumi.Input<string>;
  /** A federated (OIDC) token file, re-read at each token request: CI systems rotate it. */
  federatedTokenFile?: pulumi.Input<string>;
  /** Business Central environment name. A resource's own `environment` input wins. */
  environment?: pulumi.Input<string>;
  /** Entra authority host (sovereign clouds, the emulator). */
  authorityHost?: pulumi.Input<string>;
  /** BC API origin (the emulator's address in tests). */
  apiBaseUrl?: pulumi.Input<string>;
  /** Admin Center API version, e.g. `v2.28`. */
  adminApiVersion?: pulumi.Input<string>;
  /** Extra CA certificate to trust (PEM file), e.g. the emulator's. */
  caCertPath?: pulumi.Input<string>;
  /** The same as PEM text. */
  caCertPem?: pulumi.Input<string>;
  /** HTTPS proxy URL. */
  proxy?: pulumi.Input<string>;
  /** Send the certificate chain with each assertion (subject-name/issuer authentication). */
  sendCertificateChain?: pulumi.Input<boolean>;
  /** Put the tenant id into Automation API URLs (default true). */
  tenantInUrl?: pulumi.Input<boolean>;
  /**
   * The company (name or id) whose URLs address environment-wide entities (users, permission sets, extensions).
   * Default: the first company. Set it when the app's permission sets are limited to one company.
   */
  scopeCompany?: pulumi.Input<string>;
  /**
   * How long a create waits while Entra ID propagates a credential, app or role assignment the program just made
   * (AADSTS7000215, AADSTS700016, a 401 without roles). Go-style duration, default `"5m"`.
   */
  propagationTimeout?: pulumi.Input<string>;
}

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
