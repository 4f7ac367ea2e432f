/**
 * Point-in-time restore, `POST …/environments/{source}/restore` (API 2.4+): restores the source as it was at
 * `PointInTime` into a new environment and answers 202 with a `pitRestore` operation
 * (https://learn.microsoft.com/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments,
 * https://learn.microsoft.com/dynamics365/business-central/dev-itpro/administration/tenant-admin-center-backup-restore).
 *
 * The emulator keeps no history: the new environment gets the source's data as of the request (emulator choice).
 * The update window and the Application Insights key come from the source as of now, as BC documents.
 */
import type { EnvironmentState } from "../state/model";
import { requireVersion } from "./api-version";
import type { JsonBody } from "./body";
import { type AdminContext, createdBy, reply } from "./context";
import { environmentOperationJson, startEnvironmentOperation } from "./environment-operations";
import {
  checkCanProvision,
  checkFamily,
  parseType,
  preparingAdmin,
  requireActiveSource,
  requireListedEnvironment,
  validateName,
} from "./environments";
import { invalidInput } from "./errors";
import { ADMIN_DELAYS, tenantAdmin } from "./state";

/** "You can restore an environment to a point in time within the last 28 days." */
const RETENTION_MS = 28 * 24 * 60 * 60 * 1000;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/;

export function restoreEnvironment(ctx: AdminContext, family: string, sourceName: string, body: JsonBody) {
  requireVersion(ctx.version, 4, ctx.path);
  checkFamily(family);
  const source = requireListedEnvironment(ctx, family, sourceName);
  const targetName = body.string("EnvironmentName") ?? "";
  validateName(targetName, "EnvironmentName");
  const type = parseType(body.string("EnvironmentType"), "EnvironmentType");
  const pointInTime = body.string("PointInTime");
  if (pointInTime === undefined || !ISO_UTC.test(pointInTime) || Number.isNaN(Date.parse(pointInTime))) {
    throw invalidInput(
      "PointInTime",
      "The point in time must be an ISO 8601 date and time in UTC, e.g. 2026-04-22T20:00:00Z.",
    );
  }
  const at = Date.parse(pointInTime);
  if (at > ctx.now || at < ctx.now - RETENTION_MS) {
    throw invalidInput("PointInTime", "The point in time must be in the past, at most 28 days ago.");
  }
  requireActiveSource(ctx, family, source, "restored");
  if (source.type === "Sandbox" && type !== "Sandbox") {
    throw invalidInput("EnvironmentType", "A sandbox environment can only be restored to a sandbox environment.");
  }
  checkCanProvision(ctx, targetName, type);

  const restored: EnvironmentState = structuredClone(source);
  restored.name = targetName;
  restored.type = type;
  restored.admin = preparingAdmin(ctx, source.admin?.ringName ?? "PROD", source.admin?.appInsightsKey ?? "");
  const window = source.admin?.settings?.updateWindow;
  if (window) restored.admin.settings = { updateWindow: { ...window } };
  tenantAdmin(ctx.tenant).inactiveEnvironments.push(restored);
  const op = startEnvironmentOperation(
    ctx.tenant,
    {
      type: "pitRestore",
      environment: restored,
      createdBy: createdBy(ctx),
      runMs: ADMIN_DELAYS.copyMs,
      preparingLagMs: ctx.deps.behaviour.preparingLagMs,
      parameters: {
        sourceEnvironmentName: source.name,
        environmentName: restored.name,
        environmentType: restored.type,
        restorePointInTime: pointInTime,
      },
    },
    ctx.now,
    ctx.deps.timeScale,
  );
  ctx.deps.changed();
  reply(ctx, 202, environmentOperationJson(op, ctx.version));
}
