// State refers to this module by name (`require("pulumi-businesscentral/provider/environment")`): keep it (./forward.ts).
import { forwardingProvider } from "./forward";

export = forwardingProvider("Environment");
