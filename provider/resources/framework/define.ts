/**
 * `defineResource`: one declared shape per resource. A definition states its inputs (zod), output-only
 * properties, change rules, replace order, default deadlines and four operations; this module supplies what every
 * resource does alike: check (all failures in one run, serializable results, then the preview checks against BC of
 * preview-checks.ts), diff from the change rules, "not found" on read (gone) and delete (done), stored-input
 * picking, deadlines, progress lines, the uniform "already exists, set adopt: true" refusal and partial failures
 * (an object made but not finished is recorded).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { isNotFound } from "../../errors";
import { type ProviderRuntime, processRuntime } from "../../runtime";
import type { ResolvedConnection } from "../../connection";
import { connectionOf, type ResourceConnection } from "./context";
import { type ChangeRule, diffByRules, type PropertyBag, type ReplaceOrder } from "./diff";
import type { ResourceHandler, ResourceKind } from "./handler";
import { checkInputs, commonInputs, containsUnknown, parseDuration, serializable, userInputs } from "./inputs";
import { offlinePreview, recordDeclaration, verifyTarget } from "./preview-checks";
import type { Declaration } from "./preview-state";
import { checkNotes, type ClaimMethods, type Claims, claimMethods, forgetDeleted, sparedOnDelete } from "./claims";
import {
  assertRecordedTenant,
  resolveTarget,
  targetRules,
  waitingForPropagation,
  withCredentialFallback,
} from "./target";

export type Phase = "create" | "update" | "delete";

/** Deadlines of resources whose operations are single requests (BC itself gives up on a request after minutes). */
export const SHORT_TIMEOUTS: Record<Phase, number> = { create: 5 * 60_000, update: 5 * 60_000, delete: 5 * 60_000 };

/** The checked inputs of a resource: its own fields plus the common ones. */
export type InputsOf<S extends z.ZodRawShape> = z.output<z.ZodObject<typeof commonInputs & S>>;

/** Stored state, split into the inputs it carries and the output-only properties. */
export interface State<I, O> {
  inputs: I;
  outputs: O;
}

export type { Claim, ExistingObject } from "./claims";

/** What operations get: the runtime, the connection, progress lines, deadlines, the adoption rule and partial failures. */
export interface OperationContext<O extends PropertyBag = PropertyBag> extends ResourceConnection, ClaimMethods {
  /** The provider runtime the operation runs in (provider/runtime.ts). */
  runtime: ProviderRuntime;
  progress(message: string): void;
  timeoutMs(phase: Phase): number;
  /**
   * Ends a create or update whose object `id` exists but is not finished (e.g. a package imported whose apply
   * failed): the framework records the object with the outputs known so far and fails the operation with `why`.
   * Pulumi keeps it in state, so nothing is orphaned, and the next `up` runs an update that finishes it.
   */
  partial(id: string, outputs: Partial<O>, why: string): never;
}

/**
 * The error Pulumi's dynamic provider turns into the engine's "resource initialization failed": it records `id` and
 * `properties` (the object's state) and fails the step with `reasons`
 * (https://github.com/pulumi/pulumi/blob/master/sdk/nodejs/cmd/dynamic-provider/index.ts, `grpcResponseFromError`).
 */
export interface InitializationFailure extends Error {
  readonly id: string;
  readonly properties: PropertyBag;
  readonly reasons: string[];
}

export interface ResourceDefinition<S extends z.ZodRawShape, O extends PropertyBag> {
  kind: ResourceKind;
  inputs: S;
  /** Inputs `prepare` computes (never taken from the program). */
  derived?: readonly string[];
  /** The program's name of an input the SDK renames (e.g. `filePath` is the program's `file`), for failures. */
  userNames?: Readonly<Record<string, string>>;
  /** Properties that are outputs only; everything else in state is an input. */
  outputs: readonly (keyof O & string)[];
  /** Every input appears in exactly one rule (checked when the definition loads). */
  changes: readonly ChangeRule[];
  replaceOrder: ReplaceOrder;
  timeouts: Record<Phase, number>;
  /**
   * Only for rows marked `comparedBy: "diff"`: the whole diff, given `byRules`, the diff of every other row
   * (environment, tenant, behaviour …) as the rules compute it.
   */
  diff?(olds: PropertyBag, news: PropertyBag, byRules: pulumi.dynamic.DiffResult): pulumi.dynamic.DiffResult;
  /** Lines for the user at check (shown in preview), e.g. the company name BC will derive. */
  notes?(values: Partial<InputsOf<S>>, olds: PropertyBag): string[];
  /** Checks across fields; gets only the fields that passed their own schema, so it runs in the same pass. */
  crossCheck?(values: Partial<InputsOf<S>>, olds: PropertyBag): pulumi.dynamic.CheckFailure[];
  /** After a clean check: computes `derived` inputs into `values` (e.g. a file's hash), or fails. */
  prepare?(values: InputsOf<S>, olds: PropertyBag): pulumi.dynamic.CheckFailure[] | undefined;
  /**
   * After a clean check, what only BC can tell, with read-only requests through the shared reads (so a green
   * preview means `up` gets past it): runs once the framework found the credential and the target environment
   * good (preview-checks.ts). Skipped when the connection cannot be resolved yet (unknown inputs at preview) and
   * with `offlinePreview`; inputs still unknown are the definition's to skip. Create checks again.
   */
  verify?(ctx: OperationContext, values: InputsOf<S>, olds: PropertyBag): Promise<pulumi.dynamic.CheckFailure[]>;
  /** What the resource makes exist in its target, recorded at check so other resources' checks accept it. */
  declares?(values: InputsOf<S>): Declaration | undefined;
  /** The resource creates its own target environment (Environment): the framework does not check it exists. */
  createsTarget?: boolean;
  /** Refuses (throws) a planned replace the resource must never make, e.g. of a Production environment. */
  guardReplace?(id: string, olds: PropertyBag, replaces: readonly string[]): void;
  create(ctx: OperationContext, inputs: InputsOf<S>): Promise<{ id: string; outputs: O }>;
  /** The object as it is now, or undefined when it is gone. */
  read(ctx: OperationContext, id: string, state: State<InputsOf<S>, O>): Promise<State<InputsOf<S>, O> | undefined>;
  update(ctx: OperationContext, id: string, olds: State<InputsOf<S>, O>, news: InputsOf<S>): Promise<O>;
  delete(ctx: OperationContext, id: string, state: State<InputsOf<S>, O>): Promise<void>;
}

/** A definition with its handler and what docs and tests read from it. */
export interface DefinedResource extends ResourceHandler {
  readonly kind: ResourceKind;
  readonly changes: readonly ChangeRule[];
  readonly replaceOrder: ReplaceOrder;
  readonly inputNames: readonly string[];
  /** The same handler running its operations in `runtime` (tests; the shim's calls use the process's runtime). */
  withRuntime(runtime: ProviderRuntime | (() => ProviderRuntime)): ResourceHandler;
  /** Inputs check computes (never taken from the program), `tenantId` included. */
  readonly derivedNames: readonly string[];
  /** The output-only properties (`adopted` aside). */
  readonly outputNames: readonly string[];
}

export function defineResource<S extends z.ZodRawShape, O extends PropertyBag>(
  def: ResourceDefinition<S, O>,
): DefinedResource {
  const shape = { ...commonInputs, ...def.inputs };
  const inputNames = Object.keys(shape);
  const changes = [...def.changes, ...targetRules];
  // `tenantId` is resolved at check for every resource (framework/target.ts).
  const derived = [...(def.derived ?? []), "tenantId"];
  assertEveryInputHasARule(def.kind, inputNames, derived, changes);
  const byRules = changes.filter((rule) => rule.comparedBy !== "diff");
  if (byRules.length < changes.length !== (def.diff !== undefined)) {
    throw new Error(`${def.kind}: rows marked comparedBy "diff" and a diff function go together`);
  }
  const outputOnly = new Set<string>([...def.outputs, "adopted"]);
  const notFromProgram = [...derived, ...def.outputs, "adopted"];

  type I = InputsOf<S>;
  const split = (props: PropertyBag): State<I, O> => {
    const inputs: PropertyBag = {};
    const outputs: PropertyBag = {};
    for (const [key, value] of Object.entries(props)) (outputOnly.has(key) ? outputs : inputs)[key] = value;
    return { inputs: inputs as I, outputs: outputs as O };
  };
  /** Stored state; `adopted` records whether the object existed before this resource took it (delete spares it). */
  const record = (inputs: PropertyBag, outputs: Partial<O>, ctx: OperationContext, adopted: unknown = false) =>
    serializable({
      ...userInputs(inputs),
      ...outputs,
      adopted: adopted === true,
      environment: ctx.environment,
      tenantId: ctx.settings.tenantId.toLowerCase(),
    }) as PropertyBag;
  const progress = (props: PropertyBag, id?: string, where?: Place) => progressWriter(def.kind, props, id, where);
  const context = (
    runtime: ProviderRuntime,
    props: PropertyBag,
    claims: Claims = {},
    target: ResolvedConnection = runtime.resolve(props),
    id?: string,
  ): OperationContext<O> => ({ ...operationContext(def, runtime, target, props, claims, id), partial });
  /** A context for `verify` at check; none while the connection cannot be resolved (unknown inputs at preview). */
  const contextIfResolvable = (runtime: ProviderRuntime, props: PropertyBag): OperationContext<O> | undefined => {
    try {
      return context(runtime, props);
    } catch {
      return undefined;
    }
  };
  /** The preview checks of a checked resource: its target (token, environment), then the definition's own. */
  const verifyAtCheck = async (
    runtime: ProviderRuntime,
    values: PropertyBag,
    olds: PropertyBag,
  ): Promise<pulumi.dynamic.CheckFailure[]> => {
    if (containsUnknown(values.connection) || containsUnknown(values.environment)) return [];
    const ctx = contextIfResolvable(runtime, values);
    if (!ctx || offlinePreview(ctx.settings)) return [];
    try {
      if (!def.createsTarget) {
        const tenantId = typeof values.tenantId === "string" ? values.tenantId : ctx.settings.tenantId;
        const verdict = await verifyTarget(runtime, { ...ctx, tenantId, connectionInput: values.connection });
        if (!verdict.reachable) return verdict.failures;
      }
      return (await def.verify?.(ctx, values as I, olds)) ?? [];
    } catch (err) {
      // A check that could not be made is no failure of the program: `up` meets the cause with its own message.
      progress(values)(`could not check against BC at preview: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    }
  };
  /** A context for reading or deleting what state recorded: never in another tenant. */
  const recordedContext = (runtime: ProviderRuntime, props: PropertyBag, id: string): OperationContext => {
    const ctx = context(runtime, props, {}, undefined, id);
    assertRecordedTenant(def.kind, props, ctx.settings.tenantId);
    return ctx;
  };
  const gone = { id: "", props: {} };

  /** The handler's methods, each running in the runtime `runtime()` returns at call time. */
  const handlerOn = (runtime: () => ProviderRuntime): ResourceHandler => ({
    async check(olds, news) {
      const given: PropertyBag = { ...news };
      for (const key of notFromProgram) delete given[key];
      const { values, failures } = checkInputs(shape, given);
      failures.push(...(def.crossCheck?.(values as Partial<I>, olds) ?? []));
      if (failures.length === 0) failures.push(...resolveTarget(values, runtime()));
      if (failures.length === 0) failures.push(...(def.prepare?.(values as I, olds) ?? []));
      if (failures.length === 0) {
        recordDeclaration(runtime(), values, def.declares?.(values as I));
        failures.push(...(await verifyAtCheck(runtime(), values, olds)));
      }
      const notes = def.notes?.(values as Partial<I>, olds) ?? [];
      const subject = subjectOf(def.kind, { ...olds, ...values });
      for (const note of checkNotes(subject, notes, values, olds)) process.stdout.write(`${note}\n`);
      if (failures.length > 0) {
        return { inputs: serializable(given) as PropertyBag, failures: failures.map((f) => renamed(f, def.userNames)) };
      }
      const inputs = news.__provider === undefined ? values : { __provider: news.__provider, ...values };
      return { inputs: serializable(inputs) as PropertyBag };
    },

    async diff(_id, olds, news) {
      const byRulesDiff = diffByRules(byRules, olds, news, def.replaceOrder);
      const diff = def.diff ? def.diff(olds, news, byRulesDiff) : byRulesDiff;
      if (def.guardReplace && (diff.replaces ?? []).length > 0) def.guardReplace(_id, olds, diff.replaces ?? []);
      return diff;
    },

    async create(inputs) {
      const rt = runtime();
      const target = rt.resolve(inputs);
      return waitingForPropagation(target, progress(inputs), async () => {
        const claims: Claims = {};
        const ctx = context(rt, inputs, claims, target);
        const done = await orIncomplete<O, { id: string; outputs: O }>(() =>
          rt.watchdog.track(() => def.create(ctx, inputs as I)),
        );
        if (claims.intent) rt.journal.complete(...claims.intent, done.id);
        const outs = record(inputs, done.outputs, ctx, claims.how === "adopted");
        if (done instanceof Incomplete) throw initializationFailure(done, inputs, outs);
        return { id: done.id, outs };
      });
    },

    async read(id, props) {
      return withCredentialFallback(props, progress(props, id), async (recorded) => {
        const ctx = recordedContext(runtime(), recorded, id);
        try {
          const now = await def.read(ctx, id, split(recorded));
          if (!now) return gone;
          const inputs = serializable(userInputs({ ...now.inputs, connection: props.connection })) as PropertyBag;
          return { id, props: record(inputs, now.outputs, ctx, props.adopted), inputs };
        } catch (err) {
          if (isNotFound(err)) return gone;
          throw err;
        }
      });
    },

    async update(id, olds, news) {
      const ctx = context(runtime(), news, {}, undefined, id);
      const done = await orIncomplete<O, O>(() =>
        ctx.runtime.watchdog.track(() => def.update(ctx, id, split(olds), news as I)),
      );
      if (done instanceof Incomplete) {
        throw initializationFailure(done, news, record(news, done.outputs, ctx, olds.adopted));
      }
      return { outs: record(news, done, ctx, olds.adopted) };
    },

    async delete(id, props) {
      await withCredentialFallback(props, progress(props, id), async (recorded) => {
        const ctx = recordedContext(runtime(), recorded, id);
        if (sparedOnDelete(recorded)) {
          ctx.progress(
            `leaving adopted object ${id} in place (it existed before this stack; deleteAdopted: true deletes it)`,
          );
          return;
        }
        try {
          await ctx.runtime.watchdog.track(() => def.delete(ctx, id, split(recorded)));
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        forgetDeleted(ctx.runtime.journal, def.kind, recorded, id);
      });
    },
  });

  return {
    kind: def.kind,
    changes,
    replaceOrder: def.replaceOrder,
    inputNames,
    derivedNames: derived,
    outputNames: def.outputs,
    ...handlerOn(processRuntime),
    withRuntime: (given) => handlerOn(typeof given === "function" ? given : () => given),
  };
}

/** What `ctx.partial` throws to the framework: the object and its outputs so far (never leaves this module). */
class Incomplete<O extends PropertyBag = PropertyBag> extends Error {
  constructor(
    why: string,
    readonly id: string,
    readonly outputs: Partial<O>,
  ) {
    super(why);
  }
}

function partial(id: string, outputs: PropertyBag, why: string): never {
  throw new Incomplete(why, id, outputs);
}

/** Runs a create or update as an operation in flight; `ctx.partial` ends it with what it left, not an error. */
async function orIncomplete<O extends PropertyBag, T>(run: () => Promise<T>): Promise<T | Incomplete<O>> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof Incomplete) return err as Incomplete<O>;
    throw err;
  }
}

/**
 * The engine's partial-initialisation error for an incomplete object, carrying the state `record` made. The dynamic
 * provider adds `__provider` to a successful result itself but not to this one, so it is kept here: a later read
 * or delete needs it to load the provider, as it needs the (secret) `connection` that `record` keeps.
 */
function initializationFailure(done: Incomplete, inputs: PropertyBag, recorded: PropertyBag): InitializationFailure {
  const failure = new Error(done.message) as Error & { id: string; properties: PropertyBag; reasons: string[] };
  failure.id = done.id;
  failure.properties = inputs.__provider === undefined ? recorded : { __provider: inputs.__provider, ...recorded };
  failure.reasons = [done.message];
  return failure;
}

function operationContext(
  def: { kind: string; timeouts: Record<Phase, number> },
  runtime: ProviderRuntime,
  target: ResolvedConnection,
  props: PropertyBag,
  claims: Claims,
  id: string | undefined,
): Omit<OperationContext, "partial"> {
  const connection = connectionOf(runtime, target);
  const progress = progressWriter(def.kind, props, id, {
    tenantId: connection.settings.tenantId,
    environment: connection.environment,
  });
  return {
    ...connection,
    runtime,
    progress,
    timeoutMs(phase) {
      const given = (props.timeouts as Partial<Record<Phase, string>> | undefined)?.[phase];
      return (given ? parseDuration(given) : undefined) ?? def.timeouts[phase];
    },
    ...claimMethods(
      runtime.journal,
      def.kind,
      props,
      {
        scope: `${connection.settings.tenantId.toLowerCase()}/${connection.environment}`,
        environment: connection.environment,
      },
      progress,
      claims,
    ),
  };
}

/** Where a resource lives, for its progress lines. */
interface Place {
  tenantId?: string;
  environment?: string;
}

/**
 * Writes progress lines that name their subject, `[Kind name @ tenant/environment] …`: one run may serve many
 * resources of a kind in many tenants. A dynamic provider is never told the resource's name; `owner`
 * (`<project>/<stack>/<Kind>/<name>`, which the SDK passes and diff ignores) carries it. A resource recorded
 * without one is named by its id.
 */
function progressWriter(kind: string, props: PropertyBag, id?: string, where: Place = {}) {
  const subject = subjectOf(kind, props, id, where);
  return (message: string) => process.stdout.write(`[${subject}] ${message}\n`);
}

/** `Kind name @ tenant/environment`, each part as far as it is known. */
export function subjectOf(kind: string, props: PropertyBag, id?: string, where: Place = {}): string {
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  const name = text(props.owner)?.split("/").slice(3).join("/") || text(id);
  const tenant = where.tenantId ?? text(props.tenantId);
  const environment = where.environment ?? text(props.environment);
  const place = tenant || environment ? ` @ ${tenant ?? "?"}/${environment ?? "?"}` : "";
  return `${kind}${name ? ` ${name}` : ""}${place}`;
}

function renamed(
  failure: pulumi.dynamic.CheckFailure,
  names: Readonly<Record<string, string>> = {},
): pulumi.dynamic.CheckFailure {
  const [head, ...rest] = failure.property.split(".");
  const name = names[head ?? ""];
  return name ? { ...failure, property: [name, ...rest].join(".") } : failure;
}

function assertEveryInputHasARule(
  kind: string,
  inputNames: readonly string[],
  derived: readonly string[],
  rules: readonly ChangeRule[],
) {
  const covered = new Set(rules.flatMap((r) => r.keys));
  const missing = [...inputNames, ...derived].filter((name) => !covered.has(name));
  if (missing.length > 0) throw new Error(`${kind}: no change rule for ${missing.join(", ")}`);
}
