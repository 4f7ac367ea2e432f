import type { AnyEntitySet } from "./entity";
import { automationCompaniesSet } from "./entities/automation-companies";
import { configurationPackagesSet } from "./entities/configuration-packages";
import { extensionDeploymentStatusSet } from "./entities/extension-deployment-status";
import { extensionUploadSet } from "./entities/extension-upload";
import { extensionsSet } from "./entities/extensions";
import { featuresSet } from "./entities/feature-management";
import {
  accessControlsSet,
  aggregatePermissionSetsSet,
  expandedPermissionSetsSet,
  userPermissionSetsSet,
  usersPermissionsSet,
} from "./entities/permission-inspection";
import { permissionSetsSet } from "./entities/permission-sets";
import { profilesSet } from "./entities/profiles";
import { scheduledJobsSet } from "./entities/scheduled-jobs";
import { securityGroupMembersSet, securityGroupsSet } from "./entities/security-groups";
import { userGroupMembersSet, userGroupPermissionsSet, userGroupsSet } from "./entities/user-groups";
import { userPermissionsSet } from "./entities/user-permissions";
import { usersSet } from "./entities/users";

/**
 * The automation v2.0 entity sets reachable directly under a company (`companies(<id>)/<set>`), in the order the
 * service document lists them. `companies` itself is the only root set (./entities/companies.ts). A set that is
 * only a navigation of another (e.g. configurationPackages' `file`) is not listed here.
 */
export const COMPANY_SCOPED_SETS: readonly AnyEntitySet[] = [
  automationCompaniesSet,
  configurationPackagesSet,
  extensionsSet,
  extensionUploadSet,
  extensionDeploymentStatusSet,
  scheduledJobsSet,
  permissionSetsSet,
  accessControlsSet,
  usersPermissionsSet,
  userPermissionSetsSet,
  aggregatePermissionSetsSet,
  expandedPermissionSetsSet,
  userPermissionsSet,
  securityGroupsSet,
  securityGroupMembersSet,
  profilesSet,
  userGroupsSet,
  userGroupPermissionsSet,
  userGroupMembersSet,
  usersSet,
  featuresSet,
];

/** The same sets by entity-set name, for routing. */
export const companyScopedSets: Readonly<Record<string, AnyEntitySet>> = Object.fromEntries(
  COMPANY_SCOPED_SETS.map((def) => [def.entitySet, def]),
);
