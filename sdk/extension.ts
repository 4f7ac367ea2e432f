import * as pulumi from "@pulumi/pulumi";
import { type AdoptArgs, type ConnectionArgs, outputSlots, type Timeouts, ownerOf } from "./common";
import { filePathOf } from "./files";
import { connectionOf, connectionOptions } from "./connection";
import { OUTPUT_NAMES } from "../provider/resources/output-names";
import { providerFor, TYPE_MODULE } from "./shim";

export interface AppSourceSource {
  /** AppSource app id (GUID). */
  appId: pulumi.Input<string>;
  /** Version to install or update to; default the latest available. */
  version?: pulumi.Input<string>;
}

export interface ExtensionArgs extends ConnectionArgs, AdoptArgs {
  /** Install an AppSource app through the Admin Center API. Exactly one of `appSource` and `file`. */
  appSource?: pulumi.Input<AppSourceSource>;
  /** A per-tenant extension `.app` file (path or `FileAsset`). Exactly one of `appSource` and `file`. */
  file?: pulumi.Input<string | pulumi.asset.FileAsset>;
  /** You accept the app publisher's license terms (required by BC for AppSource apps and `pteInstall`). */
  acceptIsvEula?: pulumi.Input<boolean>;
  /** Let BC install or update the dependencies the app needs (AppSource and `pteInstall`). */
  installDependencies?: pulumi.Input<boolean>;
  /** When a per-tenant upload takes effect: `Current version` (default), `Next minor version`, `Next major version`. */
  schedule?: pulumi.Input<"Current version" | "Next minor version" | "Next major version">;
  /** Schema synchronisation of a per-tenant upload: `Add` (default) or `Force Sync` (may delete data). */
  schemaSyncMode?: pulumi.Input<"Add" | "Force Sync">;
  /** Upload path for `file`: `auto` (default: `pteInstall` on BC 29+, `extensionUpload` before), or force one. */
  uploadVia?: pulumi.Input<"auto" | "extensionUpload" | "pteInstall">;
  /** On delete, also delete the extension's data (irreversible). Default false. */
  deleteData?: pulumi.Input<boolean>;
  /** On delete of a per-tenant extension, also unpublish it where BC allows (25.4+). Default true. */
  unpublish?: pulumi.Input<boolean>;
  /** Company used in Automation API paths (any company works; default: the first one). */
  companyId?: pulumi.Input<string>;
  timeouts?: pulumi.Input<Timeouts>;
}

/**
 * An installed extension: an AppSource app (Admin Center API) or a per-tenant `.app` (automation
 * `extensionUpload` on BC < 29, Admin Center `apps/pteInstall` on 29+). A higher version is an update; a lower
 * one is refused at check. Deleting uninstalls (and unpublishes per-tenant extensions where possible).
 */
export class Extension extends pulumi.dynamic.Resource {
  declare readonly appId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly publisher: pulumi.Output<string>;
  /** Installed version. */
  declare readonly version: pulumi.Output<string>;
  declare readonly packageId: pulumi.Output<string>;
  declare readonly fileSha256: pulumi.Output<string>;
  declare readonly environment: pulumi.Output<string>;

  constructor(name: string, args: ExtensionArgs, opts?: pulumi.CustomResourceOptions) {
    const { file, ...rest } = args;
    super(
      providerFor("Extension"),
      name,
      {
        ...rest,
        connection: connectionOf(args.connection, opts),
        filePath: file === undefined ? undefined : filePathOf(file),
        // `fileSha256` is derived from the file at check, shown as an output.
        ...outputSlots<Extension>(OUTPUT_NAMES.Extension, ["fileSha256"]),
        environment: args.environment,
        owner: ownerOf("Extension", name),
      },
      connectionOptions(opts),
      TYPE_MODULE,
      "Extension",
    );
  }
}
