import type * as pulumi from "@pulumi/pulumi";

/** What each resource module implements: Pulumi's dynamic provider methods, without `configure`. */
export interface ResourceHandler {
  check(olds: Record<string, any>, news: Record<string, any>): Promise<pulumi.dynamic.CheckResult>;
  diff(id: string, olds: Record<string, any>, news: Record<string, any>): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: Record<string, any>): Promise<pulumi.dynamic.CreateResult>;
  read(id: string, props: Record<string, any>): Promise<pulumi.dynamic.ReadResult>;
  update(id: string, olds: Record<string, any>, news: Record<string, any>): Promise<pulumi.dynamic.UpdateResult>;
  delete(id: string, props: Record<string, any>): Promise<void>;
}

/**
 * A failure after the object was created (e.g. a package imported but its apply failed). Pulumi records the
 * object with this id and these outputs, so nothing is orphaned; the next `up` retries (docs §1.9).
 */
export class PartialFailure extends Error {
  readonly reasons: string[];
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Record<string, unknown>,
  ) {
    super(message);
    this.reasons = [message];
  }
}
