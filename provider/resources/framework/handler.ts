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
