/**
 * One environment create, copy or restore per tenant at a time. BC refuses a second one with
 * `tenantAlreadyProvisioning` "because another environment is currently in the process of being created"
 * (https://learn.microsoft.com/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments),
 * and Pulumi creates independent resources in parallel: inside one provider process they wait in line here.
 */
export class TenantQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `work` after every earlier `work` of the same tenant has settled (succeeded or failed). */
  run<T>(tenantId: string, work: () => Promise<T>): Promise<T> {
    const key = tenantId.toLowerCase();
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Whether work of the tenant is queued or running (for tests and progress lines). */
  busy(tenantId: string): boolean {
    return this.tails.has(tenantId.toLowerCase());
  }
}
