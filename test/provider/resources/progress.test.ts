/** Progress lines name their subject: the resource's name (from `owner`), else its id; its tenant and environment. */
import { describe, expect, it } from "vitest";
import { subjectOf } from "../../../provider/resources/framework/define";

const TENANT = "6f1f7b3e-2c4d-4b8a-9e1f-0a2b3c4d5e6f";

describe("subjectOf", () => {
  it("names the resource by the name in its owner, with the tenant and environment it works in", () => {
    const props = { owner: "infra/dev/PermissionSetAssignment/joe-full-access", tenantId: TENANT };
    expect(subjectOf("PermissionSetAssignment", props, undefined, { environment: "production" })).toBe(
      `PermissionSetAssignment joe-full-access @ ${TENANT}/production`,
    );
  });

  it("keeps a name with slashes whole, and prefers the connection's tenant and environment to recorded ones", () => {
    const props = { owner: "infra/dev/Company/eu/contoso", tenantId: "recorded", environment: "recorded" };
    expect(subjectOf("Company", props, "c1", { tenantId: TENANT, environment: "sandbox" })).toBe(
      `Company eu/contoso @ ${TENANT}/sandbox`,
    );
  });

  it("names a resource recorded without an owner by its id, and says what it does not know", () => {
    expect(subjectOf("Extension", { environment: "sandbox-24" }, "e1")).toBe("Extension e1 @ ?/sandbox-24");
    expect(subjectOf("Extension", {})).toBe("Extension");
  });
});
