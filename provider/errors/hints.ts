/**
 * What to do about an error, as data: tables of matchers → hint text, first match wins. Only failures users meet
 * while setting up or that have a clear remedy get a hint; everything else shows BC's own message alone.
 */
import type { Service } from "./bc-api-error";

/** What a BC error answer is matched on. */
export interface ErrorFacts {
  service: Service;
  status: number;
  code: string;
  message: string;
  /** The roles claim of the token that was sent, when known. */
  tokenRoles?: string[];
}

/**
 * One way an error can look. All given fields must hold; `status` lists alternatives. A rule's `when` is one
 * matcher or a list of alternatives.
 */
export interface Matcher {
  service?: Service;
  status?: readonly number[];
  code?: RegExp;
  message?: RegExp;
  /** The token's roles are known and lack this one. */
  tokenLacks?: string;
}

interface HintRule {
  when: Matcher | readonly Matcher[];
  hint: string | ((facts: ErrorFacts) => string);
}

export const AUTOMATION_ROLE = "Automation.ReadWrite.All";
export const ADMIN_ROLE = "AdminCenter.ReadWrite.All";
const ENTRA_APPS_PAGE =
  "In Business Central, open the environment's \"Microsoft Entra applications\" page, add the app's client id " +
  "with State = Enabled, and assign the permission sets D365 AUTOMATION and EXTEN. MGT. - ADMIN";
const CONSENT =
  `In the Entra admin center, open the app registration › API permissions, add the application permission ` +
  `${AUTOMATION_ROLE} of "Dynamics 365 Business Central", and click "Grant admin consent"`;

const AUTOMATION_UNAUTHENTICATED: readonly Matcher[] = [
  { service: "automation", status: [401] },
  { service: "automation", code: /^Authentication_/ },
];

/** BC refused for lack of permissions: a 403 or `Authorization_*` code. */
export const PERMISSION_REFUSED: readonly Matcher[] = [
  { service: "automation", status: [403] },
  { service: "automation", code: /^Authorization_/ },
];

/**
 * Missing EXTEN. MGT. - ADMIN on `extensions` and its actions: AL `Error()` texts (`PermissionErr`,
 * `NotSufficientPermissionErr` in the Extension Management codeunits) answered as 400
 * `Application_DialogException`, not 403.
 */
export const EXTENSION_PERMISSION_DIALOG: Matcher = {
  service: "automation",
  status: [400],
  code: /^Application_DialogException$/,
  message: /You do not have (the required|sufficient) permissions to (install|uninstall|manage extensions)/i,
};

const BC_HINTS: readonly HintRule[] = [
  {
    when: AUTOMATION_UNAUTHENTICATED.map((m) => ({ ...m, tokenLacks: AUTOMATION_ROLE })),
    hint: ({ tokenRoles = [] }) =>
      `The access token has no ${AUTOMATION_ROLE} role (roles: ${tokenRoles.length ? tokenRoles.join(", ") : "none"}). ${CONSENT}.`,
  },
  {
    when: AUTOMATION_UNAUTHENTICATED,
    hint:
      "The token was issued but Business Central rejected it. Usually the app is not registered, or not Enabled, " +
      `in this environment: ${ENTRA_APPS_PAGE}. Otherwise: admin consent for ${AUTOMATION_ROLE} is missing ` +
      "(Entra app registration › API permissions › Grant admin consent), or the tenant/environment in the URL is not the app's. " +
      "Fresh registrations can take a minute to apply.",
  },
  {
    when: PERMISSION_REFUSED,
    hint:
      `The app is registered but lacks permissions in this environment. ${ENTRA_APPS_PAGE} ` +
      "(EXTEN. MGT. - ADMIN is needed for extensions; SUPER cannot be assigned to applications).",
  },
  {
    when: EXTENSION_PERMISSION_DIALOG,
    hint:
      'Managing extensions needs the permission set EXTEN. MGT. - ADMIN: assign it to the app on the environment\'s "Microsoft Entra applications" page ' +
      "(Business Central reports the missing permission as this dialog error, not as 403).",
  },
  {
    when: { service: "automation", code: /^Request_EntityChanged$/ },
    hint: "Someone changed the record since it was read. Run `pulumi refresh` and retry.",
  },
  {
    when: { service: "automation", code: /^BadRequest_InvalidToken$/ },
    hint: "The request needs an If-Match header (an ETag or *).",
  },
  {
    when: { service: "automation", code: /^Internal_CompanyNotFound$/ },
    hint: "The company id does not exist in this environment.",
  },
  {
    when: { service: "automation", status: [404], message: /environment/i },
    hint: "Check the environment name (stack config businesscentral:environment or BC_ENVIRONMENT).",
  },
  {
    when: { service: "admin", status: [401, 403] },
    hint:
      `The Admin Center API needs the application permission ${ADMIN_ROLE} (with admin consent) and the app ` +
      'listed under "Authorized Microsoft Entra apps" in the Business Central admin center; app management also ' +
      `needs the app registered in the environment (${ENTRA_APPS_PAGE}).`,
  },
  {
    when: { status: [429] },
    hint: "Business Central is throttling this principal (6,000 requests per 5 minutes, 5 at a time). Wait and retry; reduce parallelism (pulumi up --parallel).",
  },
  {
    when: { status: [503, 504, 408] },
    hint: "Business Central is busy or the operation took too long; retry later.",
  },
];

export function matches(when: Matcher | readonly Matcher[], facts: ErrorFacts): boolean {
  const alternatives: readonly Matcher[] = Array.isArray(when) ? when : [when as Matcher];
  return alternatives.some(
    (m) =>
      (m.service === undefined || m.service === facts.service) &&
      (m.status === undefined || m.status.includes(facts.status)) &&
      (m.code === undefined || m.code.test(facts.code)) &&
      (m.message === undefined || m.message.test(facts.message)) &&
      (m.tokenLacks === undefined || (facts.tokenRoles !== undefined && !facts.tokenRoles.includes(m.tokenLacks))),
  );
}

/** The hint for a BC (Automation or Admin Center) error answer, if one applies. */
export function bcHint(facts: ErrorFacts): string | undefined {
  const rule = BC_HINTS.find((r) => matches(r.when, facts));
  return typeof rule?.hint === "function" ? rule.hint(facts) : rule?.hint;
}

// --- Entra ID -----------------------------------------------------------------------------------------------------

export interface EntraHintContext {
  tenantId: string;
  clientId: string;
  authorityHost: string;
  credentialKind: string;
}

interface EntraHintRule {
  codes: readonly string[];
  hint: (ctx: EntraHintContext) => string;
}

const ENTRA_HINTS: readonly EntraHintRule[] = [
  {
    codes: ["AADSTS7000215", "AADSTS7000222"],
    hint: (ctx) =>
      `The client secret is wrong or expired for app ${ctx.clientId}. Use the secret's Value (not its Secret ID) ` +
      "from Entra app registration › Certificates & secrets, or create a new one, and set it with " +
      "`pulumi config set --secret businesscentral:clientSecret` or AZURE_CLIENT_SECRET.",
  },
  {
    codes: ["AADSTS700016"],
    hint: (ctx) =>
      `No app with client id ${ctx.clientId} exists in tenant ${ctx.tenantId}. Check the client id ` +
      "(Application (client) ID on the app registration's overview) and that the tenant id is the tenant the app lives in; " +
      "a multi-tenant app must first be consented to in this tenant.",
  },
  {
    codes: ["AADSTS90002", "AADSTS900023"],
    hint: (ctx) =>
      `Tenant '${ctx.tenantId}' was not found at ${ctx.authorityHost}. Check the tenant id (Directory (tenant) ID) ` +
      "and, for sovereign clouds, the authority host (businesscentral:authorityHost / AZURE_AUTHORITY_HOST).",
  },
  {
    codes: ["AADSTS500011"],
    hint: () =>
      `Business Central is not available in this tenant, or the app has no consented permission on it. ${CONSENT}.`,
  },
  {
    codes: ["AADSTS700027", "AADSTS50027", "AADSTS5002738"],
    hint: () =>
      "The certificate used to sign the assertion is not registered on the app (or expired). Upload the " +
      "certificate (public part) under Entra app registration › Certificates & secrets › Certificates, and make " +
      "sure the PEM file holds that certificate with its matching private key.",
  },
  {
    codes: ["AADSTS700024"],
    hint: (ctx) =>
      ctx.credentialKind === "federated"
        ? "The federated token has expired or is not yet valid. The CI system must refresh the token file; check the system clock."
        : "The client assertion is outside its valid time range; check the system clock.",
  },
  {
    codes: ["AADSTS70021", "AADSTS700211", "AADSTS700212", "AADSTS700213"],
    hint: () =>
      "No federated identity credential on the app matches the presented token. In Entra app registration › " +
      "Certificates & secrets › Federated credentials, add one whose issuer, subject and audience " +
      "(api://AzureADTokenExchange) match your CI system's token.",
  },
  {
    codes: ["AADSTS900384", "AADSTS50166"],
    hint: () =>
      "Entra could not verify the federated token with its issuer; check the token file holds a current OIDC token from the configured issuer.",
  },
  {
    codes: ["AADSTS7000112"],
    hint: () =>
      "The app (service principal) is disabled in the tenant. Enable it under Enterprise applications › Properties.",
  },
  {
    codes: ["AADSTS1002012", "AADSTS70011"],
    hint: () => "The scope must be https://api.businesscentral.dynamics.com/.default.",
  },
  {
    codes: ["AADSTS53003"],
    hint: () => "A Conditional Access policy blocked the app. Exclude the workload identity from the policy.",
  },
  {
    // MSAL's own failures before Entra answered (no AADSTS code).
    codes: ["token_request_failed", "network_error", "endpoints_resolution_error"],
    hint: (ctx) =>
      `Could not reach the token service at ${ctx.authorityHost}. Check the authority host, network, proxy and CA settings.`,
  },
  {
    codes: ["invalid_client"],
    hint: () => "The app credential was rejected; check the client id, tenant id and secret or certificate.",
  },
];

/** The hint for an Entra failure: by AADSTS code first, else by MSAL's OAuth error code. */
export function entraHint(code: string, oauthError: string | undefined, ctx: EntraHintContext): string | undefined {
  const rule =
    ENTRA_HINTS.find((r) => r.codes.includes(code)) ??
    (oauthError === undefined ? undefined : ENTRA_HINTS.find((r) => r.codes.includes(oauthError)));
  return rule?.hint(ctx);
}
