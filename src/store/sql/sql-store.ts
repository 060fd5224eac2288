/**
 * The Store over SQL, once for every database: the statements are written here with `?`
 * parameters, the driver runs them (SQLite or PostgreSQL), and the dialect says the little that
 * differs. Each method is one statement (atomic by itself) or runs in a driver transaction.
 */
import { IrsaError } from '../../errors.js'
import type { DecisionQuery, DecisionRecord } from '../decision-log.js'
import { bindingFromRow, decisionFromRow, num, optStr, podIdentityAssociationFromRow, policyFromRow, providerFromRow, roleFromRow, sealingKeyFromRow, signingKeyFromRow, str, versionFromRow } from '../rows.js'
import type { RoleUpdate, Store, StoredSealingKey, StoredSigningKey } from '../store.js'
import type { ManagedPolicy, OidcProvider, PolicyVersion, Role, ServiceAccountBinding, Tag } from '../../model/iam.js'
import type { PodIdentityAssociation } from '../../model/pod-identity-association.js'
import type { SqlDialect } from './dialect.js'
import type { SqlDriver } from './driver.js'

const POLICY_SELECT = 'SELECT p.*, (SELECT count(*) FROM role_attachments a WHERE a.policy_arn = p.arn) AS attachments FROM managed_policies p'

const INSERT_DECISION =
  'INSERT INTO decisions (at, action, outcome, code, principal, role_arn, session_name, subject, namespace, service_account, source_ip, request_id, reason, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'

const decisionParams = (d: DecisionRecord): unknown[] => [
  d.at, d.action, d.outcome, d.code ?? null, d.principal ?? null, d.roleArn ?? null, d.sessionName ?? null, d.subject ?? null,
  d.namespace ?? null, d.serviceAccount ?? null, d.sourceIp ?? null, d.requestId ?? null, d.reason ?? null,
  d.detail === undefined ? null : JSON.stringify(d.detail),
]

const json = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v))

export class SqlStore implements Store {
  readonly kind: SqlDialect['kind']
  private readonly driver: SqlDriver

  constructor(driver: SqlDriver, dialect: SqlDialect) {
    this.driver = driver
    this.kind = dialect.kind
  }

  close(): Promise<void> {
    return this.driver.close()
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.driver.transaction(fn)
  }

  async getSetting(key: string): Promise<string | undefined> {
    return optStr((await this.driver.get('SELECT value FROM settings WHERE key = ?', [key]))?.value)
  }

  async initSetting(key: string, value: string): Promise<string> {
    const inserted = await this.driver.get('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING RETURNING value', [key, value])
    if (inserted !== undefined) return str(inserted.value)
    return str((await this.driver.get('SELECT value FROM settings WHERE key = ?', [key]))?.value)
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.driver.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value])
  }

  async listSigningKeys(): Promise<StoredSigningKey[]> {
    return (await this.driver.all('SELECT * FROM signing_keys ORDER BY created_at, kid')).map(signingKeyFromRow)
  }

  async addSigningKey(k: StoredSigningKey): Promise<void> {
    await this.driver.run('INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, retired_at) VALUES (?, ?, ?, ?, ?, ?)', [
      k.kid, k.alg, k.privateJwk, k.publicJwk, k.createdAt, k.retiredAt ?? null,
    ])
  }

  async retireSigningKey(kid: string, at: number): Promise<void> {
    await this.driver.run('UPDATE signing_keys SET retired_at = ? WHERE kid = ? AND retired_at IS NULL', [at, kid])
  }

  async listSealingKeys(): Promise<StoredSealingKey[]> {
    return (await this.driver.all('SELECT * FROM sealing_keys ORDER BY created_at, id')).map(sealingKeyFromRow)
  }

  async addSealingKey(k: StoredSealingKey): Promise<void> {
    await this.driver.run('INSERT INTO sealing_keys (id, secret, created_at, retired_at) VALUES (?, ?, ?, ?)', [k.id, Buffer.from(k.secret), k.createdAt, k.retiredAt ?? null])
  }

  async retireSealingKey(id: string, at: number): Promise<void> {
    await this.driver.run('UPDATE sealing_keys SET retired_at = ? WHERE id = ? AND retired_at IS NULL', [at, id])
  }

  async listOidcProviders(account: string): Promise<OidcProvider[]> {
    return (await this.driver.all('SELECT * FROM oidc_providers WHERE account = ? ORDER BY arn', [account])).map(providerFromRow)
  }

  async getOidcProvider(arn: string): Promise<OidcProvider | undefined> {
    const r = await this.driver.get('SELECT * FROM oidc_providers WHERE arn = ?', [arn])
    return r === undefined ? undefined : providerFromRow(r)
  }

  async createOidcProvider(p: OidcProvider): Promise<boolean> {
    const n = await this.driver.run(
      'INSERT INTO oidc_providers (arn, account, url, client_ids, thumbprints, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (arn) DO NOTHING',
      [p.arn, p.account, p.url, JSON.stringify(p.clientIds), JSON.stringify(p.thumbprints), JSON.stringify(p.tags), p.createdAt],
    )
    return n === 1
  }

  async updateOidcProvider(arn: string, u: { clientIds?: readonly string[]; thumbprints?: readonly string[]; tags?: readonly Tag[] }): Promise<boolean> {
    // One statement, so concurrent updates of different fields (on two replicas) both land.
    const n = await this.driver.run(
      'UPDATE oidc_providers SET client_ids = COALESCE(CAST(? AS text), client_ids), thumbprints = COALESCE(CAST(? AS text), thumbprints), tags = COALESCE(CAST(? AS text), tags) WHERE arn = ?',
      [json(u.clientIds), json(u.thumbprints), json(u.tags), arn],
    )
    return n === 1
  }

  async deleteOidcProvider(arn: string): Promise<boolean> {
    return (await this.driver.run('DELETE FROM oidc_providers WHERE arn = ?', [arn])) === 1
  }

  async listRoles(account: string, pathPrefix = '/'): Promise<Role[]> {
    const rows = await this.driver.all('SELECT * FROM roles WHERE account = ? AND substr(path, 1, length(CAST(? AS text))) = ? ORDER BY lower(name)', [account, pathPrefix, pathPrefix])
    return rows.map(roleFromRow)
  }

  async getRole(account: string, name: string): Promise<Role | undefined> {
    const r = await this.driver.get('SELECT * FROM roles WHERE account = ? AND lower(name) = lower(?)', [account, name])
    return r === undefined ? undefined : roleFromRow(r)
  }

  async createRole(r: Role): Promise<boolean> {
    // ON CONFLICT without a target covers both the ARN key and the case-insensitive name index, and
    // (unlike catching a unique violation) leaves an enclosing transaction usable.
    const n = await this.driver.run(
      'INSERT INTO roles (arn, account, name, path, role_id, trust_policy, description, max_session_duration, boundary_arn, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [r.arn, r.account, r.name, r.path, r.roleId, r.trustPolicy, r.description ?? null, r.maxSessionDuration, r.permissionsBoundaryArn ?? null, JSON.stringify(r.tags), r.createdAt],
    )
    return n === 1
  }

  async updateRole(account: string, name: string, u: RoleUpdate): Promise<boolean> {
    const n = await this.driver.run(
      `UPDATE roles SET trust_policy = COALESCE(CAST(? AS text), trust_policy), description = COALESCE(CAST(? AS text), description),
         max_session_duration = COALESCE(CAST(? AS integer), max_session_duration),
         boundary_arn = CASE WHEN CAST(? AS integer) = 1 THEN CAST(? AS text) ELSE boundary_arn END, tags = COALESCE(CAST(? AS text), tags)
       WHERE account = ? AND lower(name) = lower(?)`,
      [
        u.trustPolicy ?? null,
        u.description ?? null,
        u.maxSessionDuration ?? null,
        u.permissionsBoundaryArn === undefined ? 0 : 1,
        u.permissionsBoundaryArn ?? null,
        json(u.tags),
        account,
        name,
      ],
    )
    return n === 1
  }

  async deleteRole(account: string, name: string): Promise<boolean> {
    return (await this.driver.run('DELETE FROM roles WHERE account = ? AND lower(name) = lower(?)', [account, name])) === 1
  }

  async listRolePolicies(roleArn: string): Promise<{ name: string; document: string }[]> {
    const rows = await this.driver.all('SELECT name, document FROM role_policies WHERE role_arn = ? ORDER BY name', [roleArn])
    return rows.map((r) => ({ name: str(r.name), document: str(r.document) }))
  }

  async getRolePolicy(roleArn: string, name: string): Promise<string | undefined> {
    return optStr((await this.driver.get('SELECT document FROM role_policies WHERE role_arn = ? AND name = ?', [roleArn, name]))?.document)
  }

  async putRolePolicy(roleArn: string, name: string, document: string): Promise<void> {
    await this.driver.run(
      'INSERT INTO role_policies (role_arn, name, document) VALUES (?, ?, ?) ON CONFLICT (role_arn, name) DO UPDATE SET document = excluded.document',
      [roleArn, name, document],
    )
  }

  async deleteRolePolicy(roleArn: string, name: string): Promise<boolean> {
    return (await this.driver.run('DELETE FROM role_policies WHERE role_arn = ? AND name = ?', [roleArn, name])) === 1
  }

  async listPolicies(account: string | undefined, options: { onlyAttached?: boolean; pathPrefix?: string } = {}): Promise<ManagedPolicy[]> {
    const prefix = options.pathPrefix ?? '/'
    const rows = await this.driver.all(
      `${POLICY_SELECT} WHERE (CAST(? AS text) IS NULL OR p.account = ? OR p.account IS NULL) AND substr(p.path, 1, length(CAST(? AS text))) = ? ORDER BY p.name, p.arn`,
      [account ?? null, account ?? null, prefix, prefix],
    )
    const all = rows.map(policyFromRow)
    return options.onlyAttached ? all.filter((p) => p.attachmentCount > 0) : all
  }

  async getPolicy(arn: string): Promise<ManagedPolicy | undefined> {
    const r = await this.driver.get(`${POLICY_SELECT} WHERE p.arn = ?`, [arn])
    return r === undefined ? undefined : policyFromRow(r)
  }

  async createPolicy(p: Omit<ManagedPolicy, 'attachmentCount'>, document: string): Promise<boolean> {
    return this.driver.transaction(async () => {
      const n = await this.driver.run(
        'INSERT INTO managed_policies (arn, account, name, path, policy_id, default_version, description, created_at, updated_at, next_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 2) ON CONFLICT (arn) DO NOTHING',
        [p.arn, p.account, p.name, p.path, p.policyId, p.defaultVersionId, p.description ?? null, p.createdAt, p.updatedAt],
      )
      if (n === 0) return false
      await this.driver.run('INSERT INTO policy_versions (policy_arn, version_id, document, created_at) VALUES (?, ?, ?, ?)', [p.arn, p.defaultVersionId, document, p.createdAt])
      return true
    })
  }

  async deletePolicy(arn: string): Promise<boolean> {
    return this.driver.transaction(async () => {
      await this.driver.run('DELETE FROM policy_versions WHERE policy_arn = ?', [arn])
      return (await this.driver.run('DELETE FROM managed_policies WHERE arn = ?', [arn])) === 1
    })
  }

  private async defaultVersion(arn: string): Promise<string> {
    return str((await this.driver.get('SELECT default_version FROM managed_policies WHERE arn = ?', [arn]))?.default_version ?? '')
  }

  async listPolicyVersions(arn: string): Promise<PolicyVersion[]> {
    const def = await this.defaultVersion(arn)
    const rows = await this.driver.all('SELECT * FROM policy_versions WHERE policy_arn = ? ORDER BY created_at DESC, version_id DESC', [arn])
    return rows.map((r) => versionFromRow(r, def))
  }

  async getPolicyVersion(arn: string, versionId: string): Promise<PolicyVersion | undefined> {
    const def = await this.defaultVersion(arn)
    const r = await this.driver.get('SELECT * FROM policy_versions WHERE policy_arn = ? AND version_id = ?', [arn, versionId])
    return r === undefined ? undefined : versionFromRow(r, def)
  }

  async createPolicyVersion(arn: string, document: string, setAsDefault: boolean, at: number): Promise<string> {
    return this.driver.transaction(async () => {
      // Taking the number and bumping the counter is one statement: two replicas never share an id.
      const r = await this.driver.get('UPDATE managed_policies SET next_version = next_version + 1, updated_at = ? WHERE arn = ? RETURNING next_version - 1 AS next', [at, arn])
      if (r === undefined) throw new IrsaError('ERR_STATE_NOT_FOUND', `no managed policy ${arn}`)
      const id = `v${num(r.next)}`
      await this.driver.run('INSERT INTO policy_versions (policy_arn, version_id, document, created_at) VALUES (?, ?, ?, ?)', [arn, id, document, at])
      if (setAsDefault) await this.driver.run('UPDATE managed_policies SET default_version = ? WHERE arn = ?', [id, arn])
      return id
    })
  }

  async deletePolicyVersion(arn: string, versionId: string): Promise<boolean> {
    return (await this.driver.run('DELETE FROM policy_versions WHERE policy_arn = ? AND version_id = ?', [arn, versionId])) === 1
  }

  async setDefaultPolicyVersion(arn: string, versionId: string): Promise<boolean> {
    return (await this.driver.run('UPDATE managed_policies SET default_version = ? WHERE arn = ?', [versionId, arn])) === 1
  }

  async listAttachedRolePolicies(roleArn: string): Promise<string[]> {
    return (await this.driver.all('SELECT policy_arn FROM role_attachments WHERE role_arn = ? ORDER BY policy_arn', [roleArn])).map((r) => str(r.policy_arn))
  }

  async attachRolePolicy(roleArn: string, policyArn: string): Promise<void> {
    await this.driver.run('INSERT INTO role_attachments (role_arn, policy_arn) VALUES (?, ?) ON CONFLICT DO NOTHING', [roleArn, policyArn])
  }

  async detachRolePolicy(roleArn: string, policyArn: string): Promise<boolean> {
    return (await this.driver.run('DELETE FROM role_attachments WHERE role_arn = ? AND policy_arn = ?', [roleArn, policyArn])) === 1
  }

  async listEntitiesForPolicy(policyArn: string): Promise<string[]> {
    return (await this.driver.all('SELECT role_arn FROM role_attachments WHERE policy_arn = ? ORDER BY role_arn', [policyArn])).map((r) => str(r.role_arn))
  }

  async listBindings(): Promise<ServiceAccountBinding[]> {
    return (await this.driver.all('SELECT * FROM bindings ORDER BY namespace, service_account')).map(bindingFromRow)
  }

  async putBinding(b: ServiceAccountBinding): Promise<void> {
    await this.driver.run(
      'INSERT INTO bindings (namespace, service_account, role_arn, audience) VALUES (?, ?, ?, ?) ON CONFLICT (namespace, service_account) DO UPDATE SET role_arn = excluded.role_arn, audience = excluded.audience',
      [b.namespace, b.serviceAccount, b.roleArn, b.audience ?? null],
    )
  }

  async deleteBinding(namespace: string, serviceAccount: string): Promise<boolean> {
    return (await this.driver.run('DELETE FROM bindings WHERE namespace = ? AND service_account = ?', [namespace, serviceAccount])) === 1
  }

  async listPodIdentityAssociations(clusterName?: string): Promise<PodIdentityAssociation[]> {
    const rows = await this.driver.all(
      'SELECT * FROM pod_identity_associations WHERE (CAST(? AS text) IS NULL OR cluster_name = ?) ORDER BY cluster_name, namespace, service_account',
      [clusterName ?? null, clusterName ?? null],
    )
    return rows.map(podIdentityAssociationFromRow)
  }

  async getPodIdentityAssociation(clusterName: string, associationId: string): Promise<PodIdentityAssociation | undefined> {
    const r = await this.driver.get('SELECT * FROM pod_identity_associations WHERE cluster_name = ? AND association_id = ?', [clusterName, associationId])
    return r === undefined ? undefined : podIdentityAssociationFromRow(r)
  }

  async createPodIdentityAssociation(a: PodIdentityAssociation): Promise<boolean> {
    const n = await this.driver.run(
      'INSERT INTO pod_identity_associations (association_id, association_arn, cluster_name, namespace, service_account, role_arn, tags, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [a.associationId, a.associationArn, a.clusterName, a.namespace, a.serviceAccount, a.roleArn, JSON.stringify(a.tags), a.createdAt, a.modifiedAt],
    )
    return n === 1
  }

  async updatePodIdentityAssociation(clusterName: string, associationId: string, u: { roleArn: string; modifiedAt: number }): Promise<PodIdentityAssociation | undefined> {
    const r = await this.driver.get('UPDATE pod_identity_associations SET role_arn = ?, modified_at = ? WHERE cluster_name = ? AND association_id = ? RETURNING *', [
      u.roleArn, u.modifiedAt, clusterName, associationId,
    ])
    return r === undefined ? undefined : podIdentityAssociationFromRow(r)
  }

  async deletePodIdentityAssociation(clusterName: string, associationId: string): Promise<PodIdentityAssociation | undefined> {
    const r = await this.driver.get('DELETE FROM pod_identity_associations WHERE cluster_name = ? AND association_id = ? RETURNING *', [clusterName, associationId])
    return r === undefined ? undefined : podIdentityAssociationFromRow(r)
  }

  /**
   * Resolves once the decision is committed. It never joins a running transaction: it stands
   * whatever that transaction's outcome (see SqlDriver.append: log after a transaction, not in it).
   */
  appendDecision(d: DecisionRecord): Promise<number> {
    return this.driver.append(INSERT_DECISION, decisionParams(d))
  }

  async listDecisions(q: DecisionQuery): Promise<DecisionRecord[]> {
    const where: string[] = []
    const params: unknown[] = []
    const filters: [string, unknown][] = [
      ['at >= ?', q.since],
      ['at < ?', q.before],
      ['id > ?', q.afterId],
      ['id < ?', q.beforeId],
      ['role_arn = ?', q.roleArn],
      ['subject = ?', q.subject],
      ['outcome = ?', q.outcome],
    ]
    for (const [clause, value] of filters) {
      if (value === undefined) continue
      where.push(clause)
      params.push(value)
    }
    // Newest `limit` rows by default; with a cursor (`afterId`), the oldest `limit` rows after it.
    const order = q.afterId === undefined ? 'DESC' : 'ASC'
    params.push(q.limit ?? 1000)
    const rows = await this.driver.all(`SELECT * FROM decisions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${order} LIMIT ?`, params)
    return (q.afterId === undefined ? rows.reverse() : rows).map(decisionFromRow)
  }

  async pruneDecisions(before: number, limit = 10_000): Promise<number> {
    // Oldest ids first through the `at` index; one statement, so each call is atomic and bounded.
    return this.driver.run('DELETE FROM decisions WHERE id IN (SELECT id FROM decisions WHERE at < ? ORDER BY at, id LIMIT ?)', [before, limit])
  }
}
