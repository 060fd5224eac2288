/** The IAM Query API actions irsa serves, by name. Each authorizes its caller with the engine. */
import type { SignedAction } from '../server/query-api.js'
import {
  addClientIDToOpenIDConnectProvider,
  createOpenIDConnectProvider,
  deleteOpenIDConnectProvider,
  getOpenIDConnectProvider,
  listOpenIDConnectProviders,
  removeClientIDFromOpenIDConnectProvider,
} from './actions/oidc-providers.js'
import { createRole, getRole, listRoles } from './actions/roles.js'

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
}
