/**
 * The client layer's public surface in one import, for the resource handlers and the SDK's lookups
 * (`import … from "../api"`):
 *
 *   const runtime = createRuntime({ config: stackConfig });
 *   const { settings, environment } = runtime.resolve({ connection, environment });
 *   const api = runtime.connect(settings).automation(environment);
 *
 * (package.json exports only `./provider` → provider/index.ts; re-export from there what programs should see.)
 */
export {
  type BcConnection,
  type ConnectionSettings,
  type ConnectOptions,
  type Credential,
  type ExplicitSettings,
  type ResolvedConnection,
  type StackConfig,
  SETTING_SOURCES,
  SettingsError,
  resolveSettings,
  principalKey,
} from "./connection";
export { createRuntime, ProviderRuntime, type RuntimeOptions } from "./runtime";
export {
  AmbiguousOutcomeError,
  BcApiError,
  ResponseShapeError,
  TransportError,
  isAuth,
  isNotFound,
  isPermissionRefusal,
} from "./errors";
export {
  OperationCancelledError,
  OperationFailedError,
  OperationTimeoutError,
  pollUntilDone,
  type PollOptions,
  type PollState,
  type ReconcileContext,
} from "./polling";
export { sendOnce } from "./http/reconcile";
export { AutomationApi } from "./automation";
export type * from "./automation";
export { AdminCenterApi, type AdminCenterOptions } from "./admin";
export type * from "./admin";
export { BC_SCOPE, type AccessToken, type TokenSource } from "./auth/token-provider";
export { runDoctor, type DoctorReport } from "./doctor";
