/**
 * The embedded default store: one SQLite file (better-sqlite3), WAL journal, foreign-key-free
 * schema migrated from MIGRATIONS. Every method is a single synchronous statement underneath, so
 * each is atomic; `transaction` serialises multi-statement work and holds other callers back.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { chmodSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { DecisionQuery, DecisionRecord } from '../decision-log.js'
import { MIGRATIONS } from '../migrations.js'
import { bindingFromRow, decisionFromRow, num, optStr, podIdentityAssociationFromRow, policyFromRow, providerFromRow, roleFromRow, sealingKeyFromRow, signingKeyFromRow, str, versionFromRow } from '../rows.js'
import type { Row } from '../rows.js'
import type { RoleUpdate, Store, StoredSealingKey, StoredSigningKey } from '../store.js'
import type { ManagedPolicy, OidcProvider, PolicyVersion, Role, ServiceAccountBinding, Tag } from '../../model/iam.js'
import type { PodIdentityAssociation } from '../../model/pod-identity-association.js'



export interface SqliteStoreOptions {
  /** Path of the database file, or ':memory:'. */
  readonly file: string
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 })
  const db = new Database(options.file)
  if (options.file !== ':memory:') chmodSync(options.file, 0o600)
  db.pragma('journal_mode = WAL')
  // WAL + NORMAL: a committed transaction survives a process crash (kill -9); only an OS crash or
  // power loss may lose the last commits. FULL would fsync every decision-log entry.
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 5000')
  migrate(db)
  return new SqliteStore(db)
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
  const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) => num(r.version)))
  for (const m of MIGRATIONS) {
    if (done.has(m.version)) continue
    db.transaction(() => {
      db.exec(m.sqlite)
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Math.floor(Date.now() / 1000))
    }).immediate()
  }
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const
  private readonly db: Database.Database
  private readonly inTx = new AsyncLocalStorage<true>()
  private gate: Promise<void> = Promise.resolve()

  constructor(db: Database.Database) {
    this.db = db
  }

  async close(): Promise<void> {
    await this.gate
    this.flushDecisions()
    this.db.close()
  }

  /** Wait for a running transaction unless we are inside it. */
  private async ready(): Promise<void> {
    if (this.inTx.getStore() === undefined) await this.gate
  }

  /** Prepared statements, compiled once per SQL text. */
  private readonly statements = new Map<string, Database.Statement>()

  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql)
    if (st === undefined) {
      st = this.db.prepare(sql)
      this.statements.set(sql, st)
    }
    return st
  }

  private all(sql: string, ...params: unknown[]): Row[] {
    return this.stmt(sql).all(...params) as Row[]
  }

  private get(sql: string, ...params: unknown[]): Row | undefined {
    return this.stmt(sql).get(...params) as Row | undefined
  }

  private run(sql: string, ...params: unknown[]): number {
    return this.stmt(sql).run(...params).changes
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTx.getStore() !== undefined) return fn()
    const previous = this.gate
    let release!: () => void
    this.gate = new Promise<void>((resolve) => (release = resolve))
    await previous
    try {
      this.db.exec('BEGIN IMMEDIATE')
      try {
        const result = await this.inTx.run(true, fn)
        this.db.exec('COMMIT')
        return result
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK')
        throw e
      }
    } finally {
      release()
    }
  }

  async getSetting(key: string): Promise<string | undefined> {
    await this.ready()
    return optStr(this.get('SELECT value FROM settings WHERE key = ?', key)?.value)
  }

  async initSetting(key: string, value: string): Promise<string> {
    await this.ready()
    this.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', key, value)
    return str(this.get('SELECT value FROM settings WHERE key = ?', key)?.value)
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.ready()
    this.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, value)
  }

  async listSigningKeys(): Promise<StoredSigningKey[]> {
    await this.ready()
    return this.all('SELECT * FROM signing_keys ORDER BY created_at, kid').map(signingKeyFromRow)
  }

  async addSigningKey(k: StoredSigningKey): Promise<void> {
    await this.ready()
    this.run(
      'INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, retired_at) VALUES (?, ?, ?, ?, ?, ?)',
      k.kid, k.alg, k.privateJwk, k.publicJwk, k.createdAt, k.retiredAt ?? null,
    )
  }

  async retireSigningKey(kid: string, at: number): Promise<void> {
    await this.ready()
    this.run('UPDATE signing_keys SET retired_at = ? WHERE kid = ? AND retired_at IS NULL', at, kid)
  }

  async listSealingKeys(): Promise<StoredSealingKey[]> {
    await this.ready()
    return this.all('SELECT * FROM sealing_keys ORDER BY created_at, id').map(sealingKeyFromRow)
  }

  async addSealingKey(k: StoredSealingKey): Promise<void> {
    await this.ready()
    this.run('INSERT INTO sealing_keys (id, secret, created_at, retired_at) VALUES (?, ?, ?, ?)', k.id, Buffer.from(k.secret), k.createdAt, k.retiredAt ?? null)
  }

  async retireSealingKey(id: string, at: number): Promise<void> {
    await this.ready()
    this.run('UPDATE sealing_keys SET retired_at = ? WHERE id = ? AND retired_at IS NULL', at, id)
  }


  async listOidcProviders(account: string): Promise<OidcProvider[]> {
    await this.ready()
    return this.all('SELECT * FROM oidc_providers WHERE account = ? ORDER BY arn', account).map(providerFromRow)
  }

  async getOidcProvider(arn: string): Promise<OidcProvider | undefined> {
    await this.ready()
    const r = this.get('SELECT * FROM oidc_providers WHERE arn = ?', arn)
    return r === undefined ? undefined : providerFromRow(r)
  }

  async createOidcProvider(p: OidcProvider): Promise<boolean> {
    await this.ready()
    return (
      this.run(
        'INSERT INTO oidc_providers (arn, account, url, client_ids, thumbprints, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (arn) DO NOTHING',
        p.arn, p.account, p.url, JSON.stringify(p.clientIds), JSON.stringify(p.thumbprints), JSON.stringify(p.tags), p.createdAt,
      ) === 1
    )
  }

  async updateOidcProvider(arn: string, u: { clientIds?: readonly string[]; thumbprints?: readonly string[]; tags?: readonly Tag[] }): Promise<boolean> {
    await this.ready()
    const cur = this.get('SELECT * FROM oidc_providers WHERE arn = ?', arn)
    if (cur === undefined) return false
    this.run(
      'UPDATE oidc_providers SET client_ids = ?, thumbprints = ?, tags = ? WHERE arn = ?',
      u.clientIds ? JSON.stringify(u.clientIds) : cur.client_ids,
      u.thumbprints ? JSON.stringify(u.thumbprints) : cur.thumbprints,
      u.tags ? JSON.stringify(u.tags) : cur.tags,
      arn,
    )
    return true
  }

  async deleteOidcProvider(arn: string): Promise<boolean> {
    await this.ready()
    return this.run('DELETE FROM oidc_providers WHERE arn = ?', arn) === 1
  }


  async listRoles(account: string, pathPrefix = '/'): Promise<Role[]> {
    await this.ready()
    return this.all('SELECT * FROM roles WHERE account = ? AND substr(path, 1, ?) = ? ORDER BY lower(name)', account, pathPrefix.length, pathPrefix).map(roleFromRow)
  }

  async getRole(account: string, name: string): Promise<Role | undefined> {
    await this.ready()
    const r = this.get('SELECT * FROM roles WHERE account = ? AND lower(name) = lower(?)', account, name)
    return r === undefined ? undefined : roleFromRow(r)
  }

  async createRole(r: Role): Promise<boolean> {
    await this.ready()
    try {
      this.run(
        'INSERT INTO roles (arn, account, name, path, role_id, trust_policy, description, max_session_duration, boundary_arn, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        r.arn, r.account, r.name, r.path, r.roleId, r.trustPolicy, r.description ?? null, r.maxSessionDuration, r.permissionsBoundaryArn ?? null, JSON.stringify(r.tags), r.createdAt,
      )
      return true
    } catch (e) {
      if ((e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) return false
      throw e
    }
  }

  async updateRole(account: string, name: string, u: RoleUpdate): Promise<boolean> {
    await this.ready()
    const cur = this.get('SELECT * FROM roles WHERE account = ? AND lower(name) = lower(?)', account, name)
    if (cur === undefined) return false
    this.run(
      'UPDATE roles SET trust_policy = ?, description = ?, max_session_duration = ?, boundary_arn = ?, tags = ? WHERE arn = ?',
      u.trustPolicy ?? cur.trust_policy,
      u.description ?? cur.description,
      u.maxSessionDuration ?? cur.max_session_duration,
      u.permissionsBoundaryArn === undefined ? cur.boundary_arn : u.permissionsBoundaryArn,
      u.tags ? JSON.stringify(u.tags) : cur.tags,
      cur.arn,
    )
    return true
  }

  async deleteRole(account: string, name: string): Promise<boolean> {
    await this.ready()
    return this.run('DELETE FROM roles WHERE account = ? AND lower(name) = lower(?)', account, name) === 1
  }

  async listRolePolicies(roleArn: string): Promise<{ name: string; document: string }[]> {
    await this.ready()
    return this.all('SELECT name, document FROM role_policies WHERE role_arn = ? ORDER BY name', roleArn).map((r) => ({ name: str(r.name), document: str(r.document) }))
  }

  async getRolePolicy(roleArn: string, name: string): Promise<string | undefined> {
    await this.ready()
    return optStr(this.get('SELECT document FROM role_policies WHERE role_arn = ? AND name = ?', roleArn, name)?.document)
  }

  async putRolePolicy(roleArn: string, name: string, document: string): Promise<void> {
    await this.ready()
    this.run('INSERT INTO role_policies (role_arn, name, document) VALUES (?, ?, ?) ON CONFLICT (role_arn, name) DO UPDATE SET document = excluded.document', roleArn, name, document)
  }

  async deleteRolePolicy(roleArn: string, name: string): Promise<boolean> {
    await this.ready()
    return this.run('DELETE FROM role_policies WHERE role_arn = ? AND name = ?', roleArn, name) === 1
  }


  private static readonly POLICY_SELECT =
    'SELECT p.*, (SELECT count(*) FROM role_attachments a WHERE a.policy_arn = p.arn) AS attachments FROM managed_policies p'

  async listPolicies(account: string | undefined, options: { onlyAttached?: boolean; pathPrefix?: string } = {}): Promise<ManagedPolicy[]> {
    await this.ready()
    const prefix = options.pathPrefix ?? '/'
    const rows = this.all(
      `${SqliteStore.POLICY_SELECT} WHERE (? IS NULL OR p.account = ? OR p.account IS NULL) AND substr(p.path, 1, ?) = ? ORDER BY p.name`,
      account ?? null, account ?? null, prefix.length, prefix,
    )
    const all = rows.map(policyFromRow)
    return options.onlyAttached ? all.filter((p) => p.attachmentCount > 0) : all
  }

  async getPolicy(arn: string): Promise<ManagedPolicy | undefined> {
    await this.ready()
    const r = this.get(`${SqliteStore.POLICY_SELECT} WHERE p.arn = ?`, arn)
    return r === undefined ? undefined : policyFromRow(r)
  }

  async createPolicy(p: Omit<ManagedPolicy, 'attachmentCount'>, document: string): Promise<boolean> {
    await this.ready()
    const tx = this.db.transaction(() => {
      const n = this.run(
        'INSERT INTO managed_policies (arn, account, name, path, policy_id, default_version, description, created_at, updated_at, next_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 2) ON CONFLICT (arn) DO NOTHING',
        p.arn, p.account, p.name, p.path, p.policyId, p.defaultVersionId, p.description ?? null, p.createdAt, p.updatedAt,
      )
      if (n === 0) return false
      this.run('INSERT INTO policy_versions (policy_arn, version_id, document, created_at) VALUES (?, ?, ?, ?)', p.arn, p.defaultVersionId, document, p.createdAt)
      return true
    })
    return tx.immediate()
  }

  async deletePolicy(arn: string): Promise<boolean> {
    await this.ready()
    return this.db.transaction(() => {
      this.run('DELETE FROM policy_versions WHERE policy_arn = ?', arn)
      return this.run('DELETE FROM managed_policies WHERE arn = ?', arn) === 1
    }).immediate()
  }


  async listPolicyVersions(arn: string): Promise<PolicyVersion[]> {
    await this.ready()
    const def = str(this.get('SELECT default_version FROM managed_policies WHERE arn = ?', arn)?.default_version ?? '')
    return this.all('SELECT * FROM policy_versions WHERE policy_arn = ? ORDER BY created_at DESC, version_id DESC', arn).map((r) => versionFromRow(r, def))
  }

  async getPolicyVersion(arn: string, versionId: string): Promise<PolicyVersion | undefined> {
    await this.ready()
    const def = str(this.get('SELECT default_version FROM managed_policies WHERE arn = ?', arn)?.default_version ?? '')
    const r = this.get('SELECT * FROM policy_versions WHERE policy_arn = ? AND version_id = ?', arn, versionId)
    return r === undefined ? undefined : versionFromRow(r, def)
  }

  async createPolicyVersion(arn: string, document: string, setAsDefault: boolean, at: number): Promise<string> {
    await this.ready()
    return this.db.transaction(() => {
      const next = num(this.get('SELECT next_version FROM managed_policies WHERE arn = ?', arn)?.next_version)
      const id = `v${next}`
      this.run('INSERT INTO policy_versions (policy_arn, version_id, document, created_at) VALUES (?, ?, ?, ?)', arn, id, document, at)
      this.run('UPDATE managed_policies SET next_version = ?, updated_at = ? WHERE arn = ?', next + 1, at, arn)
      if (setAsDefault) this.run('UPDATE managed_policies SET default_version = ? WHERE arn = ?', id, arn)
      return id
    }).immediate()
  }

  async deletePolicyVersion(arn: string, versionId: string): Promise<boolean> {
    await this.ready()
    return this.run('DELETE FROM policy_versions WHERE policy_arn = ? AND version_id = ?', arn, versionId) === 1
  }

  async setDefaultPolicyVersion(arn: string, versionId: string): Promise<boolean> {
    await this.ready()
    return this.run('UPDATE managed_policies SET default_version = ? WHERE arn = ?', versionId, arn) === 1
  }

  async listAttachedRolePolicies(roleArn: string): Promise<string[]> {
    await this.ready()
    return this.all('SELECT policy_arn FROM role_attachments WHERE role_arn = ? ORDER BY policy_arn', roleArn).map((r) => str(r.policy_arn))
  }

  async attachRolePolicy(roleArn: string, policyArn: string): Promise<void> {
    await this.ready()
    this.run('INSERT INTO role_attachments (role_arn, policy_arn) VALUES (?, ?) ON CONFLICT DO NOTHING', roleArn, policyArn)
  }

  async detachRolePolicy(roleArn: string, policyArn: string): Promise<boolean> {
    await this.ready()
    return this.run('DELETE FROM role_attachments WHERE role_arn = ? AND policy_arn = ?', roleArn, policyArn) === 1
  }

  async listEntitiesForPolicy(policyArn: string): Promise<string[]> {
    await this.ready()
    return this.all('SELECT role_arn FROM role_attachments WHERE policy_arn = ? ORDER BY role_arn', policyArn).map((r) => str(r.role_arn))
  }

  async listBindings(): Promise<ServiceAccountBinding[]> {
    await this.ready()
    return this.all('SELECT * FROM bindings ORDER BY namespace, service_account').map(bindingFromRow)
  }

  async putBinding(b: ServiceAccountBinding): Promise<void> {
    await this.ready()
    this.run(
      'INSERT INTO bindings (namespace, service_account, role_arn, audience) VALUES (?, ?, ?, ?) ON CONFLICT (namespace, service_account) DO UPDATE SET role_arn = excluded.role_arn, audience = excluded.audience',
      b.namespace, b.serviceAccount, b.roleArn, b.audience ?? null,
    )
  }

  async deleteBinding(namespace: string, serviceAccount: string): Promise<boolean> {
    await this.ready()
    return this.run('DELETE FROM bindings WHERE namespace = ? AND service_account = ?', namespace, serviceAccount) === 1
  }

  async listPodIdentityAssociations(clusterName?: string): Promise<PodIdentityAssociation[]> {
    await this.ready()
    return this.all(
      'SELECT * FROM pod_identity_associations WHERE (? IS NULL OR cluster_name = ?) ORDER BY cluster_name, namespace, service_account',
      clusterName ?? null, clusterName ?? null,
    ).map(podIdentityAssociationFromRow)
  }

  async getPodIdentityAssociation(clusterName: string, associationId: string): Promise<PodIdentityAssociation | undefined> {
    await this.ready()
    const r = this.get('SELECT * FROM pod_identity_associations WHERE cluster_name = ? AND association_id = ?', clusterName, associationId)
    return r === undefined ? undefined : podIdentityAssociationFromRow(r)
  }

  async createPodIdentityAssociation(a: PodIdentityAssociation): Promise<boolean> {
    await this.ready()
    return (
      this.run(
        'INSERT INTO pod_identity_associations (association_id, association_arn, cluster_name, namespace, service_account, role_arn, tags, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
        a.associationId, a.associationArn, a.clusterName, a.namespace, a.serviceAccount, a.roleArn, JSON.stringify(a.tags), a.createdAt, a.modifiedAt,
      ) === 1
    )
  }

  async updatePodIdentityAssociation(clusterName: string, associationId: string, u: { roleArn: string; modifiedAt: number }): Promise<PodIdentityAssociation | undefined> {
    await this.ready()
    const r = this.get(
      'UPDATE pod_identity_associations SET role_arn = ?, modified_at = ? WHERE cluster_name = ? AND association_id = ? RETURNING *',
      u.roleArn, u.modifiedAt, clusterName, associationId,
    )
    return r === undefined ? undefined : podIdentityAssociationFromRow(r)
  }

  async deletePodIdentityAssociation(clusterName: string, associationId: string): Promise<PodIdentityAssociation | undefined> {
    await this.ready()
    const r = this.get('DELETE FROM pod_identity_associations WHERE cluster_name = ? AND association_id = ? RETURNING *', clusterName, associationId)
    return r === undefined ? undefined : podIdentityAssociationFromRow(r)
  }

  private pendingDecisions: { d: DecisionRecord; resolve: (id: number) => void; reject: (e: unknown) => void }[] = []

  /**
   * Group commit: decisions arriving together are written in one transaction, and each caller's
   * promise resolves only once its entry is committed (so an acknowledged decision survives a crash).
   */
  async appendDecision(d: DecisionRecord): Promise<number> {
    await this.ready()
    return new Promise<number>((resolve, reject) => {
      this.pendingDecisions.push({ d, resolve, reject })
      if (this.pendingDecisions.length === 1) setImmediate(() => this.flushDecisions())
    })
  }

  private flushDecisions(): void {
    if (this.db.inTransaction) {
      // A multi-statement transaction is open: write after it, never inside it.
      void this.gate.then(() => this.flushDecisions())
      return
    }
    const batch = this.pendingDecisions
    this.pendingDecisions = []
    if (batch.length === 0) return
    const insert = this.stmt(
      'INSERT INTO decisions (at, action, outcome, code, principal, role_arn, session_name, subject, namespace, service_account, source_ip, request_id, reason, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    try {
      const ids = this.db.transaction(() =>
        batch.map(({ d }) =>
          Number(
            insert.run(
              d.at, d.action, d.outcome, d.code ?? null, d.principal ?? null, d.roleArn ?? null, d.sessionName ?? null, d.subject ?? null,
              d.namespace ?? null, d.serviceAccount ?? null, d.sourceIp ?? null, d.requestId ?? null, d.reason ?? null,
              d.detail === undefined ? null : JSON.stringify(d.detail),
            ).lastInsertRowid,
          ),
        ),
      )()
      batch.forEach((b, i) => b.resolve(ids[i] as number))
    } catch (e) {
      for (const b of batch) b.reject(e)
    }
  }

  async listDecisions(q: DecisionQuery): Promise<DecisionRecord[]> {
    await this.ready()
    const where: string[] = []
    const params: unknown[] = []
    const filters: [string, unknown][] = [
      ['at >= ?', q.since],
      ['id > ?', q.afterId],
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
    const sql = `SELECT * FROM decisions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${order} LIMIT ?`
    params.push(q.limit ?? 1000)
    const rows = this.all(sql, ...params)
    return (q.afterId === undefined ? rows.reverse() : rows).map(decisionFromRow)
  }
}
