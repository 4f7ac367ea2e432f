// Entry point for `pulumi up` with a Node language host. The repository's demo and tests run the same program
// inline through the Automation API (scripts/stack.ts), because the language host cannot be built offline here.
import { hydrateTenant } from "./program";

export = hydrateTenant();
