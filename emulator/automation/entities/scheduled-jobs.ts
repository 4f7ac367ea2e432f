/**
 * Page 30068 "APIV2 - Aut. Scheduled Jobs" over the Job Queue Entry Buffer (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis), and the one kind of job
 * the automation API creates: "Create new users from Azure AD API job" (category APIUSERJOB) queued by
 * `users(…)/Microsoft.NAV.getNewUsersFromOffice365Async`.
 *
 * Job Queue entries are per company; a job goes Ready → In Process → gone (shown as `Finished`) or Error, advanced by
 * the ticker from timestamps stored on the row.
 */
import { dialog } from "../../errors";
import type { ScheduledJobState } from "../../state/model";
import type { AutomationContext, EntitySetDef } from "../entity";
import type { EnvironmentTicker } from "../../domain/clock-step";
import { bcDateTime, filterMentions, parentSet } from "./security-helpers";

export const USER_JOB_CATEGORY = "APIUSERJOB";
/** The AL label (the docs example shows the newer "Microsoft Entra" wording). */
export const USER_JOB_DESCRIPTION = "Create new users from Azure AD API job";

/** Emulated time a queued job waits for the job queue, and the time it runs (both scaled by timeScale). */
const PICKUP_MS = 2_000;
const RUN_MS = 3_000;

const jobsOf = (ctx: AutomationContext): ScheduledJobState[] => {
  ctx.env.scheduledJobs ??= [];
  return ctx.env.scheduledJobs;
};

export const scheduledJobsSet: EntitySetDef<ScheduledJobState> = {
  entitySet: "scheduledJobs",
  entityType: "scheduledJob",
  page: "APIV2 - Aut. Scheduled Jobs",
  keys: [{ name: "id", type: "guid" }],
  fields: {
    id: { type: "guid" },
    category: { type: "string" },
    startDateTime: { type: "datetime" },
    status: { type: "string" },
    description: { type: "string" },
    errorMessage: { type: "string" },
  },
  list(ctx, parent, filterText) {
    const inCompany = (ctx.env.scheduledJobs ?? []).filter((j) => j.companyName === ctx.company?.name);
    // users(<id>)/scheduledJobs: SubPageLink "Job Queue Category Code" = const('APIUSERJOB').
    if (parentSet(parent) === "users") return inCompany.filter((j) => j.category === USER_JOB_CATEGORY);
    if (!filterMentions(filterText, "id") && !filterMentions(filterText, "category")) {
      throw dialog("You must specify a job Id or a job category to get a scheduled job.");
    }
    return inCompany;
  },
  keyOf: (row) => ({ id: row.id }),
  rev: (row) => row.rev,
  toWire: (row) => ({
    id: row.id,
    category: row.category,
    startDateTime: row.startDateTime,
    status: row.status,
    description: row.description,
    // OnAfterGetRecord fills ErrorMessage only for status Error.
    errorMessage: row.status === "Error" ? row.errorMessage : "",
  }),
};

/** A pending (not yet finished or failed) APIUSERJOB in the request's company. */
export function hasPendingUserJob(ctx: AutomationContext): boolean {
  return jobsOf(ctx).some(
    (j) =>
      j.companyName === ctx.company?.name &&
      j.category === USER_JOB_CATEGORY &&
      (j.status === "Ready" || j.status === "In Process"),
  );
}

/** Queues the create-users job; `failureMessage` set ⇒ the run ends in status Error with that text. */
export function enqueueUserJob(ctx: AutomationContext, failureMessage?: string): ScheduledJobState {
  const now = ctx.now();
  const runAt = now + PICKUP_MS * ctx.timeScale;
  const job: ScheduledJobState = {
    rev: 1,
    id: ctx.newGuid(),
    companyName: ctx.company?.name ?? "",
    category: USER_JOB_CATEGORY,
    description: USER_JOB_DESCRIPTION,
    startDateTime: bcDateTime(now),
    status: "Ready",
    errorMessage: "",
    runAt,
    finishAt: runAt + RUN_MS * ctx.timeScale,
    outcome: failureMessage === undefined ? "Finished" : "Error",
    failureMessage,
  };
  jobsOf(ctx).push(job);
  return job;
}

/** Runs due user-sync jobs: Ready → In Process at `runAt`, then Finished or Error at `finishAt`. */
export const advanceUserJobs: EnvironmentTicker = (env, step) => {
  let changed = false;
  for (const job of env.scheduledJobs ?? []) {
    if (job.status === "Ready" && job.runAt !== undefined && step.now >= job.runAt) {
      job.status = "In Process";
      job.rev += 1;
      changed = true;
    }
    if (job.status === "In Process" && job.finishAt !== undefined && step.now >= job.finishAt) {
      job.status = job.outcome === "Error" ? "Error" : "Finished";
      job.errorMessage = job.outcome === "Error" ? (job.failureMessage ?? "") : "";
      job.rev += 1;
      changed = true;
    }
  }
  return changed;
};
