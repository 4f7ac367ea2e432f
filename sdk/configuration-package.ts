import * as pulumi from "@pulumi/pulumi";
import { type AdoptArgs, type ConnectionArgs, outputSlots, type Timeouts, ownerOf } from "./common";
import { filePathOf } from "./files";
import { connectionOf, connectionOptions } from "./connection";
import { OUTPUT_NAMES } from "../provider/resources/output-names";
import { providerFor, TYPE_MODULE } from "./shim";

export interface ConfigurationPackageArgs extends ConnectionArgs, AdoptArgs {
  /** Company the package belongs to (GUID), e.g. `company.companyId`. */
  companyId: pulumi.Input<string>;
  /** Package code (Code[20], stored upper-case). Changing it replaces the package. */
  code: pulumi.Input<string>;
  /** Package name (≤ 50 characters). */
  packageName: pulumi.Input<string>;
  /** Windows language id of the package (0 = none). */
  languageId?: pulumi.Input<number>;
  /**
   * The `.rapidstart` file, or the package's XML (UTF-8 or UTF-16), which the provider packs: a path or a
   * `pulumi.asset.FileAsset`. The given file's SHA-256, not its path, decides updates.
   */
  file: pulumi.Input<string | pulumi.asset.FileAsset>;
  /** Apply the package after importing it (default true). With false the package is imported only. */
  apply?: pulumi.Input<boolean>;
  /** Accept an apply that completed with row errors (`numberOfErrors > 0`); default false fails the operation. */
  allowRowErrors?: pulumi.Input<boolean>;
  timeouts?: pulumi.Input<Timeouts>;
}

/**
 * A RapidStart configuration package: created, uploaded, imported and (by default) applied. A content change
 * re-uploads, re-imports and re-applies. Deleting the resource deletes the package record only: the data the
 * package applied stays in the company.
 */
export class ConfigurationPackage extends pulumi.dynamic.Resource {
  declare readonly packageId: pulumi.Output<string>;
  declare readonly code: pulumi.Output<string>;
  declare readonly fileSha256: pulumi.Output<string>;
  declare readonly numberOfTables: pulumi.Output<number>;
  declare readonly numberOfRecords: pulumi.Output<number>;
  declare readonly numberOfErrors: pulumi.Output<number>;
  declare readonly importStatus: pulumi.Output<string>;
  declare readonly applyStatus: pulumi.Output<string>;
  /** BC's importError / applyError text of the last import / apply ("" when none). */
  declare readonly importError: pulumi.Output<string>;
  declare readonly applyError: pulumi.Output<string>;
  declare readonly environment: pulumi.Output<string>;

  constructor(name: string, args: ConfigurationPackageArgs, opts?: pulumi.CustomResourceOptions) {
    const { file, ...rest } = args;
    super(
      providerFor("ConfigurationPackage"),
      name,
      {
        ...rest,
        connection: connectionOf(args.connection, opts),
        filePath: filePathOf(file),
        // `fileSha256` is derived from the file at check, shown as an output.
        ...outputSlots<ConfigurationPackage>(OUTPUT_NAMES.ConfigurationPackage, ["fileSha256"]),
        environment: args.environment,
        owner: ownerOf("ConfigurationPackage", name),
      },
      connectionOptions(opts),
      TYPE_MODULE,
      "ConfigurationPackage",
    );
  }
}
