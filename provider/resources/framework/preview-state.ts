/**
 * What preview checks keep for one provider process (one stack, one command): the names the stack's own resources
 * declare (an Environment's name, a Company's name, that an Extension is installed), so a resource naming them is
 * not refused because they do not exist yet, and each target's verdict (token, environment), so a stack of N
 * resources asks once. Recorded by check, which the engine calls in registration order: a resource checked before
 * the resource that declares its name does not see that name (docs/troubleshooting.md).
 */

/** What one resource makes exist in its target. */
export interface Declaration {
  /** An environment of this name (the Environment resource). */
  environment?: string;
  /** A company of this name (the Company resource). */
  company?: string;
  /** An extension, which may define permission sets not there yet (the Extension resource). */
  extension?: boolean;
}

const key = (tenantId: string, environment: string) => `${tenantId.toLowerCase()}/${environment.toLowerCase()}`;

export class PreviewState {
  private readonly environments = new Set<string>();
  private readonly companies = new Map<string, Set<string>>();
  private readonly extensions = new Set<string>();
  private readonly verdicts = new WeakMap<object, Map<string, Promise<unknown>>>();

  /** Records what a resource checked in `tenantId`/`environment` declares. */
  declare(tenantId: string, environment: string, what: Declaration): void {
    const target = key(tenantId, environment);
    if (what.environment !== undefined) this.environments.add(key(tenantId, what.environment));
    if (what.company !== undefined) {
      const names = this.companies.get(target) ?? new Set<string>();
      names.add(what.company);
      this.companies.set(target, names);
    }
    if (what.extension) this.extensions.add(target);
  }

  /** Whether an Environment of the stack is named `environment` (it may not exist before `up`). */
  declaresEnvironment(tenantId: string, environment: string): boolean {
    return this.environments.has(key(tenantId, environment));
  }

  /** Whether a Company of the stack is named `name` in this target (BC company names are case-sensitive keys). */
  declaresCompany(tenantId: string, environment: string, name: string): boolean {
    return this.companies.get(key(tenantId, environment))?.has(name) ?? false;
  }

  /** Whether the stack installs an extension in this target. */
  declaresExtension(tenantId: string, environment: string): boolean {
    return this.extensions.has(key(tenantId, environment));
  }

  /** One verdict per `owner` (a connection) and `id` for the process: computed by the first caller, shared. */
  once<T>(owner: object, id: string, compute: () => Promise<T>): Promise<T> {
    const own = this.verdicts.get(owner) ?? new Map<string, Promise<unknown>>();
    this.verdicts.set(owner, own);
    let verdict = own.get(id) as Promise<T> | undefined;
    if (!verdict) {
      verdict = compute();
      own.set(id, verdict);
    }
    return verdict;
  }
}
