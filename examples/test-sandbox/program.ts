import * as pulumi from "@pulumi/pulumi";
import * as bc from "pulumi-businesscentral";

/**
 * A throw-away test sandbox: production copied into a fresh sandbox (data and the "Microsoft Entra applications"
 * registrations come along, so this stack's app can hydrate it at once), a test company and a permission set in it.
 * `pulumi destroy` removes the company, the grant and the sandbox again. Config under `sandbox:` (Pulumi.yaml).
 */
export async function testSandbox() {
  const cfg = new pulumi.Config("sandbox");
  // One sandbox per stack (`pr-<number>` in CI). BC renames a deleted environment at once, so after a destroy the
  // next up creates the sandbox again under the same name.
  const name = cfg.get("name") ?? `test-${pulumi.getStack()}`.slice(0, 29);

  const sandbox = new bc.Environment("sandbox", {
    name,
    type: "Sandbox",
    copyFrom: { environment: cfg.get("source") ?? "production", type: "Production" },
    timeouts: { create: cfg.get("createTimeout") ?? "2h" },
  });

  const company = new bc.Company("test-company", {
    environment: sandbox.name,
    displayName: cfg.get("companyName") ?? "Test Company",
  });

  const tester = new bc.PermissionSetAssignment("tester-full-access", {
    environment: sandbox.name,
    userName: cfg.require("testerUserName"),
    roleId: "D365 BUS FULL ACCESS",
    company: company.name,
  });

  return {
    sandboxName: sandbox.name,
    webClientUrl: sandbox.webClientUrl,
    companyId: company.companyId,
    assignmentId: tester.assignmentId,
  };
}
