/** The IAM Query API actions irsa serves, by name. Each authorizes its caller with the engine. */
import type { SignedAction } from '../core/signed-action.js'
import { getAccountAuthorizationDetails } from './actions/account-authorization-details.js'
import {
  attachRolePolicy,
  deleteRolePermissionsBoundary,
  detachRolePolicy,
  listAttachedRolePolicies,
  listEntitiesForPolicy,
  putRolePermissionsBoundary,
} from './actions/attachments.js'
import { createPolicy, deletePolicy, getPolicy, listPolicies } from './actions/managed-policies.js'
import {
  addClientIDToOpenIDConnectProvider,
  createOpenIDConnectProvider,
  deleteOpenIDConnectProvider,
  getOpenIDConnectProvider,
  listOpenIDConnectProviders,
  removeClientIDFromOpenIDConnectProvider,
} from './actions/oidc-providers.js'
import { createPolicyVersion, deletePolicyVersion, getPolicyVersion, listPolicyVersions, setDefaultPolicyVersion } from './actions/policy-versions.js'
import { deleteRolePolicy, getRolePolicy, listRolePolicies, putRolePolicy } from './actions/role-policies.js'
import { listRoleTags, tagRole, untagRole } from './actions/role-tags.js'
import { createRole, deleteRole, getRole, listRoles, updateAssumeRolePolicy, updateRole, updateRoleDescription } from './actions/roles.js'
import { simulatePrincipalPolicy } from './actions/simulate-principal-policy.js'

export const IAM_ACTIONS: Readonly<Record<string, SignedAction>> = {
  CreateOpenIDConnectProvider: createOpenIDConnectProvider,
  GetOpenIDConnectProvider: getOpenIDConnectProvider,
  ListOpenIDConnectProviders: listOpenIDConnectProviders,
  DeleteOpenIDConnectProvider: deleteOpenIDConnectProvider,
  AddClientIDToOpenIDConnectProvider: addClientIDToOpenIDConnectProvider,
  RemoveClientIDFromOpenIDConnectProvider: removeClientIDFromOpenIDConnectProvider,
  CreateRole: createRole,
  GetRole: getRole,
  ListRoles: listRoles,
  UpdateRole: updateRole,
  UpdateRoleDescription: updateRoleDescription,
  UpdateAssumeRolePolicy: updateAssumeRolePolicy,
  DeleteRole: deleteRole,
  TagRole: tagRole,
  UntagRole: untagRole,
  ListRoleTags: listRoleTags,
  PutRolePolicy: putRolePolicy,
  GetRolePolicy: getRolePolicy,
  ListRolePolicies: listRolePolicies,
  DeleteRolePolicy: deleteRolePolicy,
  CreatePolicy: createPolicy,
  GetPolicy: getPolicy,
  DeletePolicy: deletePolicy,
  ListPolicies: listPolicies,
  CreatePolicyVersion: createPolicyVersion,
  GetPolicyVersion: getPolicyVersion,
  ListPolicyVersions: listPolicyVersions,
  DeletePolicyVersion: deletePolicyVersion,
  SetDefaultPolicyVersion: setDefaultPolicyVersion,
  AttachRolePolicy: attachRolePolicy,
  DetachRolePolicy: detachRolePolicy,
  ListAttachedRolePolicies: listAttachedRolePolicies,
  PutRolePermissionsBoundary: putRolePermissionsBoundary,
  DeleteRolePermissionsBoundary: deleteRolePermissionsBoundary,
  ListEntitiesForPolicy: listEntitiesForPolicy,
  GetAccountAuthorizationDetails: getAccountAuthorizationDetails,
  SimulatePrincipalPolicy: simulatePrincipalPolicy,
}
