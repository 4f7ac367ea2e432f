import type * as pulumi from "@pulumi/pulumi";
import type { PropertyBag } from "./diff";

/** What the provider entry point hands the shim for each kind: Pulumi's dynamic provider methods, without `configure`. */
export interface ResourceHandler {
  check(olds: PropertyBag, news: PropertyBag): Promise<pulumi.dynamic.CheckResult>;
  diff(id: string, olds: PropertyBag, news: PropertyBag): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: PropertyBag): Promise<pulumi.dynamic.CreateResult>;
  read(id: string, props: PropertyBag): Promise<pulumi.dynamic.ReadResult>;
  update(id: string, olds: PropertyBag, news: PropertyBag): Promise<pulumi.dynamic.UpdateResult>;
  delete(id: string, props: PropertyBag): Promise<void>;
}

/**
 * A failure after the object was created (e.g. a package imported but its apply failed). Pulumi records the
 * object with this id and these outputs, so nothing is orphaned; the next `up` retries (the engine saves a partially
 * initialised resource and updates it on the next run).
 */
export class PartialFailure extends Error {
  readonly reasons: string[];
  constructor(
    message: string,
    readonly id: string,
    readonly properties: PropertyBag,
  ) {
    super(message);
    this.reasons = [message];
  }
}
