/**
 * The doctor's checks, in the order they depend on each other: settings → token → consent → registration in the
 * environment → a company → permissions on each endpoint the resources use → BC version (read from `extensions`,
 * so after its permission) → features → Admin Center API.
 */
import { companiesCheck, consentCheck, registrationCheck, tokenCheck } from "./access";
import { adminCenterCheck, featuresCheck, versionCheck } from "./capabilities";
import { permissionsCheck } from "./permissions";
import { settingsCheck } from "./settings";
import type { DoctorCheck } from "./types";

export const CHECKS: readonly DoctorCheck[] = [
  settingsCheck,
  tokenCheck,
  consentCheck,
  registrationCheck,
  companiesCheck,
  permissionsCheck,
  versionCheck,
  featuresCheck,
  adminCenterCheck,
];
