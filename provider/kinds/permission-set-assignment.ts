// State refers to this module by name (`require("pulumi-businesscentral/provider/permission-set-assignment")`): keep it (./forward.ts).
import { forwardingProvider } from "./forward";

export = forwardingProvider("PermissionSetAssignment");
