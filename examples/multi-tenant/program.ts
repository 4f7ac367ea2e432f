import * as pulumi from "@pulumi/pulumi";
import * as bc from "pulumi-businesscentral";

/** One customer tenant: where it is and which app reaches it (its secret is in `tenants:clientSecrets`). */
interface CustomerTenant {
  /** A short name, unique in the stack: it prefixes the resource names. */
  name: string;
  tenantId: string;
  clientId: string;
  environment: string;
  /** The company to create there. */
  companyName: string;
  /** Users who get read access to the new company (BC user names, e.g. ADMIN). */
  userNames: string[];
  /** Only for the local emulator or sovereign clouds: where Entra ID and BC live, and a CA to trust. */
  authorityHost?: string;
  apiBaseUrl?: string;
  caCertPath?: string;
}

/**
 * Several customers' tenants from one program: each tenant is a `bc.Tenant` (its own tenant id, app and secret),
 * and the resources created with `{ parent: tenant }` go to that tenant only. Credentials never come from
 * `businesscentral:*` stack config here: the non-secret part is `tenants:list`, the secrets are the secret object
 * `tenants:clientSecrets` (name → client secret). README.md shows the config.
 */
export function multiTenant() {
  const cfg = new pulumi.Config("tenants");
  const customers = cfg.requireObject<CustomerTenant[]>("list");
  const secrets = cfg.requireSecretObject<Record<string, string>>("clientSecrets");

  const companies: Record<string, pulumi.Output<string>> = {};
  for (const customer of customers) {
    const tenant = new bc.Tenant(customer.name, {
      tenantId: customer.tenantId,
      clientId: customer.clientId,
      clientSecret: secrets.apply((s) => {
        const secret = s[customer.name];
        if (!secret) throw new Error(`tenants:clientSecrets has no entry '${customer.name}'`);
        return secret;
      }),
      environment: customer.environment,
      authorityHost: customer.authorityHost,
      apiBaseUrl: customer.apiBaseUrl,
      caCertPath: customer.caCertPath,
    });
    const company = new bc.Company(
      `${customer.name}-company`,
      { displayName: customer.companyName },
      { parent: tenant },
    );
    for (const userName of customer.userNames) {
      new bc.PermissionSetAssignment(
        `${customer.name}-${userName.toLowerCase()}-read`,
        { userName, roleId: "D365 READ", company: company.name },
        { parent: tenant },
      );
    }
    companies[customer.name] = company.companyId;
  }
  return { companies };
}
