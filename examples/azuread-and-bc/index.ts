// Entry point for `pulumi up`: the Entra ID app registration and the Business Central resources that use it, in one
// program (README.md).
import { azureAdAndBc } from "./program";

export = azureAdAndBc();
