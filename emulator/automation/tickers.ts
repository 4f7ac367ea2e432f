import type { EnvironmentTicker } from "../domain/clock-step";
import { advanceDeploymentsTicker } from "../domain/deployments";
import { advancePackageTasks } from "./entities/configuration-packages";
import { advanceUserJobs } from "./entities/scheduled-jobs";

/**
 * Background work behind the automation pages that advances with emulated time: RapidStart import/apply tasks,
 * extension deployments, user-sync jobs. Run by the server's clock step (../clock.ts), never by routing.
 */
export const AUTOMATION_TICKERS: readonly EnvironmentTicker[] = [
  advancePackageTasks,
  advanceDeploymentsTicker,
  advanceUserJobs,
];
