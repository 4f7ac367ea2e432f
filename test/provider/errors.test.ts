import { describe, expect, it } from "vitest";
import {
  AmbiguousOutcomeError,
  errorFromEntra,
  errorFromResponse,
  isAuth,
  isConflict,
  isDuplicate,
  isNotFound,
  isThrottled,
  isValidation,
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
    expect(isConflict(e)).toBe(true);
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
    expect(isValidation(e)).toBe(true);
  });

  it("copes with empty and non-JSON bodies", () => {
    expect(ctx(502, "").serviceMessage).toContain("no body");
    expect(ctx(502, "<html>Bad gateway</html>").serviceMessage).toContain("Bad gateway");
  });

  it("classifies", () => {
    expect(isNotFound(ctx(404, { error: { code: "BadRequest_NotFound", message: "x" } }))).toBe(true);
    expect(isDuplicate(ctx(400, { error: { code: "Internal_EntityWithSameKeyExists", message: "x" } }))).toBe(true);
    expect(isThrottled(ctx(429, {}))).toBe(true);
    expect(isAuth(ctx(401, { error: { code: "Authentication_InvalidCredentials", message: "x" } }))).toBe(true);
    expect(isValidation(ctx(400, { error: { code: "Application_DialogException", message: "x" } }))).toBe(true);
    expect(isValidation(ctx(401, {}))).toBe(false);
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
