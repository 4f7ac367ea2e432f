/**
 * The client layer's public surface in one import, for the resource handlers (`import … from "../api"`):
 *
 *   const api = connect(resolveSettings({}, stackConfig)).automation();
 *
 * (package.json exports only `./provider` → provider/index.ts; re-export from there what programs should see.)
 */
export {
  type ConnectionSettings,
  type Credential,
  type ExplicitSettings,
  type StackConfig,
  SETTING_SOURCES,
  SettingsError,
  resolveSettings,
  principalKey,
} from "./config";
export { connect, type BcConnection, type ConnectOptions } from "./connection";
export { explicitSettingsOf } from "./resources/framework/connection-input";
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
