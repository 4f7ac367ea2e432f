/**
 * The provider runtime: everything the provider keeps between operations, owned by one object per process instead
 * of module-level state. Pulumi's dynamic-provider process calls `configure` once per distinct provider text (once
 * per resource kind, with the same stack config): the first creates the process's runtime, later ones reuse it.
 * The CLI (doctor, export) and the SDK's lookups build theirs with `createRuntime`; tests build a fresh one each.
 * Operations receive it in their context (`ctx.runtime`).
 */
import { createHash } from "node:crypto";
import {
  type BcConnection,
  ConnectionPool,
  type ConnectionTarget,
  type ConnectOptions,
  type ConnectionSettings,
  configKey,
  configuredValue,
  FIELD_NAMES_WITH_CONFIG,
  type FieldName,
  type ResolvedConnection,
  resolveConnection,
  type StackConfig,
} from "./connection";
import { processRedactor, type Redactor } from "./redact";
import { TenantQueue } from "./admin/tenant-queue";
import { CommandClock } from "./automation/shared-read";
import { IntentJournal, journalDir } from "./resources/framework/intents";
import { PreviewState } from "./resources/framework/preview-state";
import { EngineWatchdog } from "./watchdog";

export interface RuntimeOptions {
  /** The stack's `businesscentral:*` config (default: none). */
  config?: StackConfig;
  /** Environment variables to resolve settings from (default: `process.env` as it is at each resolution). */
  env?: NodeJS.ProcessEnv;
  /** The create-intent journal (default: in `journalDir()`, resolved at first use). */
  journal?: IntentJournal;
}

export class ProviderRuntime {
  /** The stack config `configure` received; credentials are read from it at every operation, never from state. */
  readonly config: StackConfig;
  /**
   * When the command this runtime serves began: refresh and drift reads take only loads begun after it
   * (shared-read.ts). Each `pulumi` command starts its own dynamic-provider process, hence its own runtime; code
   * that serves several commands in one process (tests, the acceptance suite) calls `startCommand` between them.
   */
  readonly commands = new CommandClock();
  /** Sockets, limiters, token caches and connections, shared by every operation. */
  readonly connections = new ConnectionPool(this.commands);
  /** Operations in flight, and the engine-gone watchdog that waits for them. */
  readonly watchdog = new EngineWatchdog();
  /**
   * What removes credentials from output. Process-wide on purpose (provider/redact.ts): an error may be printed
   * outside any operation, and must still lose every credential the process has seen.
   */
  readonly redaction: Redactor = processRedactor;
  // Per-tenant state (locks, caches) belongs here too, keyed like the limiters by `principalKey(settings)` or by
  // tenant id, so that every operation of the runtime shares it and a test's fresh runtime starts without it.
  /** Environment creates, copies and restores, one per tenant at a time (BC's `tenantAlreadyProvisioning`). */
  readonly tenantQueue = new TenantQueue();
  /** What preview checks keep: names the stack's resources declare, each target's verdict (preview-state.ts). */
  readonly previews = new PreviewState();
  private journalInstance?: IntentJournal;

  constructor(private readonly options: RuntimeOptions = {}) {
    this.config = options.config ?? { get: () => undefined };
    this.journalInstance = options.journal;
  }

  /** The environment variables settings are resolved from. */
  get env(): NodeJS.ProcessEnv {
    return this.options.env ?? process.env;
  }

  /** The create-intent journal (framework/intents.ts). */
  get journal(): IntentJournal {
    this.journalInstance ??= new IntentJournal(journalDir(this.env));
    return this.journalInstance;
  }

  /** A resource's or lookup's connection: its inputs › stack config › environment (provider/connection). */
  resolve(target: ConnectionTarget): ResolvedConnection {
    return resolveConnection(target, { config: this.config, env: this.env });
  }

  /** One setting from stack config or the environment, for what check can know while inputs are unknown. */
  configured(name: FieldName): string | undefined {
    return configuredValue(name, { config: this.config, env: this.env });
  }

  /** The runtime's connection for these settings (the same one for the same settings). */
  connect(settings: ConnectionSettings, options?: ConnectOptions): BcConnection {
    return this.connections.connect(settings, options);
  }

  /** Marks the start of a new command (see `commands`). */
  startCommand(at?: number): void {
    this.commands.start(at);
  }

  /** Closes the runtime's sockets (the CLI before it exits, tests). */
  async close(): Promise<void> {
    await this.connections.close();
  }
}

/** The one factory: the dynamic-provider process, the CLI, the SDK's lookups and tests all build runtimes here. */
export function createRuntime(options: RuntimeOptions = {}): ProviderRuntime {
  return new ProviderRuntime(options);
}

/** The process's runtime as the dynamic provider uses it, and a fingerprint of the config it was configured with. */
let processRoot: { runtime: ProviderRuntime; config?: Map<string, string> } | undefined;

/**
 * `configure` in the dynamic-provider process: the first call creates the process's runtime, later calls (one per
 * provider text) reuse it; a later call with different `businesscentral:*` config fails, naming the keys.
 */
export function configureProcessRuntime(config: StackConfig): ProviderRuntime {
  const fingerprint = fingerprintOf(config);
  if (processRoot?.config) {
    const changed = FIELD_NAMES_WITH_CONFIG.map(configKey).filter(
      (key) => processRoot?.config?.get(key) !== fingerprint.get(key),
    );
    if (changed.length > 0) {
      throw new Error(
        `pulumi-businesscentral: the provider process was configured again with a different stack config (${changed.join(", ")}). ` +
          "One provider process serves one stack; run each stack in its own `pulumi` command.",
      );
    }
    return processRoot.runtime;
  }
  processRoot = { runtime: createRuntime({ config }), config: fingerprint };
  return processRoot.runtime;
}

/** The process's runtime (one without stack config until `configure` runs: Pulumi calls it first). */
export function processRuntime(): ProviderRuntime {
  processRoot ??= { runtime: createRuntime() };
  return processRoot.runtime;
}

/** A hash of each config value, so the comparison keeps no secret in plain text. */
function fingerprintOf(config: StackConfig): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const key of FIELD_NAMES_WITH_CONFIG.map(configKey)) {
    const value = config.get(key);
    if (value !== undefined) hashes.set(key, createHash("sha256").update(value).digest("hex"));
  }
  return hashes;
}
