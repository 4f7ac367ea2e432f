// Entry point for `pulumi up` in this folder. The repository's end-to-end test runs the same program inline through
// the Automation API (scripts/stack.ts).
import { testSandbox } from "./program";

export = testSandbox();
