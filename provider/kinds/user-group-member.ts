// State refers to this module by name (`require("pulumi-businesscentral/provider/user-group-member")`): keep it (./forward.ts).
import { forwardingProvider } from "./forward";

export = forwardingProvider("UserGroupMember");
