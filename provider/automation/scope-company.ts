/**
 * The company through which environment-wide entities are addressed. Users, extensions, permission sets and
 * security groups belong to the environment, yet the Automation API puts them under `companies({id})/…`
 * (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis):
 * any company works, unless the app's permission sets are limited to one company (then `scopeCompany` names it).
 */
import type { Snapshots } from "./snapshots";

export class ScopeCompany {
  private cached?: Promise<string>;

  constructor(
    private readonly snapshots: Pick<Snapshots, "companies">,
    private readonly environment: string,
    /** The company (name or id) to use; default the first one. */
    private readonly wanted?: string,
  ) {}

  /** The company's id, looked up once (from the shared `companies` read); a failed look-up is tried again. */
  id(): Promise<string> {
    if (!this.cached) {
      this.cached = this.snapshots.companies().then((companies) => {
        const wanted = this.wanted?.toLowerCase();
        if (wanted !== undefined) {
          const named = companies.find((c) => c.name.toLowerCase() === wanted || c.id.toLowerCase() === wanted);
          if (named) return named.id;
          throw new Error(
            `scopeCompany: environment '${this.environment}' has no company '${this.wanted}' (companies: ${companies.map((c) => `'${c.name}'`).join(", ")}). Set businesscentral:scopeCompany (or connection.scopeCompany, BC_SCOPE_COMPANY) to one of them.`,
          );
        }
        const first = companies[0]?.id;
        if (!first)
          throw new Error(`environment '${this.environment}' has no company; automation calls need one in the URL`);
        return first;
      });
      this.cached.catch(() => {
        this.cached = undefined;
      });
    }
    return this.cached;
  }

  /** Forgets the cached company if it is `id` (after that company was deleted). */
  forget(id: string): void {
    const current = this.cached;
    current?.then(
      (cached) => {
        if (cached.toLowerCase() === id.toLowerCase() && this.cached === current) this.cached = undefined;
      },
      () => undefined,
    );
  }
}
