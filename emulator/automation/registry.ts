import type { AutomationContext, EntitySetDef } from "./entity";

/**
 * The automation v2.0 entity sets. `companies` is the only root set; every other set is a navigation of a
 * company (`companies(<id>)/<set>`), which is how BC scopes them. Entity modules register themselves here.
 */
export const companyScopedSets: Record<string, EntitySetDef<any>> = {};

/** Background work that advances with time (RapidStart tasks, deployments), run before each request. */
export const tickers: ((ctx: AutomationContext) => void)[] = [];

export function registerSet(def: EntitySetDef<any>) {
  companyScopedSets[def.entitySet] = def;
}

export function registerTicker(tick: (ctx: AutomationContext) => void) {
  tickers.push(tick);
}
