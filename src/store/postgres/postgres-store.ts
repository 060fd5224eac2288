/**
 * The shared store for replicas: PostgreSQL through a `pg` Pool. Every query is parameterized.
 * Each method is one statement (atomic by itself) or runs inside `transaction`, which holds one
 * pooled client for its duration; AsyncLocalStorage routes the store calls made inside it to that
 * client, so nested calls join the transaction. Transactions also take a transaction-scoped
 * advisory lock, so multi-statement work is serialised across replicas as SQLite serialises it in
 * one file. Migrations run under their own advisory lock, so replicas starting together apply each
 * step once.
 *
 * A lost or refused connection surfaces as IrsaError ERR_STORE_UNAVAILABLE (the Query API answers a
 * retryable 503), never as a wrong answer; the pool drops broken clients and reconnects on demand,
 * so the store recovers by itself when PostgreSQL is back.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { DatabaseError, Pool } from 'pg'
import type { PoolClient } from 'pg'
import { IrsaError } from '../../errors.js'
import type { DecisionQuery, DecisionRecord } from '../decision-log.js'
import { MIGRATIONS } from '../migrations.js'
import { bindingFromRow, decisionFromRow, num, optStr, podIdentityAssociationFromRow, policyFromRow, providerFromRow, roleFromRow, sealingKeyFromRow, signingKeyFromRow, str, versionFromRow } from '../rows.js'
import type { Row } from '../rows.js'
import type { RoleUpdate, Store, StoredSealingKey, StoredSigningKey } from '../store.js'
import type { ManagedPolicy, OidcProvider, PolicyVersion, Role, ServiceAccountBinding, Tag } from '../../model/iam.js'
import type { PodIdentityAssociation } from '../../model/pod-identity-association.js'


// BIGINT columns and count(*) come back from pg as strings; epochs fit a double exactly.

/** Advisory lock keys (arbitrary constants, "irsa" + a purpose digit). */
const MIGRATION_LOCK = 0x69727331
const TRANSACTION_LOCK = 0x69727332

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database?…` (libpq-style URL, as `pg` reads it). */
  readonly url: string
  /** Pool size; default 10. */
  readonly maxConnections?: number
  /** How long to wait for a connection before answering "unavailable"; default 5000 ms. */
  readonly connectTimeoutMs?: number
}

/** Connection-level failures: network errors, and SQLSTATEs for connection loss, shutdown, overload. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED'])
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-3]$|53300$)/
const UNAVAILABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection ended|connection timeout/i

function isUnavailable(e: unknown): boolean {
  if (e instanceof DatabaseError) return e.code !== undefined && UNAVAILABLE_SQLSTATE.test(e.code)
  if (!(e instanceof Error)) return false
  const code = (e as NodeJS.ErrnoException).code
  if (code !== undefined && NETWORK_CODES.has(code)) return true
  if (e instanceof AggregateError && e.errors.some(isUnavailable)) return true
  return UNAVAILABLE_MESSAGE.test(e.message)
}

/** Connection failures become ERR_STORE_UNAVAILABLE; anything else passes through unchanged. */
function storeError(e: unknown): unknown {
  if (e instanceof IrsaError || !isUnavailable(e)) return e
  const detail = e instanceof Error && e.message !== '' ? e.message : (e as NodeJS.ErrnoException).code ?? 'connection failed'
  return new IrsaError('ERR_STORE_UNAVAILABLE', `The PostgreSQL store is unavailable: ${detail}`, { cause: e })
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const pool = new Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    application_name: 'irsa',
  })
  // An idle client whose connection dies emits here; the pool has already dropped it and connects
  // afresh on the next checkout. Without a listener the error would crash the process.
  pool.on('error', () => undefined)
  const store = new PostgresStore(pool)
  try {
    await store.migrate()
  } catch (e) {
    await pool.end().catch(() => undefined)
    throw storeError(e)
  }
  return store
}

/** The client of the running transaction; `done` guards against use after it ended. */
interface TxHolder {
  readonly client: PoolClient
  done: boolean
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const
  private readonly pool: Pool
  private readonly tx = new AsyncLocalStorage<TxHolder>()
  private closed = false

  constructor(pool: Pool) {
    this.pool = pool
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.pool.end()
  }

  private async connect(): Promise<PoolClient> {
    let client: PoolClient
    try {
      client = await this.pool.connect()
    } catch (e) {
      throw storeError(e)
    }
    // A checked-out client has no pool listener: PostgreSQL dropping the connection between two of
    // our statements (a restart: FATAL 57P01) would emit an unhandled 'error' and kill the process.
    // Swallow it here; the next statement on the client fails as ERR_STORE_UNAVAILABLE and the
    // client is released as broken. One listener per client, kept for its life.
    if (client.listenerCount('error') === 0) client.on('error', () => undefined)
    return client
  }

  /** Apply pending migration steps, one transaction each, under an advisory lock. */
  async migrate(): Promise<void> {
    for (;;) {
      const client = await this.connect()
      let broken: Error | undefined
      try {
        await client.query('BEGIN')
        try {
          await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
          await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)')
          const done = new Set((await client.query<Row>('SELECT version FROM schema_migrations')).rows.map((r) => num(r.version)))
          const next = MIGRATIONS.find((m) => !done.has(m.version))
          if (next !== undefined) {
            await client.query(next.postgres)
            await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [next.version, next.name, Math.floor(Date.now() / 1000)])
          }
          await client.query('COMMIT')
          if (next === undefined) return
        } catch (e) {
          await client.query('ROLLBACK').catch((re: unknown) => (broken = re instanceof Error ? re : new Error(String(re))))
          throw storeError(e)
        }
      } finally {
        client.release(broken)
      }
    }
  }

  /** One statement: on the transaction's client inside `transaction`, else on any pooled client. */
  private async query(sql: string, params: readonly unknown[] = [], options: { outsideTransaction?: boolean } = {}): Promise<{ rows: Row[]; count: number }> {
    const holder = options.outsideTransaction ? undefined : this.tx.getStore()
    try {
      const r = holder !== undefined && !holder.done ? await holder.client.query<Row>(sql, params as unknown[]) : await this.pool.query<Row>(sql, params as unknown[])
      return { rows: r.rows, count: r.rowCount ?? 0 }
    } catch (e) {
      throw storeError(e)
    }
  }

  private async all(sql: string, ...params: unknown[]): Promise<Row[]> {
    return (await this.query(sql, params)).rows
  }

  private async get(sql: string, ...params: unknown[]): Promise<Row | undefined> {
    return (await this.query(sql, params)).rows[0]
  }

  private async run(sql: string, ...params: unknown[]): Promise<number> {
    return (await this.query(sql, params)).count
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const current = this.tx.getStore()
    if (current !== undefined && !current.done) return fn()
    const client = await this.connect()
    const holder: TxHolder = { client, done: false }
    let broken: Error | undefined
    try {
      try {
        await client.query('BEGIN')
        await client.query('SELECT pg_advisory_xact_lock($1)', [TRANSACTION_LOCK])
      } catch (e) {
        broken = e instanceof Error ? e : new Error(String(e))
        throw storeError(e)
      }
      let result: T
      try {
        result = await this.tx.run(holder, fn)
      } catch (e) {
        try {
          await client.query('ROLLBACK')
        } catch (re) {
          broken = re instanceof Error ? re : new Error(String(re))
        }
        throw storeError(e)
      }
      try {
        await client.query('COMMIT')
      } catch (e) {
        broken = e instanceof Error ? e : new Error(String(e))
        throw storeError(e)
      }
      return result
    } finally {
      holder.done = true
      // A client that failed BEGIN, COMMIT or ROLLBACK may be mid-transaction or dead: destroy it.
      client.release(broken)
    }
  }

  async getSetting(key: string): Promise<string | undefined> {
    return optStr((await this.get('SELECT value FROM settings WHERE key = $1', key))?.value)
  }

  async initSetting(key: string, value: string): Promise<string> {
    const inserted = await this.get('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING value', key, value)
    if (inserted !== undefined) return str(inserted.value)
    return str((await this.get('SELECT value FROM settings WHERE key = $1', key))?.value)
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.run('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value', key, value)
  }

  async listSigningKeys(): Promise<StoredSigningKey[]> {
    return (await this.all('SELECT * FROM signing_keys ORDER BY created_at, kid')).map(signingKeyFromRow)
  }

  async addSigningKey(k: StoredSigningKey): Promise<void> {
    await this.run(
      'INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, retired_at) VALUES ($1, $2, $3, $4, $5, $6)',
      k.kid, k.alg, k.privateJwk, k.publicJwk, k.createdAt, k.retiredAt ?? null,
    )
  }

  async retireSigningKey(kid: string, at: number): Promise<void> {
    await this.run('UPDATE signing_keys SET retired_at = $1 WHERE kid = $2 AND retired_at IS NULL', at, kid)
  }

  async listSealingKeys(): Promise<StoredSealingKey[]> {
    return (await this.all('SELECT * FROM sealing_keys ORDER BY created_at, id')).map(sealingKeyFromRow)
  }

  async addSealingKey(k: StoredSealingKey): Promise<void> {
    await this.run('INSERT INTO sealing_keys (id, secret, created_at, retired_at) VALUES ($1, $2, $3, $4)', k.id, Buffer.from(k.secret), k.createdAt, k.retiredAt ?? null)
  }

  async retireSealingKey(id: string, at: number): Promise<void> {
    await this.run('UPDATE sealing_keys SET retired_at = $1 WHERE id = $2 AND retired_at IS NULL', at, id)
  }


  async listOidcProviders(account: string): Promise<OidcProvider[]> {
    return (await this.all('SELECT * FROM oidc_providers WHERE account = $1 ORDER BY arn', account)).map(providerFromRow)
  }

  async getOidcProvider(arn: string): Promise<OidcProvider | undefined> {
    const r = await this.get('SELECT * FROM oidc_providers WHERE arn = $1', arn)
    return r === undefined ? undefined : providerFromRow(r)
  }

  async createOidcProvider(p: OidcProvider): Promise<boolean> {
    return (
      (await this.run(
        'INSERT INTO oidc_providers (arn, account, url, client_ids, thumbprints, tags, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (arn) DO NOTHING',
        p.arn, p.account, p.url, JSON.stringify(p.clientIds), JSON.stringify(p.thumbprints), JSON.stringify(p.tags), p.createdAt,
      )) === 1
    )
  }

  async updateOidcProvider(arn: string, u: { clientIds?: readonly string[]; thumbprints?: readonly string[]; tags?: readonly Tag[] }): Promise<boolean> {
    // One statement, so concurrent updates of different fields on two replicas both land.
    return (
      (await this.run(
        'UPDATE oidc_providers SET client_ids = COALESCE($2::text, client_ids), thumbprints = COALESCE($3::text, thumbprints), tags = COALESCE($4::text, tags) WHERE arn = $1',
        arn,
        u.clientIds ? JSON.stringify(u.clientIds) : null,
        u.thumbprints ? JSON.stringify(u.thumbprints) : null,
        u.tags ? JSON.stringify(u.tags) : null,
      )) === 1
    )
  }

  async deleteOidcProvider(arn: string): Promise<boolean> {
    return (await this.run('DELETE FROM oidc_providers WHERE arn = $1', arn)) === 1
  }


  async listRoles(account: string, pathPrefix = '/'): Promise<Role[]> {
    return (await this.all('SELECT * FROM roles WHERE account = $1 AND starts_with(path, $2) ORDER BY lower(name)', account, pathPrefix)).map(roleFromRow)
  }

  async getRole(account: string, name: string): Promise<Role | undefined> {
    const r = await this.get('SELECT * FROM roles WHERE account = $1 AND lower(name) = lower($2)', account, name)
    return r === undefined ? undefined : roleFromRow(r)
  }

  async createRole(r: Role): Promise<boolean> {
    // ON CONFLICT without a target covers both the ARN key and the case-insensitive name index, and
    // (unlike catching a unique violation) leaves an enclosing transaction usable.
    return (
      (await this.run(
        'INSERT INTO roles (arn, account, name, path, role_id, trust_policy, description, max_session_duration, boundary_arn, tags, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING',
        r.arn, r.account, r.name, r.path, r.roleId, r.trustPolicy, r.description ?? null, r.maxSessionDuration, r.permissionsBoundaryArn ?? null, JSON.stringify(r.tags), r.createdAt,
      )) === 1
    )
  }

  async updateRole(account: string, name: string, u: RoleUpdate): Promise<boolean> {
    return (
      (await this.run(
        `UPDATE roles SET trust_policy = COALESCE($3::text, trust_policy), description = COALESCE($4::text, description),
           max_session_duration = COALESCE($5::integer, max_session_duration),
           boundary_arn = CASE WHEN $6::boolean THEN $7::text ELSE boundary_arn END, tags = COALESCE($8::text, tags)
         WHERE account = $1 AND lower(name) = lower($2)`,
        account,
        name,
        u.trustPolicy ?? null,
        u.description ?? null,
        u.maxSessionDuration ?? null,
        u.permissionsBoundaryArn !== undefined,
        u.permissionsBoundaryArn ?? null,
        u.tags ? JSON.stringify(u.tags) : null,
      )) === 1
    )
  }

  async deleteRole(account: string, name: string): Promise<boolean> {
    return (await this.run('DELETE FROM roles WHERE account = $1 AND lower(name) = lower($2)', account, name)) === 1
  }

  async listRolePolicies(roleArn: string): Promise<{ name: string; document: string }[]> {
    return (await this.all('SELECT name, document FROM role_policies WHERE role_arn = $1 ORDER BY name', roleArn)).map((r) => ({ name: str(r.name), document: str(r.document) }))
  }

  async getRolePolicy(roleArn: string, name: string): Promise<string | undefined> {
    return optStr((await this.get('SELECT document FROM role_policies WHERE role_arn = $1 AND name = $2', roleArn, name))?.document)
  }

  async putRolePolicy(roleArn: string, name: string, document: string): Promise<void> {
    await this.run(
      'INSERT INTO role_policies (role_arn, name, document) VALUES ($1, $2, $3) ON CONFLICT (role_arn, name) DO UPDATE SET document = EXCLUDED.document',
      roleArn, name, document,
    )
  }

  async deleteRolePolicy(roleArn: string, name: string): Promise<boolean> {
    return (await this.run('DELETE FROM role_policies WHERE role_arn = $1 AND name = $2', roleArn, name)) === 1
  }


  private static readonly POLICY_SELECT =
    'SELECT p.*, (SELECT count(*) FROM role_attachments a WHERE a.policy_arn = p.arn) AS attachments FROM managed_policies p'

  async listPolicies(account: string | undefined, options: { onlyAttached?: boolean; pathPrefix?: string } = {}): Promise<ManagedPolicy[]> {
    const rows = await this.all(
      `${PostgresStore.POLICY_SELECT} WHERE ($1::text IS NULL OR p.account = $1::text OR p.account IS NULL) AND starts_with(p.path, $2) ORDER BY p.name, p.arn`,
      account ?? null, options.pathPrefix ?? '/',
    )
    const all = rows.map(policyFromRow)
    return options.onlyAttached ? all.filter((p) => p.attachmentCount > 0) : all
  }

  async getPolicy(arn: string): Promise<ManagedPolicy | undefined> {
    const r = await this.get(`${PostgresStore.POLICY_SELECT} WHERE p.arn = $1`, arn)
    return r === undefined ? undefined : policyFromRow(r)
  }

  async createPolicy(p: Omit<ManagedPolicy, 'attachmentCount'>, document: string): Promise<boolean> {
    return this.transaction(async () => {
      const n = await this.run(
        'INSERT INTO managed_policies (arn, account, name, path, policy_id, default_version, description, created_at, updated_at, next_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 2) ON CONFLICT (arn) DO NOTHING',
        p.arn, p.account, p.name, p.path, p.policyId, p.defaultVersionId, p.description ?? null, p.createdAt, p.updatedAt,
      )
      if (n === 0) return false
      await this.run('INSERT INTO policy_versions (policy_arn, version_id, document, created_at) VALUES ($1, $2, $3, $4)', p.arn, p.defaultVersionId, document, p.createdAt)
      return true
    })
  }

  async deletePolicy(arn: string): Promise<boolean> {
    return this.transaction(async () => {
      await this.run('DELETE FROM policy_versions WHERE policy_arn = $1', arn)
      return (await this.run('DELETE FROM managed_policies WHERE arn = $1', arn)) === 1
    })
  }


  async listPolicyVersions(arn: string): Promise<PolicyVersion[]> {
    const def = str((await this.get('SELECT default_version FROM managed_policies WHERE arn = $1', arn))?.default_version ?? '')
    return (await this.all('SELECT * FROM policy_versions WHERE policy_arn = $1 ORDER BY created_at DESC, version_id DESC', arn)).map((r) => versionFromRow(r, def))
  }

  async getPolicyVersion(arn: string, versionId: string): Promise<PolicyVersion | undefined> {
    const def = str((await this.get('SELECT default_version FROM managed_policies WHERE arn = $1', arn))?.default_version ?? '')
    const r = await this.get('SELECT * FROM policy_versions WHERE policy_arn = $1 AND version_id = $2', arn, versionId)
    return r === undefined ? undefined : versionFromRow(r, def)
  }

  async createPolicyVersion(arn: string, document: string, setAsDefault: boolean, at: number): Promise<string> {
    return this.transaction(async () => {
      // Taking the number and bumping the counter is one statement: two replicas never share an id.
      const r = await this.get('UPDATE managed_policies SET next_version = next_version + 1, updated_at = $2 WHERE arn = $1 RETURNING next_version - 1 AS next', arn, at)
      if (r === undefined) throw new IrsaError('ERR_STATE', `no managed policy ${arn}`)
      const id = `v${num(r.next)}`
      await this.run('INSERT INTO policy_versions (policy_arn, version_id, document, created_at) VALUES ($1, $2, $3, $4)', arn, id, document, at)
      if (setAsDefault) await this.run('UPDATE managed_policies SET default_version = $1 WHERE arn = $2', id, arn)
      return id
    })
  }

  async deletePolicyVersion(arn: string, versionId: string): Promise<boolean> {
    return (await this.run('DELETE FROM policy_versions WHERE policy_arn = $1 AND version_id = $2', arn, versionId)) === 1
  }

  async setDefaultPolicyVersion(arn: string, versionId: string): Promise<boolean> {
    return (await this.run('UPDATE managed_policies SET default_version = $1 WHERE arn = $2', versionId, arn)) === 1
  }

  async listAttachedRolePolicies(roleArn: string): Promise<string[]> {
    return (await this.all('SELECT policy_arn FROM role_attachments WHERE role_arn = $1 ORDER BY policy_arn', roleArn)).map((r) => str(r.policy_arn))
  }

  async attachRolePolicy(roleArn: string, policyArn: string): Promise<void> {
    await this.run('INSERT INTO role_attachments (role_arn, policy_arn) VALUES ($1, $2) ON CONFLICT DO NOTHING', roleArn, policyArn)
  }

  async detachRolePolicy(roleArn: string, policyArn: string): Promise<boolean> {
    return (await this.run('DELETE FROM role_attachments WHERE role_arn = $1 AND policy_arn = $2', roleArn, policyArn)) === 1
  }

  async listEntitiesForPolicy(policyArn: string): Promise<string[]> {
    return (await this.all('SELECT role_arn FROM role_attachments WHERE policy_arn = $1 ORDER BY role_arn', policyArn)).map((r) => str(r.role_arn))
  }

  async listBindings(): Promise<ServiceAccountBinding[]> {
    return (await this.all('SELECT * FROM bindings ORDER BY namespace, service_account')).map(bindingFromRow)
  }

  async putBinding(b: ServiceAccountBinding): Promise<void> {
    await this.run(
      'INSERT INTO bindings (namespace, service_account, role_arn, audience) VALUES ($1, $2, $3, $4) ON CONFLICT (namespace, service_account) DO UPDATE SET role_arn = EXCLUDED.role_arn, audience = EXCLUDED.audience',
      b.namespace, b.serviceAccount, b.roleArn, b.audience ?? null,
    )
  }

  async deleteBinding(namespace: string, serviceAccount: string): Promise<boolean> {
    return (await this.run('DELETE FROM bindings WHERE namespace = $1 AND service_account = $2', namespace, serviceAccount)) === 1
  }

  async listPodIdentityAssociations(clusterName?: string): Promise<PodIdentityAssociation[]> {
    return (
      await this.all(
        'SELECT * FROM pod_identity_associations WHERE ($1::text IS NULL OR cluster_name = $1) ORDER BY cluster_name, namespace, service_account',
        clusterName ?? null,
      )
    ).map(podIdentityAssociationFromRow)
  }

  async getPodIdentityAssociation(clusterName: string, associationId: string): Promise<PodIdentityAssociation | undefined> {
    const r = await this.get('SELECT * FROM pod_identity_associations WHERE cluster_name = $1 AND association_id = $2', clusterName, associationId)
    return r === undefined ? undefined : podIdentityAssociationFromRow(r)
  }

  async createPodIdentityAssociation(a: PodIdentityAssociation): Promise<boolean> {
    return (
      (await this.run(
        'INSERT INTO pod_identity_associations (association_id, association_arn, cluster_name, namespace, service_account, role_arn, tags, created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING',
        a.associationId, a.associationArn, a.clusterName, a.namespace, a.serviceAccount, a.roleArn, JSON.stringify(a.tags), a.createdAt, a.modifiedAt,
      )) === 1
    )
  }

  async updatePodIdentityAssociation(clusterName: string, associationId: string, u: { roleArn: string; modifiedAt: number }): Promise<PodIdentityAssociation | undefined> {
    const r = await this.get(
      'UPDATE pod_identity_associations SET role_arn = $1, modified_at = $2 WHERE cluster_name = $3 AND association_id = $4 RETURNING *',
      u.roleArn, u.modifiedAt, clusterName, associationId,
    )
    return r === undefined ? undefined : podIdentityAssociationFromRow(r)
  }

  async deletePodIdentityAssociation(clusterName: string, associationId: string): Promise<PodIdentityAssociation | undefined> {
    const r = await this.get('DELETE FROM pod_identity_associations WHERE cluster_name = $1 AND association_id = $2 RETURNING *', clusterName, associationId)
    return r === undefined ? undefined : podIdentityAssociationFromRow(r)
  }

  /**
   * Written on its own connection, never inside a running transaction (as the SQLite store writes
   * after it): a decision stands whatever the transaction's outcome. Resolves once committed.
   */
  async appendDecision(d: DecisionRecord): Promise<number> {
    const { rows } = await this.query(
      'INSERT INTO decisions (at, action, outcome, code, principal, role_arn, session_name, subject, namespace, service_account, source_ip, request_id, reason, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id',
      [
        d.at, d.action, d.outcome, d.code ?? null, d.principal ?? null, d.roleArn ?? null, d.sessionName ?? null, d.subject ?? null,
        d.namespace ?? null, d.serviceAccount ?? null, d.sourceIp ?? null, d.requestId ?? null, d.reason ?? null,
        d.detail === undefined ? null : JSON.stringify(d.detail),
      ],
      { outsideTransaction: true },
    )
    return num(rows[0]?.id)
  }

  async listDecisions(q: DecisionQuery): Promise<DecisionRecord[]> {
    const where: string[] = []
    const params: unknown[] = []
    const filters: [string, unknown][] = [
      ['at >=', q.since],
      ['id >', q.afterId],
      ['role_arn =', q.roleArn],
      ['subject =', q.subject],
      ['outcome =', q.outcome],
    ]
    for (const [clause, value] of filters) {
      if (value === undefined) continue
      params.push(value)
      where.push(`${clause} $${params.length}`)
    }
    params.push(q.limit ?? 1000)
    // Newest `limit` rows by default; with a cursor (`afterId`), the oldest `limit` rows after it.
    const order = q.afterId === undefined ? 'DESC' : 'ASC'
    const sql = `SELECT * FROM decisions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${order} LIMIT $${params.length}`
    const rows = (await this.query(sql, params)).rows
    return (q.afterId === undefined ? rows.reverse() : rows).map(decisionFromRow)
  }
}
