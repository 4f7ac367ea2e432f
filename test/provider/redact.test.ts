import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { Redactor, redactHeaders, redactUrl } from "../../provider/redact";

/** A redactor of its own per test: registered values never leak from one test into another. */
let redactor: Redactor;
beforeEach(() => {
  redactor = new Redactor();
});
const registerSecret = (value: string, options?: { ephemeral?: boolean }) => redactor.register(value, options);

const JWT =
  "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL2FwaS5idXNpbmVzc2NlbnRyYWwuZHluYW1pY3MuY29tIn0.c2lnbmF0dXJlLXBhcnQ";

describe("Redactor.redact", () => {
  it("removes registered secrets wherever they appear", () => {
    registerSecret("S3cr3t~Value.With-Odd_Chars");
    const out = redactor.redact(
      'password is S3cr3t~Value.With-Odd_Chars, and in JSON {"x":"S3cr3t~Value.With-Odd_Chars"}',
    );
    expect(out).not.toContain("S3cr3t~Value");
    expect(out).toContain("[REDACTED]");
  });

  it("removes JWTs, bearer tokens and PEM private keys", () => {
    const pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";
    const out = redactor.redact(`token ${JWT} header Authorization: Bearer abc.def-ghi key ${pem}`);
    expect(out).not.toContain("eyJhbGci");
    expect(out).not.toContain("abc.def-ghi");
    expect(out).not.toContain("MIIEvQ");
  });

  it("masks well-known parameter names in forms and JSON", () => {
    const form = "grant_type=client_credentials&client_secret=hunter2hunter2&client_assertion=xyzxyzxyz&scope=a";
    const out = redactor.redact(form);
    expect(out).toContain("grant_type=client_credentials");
    expect(out).not.toContain("hunter2");
    expect(out).not.toContain("xyzxyzxyz");
    expect(redactor.redact('{"access_token": "opaque-token-value", "expires_in": 3599}')).toBe(
      '{"access_token": "[REDACTED]", "expires_in": 3599}',
    );
  });

  it("leaves ordinary text alone", () => {
    const text = "GET /v2.0/tenant/production/api/microsoft/automation/v2.0/companies?$top=1 → 200 in 12 ms";
    expect(redactor.redact(text)).toBe(text);
  });

  it("never lets a registered secret through, whatever surrounds it (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 8, maxLength: 40 }).filter((s) => s.trim().length >= 8),
        fc.string(),
        fc.string(),
        (secret, before, after) => {
          registerSecret(secret);
          return !redactor.redact(`${before}${secret}${after}`).includes(secret);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps configured secrets while many ephemeral tokens rotate through", () => {
    registerSecret("configured-secret-value");
    for (let i = 0; i < 1000; i++) registerSecret(`ephemeral-token-${i}-xxxxxxxx`, { ephemeral: true });
    expect(redactor.redact("configured-secret-value")).toBe("[REDACTED]");
    expect(redactor.redact("ephemeral-token-999-xxxxxxxx")).toBe("[REDACTED]");
  });
});

describe("redactHeaders / redactUrl", () => {
  it("masks credential headers", () => {
    const out = redactHeaders({ Authorization: `Bearer ${JWT}`, cookie: "a=b", "content-type": "application/json" });
    expect(out).toEqual({ Authorization: "[REDACTED]", cookie: "[REDACTED]", "content-type": "application/json" });
  });

  it("masks credential query parameters and user info", () => {
    const out = redactUrl("https://user:pw@host/path?sig=abcdef&code=12345&$top=5");
    expect(out).not.toContain("abcdef");
    expect(out).not.toContain("12345");
    expect(out).not.toContain("pw@");
    expect(out).toContain("$top=5");
  });
});
