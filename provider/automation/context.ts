import type { AutomationClient } from "./client";
import type { ScopeCompany } from "./scope-company";
import type { Snapshots } from "./snapshots";

/** What the typed entity operations build on: the request layer, the shared reads and the scope company. */
export interface AutomationContext {
  readonly client: AutomationClient;
  readonly snapshots: Snapshots;
  readonly scopeCompany: ScopeCompany;
}
