// Entry point for `pulumi up` in this folder. The repository's inline end-to-end test runs the same program through
// the Automation API (scripts/stack.ts) for fault injection; the CLI tests run this file.
import { hydrateTenant } from "./program";

export = hydrateTenant();
