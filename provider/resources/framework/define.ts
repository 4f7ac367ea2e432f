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

export type Phase = "create" | "update" | "delete";

/** The checked inputs of a resource: its own fields plus the common ones. */
export type InputsOf<S extends z.ZodRawShape> = z.output<z.ZodObject<typeof commonInputs & S>>;

/** Stored state, split into the inputs it carries and the output-only properties. */
export interface State<I, O> {
  inputs: I;
  outputs: O;
}

/** An object found where a create was about to make one. */
export interface ExistingObject {
  /** The sentence subject: "Company 'CONTOSO'". */
  what: string;
  id: string;
  /** Default "already exists". */
  verb?: "already exists" | "is already installed";
  /** Another way out than adopting, e.g. "choose another displayName". */
  otherwise?: string;
}

/** What operations get: the connection, progress lines, deadlines and the adoption rule. */
export interface OperationContext extends ResourceConnection {
  progress(message: string): void;
  timeoutMs(phase: Phase): number;
  /** Refuses to take over `found` unless the inputs say `adopt: true` (then prints that it adopts). */
  adoptOrRefuse(found: ExistingObject): void;
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
  assertEveryInputHasARule(def.kind, inputNames, def.derived ?? [], def.changes);
  const outputOnly = new Set<string>(def.outputs);
  const notFromProgram = [...(def.derived ?? []), ...def.outputs];

  type I = InputsOf<S>;
  const split = (props: PropertyBag): State<I, O> => {
    const inputs: PropertyBag = {};
    const outputs: PropertyBag = {};
    for (const [key, value] of Object.entries(props)) (outputOnly.has(key) ? outputs : inputs)[key] = value;
    return { inputs: inputs as I, outputs: outputs as O };
  };
  const record = (inputs: PropertyBag, outputs: O, environment: string) =>
    serializable({ ...userInputs(inputs), ...outputs, environment }) as PropertyBag;
  const context = (props: PropertyBag): OperationContext => operationContext(def, props);
  const gone = { id: "", props: {} };

  return {
    kind: def.kind,
    changes: def.changes,
    replaceOrder: def.replaceOrder,
    inputNames,

    async check(olds, news) {
      const given: PropertyBag = { ...news };
      for (const key of notFromProgram) delete given[key];
      const { values, failures } = checkInputs(shape, given);
      failures.push(...(def.crossCheck?.(values as Partial<I>, olds) ?? []));
      if (failures.length === 0) failures.push(...(def.prepare?.(values as I, olds) ?? []));
      if (failures.length > 0) {
        return { inputs: serializable(given) as PropertyBag, failures: failures.map((f) => renamed(f, def.userNames)) };
      }
      const inputs = news.__provider === undefined ? values : { __provider: news.__provider, ...values };
      return { inputs: serializable(inputs) as PropertyBag };
    },

    async diff(_id, olds, news) {
      return diffByRules(def.changes, olds, news, def.replaceOrder);
    },

    async create(inputs) {
      const ctx = context(inputs);
      const { id, outputs } = await def.create(ctx, inputs as I);
      return { id, outs: record(inputs, outputs, ctx.environment) };
    },

    async read(id, props) {
      const ctx = context(props);
      try {
        const now = await def.read(ctx, id, split(props));
        if (!now) return gone;
        const inputs = serializable(userInputs(now.inputs)) as PropertyBag;
        return { id, props: record(now.inputs, now.outputs, ctx.environment), inputs };
      } catch (err) {
        if (isNotFound(err)) return gone;
        throw err;
      }
    },

    async update(id, olds, news) {
      const ctx = context(news);
      const outputs = await def.update(ctx, id, split(olds), news as I);
      return { outs: record(news, outputs, ctx.environment) };
    },

    async delete(id, props) {
      const ctx = context(props);
      try {
        await def.delete(ctx, id, split(props));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}

function operationContext(
  def: { kind: string; timeouts: Record<Phase, number> },
  props: PropertyBag,
): OperationContext {
  const connection = connectionFor(props);
  const progress = (message: string) => process.stdout.write(`[${def.kind}] ${message}\n`);
  return {
    ...connection,
    progress,
    timeoutMs(phase) {
      const given = (props.timeouts as Partial<Record<Phase, string>> | undefined)?.[phase];
      return (given ? parseDuration(given) : undefined) ?? def.timeouts[phase];
    },
    adoptOrRefuse(found) {
      const verb = found.verb ?? "already exists";
      if (props.adopt !== true) {
        throw new Error(
          `${found.what} ${verb} in environment '${connection.environment}' (id ${found.id}). ` +
            `Set adopt: true to manage it with this resource${found.otherwise ? `, or ${found.otherwise}` : ""}.`,
        );
      }
      progress(`adopting ${found.what} (${found.id})`);
    },
  };
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
