import { mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import type { Role } from '../../src/iam/model.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'

const opened: SqliteStore[] = []
async function fresh(file = join(mkdtempSync(join(tmpdir(), 'irsa-store-')), 'irsa.db')): Promise<{ store: SqliteStore; file: string }> {
  const store = await openSqliteStore({ file })
  opened.push(store)
  return { store, file }
}
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined)
})

const role = (name: string, extra: Partial<Role> = {}): Role => ({
  arn: `arn:aws:iam::111122223333:role/${name}`,
  account: '111122223333',
  name,
  path: '/',
  roleId: `AROA${name.toUpperCase().padEnd(17, 'X')}`,
  trustPolicy: '{}',
  description: undefined,
  maxSessionDuration: 3600,
  permissionsBoundaryArn: undefined,
  tags: [],
  createdAt: 1,
  ...extra,
})

describe('SQLite store', () => {
  it('creates the file 0600 in WAL mode and migrates once', async () => {
    const { store, file } = await fresh()
    expect(statSync(file).mode & 0o777).toBe(0o600)
    await store.close()
    opened.pop()
    const again = await fresh(file)
    const db = new Database(file, { readonly: true })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect((db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(1)
    db.close()
    expect(await again.store.getSetting('x')).toBeUndefined()
  })

  it('first writer wins for initSetting', async () => {
    const { store } = await fresh()
    expect(await store.initSetting('account', '111122223333')).toBe('111122223333')
    expect(await store.initSetting('account', '444455556666')).toBe('111122223333')
    await store.setSetting('account', '444455556666')
    expect(await store.getSetting('account')).toBe('444455556666')
  })

  it('role names are unique case-insensitively, as in IAM', async () => {
    const { store } = await fresh()
    expect(await store.createRole(role('App'))).toBe(true)
    expect(await store.createRole(role('app', { arn: 'arn:aws:iam::111122223333:role/app' }))).toBe(false)
    expect((await store.getRole('111122223333', 'APP'))?.name).toBe('App')
    expect(await store.updateRole('111122223333', 'app', { description: 'd', permissionsBoundaryArn: 'arn:aws:iam::111122223333:policy/b' })).toBe(true)
    expect((await store.getRole('111122223333', 'App'))?.permissionsBoundaryArn).toBe('arn:aws:iam::111122223333:policy/b')
    await store.updateRole('111122223333', 'app', { permissionsBoundaryArn: null })
    expect((await store.getRole('111122223333', 'App'))?.permissionsBoundaryArn).toBeUndefined()
    expect(await store.deleteRole('111122223333', 'App')).toBe(true)
    expect(await store.getRole('111122223333', 'App')).toBeUndefined()
  })

  it('managed policies keep versions, attachments and defaults', async () => {
    const { store } = await fresh()
    const arn = 'arn:aws:iam::111122223333:policy/p'
    expect(await store.createPolicy({ arn, account: '111122223333', name: 'p', path: '/', policyId: 'ANPA1', defaultVersionId: 'v1', description: undefined, createdAt: 1, updatedAt: 1 }, '{"v":1}')).toBe(true)
    expect(await store.createPolicyVersion(arn, '{"v":2}', true, 2)).toBe('v2')
    expect(await store.createPolicyVersion(arn, '{"v":3}', false, 3)).toBe('v3')
    expect((await store.getPolicy(arn))?.defaultVersionId).toBe('v2')
    expect((await store.listPolicyVersions(arn)).map((v) => [v.versionId, v.isDefault])).toEqual([['v3', false], ['v2', true], ['v1', false]])
    await store.attachRolePolicy('arn:aws:iam::111122223333:role/r', arn)
    await store.attachRolePolicy('arn:aws:iam::111122223333:role/r', arn)
    expect((await store.getPolicy(arn))?.attachmentCount).toBe(1)
    expect(await store.listPolicies('111122223333', { onlyAttached: true })).toHaveLength(1)
    expect(await store.detachRolePolicy('arn:aws:iam::111122223333:role/r', arn)).toBe(true)
    expect(await store.deletePolicy(arn)).toBe(true)
    expect(await store.listPolicyVersions(arn)).toEqual([])
  })

  it('a failed transaction leaves nothing behind, and other callers wait for it', async () => {
    const { store } = await fresh()
    await expect(
      store.transaction(async () => {
        await store.createRole(role('a'))
        await new Promise((r) => setTimeout(r, 20))
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await store.getRole('111122223333', 'a')).toBeUndefined()
    const order: string[] = []
    const tx = store.transaction(async () => {
      await store.createRole(role('b'))
      await new Promise((r) => setTimeout(r, 30))
      order.push('tx done')
    })
    const outside = store.getRole('111122223333', 'b').then((r) => order.push(`outside sees ${r?.name}`))
    await Promise.all([tx, outside])
    expect(order).toEqual(['tx done', 'outside sees b'])
  })

  it('keeps the decision log in order and filters it', async () => {
    const { store } = await fresh()
    await store.appendDecision({ at: 1000, action: 'sts:AssumeRoleWithWebIdentity', outcome: 'Allow', roleArn: 'r1', subject: 's1', detail: { jti: 'x' } })
    await store.appendDecision({ at: 2000, action: 'sts:AssumeRoleWithWebIdentity', outcome: 'Deny', code: 'AccessDenied', roleArn: 'r2', subject: 's2' })
    await store.appendDecision({ at: 3000, action: 'iam:GetRole', outcome: 'Allow', roleArn: 'r1' })
    expect((await store.listDecisions({})).map((d) => d.at)).toEqual([1000, 2000, 3000])
    expect((await store.listDecisions({ roleArn: 'r1' })).map((d) => d.at)).toEqual([1000, 3000])
    expect((await store.listDecisions({ since: 1500, outcome: 'Deny' }))[0]).toMatchObject({ code: 'AccessDenied', subject: 's2' })
    expect((await store.listDecisions({ limit: 1 })).map((d) => d.at)).toEqual([3000])
    expect((await store.listDecisions({ subject: 's1' }))[0]?.detail).toEqual({ jti: 'x' })
  })

  it('signing and sealing keys retire once', async () => {
    const { store } = await fresh()
    await store.addSigningKey({ kid: 'k1', alg: 'RS256', privateJwk: '{}', publicJwk: '{}', createdAt: 1, retiredAt: undefined })
    await store.retireSigningKey('k1', 5)
    await store.retireSigningKey('k1', 9)
    expect((await store.listSigningKeys())[0]?.retiredAt).toBe(5)
    await store.addSealingKey({ id: 's1', secret: new Uint8Array(32).fill(7), createdAt: 1, retiredAt: undefined })
    expect(Array.from((await store.listSealingKeys())[0]?.secret ?? [])).toEqual(new Array(32).fill(7))
  })
})
