import * as pulumi from "@pulumi/pulumi";
import { type AdoptArgs, type ConnectionArgs, outputSlots, type Timeouts, ownerOf } from "./common";
import { connectionOf, connectionOptions } from "./connection";
import { OUTPUT_NAMES } from "../provider/resources/output-names";
import { providerFor, TYPE_MODULE } from "./shim";

export interface CompanyArgs extends ConnectionArgs, AdoptArgs {
  /** Company display name (≤ 250 characters). BC derives the company `name` from its first 30 characters. */
  displayName: pulumi.Input<string>;
  /** Business profile id (optional). */
  businessProfileId?: pulumi.Input<string>;
  /** Deadlines; `delete` bounds the retries while BC reports the company "currently in use". */
  timeouts?: pulumi.Input<Timeouts>;
}

/**
 * A Business Central company, created through `automationCompanies`. The company is not initialised: import a
 * RapidStart package ({@link ConfigurationPackage}) to set it up. A `displayName` change is an in-place update;
 * `name` keeps the value BC derived at creation. Consider `protect: true` or `retainOnDelete: true` for
 * production companies: deleting a company deletes its data.
 */
export class Company extends pulumi.dynamic.Resource {
  /** BC company id (GUID). Also the resource id. */
  declare readonly companyId: pulumi.Output<string>;
  /** Company name derived by BC (first 30 characters of the display name at creation; read-only afterwards). */
  declare readonly name: pulumi.Output<string>;
  declare readonly displayName: pulumi.Output<string>;
  declare readonly businessProfileId: pulumi.Output<string>;
  declare readonly evaluationCompany: pulumi.Output<boolean>;
  declare readonly environment: pulumi.Output<string>;

  constructor(name: string, args: CompanyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor("Company"),
      name,
      {
        ...args,
        connection: connectionOf(args.connection, opts),
        // `name` is derived at check (an input in state), shown as an output; `companyId` is replaced by the id below.
        ...outputSlots<Company>(OUTPUT_NAMES.Company, ["name"]),
        environment: args.environment,
        owner: ownerOf("Company", name),
      },
      connectionOptions(opts),
      TYPE_MODULE,
      "Company",
    );
    // The resource id is the company id. Unlike a computed output, the id stays known while an update is
    // previewed, so dependents (ConfigurationPackage.companyId) don't show a false replacement.
    (this as { companyId: pulumi.Output<string> }).companyId = this.id;
  }
}
