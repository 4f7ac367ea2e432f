import type { AccessToken } from "../auth/token-provider";
import type { AutomationApi } from "../automation";
import type { Company } from "../automation/schemas";
import type { BcConnection, ConnectionSettings } from "../connection";
import type { ProviderRuntime } from "../runtime";

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface Check {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do, for warn/fail. */
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  environment?: string;
  tenantId?: string;
  clientId?: string;
  bcVersion?: string;
  companies?: string[];
  features: Record<string, boolean | "unknown">;
  checks: Check[];
}

export interface DoctorOptions {
  settings: ConnectionSettings;
  /** Where the credential came from, for the report (e.g. "AZURE_CLIENT_SECRET"). */
  credentialSource?: string;
  /** Per-request deadline (ms). Default 60 s. */
  deadlineMs?: number;
  /** The runtime whose connections the checks use (default: a runtime of the run's own, closed at its end). */
  runtime?: ProviderRuntime;
}

/** What the checks learn as they go; each check reads what earlier ones established. */
export interface DoctorState {
  options: DoctorOptions;
  settings: ConnectionSettings;
  connection: BcConnection;
  automation: AutomationApi;
  report: DoctorReport;
  token?: AccessToken;
  companies?: Company[];
  /** The company whose URL environment-wide probes use. */
  companyId?: string;
}

/** One named step of the doctor. */
export interface DoctorCheck {
  name: string;
  run(state: DoctorState): Promise<Check[]>;
  /** A failure here makes every later check meaningless (no token, no environment, no company). */
  prerequisite?: boolean;
}

/** The company later checks use; the companies check, a prerequisite, guarantees one. */
export function companyOf(state: DoctorState): string {
  if (!state.companyId) throw new Error("doctor: a check that needs a company ran before the companies check");
  return state.companyId;
}
