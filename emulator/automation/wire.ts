import type { AnyEntitySet, AutomationContext } from "./entity";
import { encodeMemberName } from "./odata/member-names";

/**
 * A row as the page sends it: the set's own `toWire`, with every enum/option field written as BC writes it — the
 * member name, XML-encoded. The one place where enum values take their wire form, so ETags,
 * `$filter`, `$select` and every response agree.
 */
export function wireOf(def: AnyEntitySet, row: unknown, ctx: AutomationContext): Record<string, unknown> {
  const wire = def.toWire(row, ctx);
  for (const [name, spec] of Object.entries(def.fields)) {
    const value = wire[name];
    if (spec.type === "enum" && typeof value === "string") wire[name] = encodeMemberName(value);
  }
  return wire;
}
