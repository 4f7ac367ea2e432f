/**
 * The connection: one schema (schema.ts) from which the `connection` input, the stack config keys, the environment
 * variables, the validation and the SDK's `ConnectionInput` derive; one resolver (resolve.ts) that turns a
 * resource's or lookup's inputs into settings once per operation; one pool (pool.ts) of the runtime's connections.
 */
export {
  CONFIG_PREFIX,
  CREDENTIAL_FIELDS,
  type ConnectionFields,
  type ConnectionInput,
  configKey,
  connectionSchema,
  environmentName,
  FIELD_NAMES,
  FIELD_NAMES_WITH_CONFIG,
  type FieldMeta,
  type FieldName,
  howToSet,
  metaOf,
  SETTING_SOURCES,
} from "./schema";
export {
  type ConnectionTarget,
  configuredValue,
  DEFAULT_PROPAGATION_MS,
  explicitSettingsOf,
  type ResolvedConnection,
  type ResolveOptions,
  resolveConnection,
  resolveSettings,
  type SettingSources,
  withoutCredential,
} from "./resolve";
export { splitPemBundle } from "./credential";
export { isLoopbackHost } from "./loopback";
export { type BcConnection, type ConnectOptions, ConnectionPool } from "./pool";
export {
  type ConnectionSettings,
  type Credential,
  DEFAULT_ADMIN_API_VERSION,
  DEFAULT_API_BASE_URL,
  DEFAULT_AUTHORITY_HOST,
  type ExplicitSettings,
  principalKey,
  SettingsError,
  type StackConfig,
} from "./settings";
