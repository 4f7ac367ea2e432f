// State refers to this module by name (`require("pulumi-businesscentral/provider/configuration-package")`): keep it (./forward.ts).
import { forwardingProvider } from "./forward";

export = forwardingProvider("ConfigurationPackage");
