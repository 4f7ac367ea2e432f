/**
 * Extension: an AppSource app (Admin Center install/update/uninstall) or a per-tenant `.app` (automation
 * `extensionUpload` before BC 29, Admin Center `apps/pteInstall` from 29). See docs/resources/extension.md.
 */
import { extensionVersion } from "../../automation";
import { defineResource } from "../framework/define";
import { behaviourRule, environmentRule } from "../framework/diff";
import { createAppSource, uninstallAppSource, updateAppSourceResource } from "./app-source";
import { installedPackage } from "./bc";
import { diffExtension } from "./diff";
import { crossCheck, DERIVED, type Inputs, inputs, prepare } from "./check";
import { OUTPUT_NAMES } from "../output-names";
import { outputsOf } from "./outputs";
import { createFromFile, removeFile, updateFromFile } from "./per-tenant";

const hasAppSource = (inputs: Inputs): inputs is Inputs & { appSource: { appId: string; version?: string } } =>
  inputs.appSource !== undefined;

export const extensionHandler = defineResource({
  kind: "Extension",
  inputs,
  derived: DERIVED,
  userNames: { filePath: "file" },
  outputs: OUTPUT_NAMES.Extension,
  changes: [
    {
      keys: ["appSource", "filePath"],
      label: "source kind (`appSource` ↔ `file`)",
      change: "replace",
      why: "Different management paths; the same app id cannot be managed both ways.",
      comparedBy: "diff",
    },
    {
      keys: ["appSource", "filePath", "manifestAppId"],
      label: "`appSource.appId`, or the file's app id (`manifestAppId`)",
      change: "replace",
      why: "Another app.",
      comparedBy: "diff",
    },
    environmentRule,
    {
      keys: ["appSource"],
      label: "`appSource.version`",
      change: "update",
      why: "Admin Center update to that version. Omitting the version means the latest at install time, not tracked afterwards.",
      comparedBy: "diff",
    },
    {
      keys: ["fileSha256", "manifestVersion", "filePath"],
      label: "the file's version (`manifestVersion`) or content (`fileSha256`)",
      change: "update",
      why: "Re-upload.",
      comparedBy: "diff",
    },
    {
      keys: ["deleteData", "unpublish"],
      change: "update",
      why: "Nothing is sent; the new value is recorded for delete.",
    },
    {
      keys: ["filePath"],
      label: "`filePath` alone (same content)",
      change: "none",
      why: "The content, not the path, is the key.",
    },
    {
      keys: ["acceptIsvEula", "installDependencies", "schedule", "schemaSyncMode", "uploadVia", "companyId"],
      change: "none",
      why: "Used by the next operation.",
    },
    behaviourRule,
  ],
  replaceOrder: "by-key",
  timeouts: { create: 60 * 60_000, update: 60 * 60_000, delete: 60 * 60_000 },
  diff: diffExtension,
  crossCheck,
  // Its permission sets do not exist before it is installed: assignments of this stack may name them.
  declares: () => ({ extension: true }),
  prepare,

  async create(ctx, inputs) {
    if (hasAppSource(inputs)) return { id: inputs.appSource.appId, outputs: await createAppSource(ctx, inputs) };
    return createFromFile(ctx, inputs);
  },

  async read(ctx, id, state) {
    const installed = await installedPackage(ctx.automation, id, state.inputs.companyId);
    const inputs = { ...state.inputs };
    if (!installed) {
      // A staged upload (next minor/major update) is not installed yet: keep it.
      const staged = !inputs.appSource && inputs.schedule && inputs.schedule !== "Current version";
      return staged && !state.outputs.version ? state : undefined;
    }
    const actual = extensionVersion(installed);
    if (inputs.appSource?.version !== undefined) inputs.appSource = { ...inputs.appSource, version: actual };
    if (!inputs.appSource && inputs.manifestVersion !== undefined && inputs.manifestVersion !== actual) {
      // Another version was installed behind our back: the next diff shows the file's version as a change.
      inputs.manifestVersion = actual;
      inputs.fileSha256 = "";
    }
    if (inputs.appSource) delete inputs.fileSha256;
    return { inputs, outputs: outputsOf(installed, inputs.fileSha256) };
  },

  async update(ctx, id, olds, news) {
    if (hasAppSource(news)) return updateAppSourceResource(ctx, id, news);
    return updateFromFile(ctx, id, olds, news);
  },

  async delete(ctx, id, state) {
    if (state.inputs.appSource) await uninstallAppSource(ctx, id, state.inputs);
    else await removeFile(ctx, id, state.inputs);
  },
});
