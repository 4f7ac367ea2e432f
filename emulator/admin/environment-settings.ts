/**
 * Environment settings of the Admin Center API
 * (https://learn.microsoft.com/dynamics365/business-central/dev-itpro/administration/administration-center-api_environment_settings):
 * the update window (`settings/upgrade`, wall-clock + time zone from API 2.13, the UTC pair in every version), the
 * Application Insights key (`settings/appinsightskey`, restarts the environment), the Entra security group that
 * restricts access (`settings/securitygroupaccess`, 2.8+) and access with Microsoft 365 licences
 * (`settings/accesswithm365licenses`, 2.12+). Property names are matched case-insensitively (JsonBody).
 *
 * Time zones carry a fixed offset: the emulator does not model daylight saving time (emulator choice).
 */
import { COUNTRIES } from "./available-applications";
import type { EnvironmentSettingsState, EnvironmentState } from "../state/model";
import { atLeast, requireVersion } from "./api-version";
import type { JsonBody } from "./body";
import { type AdminContext, reply, replyEmpty } from "./context";
import { AdminError, invalidInput, requestBodyRequired } from "./errors";
import { ADMIN_DELAYS, after, envAdmin, listedEnvironments, setServed, statusOf } from "./state";

/** Windows time zone ids served by `GET /applications/settings/timezones`, with their standard UTC offset (minutes). */
export const TIME_ZONES: Record<string, { displayName: string; offset: number }> = {
  UTC: { displayName: "(UTC) Coordinated Universal Time", offset: 0 },
  "GMT Standard Time": { displayName: "(UTC+00:00) Dublin, Edinburgh, Lisbon, London", offset: 0 },
  "W. Europe Standard Time": {
    displayName: "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
    offset: 60,
  },
  "Romance Standard Time": { displayName: "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris", offset: 60 },
  "Central Europe Standard Time": { displayName: "(UTC+01:00) Belgrade, Bratislava, Budapest, Prague", offset: 60 },
  "FLE Standard Time": { displayName: "(UTC+02:00) Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius", offset: 120 },
  "Eastern Standard Time": { displayName: "(UTC-05:00) Eastern Time (US & Canada)", offset: -300 },
  "Central Standard Time": { displayName: "(UTC-06:00) Central Time (US & Canada)", offset: -360 },
  "Mountain Standard Time": { displayName: "(UTC-07:00) Mountain Time (US & Canada)", offset: -420 },
  "Pacific Standard Time": { displayName: "(UTC-08:00) Pacific Time (US & Canada)", offset: -480 },
  "AUS Eastern Standard Time": { displayName: "(UTC+10:00) Canberra, Melbourne, Sydney", offset: 600 },
  "New Zealand Standard Time": { displayName: "(UTC+12:00) Auckland, Wellington", offset: 720 },
};

/** The time zone an environment shows by default, and after a PUT with the UTC pair (emulator choice per country). */
const COUNTRY_TIME_ZONES: Record<string, string> = {
  US: "Pacific Standard Time",
  MX: "Central Standard Time",
  CA: "Eastern Standard Time",
  GB: "GMT Standard Time",
  IE: "GMT Standard Time",
  DK: "Romance Standard Time",
  FR: "Romance Standard Time",
  BE: "Romance Standard Time",
  ES: "Romance Standard Time",
  FI: "FLE Standard Time",
  AU: "AUS Eastern Standard Time",
  NZ: "New Zealand Standard Time",
  IS: "UTC",
};
const countryTimeZone = (env: EnvironmentState) =>
  COUNTRY_TIME_ZONES[env.countryCode.toUpperCase()] ??
  (COUNTRIES[env.countryCode.toUpperCase()] ? "W. Europe Standard Time" : "UTC");

/** "The update window must be a minimum of six hours" (Microsoft Learn, managing updates). */
const MIN_WINDOW_MINUTES = 6 * 60;
const HH_MM = /^([01]?\d|2[0-3]):([0-5]\d)$/;

const settingsOf = (env: EnvironmentState): EnvironmentSettingsState => {
  const admin = envAdmin(env);
  admin.settings ??= {};
  return admin.settings;
};

function updateWindowOf(env: EnvironmentState) {
  // BC's default window is 20:00–06:00 in the environment's time zone.
  return (
    env.admin?.settings?.updateWindow ?? { startTime: "20:00", endTime: "06:00", timeZoneId: countryTimeZone(env) }
  );
}

const minutesOf = (hhmm: string) => {
  const [, h, m] = HH_MM.exec(hhmm)!;
  return Number(h) * 60 + Number(m);
};
const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60) % 24).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

/** The current or next occurrence of the window, in UTC. */
function occurrence(window: { startTime: string; endTime: string; timeZoneId: string }, now: number) {
  const offset = TIME_ZONES[window.timeZoneId]?.offset ?? 0;
  const start = minutesOf(window.startTime);
  const length = (minutesOf(window.endTime) - start + 1440) % 1440;
  const localMidnight = Math.floor((now + offset * 60_000) / 86_400_000) * 86_400_000 - offset * 60_000;
  for (const day of [-1, 0, 1]) {
    const from = localMidnight + day * 86_400_000 + start * 60_000;
    const to = from + length * 60_000;
    if (to > now) return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  }
  throw new Error("unreachable: the window recurs daily");
}

function updateWindowJson(ctx: AdminContext, env: EnvironmentState) {
  const window = updateWindowOf(env);
  const utc = occurrence(window, ctx.now);
  const json: Record<string, string> = {};
  if (atLeast(ctx.version, 13)) {
    json.preferredStartTime = window.startTime;
    json.preferredEndTime = window.endTime;
    json.timeZoneId = window.timeZoneId;
  }
  json.preferredStartTimeUtc = utc.from;
  json.preferredEndTimeUtc = utc.to;
  return json;
}

export function getUpdateWindow(ctx: AdminContext, env: EnvironmentState) {
  reply(ctx, 200, updateWindowJson(ctx, env));
}

/** PUT: exactly one of the wall-clock set (2.13+) and the UTC pair, "not both". */
export function putUpdateWindow(ctx: AdminContext, env: EnvironmentState, body: JsonBody) {
  const wall = ["preferredStartTime", "preferredEndTime", "timeZoneId"].some((k) => body.get(k) != null);
  const utc = ["preferredStartTimeUtc", "preferredEndTimeUtc"].some((k) => body.get(k) != null);
  if (wall && utc) {
    throw invalidInput("body", "Send either preferredStartTime/preferredEndTime/timeZoneId or the UTC pair, not both.");
  }
  if (!wall && !utc) throw requestBodyRequired();
  const current = updateWindowOf(env);
  let next: { startTime: string; endTime: string; timeZoneId: string };
  if (wall) {
    if (!atLeast(ctx.version, 13)) {
      throw invalidInput(
        "preferredStartTime",
        "The time zone form of the update window needs API version 2.13 or later.",
      );
    }
    const start = body.string("preferredStartTime");
    const end = body.string("preferredEndTime");
    for (const [name, value] of [
      ["preferredStartTime", start],
      ["preferredEndTime", end],
    ] as const) {
      if (value === undefined || !HH_MM.test(value)) {
        throw invalidInput(name, `The property '${name}' must be a time of day HH:mm (24-hour clock).`);
      }
    }
    const timeZoneId = body.string("timeZoneId") ?? current.timeZoneId;
    if (!TIME_ZONES[timeZoneId]) {
      throw invalidInput(
        "timeZoneId",
        `The time zone '${timeZoneId}' is not supported; use an id from /applications/settings/timezones.`,
      );
    }
    next = { startTime: hhmm(minutesOf(start!)), endTime: hhmm(minutesOf(end!)), timeZoneId };
  } else {
    const times = ["preferredStartTimeUtc", "preferredEndTimeUtc"].map((name) => {
      const value = body.string(name);
      const ms = value === undefined ? Number.NaN : Date.parse(value);
      if (Number.isNaN(ms)) throw invalidInput(name, `The property '${name}' must be a date and time in UTC.`);
      return new Date(ms);
    });
    // The date part is ignored; the time zone resets to the environment's default.
    const timeZoneId = countryTimeZone(env);
    const offset = TIME_ZONES[timeZoneId]!.offset;
    const local = times.map((t) => (t.getUTCHours() * 60 + t.getUTCMinutes() + offset + 1440) % 1440);
    next = { startTime: hhmm(local[0]!), endTime: hhmm(local[1]!), timeZoneId };
  }
  const length = (minutesOf(next.endTime) - minutesOf(next.startTime) + 1440) % 1440;
  if (length < MIN_WINDOW_MINUTES) {
    throw new AdminError(400, "InvalidRange", "The update window must be at least six hours long.", {
      target: "Preferred Upgrade Window",
    });
  }
  settingsOf(env).updateWindow = next;
  ctx.deps.changed();
  reply(ctx, 200, updateWindowJson(ctx, env));
}

export function listTimeZones(ctx: AdminContext) {
  requireVersion(ctx.version, 13, ctx.path);
  reply(ctx, 200, {
    value: Object.entries(TIME_ZONES).map(([id, zone]) => ({
      id,
      displayName: zone.displayName,
      currentUtcOffset: `${zone.offset < 0 ? "-" : "+"}${hhmm(Math.abs(zone.offset))}`,
      supportsDaylightSavingTime: false,
      isCurrentlyDaylightSavingTime: false,
    })),
  });
}

/**
 * `POST …/settings/appinsightskey` `{"key": …}` (PUT accepted too: the docs showed it for a while). Refused unless
 * the environment is Active; BC restarts the environment to apply it, so it is `Restarting` for a while (the status
 * BcContainerHelper polls) and Automation calls answer 503 meanwhile. 202 without a body.
 */
export function setAppInsightsKey(ctx: AdminContext, env: EnvironmentState, body: JsonBody) {
  const key = body.string("key");
  if (key === undefined) throw requestBodyRequired();
  if (key.length > 2048) throw invalidInput("key", "The connection string must be at most 2048 characters.");
  if (statusOf(env) !== "Active" || !ctx.tenant.environments.includes(env)) {
    throw new AdminError(
      400,
      "cannotSetAppInsightsKey",
      `The Application Insights key cannot be set while the environment '${env.name}' is ${statusOf(env)}; it must be Active.`,
      { target: env.name },
    );
  }
  const admin = envAdmin(env);
  admin.appInsightsKey = key;
  admin.status = "Restarting";
  admin.activeAt = after(ctx.now, ADMIN_DELAYS.restartMs, ctx.deps.timeScale);
  setServed(ctx.tenant, env, false);
  ctx.deps.changed();
  replyEmpty(ctx, 202);
}

/** Entra groups the emulator knows: the security groups of the tenant's environments (Entra groups are not modelled). */
function knownGroup(ctx: AdminContext, id: string) {
  for (const e of listedEnvironments(ctx.tenant)) {
    const group = e.securityGroups.find((g) => g.id.toLowerCase() === id.toLowerCase());
    if (group) return group;
  }
  return undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function getSecurityGroup(ctx: AdminContext, env: EnvironmentState) {
  requireVersion(ctx.version, 8, ctx.path);
  const group = env.admin?.settings?.securityGroup;
  if (!group) return replyEmpty(ctx, 204);
  reply(ctx, 200, { id: group.id, displayName: knownGroup(ctx, group.id)?.groupName ?? "" });
}

export function setSecurityGroup(ctx: AdminContext, env: EnvironmentState, body: JsonBody) {
  requireVersion(ctx.version, 8, ctx.path);
  const id = body.string("Value");
  if (id === undefined) throw requestBodyRequired();
  if (!GUID.test(id))
    throw invalidInput("Value", "The value must be the object id (a GUID) of a Microsoft Entra group.");
  const group = knownGroup(ctx, id);
  if (!group) {
    throw new AdminError(404, "resourceDoesNotExist", `The Microsoft Entra group '${id}' does not exist.`, {
      target: "Value",
    });
  }
  settingsOf(env).securityGroup = { id: group.id, displayName: group.groupName };
  ctx.deps.changed();
  replyEmpty(ctx, 200);
}

export function clearSecurityGroup(ctx: AdminContext, env: EnvironmentState) {
  requireVersion(ctx.version, 8, ctx.path);
  settingsOf(env).securityGroup = undefined;
  ctx.deps.changed();
  replyEmpty(ctx, 200);
}

export function getM365Access(ctx: AdminContext, env: EnvironmentState) {
  requireVersion(ctx.version, 12, ctx.path);
  reply(ctx, 200, { enabled: env.admin?.settings?.accessWithM365Licenses ?? false });
}

/** The docs send `{"enabled": "true"}` (a string), the Terraform provider a JSON boolean: both are accepted. */
export function setM365Access(ctx: AdminContext, env: EnvironmentState, body: JsonBody) {
  requireVersion(ctx.version, 12, ctx.path);
  const enabled = body.bool("enabled");
  if (enabled === undefined) throw requestBodyRequired();
  settingsOf(env).accessWithM365Licenses = enabled;
  ctx.deps.changed();
  reply(ctx, 200, { enabled });
}
