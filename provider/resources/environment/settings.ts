/**
 * Environment settings as inputs, updated in place: the update window, the Application Insights connection string,
 * the Entra security group that restricts access, and access with Microsoft 365 licences
 * (https://learn.microsoft.com/dynamics365/business-central/dev-itpro/administration/administration-center-api_environment_settings).
 *
 * A setting is managed only when it is set: an unset input leaves BC's value alone and is never drift (an adopted
 * environment keeps its access restriction). `securityGroupId: null` clears the group,
 * `applicationInsightsConnectionString: ""` clears the key, an `updateWindow` without `timeZoneId` keeps BC's zone.
 * Writes happen only where BC's value differs, so adopting a matching environment writes nothing.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { AdminCenterApi, AdminEnvironment } from "../../admin";
import type { OperationContext } from "../framework/define";
import type { ChangeRule, PropertyBag } from "../framework/diff";
import { containsUnknown, guid } from "../framework/inputs";
import { waitForActive } from "./operations";

const HH_MM = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const time = z
  .string()
  .trim()
  .regex(HH_MM, "must be a time of day HH:mm (24-hour clock), e.g. 22:00")
  .transform((v) => v.padStart(5, "0"));

export const settingsInputs = {
  updateWindow: z
    .object({
      startTime: time,
      endTime: time,
      timeZoneId: z.string().trim().min(1, "must not be empty").optional(),
    })
    .strict()
    .optional(),
  applicationInsightsConnectionString: z.string().max(2048, "must be at most 2048 characters").optional(),
  securityGroupId: guid("object id of a Microsoft Entra security group")
    .transform((v) => v.toLowerCase())
    .nullable()
    .optional(),
  accessWithM365Licenses: z.boolean().optional(),
};

type UpdateWindow = { startTime: string; endTime: string; timeZoneId?: string };
interface Settings {
  updateWindow?: UpdateWindow;
  applicationInsightsConnectionString?: string;
  securityGroupId?: string | null;
  accessWithM365Licenses?: boolean;
}

/**
 * Unset means unmanaged: compared as what state recorded, so it is never a change. `null` and `""` mean "managed:
 * none" (clear it), which must differ from unset (the change tables' comparison treats null, "" and unset alike).
 */
const managed =
  (key: keyof Settings) =>
  (side: PropertyBag, olds: PropertyBag): unknown => {
    const value = side[key] === undefined ? olds[key] : side[key];
    return value === null || value === "" ? { cleared: true } : value;
  };

export const settingsRules: readonly ChangeRule[] = [
  {
    keys: ["updateWindow"],
    change: "update",
    why: "Set in place (`PUT …/settings/upgrade`). Unset leaves BC's window alone; without `timeZoneId` BC's time zone is kept.",
    value: (side, olds) => {
      const window = side.updateWindow as UpdateWindow | undefined;
      if (window === undefined) return olds.updateWindow;
      const recordedZone = (olds.updateWindow as UpdateWindow | undefined)?.timeZoneId;
      return { ...window, timeZoneId: window.timeZoneId ?? recordedZone };
    },
  },
  {
    keys: ["applicationInsightsConnectionString"],
    change: "update",
    why: 'Set in place; BC restarts the environment to apply it (it must be Active). `""` clears it; unset leaves it alone. Secret.',
    value: managed("applicationInsightsConnectionString"),
  },
  {
    keys: ["securityGroupId"],
    change: "update",
    why: "Set in place; `null` clears the group; unset leaves BC's group alone.",
    value: managed("securityGroupId"),
  },
  {
    keys: ["accessWithM365Licenses"],
    change: "update",
    why: "Set in place; unset leaves BC's value alone.",
    value: managed("accessWithM365Licenses"),
  },
];

const minutes = (hhmm: string) => {
  const [, h, m] = HH_MM.exec(hhmm) ?? [];
  return Number(h) * 60 + Number(m);
};

/** BC requires at least six hours; a window may wrap midnight (22:00–05:00). */
export function checkUpdateWindow(window: UpdateWindow | undefined): pulumi.dynamic.CheckFailure[] {
  if (!window || containsUnknown(window)) return [];
  const length = (minutes(window.endTime) - minutes(window.startTime) + 1440) % 1440;
  if (length >= 6 * 60) return [];
  return [
    {
      property: "updateWindow",
      reason: `is ${Math.floor(length / 60)}h${String(length % 60).padStart(2, "0")} long; BC requires at least 6 hours (it may wrap midnight, e.g. 22:00–05:00)`,
    },
  ];
}

/** "You can restore an environment to a point in time within the last 28 days" (Microsoft Learn, backup and restore). */
export function checkRestoreTiming(pointInTime: string, now = Date.now()): pulumi.dynamic.CheckFailure[] {
  const at = Date.parse(pointInTime);
  if (Number.isNaN(at)) return [];
  if (at >= now) return [{ property: "restoreFrom.pointInTime", reason: "must be in the past" }];
  if (at < now - 28 * 24 * 60 * 60_000) {
    return [
      { property: "restoreFrom.pointInTime", reason: "must be within the last 28 days (BC keeps backups for 28 days)" },
    ];
  }
  return [];
}

/** The managed settings as BC has them now (refresh shows drift); unmanaged ones are not read. */
export async function readManagedSettings(
  admin: AdminCenterApi,
  env: AdminEnvironment,
  recorded: Settings,
): Promise<Settings> {
  const read: Settings = {};
  if (recorded.updateWindow !== undefined) {
    const now = await admin.getUpdateWindow(env.name);
    if (now.preferredStartTime && now.preferredEndTime) {
      read.updateWindow = {
        startTime: now.preferredStartTime,
        endTime: now.preferredEndTime,
        ...(recorded.updateWindow.timeZoneId !== undefined && now.timeZoneId ? { timeZoneId: now.timeZoneId } : {}),
      };
    }
  }
  if (recorded.securityGroupId !== undefined) {
    read.securityGroupId = (await admin.getSecurityGroup(env.name))?.id?.toLowerCase() ?? null;
  }
  if (recorded.accessWithM365Licenses !== undefined) {
    const enabled = await admin.getM365Access(env.name);
    if (enabled !== undefined) read.accessWithM365Licenses = enabled;
  }
  if (recorded.applicationInsightsConnectionString !== undefined && typeof env.appInsightsKey === "string") {
    read.applicationInsightsConnectionString = env.appInsightsKey;
  }
  return read;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Writes the managed settings whose BC value differs (only those whose input changed from `onlyChangedFrom`, in an
 * update). Returns whether anything was written. The Application Insights key goes last: BC restarts the
 * environment to apply it, and the resource waits until it is Active again.
 */
export async function reconcileSettings(
  ctx: OperationContext,
  admin: AdminCenterApi,
  name: string,
  wanted: Settings,
  options: { deadline: number; onlyChangedFrom?: Settings },
): Promise<boolean> {
  const consider = (key: keyof Settings) =>
    wanted[key] !== undefined &&
    (options.onlyChangedFrom === undefined || !same(wanted[key], options.onlyChangedFrom[key]));
  let wrote = false;

  if (consider("updateWindow")) {
    const window = wanted.updateWindow!;
    const now = await admin.getUpdateWindow(name);
    const timeZoneId = window.timeZoneId ?? now.timeZoneId ?? undefined;
    if (
      now.preferredStartTime !== window.startTime ||
      now.preferredEndTime !== window.endTime ||
      (timeZoneId !== undefined && now.timeZoneId !== timeZoneId)
    ) {
      if (timeZoneId === undefined) {
        throw new Error(
          `updateWindow.timeZoneId: environment '${name}' reports no time zone for its update window; set timeZoneId (a Windows time zone id such as "W. Europe Standard Time").`,
        );
      }
      ctx.progress(`setting the update window of '${name}' to ${window.startTime}–${window.endTime} (${timeZoneId})`);
      await admin.setUpdateWindow(name, {
        preferredStartTime: window.startTime,
        preferredEndTime: window.endTime,
        timeZoneId,
      });
      wrote = true;
    }
  }
  if (consider("securityGroupId")) {
    const current = (await admin.getSecurityGroup(name))?.id?.toLowerCase();
    const group = wanted.securityGroupId;
    if (group === null && current !== undefined) {
      ctx.progress(`removing the security group restriction of '${name}'`);
      await admin.clearSecurityGroup(name);
      wrote = true;
    } else if (typeof group === "string" && current !== group) {
      ctx.progress(`restricting access to '${name}' to the members of Entra group ${group}`);
      await admin.setSecurityGroup(name, group);
      wrote = true;
    }
  }
  if (consider("accessWithM365Licenses")) {
    const enabled = wanted.accessWithM365Licenses!;
    if ((await admin.getM365Access(name)) !== enabled) {
      ctx.progress(`${enabled ? "allowing" : "disallowing"} access to '${name}' with Microsoft 365 licences`);
      await admin.setM365Access(name, enabled);
      wrote = true;
    }
  }
  if (consider("applicationInsightsConnectionString")) {
    const key = wanted.applicationInsightsConnectionString!;
    let env = await admin.getEnvironment(name);
    if ((env.appInsightsKey ?? "") !== key) {
      const timeoutMs = Math.max(1, options.deadline - Date.now());
      // BC refuses the key unless the environment is Active (`cannotSetAppInsightsKey`).
      if (env.status !== "Active") env = await waitForActive(admin, name, { timeoutMs, progress: ctx.progress });
      ctx.progress(
        `${key === "" ? "clearing" : "setting"} the Application Insights connection string of '${name}'; BC restarts the environment to apply it, waiting until it is Active again`,
      );
      await admin.setAppInsightsKey(name, key);
      await waitForActive(admin, name, {
        timeoutMs: Math.max(1, options.deadline - Date.now()),
        progress: ctx.progress,
      });
      wrote = true;
    }
  }
  return wrote;
}
