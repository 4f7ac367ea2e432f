import { describe, expect, it } from "vitest";
import {
  AmbiguousOutcomeError,
  errorFromEntra,
  errorFromResponse,
  isAuth,
  isNotFound,
  isPermissionRefusal,
  stripCorrelationId,
} from "../../provider/errors";

const CORR = "0f9d2c3e-1a2b-4c5d-8e9f-a0b1c2d3e4f5";
const ctx = (status: number, body: unknown, extra: Partial<Parameters<typeof errorFromResponse>[0]> = {}) =>
  errorFromResponse({
    status,
    headers: {},
    body: typeof body === "string" ? body : JSON.stringify(body),
    method: "PATCH",
    path: "/v2.0/t/production/api/microsoft/automation/v2.0/companies(1)/automationCompanies(2)",
    service: "automation",
    ...extra,
  });

describe("error parsing", () => {
  it("strips BC's CorrelationId suffix and keeps the id", () => {
    expect(stripCorrelationId(`Another user has already changed the record.  CorrelationId:  ${CORR}.`)).toEqual({
      message: "Another user has already changed the record.",
      correlationId: CORR,
    });
  });

  it("parses the automation shape", () => {
    const e = ctx(409, {
      error: {
        code: "Request_EntityChanged",
        message: `Another user has already changed the record.  CorrelationId:  ${CORR}.`,
      },
    });
    expect(e.status).toBe(409);
    expect(e.code).toBe("Request_EntityChanged");
    expect(e.serviceMessage).toBe("Another user has already changed the record.");
    expect(e.correlationId).toBe(CORR);
    expect(e.method).toBe("PATCH");
    expect(e.message).toContain("HTTP 409");
    expect(e.message).toContain(CORR);
    expect(e.message).not.toContain("CorrelationId:");
    expect(isNotFound(e)).toBe(false);
  });

  it("parses the Admin Center shape with requirements and the ms-correlation-x header", () => {
    const e = ctx(
      400,
      {
        code: "AppDependenciesNotSatisfied",
        message: "Missing dependencies",
        data: { requirements: [{ appId: "x", name: "Core" }] },
      },
      { service: "admin", headers: { "ms-correlation-x": CORR } },
    );
    expect(e.code).toBe("AppDependenciesNotSatisfied");
    expect(e.correlationId).toBe(CORR);
    expect(e.requirements).toHaveLength(1);
    expect(e.message).toContain("Requirements");
  });

  it("copes with empty and non-JSON bodies", () => {
    expect(ctx(502, "").serviceMessage).toContain("no body");
    expect(ctx(502, "<html>Bad gateway</html>").serviceMessage).toContain("Bad gateway");
  });

  it("classifies", () => {
    expect(isNotFound(ctx(404, { error: { code: "BadRequest_NotFound", message: "x" } }))).toBe(true);
    expect(isAuth(ctx(401, { error: { code: "Authentication_InvalidCredentials", message: "x" } }))).toBe(true);
  });

  it("explains a BC 401 in plain words, distinguishing missing consent from missing registration", () => {
    const body = {
      error: { code: "Authentication_InvalidCredentials", message: "The server has rejected the client credentials." },
    };
    const unregistered = ctx(401, body, { tokenRoles: ["Automation.ReadWrite.All"] });
    expect(unregistered.hint).toContain("Microsoft Entra applications");
    expect(unregistered.hint).toContain("D365 AUTOMATION");
    expect(unregistered.hint).toContain("EXTEN. MGT. - ADMIN");
    const noConsent = ctx(401, body, { tokenRoles: [] });
    expect(noConsent.hint).toContain("Grant admin consent");
    expect(noConsent.hint).toContain("Automation.ReadWrite.All");
    const forbidden = ctx(403, { error: { code: "Authorization_InsufficientPermissions", message: "no" } });
    expect(forbidden.hint).toContain("EXTEN. MGT. - ADMIN");
  });

  it("maps BC's 400 dialog for a missing EXTEN. MGT. - ADMIN to the permission-set hint", () => {
    const dialog = (message: string) =>
      ctx(400, { error: { code: "Application_DialogException", message: `${message}  CorrelationId:  ${CORR}.` } });
    for (const text of [
      "You do not have the required permissions to install the selected app. Contact your Partner or system administrator to install the app or assign you permissions.",
      "You do not have sufficient permissions to manage extensions. Please contact your administrator.",
    ]) {
      const e = dialog(text);
      expect(e.status).toBe(400);
      expect(e.serviceMessage).toBe(text);
      expect(e.hint).toContain("EXTEN. MGT. - ADMIN");
      expect(e.hint).toContain("Microsoft Entra applications");
      expect(isPermissionRefusal(e)).toBe(true);
    }
    // The same code with another AL text is a business rule, not a permission problem.
    const other = dialog("The extension could not be deployed because it is already deployed.");
    expect(other.hint).toBeUndefined();
    expect(isPermissionRefusal(other)).toBe(false);
    // Only BC's dialog code counts, and only from the Automation API.
    expect(
      ctx(400, {
        error: { code: "BadRequest", message: "You do not have sufficient permissions to manage extensions." },
      }).hint,
    ).toBeUndefined();
    expect(
      isPermissionRefusal(ctx(403, { error: { code: "Authorization_InsufficientPermissions", message: "no" } })),
    ).toBe(true);
    expect(isPermissionRefusal(ctx(401, { error: { code: "Authentication_InvalidCredentials", message: "no" } }))).toBe(
      false,
    );
  });

  it("gives hints only where one applies, first match winning", () => {
    expect(ctx(400, { error: { code: "BadRequest_InvalidToken", message: "x" } }).hint).toContain("If-Match");
    expect(ctx(404, { error: { code: "BadRequest_NotFound", message: "no such environment" } }).hint).toContain(
      "environment name",
    );
    expect(ctx(429, {}).hint).toContain("throttling");
    expect(ctx(403, {}, { service: "admin" }).hint).toContain("AdminCenter.ReadWrite.All");
    expect(ctx(400, { error: { code: "Internal_SomethingElse", message: "x" } }).hint).toBeUndefined();
  });

  it("explains Entra errors by AADSTS code", () => {
    const base = {
      tenantId: "t",
      clientId: "c",
      authorityHost: "https://login.microsoftonline.com",
      credentialKind: "secret",
    };
    const secret = errorFromEntra(
      {
        errorCode: "invalid_client",
        errorMessage: `AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x\r\nCorrelation ID: ${CORR}\r\n`,
        status: 401,
      },
      base,
    );
    expect(secret.code).toBe("AADSTS7000215");
    expect(secret.correlationId).toBe(CORR);
    expect(secret.serviceMessage).toBe("AADSTS7000215: Invalid client secret provided.");
    expect(secret.hint).toContain("client secret");
    expect(errorFromEntra({ errorMessage: "AADSTS700016: Application with identifier" }, base).hint).toContain(
      "No app with client id",
    );
    expect(errorFromEntra({ errorMessage: "AADSTS90002: Tenant 'x' not found." }, base).hint).toContain(
      "Tenant 't' was not found",
    );
    expect(isAuth(secret)).toBe(true);
  });

  it("never carries a token or secret in a message", () => {
    const e = ctx(400, {
      error: { code: "BadRequest", message: "bad client_secret=abcdef123456 and Bearer eyJabc.eyJdef.ghi" },
    });
    expect(e.message).not.toContain("abcdef123456");
    expect(e.message).not.toContain("eyJabc");
    const a = new AmbiguousOutcomeError("POST", "/x", "client_assertion=zzzzzzzzzz reset");
    expect(a.message).not.toContain("zzzzzzzzzz");
  });
});
