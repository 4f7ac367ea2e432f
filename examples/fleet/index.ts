// One customer tenant per stack. The connection is the stack's `businesscentral:*` config (tenant id, the partner's
// multitenant app, the environment), so the same program serves every customer: `npx pulumi-businesscentral fleet`
// runs the stacks together (docs/fleet.md).
import * as pulumi from "@pulumi/pulumi";
import * as bc from "pulumi-businesscentral";

const config = new pulumi.Config("fleet");

const company = new bc.Company("company", {
  displayName: config.require("companyName"),
});

/** Users who get read access to the company (BC user names); `fleet:readers` in the stack, e.g. [ADMIN, JOE]. */
const readers = config.getObject<string[]>("readers") ?? [];
for (const userName of readers) {
  new bc.PermissionSetAssignment(`${userName.toLowerCase()}-read`, {
    userName,
    roleId: "D365 READ",
    company: company.name,
  });
}

export const companyId = company.companyId;
export const companyName = company.name;
