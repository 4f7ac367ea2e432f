/** Side-effect import: the provider entry point fails clearly on an old Node before loading the HTTP client. */
import { requireSupportedNode } from "./node-version";

requireSupportedNode("the dynamic provider");
