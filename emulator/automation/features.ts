import { parseVersion } from "../domain/application-version";
import type { BehaviourSwitches } from "../options";
import type { EnvironmentState } from "../state/model";

/** Which automation surfaces an environment offers, from its BC version (the pages' "since" versions: https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis). */
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
  /** `securityGroups` page: since 22.0. */
  securityGroupsPage: boolean;
  /** `securityGroups` finds and deletes rows: since 24.0; 22–23 never found a row (BC's AL source). */
  securityGroups: boolean;
  /** `userGroupMembers` is shown: user groups exist and "Convert user group permissions" has not run (BC's AL source). */
  userGroupMembers: boolean;
}

export function featuresOf(
  env: EnvironmentState,
  behaviour: Pick<BehaviourSwitches, "userGroupPermissionsConverted">,
): EnvironmentFeatures {
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
    securityGroupsPage: atLeast(22),
    securityGroups: atLeast(24),
    userGroupMembers: !atLeast(25) && !behaviour.userGroupPermissionsConverted,
  };
}
