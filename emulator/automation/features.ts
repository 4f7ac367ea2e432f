import { parseVersion } from "../domain/application-version";
import type { EnvironmentState } from "../state/model";

/** Which automation surfaces an environment offers, from its BC version (reference §3 "Since", §11 "Version profile"). */
export interface EnvironmentFeatures {
  major: number;
  minor: number;
  /** Legacy user groups (`userGroups`, `userGroupMembers`, …): removed in 25.0. */
  userGroups: boolean;
  /** `users.contactEmail`: since 25.0. */
  contactEmail: boolean;
  /** `extensions(…)/Microsoft.NAV.unpublish`: since 25.4. */
  unpublish: boolean;
  /** `features` and its actions: since 27.0. */
  featureManagement: boolean;
  /** Permission-inspection endpoints and `securityGroups.groupUserSecurityId`: since 29.0. */
  permissionInspection: boolean;
  /** `extensionUpload` and `extensionDeploymentStatus` (absent in the "29-no-upload" profile). */
  extensionUpload: boolean;
}

export function featuresOf(env: EnvironmentState): EnvironmentFeatures {
  const { major, minor } = parseVersion(env.applicationVersion);
  const atLeast = (m: number, n = 0) => major > m || (major === m && minor >= n);
  return {
    major,
    minor,
    userGroups: !atLeast(25),
    contactEmail: atLeast(25),
    unpublish: atLeast(25, 4),
    featureManagement: atLeast(27),
    permissionInspection: atLeast(29),
    extensionUpload: env.profile !== "29-no-upload",
  };
}
