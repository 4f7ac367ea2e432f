/**
 * The environment itself in an export: read through the Admin Center (its real type, country and the settings the
 * Environment resource manages) and written as a `bc.Environment` that `pulumi up` adopts without a write. When the
 * app cannot read the Admin Center, the line stays commented with the reason.
 */
import type { AdminCenterApi } from "../admin";

export interface ExportedEnvironment {
  name: string;
  type: string;
  countryCode: string;
  updateWindow?: { startTime: string; endTime: string; timeZoneId?: string };
  securityGroupId?: string;
  accessWithM365Licenses?: boolean;
  /** Whether an Application Insights key is set (its value is a secret and is not exported). */
  hasAppInsightsKey: boolean;
}

export type EnvironmentExport = { found: ExportedEnvironment } | { unreadable: string };

export async function readAdminEnvironment(admin: AdminCenterApi, name: string): Promise<EnvironmentExport> {
  try {
    const env = await admin.getEnvironment(name);
    const window = await admin.getUpdateWindow(env.name).catch(() => undefined);
    const group = await admin.getSecurityGroup(env.name).catch(() => undefined);
    const m365 = await admin.getM365Access(env.name).catch(() => undefined);
    return {
      found: {
        name: env.name,
        type: env.type,
        countryCode: (env.countryCode ?? "").toUpperCase(),
        ...(window?.preferredStartTime && window.preferredEndTime
          ? {
              updateWindow: {
                startTime: window.preferredStartTime,
                endTime: window.preferredEndTime,
                ...(window.timeZoneId ? { timeZoneId: window.timeZoneId } : {}),
              },
            }
          : {}),
        ...(group?.id ? { securityGroupId: group.id.toLowerCase() } : {}),
        ...(m365 === undefined ? {} : { accessWithM365Licenses: m365 }),
        hasAppInsightsKey: typeof env.appInsightsKey === "string" && env.appInsightsKey !== "",
      },
    };
  } catch (err) {
    return { unreadable: err instanceof Error ? err.message.split("\n")[0]! : String(err) };
  }
}

/** Program lines for the environment; `str` quotes a string as the rest of the program does. */
export function environmentLines(
  exported: EnvironmentExport,
  resourceName: string,
  str: (v: string) => string,
): string[] {
  if ("unreadable" in exported) {
    return [
      "// DECIDE: the Admin Center could not be read with this app, so the environment is not managed here",
      `// (${exported.unreadable.replace(/\s+/g, " ").slice(0, 200)}). With AdminCenter.ReadWrite.All and an entry under`,
      '// "Authorized Microsoft Entra apps", export again to get a bc.Environment that adopts it.',
      "",
    ];
  }
  const env = exported.found;
  const args = ["name: environment", `type: ${str(env.type)}`, `countryCode: ${str(env.countryCode)}`, "adopt: true"];
  if (env.updateWindow) {
    const w = env.updateWindow;
    const zone = w.timeZoneId ? `, timeZoneId: ${str(w.timeZoneId)}` : "";
    args.push(`updateWindow: { startTime: ${str(w.startTime)}, endTime: ${str(w.endTime)}${zone} }`);
  }
  if (env.securityGroupId) args.push(`securityGroupId: ${str(env.securityGroupId)}`);
  if (env.accessWithM365Licenses !== undefined) args.push(`accessWithM365Licenses: ${env.accessWithM365Licenses}`);
  const lines = [
    "// The environment itself (Admin Center). retainOnDelete: destroy leaves it in place; a Production environment is",
    "// also refused by delete unless allowDelete: true is recorded.",
  ];
  if (env.hasAppInsightsKey) {
    lines.push(
      "// DECIDE: an Application Insights connection string is set; to manage it, add",
      "// applicationInsightsConnectionString from a secret (unset, it is left alone).",
    );
  }
  lines.push(`new bc.Environment(${str(resourceName)}, { ${args.join(", ")} }, { retainOnDelete: true });`, "");
  return lines;
}
