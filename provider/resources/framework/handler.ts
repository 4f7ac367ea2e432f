import type * as pulumi from "@pulumi/pulumi";
import type { PropertyBag } from "./diff";

/**
 * The resource kinds the provider implements: the one list. The handler table (provider/index.ts) must have exactly
 * these keys, each definition names one, and the SDK's shim forwards calls for them.
 */
export type ResourceKind =
  | "Company"
  | "ConfigurationPackage"
  | "Environment"
  | "Extension"
  | "UserGroupMember"
  | "PermissionSetAssignment";

/** What the provider entry point hands the shim for each kind: Pulumi's dynamic provider methods, without `configure`. */
export interface ResourceHandler {
  check(olds: PropertyBag, news: PropertyBag): Promise<pulumi.dynamic.CheckResult>;
  diff(id: string, olds: PropertyBag, news: PropertyBag): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: PropertyBag): Promise<pulumi.dynamic.CreateResult>;
  read(id: string, props: PropertyBag): Promise<pulumi.dynamic.ReadResult>;
  update(id: string, olds: PropertyBag, news: PropertyBag): Promise<pulumi.dynamic.UpdateResult>;
  delete(id: string, props: PropertyBag): Promise<void>;
}
