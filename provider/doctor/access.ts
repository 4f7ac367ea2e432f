/**
 * Can the app get in? A token from Entra, the Automation role in it, BC accepting it for the environment, and a
 * company to put in automation URLs. Each builds on the one before.
 */
import { BcApiError } from "../errors";
import { AUTOMATION_ROLE } from "../errors/hints";
import { failure } from "./failure";
import type { DoctorCheck } from "./types";

const REGISTER_FIX =
  'In Business Central (this environment), open "Microsoft Entra applications", choose New, enter the client id, ' +
  "set State = Enabled and add the permission sets D365 AUTOMATION and EXTEN. MGT. - ADMIN.";

export const tokenCheck: DoctorCheck = {
  name: "token",
  prerequisite: true,
  async run(state) {
    const title = "Entra ID issues a token";
    try {
      state.token = await state.connection.tokens.getToken();
    } catch (err) {
      return [failure("token", title, err)];
    }
    const { appId, expiresOnMs } = state.token;
    const detail = `token for app ${appId ?? state.settings.clientId}, valid until ${new Date(expiresOnMs).toISOString()}`;
    return [{ id: "token", title, status: "ok", detail }];
  },
};

export const consentCheck: DoctorCheck = {
  name: "consent",
  async run({ token }) {
    const roles = token?.roles ?? [];
    const title = `admin consent for ${AUTOMATION_ROLE}`;
    if (roles.includes(AUTOMATION_ROLE))
      return [{ id: "consent", title, status: "ok", detail: `roles: ${roles.join(", ")}` }];
    return [
      {
        id: "consent",
        title,
        status: "fail",
        detail: `the token carries no ${AUTOMATION_ROLE} role (roles: ${roles.join(", ") || "none"})`,
        fix:
          'Entra admin center › App registrations › the app › API permissions › Add a permission › "Dynamics 365 Business Central" › ' +
          `Application permissions › ${AUTOMATION_ROLE}, then "Grant admin consent".`,
      },
    ];
  },
};

/** A 401 after a good token means the app is not registered, or not Enabled, on the environment. */
export const registrationCheck: DoctorCheck = {
  name: "registration",
  prerequisite: true,
  async run(state) {
    const environment = state.settings.environment;
    const title = `app is registered in environment '${environment}'`;
    try {
      state.companies = await state.automation.companies.list();
    } catch (err) {
      if (err instanceof BcApiError && err.status === 401) {
        const corr = err.correlationId ? `, correlation id ${err.correlationId}` : "";
        return [
          {
            id: "registration",
            title,
            status: "fail",
            detail: `Business Central rejected a valid token (${err.code}${corr})`,
            fix: `${REGISTER_FIX} If it is registered, check that State is Enabled; new registrations can take a minute.`,
          },
        ];
      }
      if (err instanceof BcApiError && err.status === 404) {
        return [
          {
            id: "registration",
            title: `environment '${environment}' exists`,
            status: "fail",
            detail: err.serviceMessage,
            fix: "Check the environment name (--environment, BC_ENVIRONMENT or businesscentral:environment) and the tenant id.",
          },
        ];
      }
      return [failure("registration", title, err)];
    }
    return [{ id: "registration", title, status: "ok", detail: "Business Central accepts the token" }];
  },
};

export const companiesCheck: DoctorCheck = {
  name: "companies",
  prerequisite: true,
  async run(state) {
    const companies = state.companies ?? [];
    const names = companies.map((c) => c.name);
    state.report.companies = names;
    const wanted = state.settings.scopeCompany?.toLowerCase();
    const scope =
      wanted === undefined
        ? companies[0]
        : companies.find((c) => [c.name.toLowerCase(), c.id.toLowerCase()].includes(wanted));
    state.companyId = scope?.id;
    const title = "companies are listed";
    if (wanted !== undefined && !scope) {
      return [
        {
          id: "companies",
          title,
          status: "fail",
          detail: `scopeCompany '${state.settings.scopeCompany}' is not a company of the environment (companies: ${names.join(", ")})`,
          fix: "Set businesscentral:scopeCompany (BC_SCOPE_COMPANY) to the name of the company the app's permission sets apply in.",
        },
      ];
    }
    if (companies.length === 0) {
      return [
        {
          id: "companies",
          title,
          status: "fail",
          detail: "the environment has no company; automation URLs need one",
          fix: "Create a company in the Business Central admin center or web client first.",
        },
      ];
    }
    const used = `environment-wide entities are addressed through '${scope?.name}'${wanted === undefined ? " (the first; set scopeCompany to choose)" : " (scopeCompany)"}`;
    return [{ id: "companies", title, status: "ok", detail: `${companies.length}: ${names.join(", ")}; ${used}` }];
  },
};
