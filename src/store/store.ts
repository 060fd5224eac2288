/**
 * The storage interface. SQLite (embedded default) and PostgreSQL implement it; everything above
 * it (IAM, STS, the CLI) sees only this. Methods are async so a networked backend fits; each call
 * is atomic, and `transaction` groups several.
 */
import type { DecisionQuery, DecisionRecord } from './decision-log.js'
import type { PodIdentityAssociation } from '../model/pod-identity-association.js'
import type { ManagedPolicy, OidcProvider, PolicyVersion, Role, ServiceAccountBinding, Tag } from '../model/iam.js'

/** A signing key as stored: JWKs serialised, times in epoch seconds. */
export interface StoredSigningKey {
  readonly kid: string
  readonly alg: string
  readonly privateJwk: string
  readonly publicJwk: string
  readonly createdAt: number
  readonly retiredAt: number | undefined
}

export interface StoredSealingKey {
  readonly id: string
  readonly secret: Uint8Array
  readonly createdAt: number
  readonly retiredAt: number | undefined
}

export interface RoleUpdate {
  readonly trustPolicy?: string
  readonly description?: string
  readonly maxSessionDuration?: number
  /** null removes the boundary. */
  readonly permissionsBoundaryArn?: string | null
  readonly tags?: readonly Tag[]
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres'
  close(): Promise<void>
  /** Run fn atomically. Nested calls join the outer transaction. */
  transaction<T>(fn: () => Promise<T>): Promise<T>

  getSetting(key: string): Promise<string | undefined>
  /** Set only if absent; returns the value now stored (first writer wins across replicas). */
  initSetting(key: string, value: string): Promise<string>
  setSetting(key: string, value: string): Promise<void>

  listSigningKeys(): Promise<StoredSigningKey[]>
  addSigningKey(key: StoredSigningKey): Promise<void>
  retireSigningKey(kid: string, at: number): Promise<void>
  listSealingKeys(): Promise<StoredSealingKey[]>
  addSealingKey(key: StoredSealingKey): Promise<void>
  retireSealingKey(id: string, at: number): Promise<void>

  listOidcProviders(account: string): Promise<OidcProvider[]>
  getOidcProvider(arn: string): Promise<OidcProvider | undefined>
  /** false when a provider with that ARN exists already. */
  createOidcProvider(p: OidcProvider): Promise<boolean>
  updateOidcProvider(arn: string, update: { clientIds?: readonly string[]; thumbprints?: readonly string[]; tags?: readonly Tag[] }): Promise<boolean>
  deleteOidcProvider(arn: string): Promise<boolean>

  listRoles(account: string, pathPrefix?: string): Promise<Role[]>
  /** By name, case-insensitively, as IAM does. */
  getRole(account: string, name: string): Promise<Role | undefined>
  createRole(r: Role): Promise<boolean>
  updateRole(account: string, name: string, update: RoleUpdate): Promise<boolean>
  /** Deletes the role; the caller checks it has no policies left, as IAM requires. */
  deleteRole(account: string, name: string): Promise<boolean>

  listRolePolicies(roleArn: string): Promise<{ name: string; document: string }[]>
  getRolePolicy(roleArn: string, name: string): Promise<string | undefined>
  putRolePolicy(roleArn: string, name: string, document: string): Promise<void>
  deleteRolePolicy(roleArn: string, name: string): Promise<boolean>

  listPolicies(account: string | undefined, options?: { onlyAttached?: boolean; pathPrefix?: string }): Promise<ManagedPolicy[]>
  getPolicy(arn: string): Promise<ManagedPolicy | undefined>
  createPolicy(p: Omit<ManagedPolicy, 'attachmentCount'>, document: string): Promise<boolean>
  deletePolicy(arn: string): Promise<boolean>
  listPolicyVersions(arn: string): Promise<PolicyVersion[]>
  getPolicyVersion(arn: string, versionId: string): Promise<PolicyVersion | undefined>
  /** Adds the next version; returns its id. */
  createPolicyVersion(arn: string, document: string, setAsDefault: boolean, at: number): Promise<string>
  deletePolicyVersion(arn: string, versionId: string): Promise<boolean>
  setDefaultPolicyVersion(arn: string, versionId: string): Promise<boolean>

  listAttachedRolePolicies(roleArn: string): Promise<string[]>
  /** Idempotent. */
  attachRolePolicy(roleArn: string, policyArn: string): Promise<void>
  detachRolePolicy(roleArn: string, policyArn: string): Promise<boolean>
  listEntitiesForPolicy(policyArn: string): Promise<string[]>

  listBindings(): Promise<ServiceAccountBinding[]>
  putBinding(b: ServiceAccountBinding): Promise<void>
  deleteBinding(namespace: string, serviceAccount: string): Promise<boolean>

  /** All clusters' associations, or one cluster's; ordered by cluster, namespace, service account. */
  listPodIdentityAssociations(clusterName?: string): Promise<PodIdentityAssociation[]>
  getPodIdentityAssociation(clusterName: string, associationId: string): Promise<PodIdentityAssociation | undefined>
  /** false when (cluster, namespace, service account) already has an association (or the id is taken). */
  createPodIdentityAssociation(a: PodIdentityAssociation): Promise<boolean>
  /** The association as updated, or undefined when there is none with that id in that cluster. */
  updatePodIdentityAssociation(clusterName: string, associationId: string, update: { roleArn: string; modifiedAt: number }): Promise<PodIdentityAssociation | undefined>
  /** The association as it was before deletion, or undefined when there was none. */
  deletePodIdentityAssociation(clusterName: string, associationId: string): Promise<PodIdentityAssociation | undefined>

  appendDecision(d: DecisionRecord): Promise<number>
  listDecisions(q: DecisionQuery): Promise<DecisionRecord[]>
  /**
   * Delete decisions older than `before` (epoch milliseconds, exclusive), oldest first, at most
   * `limit` of them (bounded work per call); returns how many were deleted.
   */
  pruneDecisions(before: number, limit?: number): Promise<number>
}
