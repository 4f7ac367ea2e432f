// Entry point for `pulumi up` with a Node language host: the Entra ID stack. The Business Central half is the
// `hydrate-tenant` program in a second stack configured from this stack's outputs (README.md).
import { azureAdAndBc } from "./program";

export = azureAdAndBc();
