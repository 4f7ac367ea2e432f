/**
 * `defineResource`: one declared shape per resource. A definition states its inputs (zod), output-only
 * properties, change rules, replace order, default deadlines and four operations; this module supplies what every
 * resource does alike: check (all failures in one run, serializable results), diff from the change rules, "not
 * found" on read (gone) and delete (done), stored-input picking, deadlines, progress lines and the uniform
 * "already exists, set adopt: true" refusal.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { isNotFound } from "../../errors";
import { connectionFor, type ResourceConnection } from "./context";
import { type ChangeRule, diffByRules, type PropertyBag, type ReplaceOrder } from "./diff";
import type { ResourceHandler } from "./handler";
import { checkInputs, commonInputs, parseDuration, serializable, userInputs } from "./inputs";
import { checkNotes, type ClaimMethods, type Claims, claimMethods, forgetDeleted, sparedOnDelete } from "./claims";
import { intentJournal } from "./intents";
import { inFlightOperation } from "../../watchdog";
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

/** What operations get: the connection, progress lines, deadlines and the adoption rule. */
export interface OperationContext extends ResourceConnection, ClaimMethods {
  progress(message: string): void;
  timeoutMs(phase: Phase): number;
}

export interface ResourceDefinition<S extends z.ZodRawShape, O extends PropertyBag> {
  kind: string;
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
  /** Lines for the user at check (shown in preview), e.g. the company name BC will derive. */
  notes?(values: Partial<InputsOf<S>>, olds: PropertyBag): string[];
  /** Checks across fields; gets only the fields that passed their own schema, so it runs in the same pass. */
  crossCheck?(values: Partial<InputsOf<S>>, olds: PropertyBag): pulumi.dynamic.CheckFailure[];
  /** After a clean check: computes `derived` inputs into `values` (e.g. a file's hash), or fails. */
  prepare?(values: InputsOf<S>, olds: PropertyBag): pulumi.dynamic.CheckFailure[] | undefined;
  create(ctx: OperationContext, inputs: InputsOf<S>): Promise<{ id: string; outputs: O }>;
  /** The object as it is now, or undefined when it is gone. */
  read(ctx: OperationContext, id: string, state: State<InputsOf<S>, O>): Promise<State<InputsOf<S>, O> | undefined>;
  update(ctx: OperationContext, id: string, olds: State<InputsOf<S>, O>, news: InputsOf<S>): Promise<O>;
  delete(ctx: OperationContext, id: string, state: State<InputsOf<S>, O>): Promise<void>;
}

/** A definition with its handler and what docs and tests read from it. */
export interface DefinedResource extends ResourceHandler {
  readonly kind: string;
  readonly changes: readonly ChangeRule[];
  readonly replaceOrder: ReplaceOrder;
  readonly inputNames: readonly string[];
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
  const record = (inputs: PropertyBag, outputs: O, ctx: OperationContext, adopted: unknown = false) =>
    serializable({
      ...userInputs(inputs),
      ...outputs,
      adopted: adopted === true,
      environment: ctx.environment,
      tenantId: ctx.settings.tenantId.toLowerCase(),
    }) as PropertyBag;
  const progress = (props: PropertyBag, id?: string, where?: Place) => progressWriter(def.kind, props, id, where);
  const context = (props: PropertyBag, claims: Claims = {}, id?: string): OperationContext =>
    operationContext(def, props, claims, id);
  /** A context for reading or deleting what state recorded: never in another tenant. */
  const recordedContext = (props: PropertyBag, id: string): OperationContext => {
    const ctx = context(props, {}, id);
    assertRecordedTenant(def.kind, props, ctx.settings.tenantId);
    return ctx;
  };
  const gone = { id: "", props: {} };

  return {
    kind: def.kind,
    changes,
    replaceOrder: def.replaceOrder,
    inputNames,

    async check(olds, news) {
      const given: PropertyBag = { ...news };
      for (const key of notFromProgram) delete given[key];
      const { values, failures } = checkInputs(shape, given);
      failures.push(...(def.crossCheck?.(values as Partial<I>, olds) ?? []));
      if (failures.length === 0) failures.push(...resolveTarget(values));
      if (failures.length === 0) failures.push(...(def.prepare?.(values as I, olds) ?? []));
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
      return diffByRules(changes, olds, news, def.replaceOrder);
    },

    async create(inputs) {
      return waitingForPropagation(inputs, progress(inputs), async () => {
        const claims: Claims = {};
        const ctx = context(inputs, claims);
        const { id, outputs } = await inFlightOperation(() => def.create(ctx, inputs as I));
        if (claims.intent) intentJournal().complete(...claims.intent, id);
        return { id, outs: record(inputs, outputs, ctx, claims.how === "adopted") };
      });
    },

    async read(id, props) {
      return withCredentialFallback(props, progress(props, id), async (recorded) => {
        const ctx = recordedContext(recorded, id);
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
      const ctx = context(news, {}, id);
      const outputs = await inFlightOperation(() => def.update(ctx, id, split(olds), news as I));
      return { outs: record(news, outputs, ctx, olds.adopted) };
    },

    async delete(id, props) {
      await withCredentialFallback(props, progress(props, id), async (recorded) => {
        const ctx = recordedContext(recorded, id);
        if (sparedOnDelete(recorded)) {
          ctx.progress(
            `leaving adopted object ${id} in place (it existed before this stack; deleteAdopted: true deletes it)`,
          );
          return;
        }
        try {
          await inFlightOperation(() => def.delete(ctx, id, split(recorded)));
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        forgetDeleted(def.kind, recorded, id);
      });
    },
  };
}

function operationContext(
  def: { kind: string; timeouts: Record<Phase, number> },
  props: PropertyBag,
  claims: Claims,
  id: string | undefined,
): OperationContext {
  const connection = connectionFor(props);
  const progress = progressWriter(def.kind, props, id, {
    tenantId: connection.settings.tenantId,
    environment: connection.environment,
  });
  return {
    ...connection,
    progress,
    timeoutMs(phase) {
      const given = (props.timeouts as Partial<Record<Phase, string>> | undefined)?.[phase];
      return (given ? parseDuration(given) : undefined) ?? def.timeouts[phase];
    },
    ...claimMethods(
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
