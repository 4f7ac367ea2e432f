import { NOT_AN_EXTENSION_MESSAGE, NotAnExtensionFileError, readApp } from "../../../formats/navx";
import { BcError, dialog } from "../../errors";
import type { ExtensionUploadState } from "../../state/model";
import type { AutomationContext, EntitySetDef } from "../entity";
import { deployScheduleOf, startDeployment } from "../../domain/deployments";
import { MANAGE_PERMISSION_ERR, requireExtensionManagement } from "./extension-permissions";
import { duplicateKey } from "./unique-key";

const SCHEDULES = ["Current version", "Next minor version", "Next major version"] as const;
const SYNC_MODES = ["Add", "Force Sync"] as const;

/**
 * Page 30006 "APIV2 - Aut. Extension Upload" over table 5447 "API Extension Upload" (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis). The table's
 * integer PK is never set, so a company holds at most one row (Id 0); a second POST is a duplicate key. The row is
 * deleted only by the `upload` action (DeleteAllowed = false ⇒ DELETE answers 405). Absent in the 29-no-upload
 * profile (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_app_management).
 */
export const extensionUploadSet: EntitySetDef<ExtensionUploadState> = {
  entitySet: "extensionUpload",
  entityType: "extensionUpload",
  page: "APIV2 - Aut. Extension Upload",
  available: (features) => features.extensionUpload,
  keys: [{ name: "systemId", type: "guid" }],
  fields: {
    systemId: { type: "guid" },
    schedule: { type: "enum", editable: true, enumValues: SCHEDULES },
    // Enum 2505: value 3 is named `Force Sync` and captioned `Force`.
    schemaSyncMode: { type: "enum", editable: true, enumValues: SYNC_MODES, enumCaptions: { "Force Sync": "Force" } },
  },
  list: (ctx) => (ctx.company?.extensionUpload ? [ctx.company.extensionUpload] : []),
  keyOf: (row) => ({ systemId: row.systemId }),
  rev: (row) => row.rev,
  toWire: (row, ctx) => {
    const link = mediaLink(ctx, row);
    return {
      systemId: row.systemId,
      schedule: row.schedule,
      schemaSyncMode: row.schemaSyncMode,
      "extensionContent@odata.mediaEditLink": link,
      "extensionContent@odata.mediaReadLink": link,
    };
  },
  insert(ctx, body) {
    const company = companyOf(ctx);
    if (company.extensionUpload) {
      throw duplicateKey(ctx, "API Extension Upload", "Id='0'");
    }
    const row: ExtensionUploadState = {
      rev: 1,
      systemId: ctx.newGuid(),
      schedule: (body.schedule as ExtensionUploadState["schedule"] | undefined) ?? "Current version",
      schemaSyncMode: (body.schemaSyncMode as ExtensionUploadState["schemaSyncMode"] | undefined) ?? "Add",
      contentBase64: "",
    };
    company.extensionUpload = row;
    return row;
  },
  modify(_ctx, row, body) {
    if (body.schedule !== undefined) row.schedule = body.schedule as ExtensionUploadState["schedule"];
    if (body.schemaSyncMode !== undefined)
      row.schemaSyncMode = body.schemaSyncMode as ExtensionUploadState["schemaSyncMode"];
    row.rev += 1;
  },
  media: {
    extensionContent: {
      read: (_ctx, row) => Buffer.from(row.contentBase64, "base64"),
      write(_ctx, row, bytes) {
        row.contentBase64 = bytes.toString("base64");
        row.rev += 1;
      },
    },
  },
  actions: {
    /**
     * Reads the package synchronously (bad bytes fail here: https://github.com/microsoft/navcontainerhelper/issues/3659), starts the asynchronous
     * deployment and deletes the upload row. Result code Updated ⇒ 200 (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/developer/methods-auto/webserviceactionresultcode/webserviceactionresultcode-option).
     */
    upload(ctx, row) {
      // DeployAndUploadExtension → CheckPermissions: the rows themselves need only D365 AUTOMATION [INF].
      requireExtensionManagement(ctx, MANAGE_PERMISSION_ERR);
      const company = companyOf(ctx);
      const bytes = Buffer.from(row.contentBase64, "base64");
      if (bytes.length === 0) throw dialog("Extension content is empty");
      let info: ReturnType<typeof readApp>;
      try {
        info = readApp(bytes);
      } catch (err) {
        if (err instanceof NotAnExtensionFileError) {
          throw new BcError(400, "Unknown", `${NOT_AN_EXTENSION_MESSAGE} (Parameter 'stream')`);
        }
        throw err;
      }
      startDeployment(ctx.env, info, {
        now: ctx.now(),
        newGuid: ctx.newGuid,
        durationMs: ctx.delays.extensionDeployMs * ctx.timeScale,
        operationType: "Upload",
        schedule: deployScheduleOf(row.schedule),
        schemaSyncMode: row.schemaSyncMode === "Force Sync" ? "ForceSync" : "Add",
        publishedAs: "PTE",
        content: bytes,
      });
      company.extensionUpload = null;
      return { kind: "Updated" };
    },
  },
};

function companyOf(ctx: AutomationContext) {
  if (!ctx.company) throw new BcError(400, "Internal_CompanyNotFound", "The company was not found.");
  return ctx.company;
}

/**
 * Absolute link to the row's `extensionContent` stream (BCCH PATCHes exactly this link). Built in the
 * tenant-qualified form whatever form the request used, so the link — and the ETag computed from the wire
 * JSON — does not depend on the URL form.
 */
function mediaLink(ctx: AutomationContext, row: ExtensionUploadState): string {
  const path = `companies(${ctx.company?.id ?? ""})/extensionUpload(${row.systemId})/extensionContent`;
  if (!ctx.serviceRoot) return path;
  const origin = new URL(ctx.serviceRoot).origin;
  return `${origin}/v2.0/${ctx.tenant.id}/${encodeURIComponent(ctx.env.name)}/api/microsoft/automation/v2.0/${path}`;
}
