// Entry point for `pulumi up` in this folder. The repository's end-to-end test runs the same program inline
// (scripts/stack.ts) against an emulator seeded with three tenants.
import { multiTenant } from "./program";

export = multiTenant();
