// The Store contract: one suite, run against every backend (sqlite-store.test.ts,
// postgres-store.test.ts). Backend-specific behaviour (file modes, locking, outages) stays in those files.
import { afterEach, describe, expect, it } from 'vitest'
import type { PodIdentityAssociation } from '../../src/model/pod-identity-association.js'
import type { Role } from '../../src/model/iam.js'
import type { Store } from '../../src/store/store.js'

export const ACCOUNT = '111122223333'

export const role = (name: string, extra: Partial<Role> = {}): Role => ({
  arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
  account: ACCOUNT,
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

/** Register the contract for one backend; `open` returns a fresh, empty, migrated store. */
export function storeContract(backend: string, open: () => Promise<Store>): void {
  const opened: Store[] = []
  const fresh = async (): Promise<Store> => {
    const s = await open()
    opened.push(s)
    return s
  }
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close().catch(() => undefined)
  })

  describe(`Store contract (${backend})`, () => {
    it('first writer wins for initSetting, also when writers race', async () => {
      const store = await fresh()
      expect(await store.initSetting('account', '111122223333')).toBe('111122223333')
      expect(await store.initSetting('account', '444455556666')).toBe('111122223333')
      await store.setSetting('account', '444455556666')
      expect(await store.getSetting('account')).toBe('444455556666')
      const raced = await Promise.all(Array.from({ length: 8 }, (_, i) => store.initSetting('issuer', `https://issuer-${i}.example`)))
      expect(new Set(raced).size).toBe(1)
      expect(await store.getSetting('issuer')).toBe(raced[0])
      expect(await store.getSetting('missing')).toBeUndefined()
    })

    it('role names are unique case-insensitively, as in IAM', async () => {
      const store = await fresh()
      expect(await store.createRole(role('App'))).toBe(true)
      expect(await store.createRole(role('app', { arn: `arn:aws:iam::${ACCOUNT}:role/app` }))).toBe(false)
      expect(await store.createRole(role('App'))).toBe(false)
      expect((await store.getRole(ACCOUNT, 'APP'))?.name).toBe('App')
      expect(await store.updateRole(ACCOUNT, 'app', { description: 'd', permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/b` })).toBe(true)
      expect(await store.getRole(ACCOUNT, 'App')).toMatchObject({ description: 'd', permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/b`, maxSessionDuration: 3600 })
      await store.updateRole(ACCOUNT, 'app', { permissionsBoundaryArn: null, maxSessionDuration: 7200, tags: [{ Key: 'k', Value: 'v' }] })
      const updated = await store.getRole(ACCOUNT, 'App')
      expect(updated).toMatchObject({ description: 'd', maxSessionDuration: 7200, tags: [{ Key: 'k', Value: 'v' }] })
      expect(updated?.permissionsBoundaryArn).toBeUndefined()
      expect(await store.updateRole(ACCOUNT, 'nobody', { description: 'x' })).toBe(false)
      expect(await store.deleteRole(ACCOUNT, 'App')).toBe(true)
      expect(await store.getRole(ACCOUNT, 'App')).toBeUndefined()
      expect(await store.deleteRole(ACCOUNT, 'App')).toBe(false)
    })

    it('lists roles by path prefix in case-insensitive name order, and keeps their fields', async () => {
      const store = await fresh()
      await store.createRole(role('beta', { path: '/team/', createdAt: 1_700_000_000 }))
      await store.createRole(role('Alpha', { path: '/team/sub/' }))
      await store.createRole(role('gamma'))
      await store.createRole(role('other', { account: '444455556666', arn: 'arn:aws:iam::444455556666:role/other' }))
      expect((await store.listRoles(ACCOUNT)).map((r) => r.name)).toEqual(['Alpha', 'beta', 'gamma'])
      expect((await store.listRoles(ACCOUNT, '/team/')).map((r) => r.name)).toEqual(['Alpha', 'beta'])
      expect((await store.listRoles(ACCOUNT, '/team/sub/')).map((r) => r.name)).toEqual(['Alpha'])
      expect(await store.getRole(ACCOUNT, 'beta')).toEqual(role('beta', { path: '/team/', createdAt: 1_700_000_000 }))
    })

    it('keeps inline role policies', async () => {
      const store = await fresh()
      const arn = `arn:aws:iam::${ACCOUNT}:role/r`
      await store.putRolePolicy(arn, 'b', '{"b":1}')
      await store.putRolePolicy(arn, 'a', '{"a":1}')
      await store.putRolePolicy(arn, 'b', '{"b":2}')
      expect(await store.listRolePolicies(arn)).toEqual([{ name: 'a', document: '{"a":1}' }, { name: 'b', document: '{"b":2}' }])
      expect(await store.getRolePolicy(arn, 'b')).toBe('{"b":2}')
      expect(await store.deleteRolePolicy(arn, 'b')).toBe(true)
      expect(await store.deleteRolePolicy(arn, 'b')).toBe(false)
      expect(await store.getRolePolicy(arn, 'b')).toBeUndefined()
    })

    it('managed policies keep versions, attachments and defaults', async () => {
      const store = await fresh()
      const arn = `arn:aws:iam::${ACCOUNT}:policy/p`
      const policy = { arn, account: ACCOUNT, name: 'p', path: '/', policyId: 'ANPA1', defaultVersionId: 'v1', description: undefined, createdAt: 1, updatedAt: 1 }
      expect(await store.createPolicy(policy, '{"v":1}')).toBe(true)
      expect(await store.createPolicy(policy, '{"v":1}')).toBe(false)
      expect(await store.createPolicyVersion(arn, '{"v":2}', true, 2)).toBe('v2')
      expect(await store.createPolicyVersion(arn, '{"v":3}', false, 3)).toBe('v3')
      expect(await store.getPolicy(arn)).toMatchObject({ defaultVersionId: 'v2', updatedAt: 3, attachmentCount: 0 })
      expect((await store.listPolicyVersions(arn)).map((v) => [v.versionId, v.isDefault])).toEqual([['v3', false], ['v2', true], ['v1', false]])
      expect(await store.getPolicyVersion(arn, 'v3')).toEqual({ policyArn: arn, versionId: 'v3', document: '{"v":3}', isDefault: false, createdAt: 3 })
      expect(await store.setDefaultPolicyVersion(arn, 'v3')).toBe(true)
      expect(await store.deletePolicyVersion(arn, 'v1')).toBe(true)
      expect((await store.listPolicyVersions(arn)).map((v) => [v.versionId, v.isDefault])).toEqual([['v3', true], ['v2', false]])
      await store.attachRolePolicy(`arn:aws:iam::${ACCOUNT}:role/r`, arn)
      await store.attachRolePolicy(`arn:aws:iam::${ACCOUNT}:role/r`, arn)
      await store.attachRolePolicy(`arn:aws:iam::${ACCOUNT}:role/q`, arn)
      expect((await store.getPolicy(arn))?.attachmentCount).toBe(2)
      expect(await store.listEntitiesForPolicy(arn)).toEqual([`arn:aws:iam::${ACCOUNT}:role/q`, `arn:aws:iam::${ACCOUNT}:role/r`])
      expect(await store.listAttachedRolePolicies(`arn:aws:iam::${ACCOUNT}:role/r`)).toEqual([arn])
      expect(await store.listPolicies(ACCOUNT, { onlyAttached: true })).toHaveLength(1)
      expect(await store.detachRolePolicy(`arn:aws:iam::${ACCOUNT}:role/r`, arn)).toBe(true)
      expect(await store.detachRolePolicy(`arn:aws:iam::${ACCOUNT}:role/r`, arn)).toBe(false)
      expect(await store.deletePolicy(arn)).toBe(true)
      expect(await store.listPolicyVersions(arn)).toEqual([])
      expect(await store.getPolicy(arn)).toBeUndefined()
    })

    it('refuses a version for a policy that does not exist, and writes nothing', async () => {
      const store = await fresh()
      const arn = `arn:aws:iam::${ACCOUNT}:policy/missing`
      await expect(store.createPolicyVersion(arn, '{"v":2}', true, 2)).rejects.toMatchObject({ name: 'IrsaError', code: 'ERR_STATE_NOT_FOUND' })
      expect(await store.listPolicyVersions(arn)).toEqual([])
      expect(await store.getPolicy(arn)).toBeUndefined()
    })

    it('orders managed policies of the same name by ARN', async () => {
      const store = await fresh()
      const base = { name: 'same', path: '/', policyId: 'ANPA', defaultVersionId: 'v1', description: undefined, createdAt: 1, updatedAt: 1 }
      // Created in the opposite order to the expected one, so insertion order cannot pass for it.
      for (const account of ['999999999999', '444455556666', ACCOUNT]) await store.createPolicy({ ...base, arn: `arn:aws:iam::${account}:policy/same`, account }, '{}')
      expect((await store.listPolicies(undefined)).map((p) => p.account)).toEqual([ACCOUNT, '444455556666', '999999999999'])
    })

    it('lists managed policies of an account plus AWS-managed ones, by path', async () => {
      const store = await fresh()
      const base = { path: '/', policyId: 'ANPA', defaultVersionId: 'v1', description: undefined, createdAt: 1, updatedAt: 1 }
      await store.createPolicy({ ...base, arn: `arn:aws:iam::${ACCOUNT}:policy/mine`, account: ACCOUNT, name: 'mine' }, '{}')
      await store.createPolicy({ ...base, arn: 'arn:aws:iam::444455556666:policy/theirs', account: '444455556666', name: 'theirs' }, '{}')
      await store.createPolicy({ ...base, arn: 'arn:aws:iam::aws:policy/service/Managed', account: null as unknown as string, name: 'Managed', path: '/service/' }, '{}')
      expect((await store.listPolicies(ACCOUNT)).map((p) => p.name)).toEqual(['Managed', 'mine'])
      expect((await store.listPolicies(undefined)).map((p) => p.name)).toEqual(['Managed', 'mine', 'theirs'])
      expect((await store.listPolicies(ACCOUNT, { pathPrefix: '/service/' })).map((p) => [p.name, p.account])).toEqual([['Managed', 'aws']])
    })

    it('keeps OIDC providers and updates only the fields given', async () => {
      const store = await fresh()
      const arn = `arn:aws:iam::${ACCOUNT}:oidc-provider/issuer.example`
      const p = { arn, account: ACCOUNT, url: 'https://issuer.example', clientIds: ['sts.amazonaws.com'], thumbprints: [], tags: [], createdAt: 5 }
      expect(await store.createOidcProvider(p)).toBe(true)
      expect(await store.createOidcProvider(p)).toBe(false)
      expect(await store.updateOidcProvider(arn, { thumbprints: ['a'.repeat(40)] })).toBe(true)
      expect(await store.getOidcProvider(arn)).toEqual({ ...p, thumbprints: ['a'.repeat(40)] })
      expect(await store.updateOidcProvider(`${arn}x`, { tags: [] })).toBe(false)
      expect((await store.listOidcProviders(ACCOUNT)).map((x) => x.arn)).toEqual([arn])
      expect(await store.listOidcProviders('444455556666')).toEqual([])
      expect(await store.deleteOidcProvider(arn)).toBe(true)
      expect(await store.getOidcProvider(arn)).toBeUndefined()
    })

    it('keeps service-account bindings', async () => {
      const store = await fresh()
      await store.putBinding({ namespace: 'b', serviceAccount: 'sa', roleArn: 'r1', audience: undefined })
      await store.putBinding({ namespace: 'a', serviceAccount: 'sa', roleArn: 'r2', audience: 'aud' })
      await store.putBinding({ namespace: 'b', serviceAccount: 'sa', roleArn: 'r3', audience: undefined })
      expect(await store.listBindings()).toEqual([
        { namespace: 'a', serviceAccount: 'sa', roleArn: 'r2', audience: 'aud' },
        { namespace: 'b', serviceAccount: 'sa', roleArn: 'r3', audience: undefined },
      ])
      expect(await store.deleteBinding('a', 'sa')).toBe(true)
      expect(await store.deleteBinding('a', 'sa')).toBe(false)
    })

    it('keeps pod identity associations, one per (cluster, namespace, service account)', async () => {
      const store = await fresh()
      const assoc = (id: string, cluster: string, namespace: string, serviceAccount: string, extra: Partial<PodIdentityAssociation> = {}): PodIdentityAssociation => ({
        associationId: id,
        associationArn: `arn:aws:eks:us-east-1:${ACCOUNT}:podidentityassociation/${cluster}/${id}`,
        clusterName: cluster,
        namespace,
        serviceAccount,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/app`,
        tags: {},
        createdAt: 1_700_000_000_123,
        modifiedAt: 1_700_000_000_123,
        ...extra,
      })
      const a = assoc('a-aaaaaaaaaaaaaaaaa', 'prod', 'team-b', 'app', { tags: { owner: 'team-b', 'cost center': 'x=y' } })
      const b = assoc('a-bbbbbbbbbbbbbbbbb', 'prod', 'team-a', 'app')
      const c = assoc('a-ccccccccccccccccc', 'dev', 'team-a', 'app')
      expect(await store.createPodIdentityAssociation(a)).toBe(true)
      expect(await store.createPodIdentityAssociation(b)).toBe(true)
      expect(await store.createPodIdentityAssociation(c)).toBe(true)
      // The same subject again (another id) and the same id again are both refused.
      expect(await store.createPodIdentityAssociation(assoc('a-ddddddddddddddddd', 'prod', 'team-a', 'app'))).toBe(false)
      expect(await store.createPodIdentityAssociation(assoc('a-aaaaaaaaaaaaaaaaa', 'prod', 'other', 'x'))).toBe(false)
      expect(await store.getPodIdentityAssociation('prod', a.associationId)).toEqual(a)
      expect(await store.getPodIdentityAssociation('dev', a.associationId)).toBeUndefined()
      expect((await store.listPodIdentityAssociations()).map((x) => x.associationId)).toEqual([c.associationId, b.associationId, a.associationId])
      expect((await store.listPodIdentityAssociations('prod')).map((x) => x.associationId)).toEqual([b.associationId, a.associationId])
      expect(await store.listPodIdentityAssociations('none')).toEqual([])

      const roleArn = `arn:aws:iam::${ACCOUNT}:role/other`
      expect(await store.updatePodIdentityAssociation('prod', a.associationId, { roleArn, modifiedAt: 1_700_000_999_000 })).toEqual({ ...a, roleArn, modifiedAt: 1_700_000_999_000 })
      expect(await store.getPodIdentityAssociation('prod', a.associationId)).toMatchObject({ roleArn, createdAt: a.createdAt, modifiedAt: 1_700_000_999_000 })
      expect(await store.updatePodIdentityAssociation('dev', a.associationId, { roleArn, modifiedAt: 1 })).toBeUndefined()

      expect(await store.deletePodIdentityAssociation('dev', a.associationId)).toBeUndefined()
      expect(await store.deletePodIdentityAssociation('prod', a.associationId)).toEqual({ ...a, roleArn, modifiedAt: 1_700_000_999_000 })
      expect(await store.deletePodIdentityAssociation('prod', a.associationId)).toBeUndefined()
      // The subject is free again once its association is gone.
      expect(await store.createPodIdentityAssociation(assoc('a-eeeeeeeeeeeeeeeee', 'prod', 'team-b', 'app'))).toBe(true)
    })

    it('a failed transaction leaves nothing behind; nested transactions join the outer one', async () => {
      const store = await fresh()
      await expect(
        store.transaction(async () => {
          await store.createRole(role('a'))
          await store.transaction(async () => {
            await store.createRole(role('nested'))
            expect((await store.getRole(ACCOUNT, 'a'))?.name).toBe('a')
          })
          await new Promise((r) => setTimeout(r, 20))
          throw new Error('boom')
        }),
      ).rejects.toThrow('boom')
      expect(await store.getRole(ACCOUNT, 'a')).toBeUndefined()
      expect(await store.getRole(ACCOUNT, 'nested')).toBeUndefined()
      // A constraint refusal inside a transaction does not spoil it.
      await store.transaction(async () => {
        await store.createRole(role('c'))
        expect(await store.createRole(role('C', { arn: `arn:aws:iam::${ACCOUNT}:role/C` }))).toBe(false)
        await store.createRole(role('d'))
      })
      expect((await store.listRoles(ACCOUNT)).map((r) => r.name)).toEqual(['c', 'd'])
      expect(await store.transaction(async () => 42)).toBe(42)
    })

    it('callers outside a transaction never see its uncommitted writes', async () => {
      const store = await fresh()
      const order: string[] = []
      const tx = store.transaction(async () => {
        await store.createRole(role('b'))
        await new Promise((r) => setTimeout(r, 50))
        order.push('tx done')
      })
      await new Promise((r) => setTimeout(r, 10))
      const outside = store.getRole(ACCOUNT, 'b').then((r) => order.push(`outside sees ${r?.name ?? 'nothing'}`))
      await Promise.all([tx, outside])
      // SQLite makes the reader wait for the commit; PostgreSQL answers at once from the last commit.
      expect([['tx done', 'outside sees b'], ['outside sees nothing', 'tx done']]).toContainEqual(order)
      expect((await store.getRole(ACCOUNT, 'b'))?.name).toBe('b')
    })

    it('a write from outside never lands in another caller\'s transaction, even with transactions queued', async () => {
      const store = await fresh()
      const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
      const first = store.transaction(() => sleep(20))
      // Issued while `first` runs, before `second` is queued behind it: it must not end up inside
      // `second` (and be rolled back with it) when both are let go as `first` ends.
      const outside = store.putBinding({ namespace: 'ns', serviceAccount: 'sa', roleArn: 'r', audience: undefined })
      const second = store.transaction(async () => {
        await store.createRole(role('doomed'))
        await sleep(20)
        throw new Error('boom')
      })
      await first
      await outside
      await expect(second).rejects.toThrow('boom')
      expect(await store.listBindings()).toEqual([{ namespace: 'ns', serviceAccount: 'sa', roleArn: 'r', audience: undefined }])
      expect(await store.getRole(ACCOUNT, 'doomed')).toBeUndefined()
    })

    it('keeps the decision log in order and filters it', async () => {
      const store = await fresh()
      const ids = [
        await store.appendDecision({ at: 1000, action: 'sts:AssumeRoleWithWebIdentity', outcome: 'Allow', roleArn: 'r1', subject: 's1', detail: { jti: 'x' } }),
        await store.appendDecision({ at: 2000, action: 'sts:AssumeRoleWithWebIdentity', outcome: 'Deny', code: 'AccessDenied', roleArn: 'r2', subject: 's2' }),
        await store.appendDecision({ at: 1_750_000_000_000, action: 'iam:GetRole', outcome: 'Allow', roleArn: 'r1' }),
      ]
      expect(ids[0]).toBeLessThan(ids[1] as number)
      expect(ids[1]).toBeLessThan(ids[2] as number)
      expect((await store.listDecisions({})).map((d) => d.at)).toEqual([1000, 2000, 1_750_000_000_000])
      expect((await store.listDecisions({ roleArn: 'r1' })).map((d) => d.at)).toEqual([1000, 1_750_000_000_000])
      expect((await store.listDecisions({ since: 1500, outcome: 'Deny' }))[0]).toEqual({
        id: ids[1], at: 2000, action: 'sts:AssumeRoleWithWebIdentity', outcome: 'Deny', code: 'AccessDenied', roleArn: 'r2', subject: 's2',
      })
      expect((await store.listDecisions({ limit: 1 })).map((d) => d.at)).toEqual([1_750_000_000_000])
      expect((await store.listDecisions({ subject: 's1' }))[0]?.detail).toEqual({ jti: 'x' })
      const many = await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendDecision({ at: 5000 + i, action: 'a', outcome: 'Allow' })))
      expect(new Set(many).size).toBe(20)
      expect((await store.listDecisions({ since: 5000 })).filter((d) => d.action === 'a').map((d) => d.id)).toEqual([...many].sort((a, b) => a - b))
    })

    it('pages the decision log forward from a cursor, oldest first, without skipping a burst', async () => {
      const store = await fresh()
      const ids: number[] = []
      for (let i = 0; i < 7; i++) ids.push(await store.appendDecision({ at: 1000 + i, action: 'a', outcome: i % 2 === 0 ? 'Allow' : 'Deny' }))
      const seen: number[] = []
      let cursor = ids[0] as number
      for (;;) {
        const page = await store.listDecisions({ afterId: cursor, limit: 2 })
        seen.push(...page.map((d) => d.id as number))
        if (page.length < 2) break
        cursor = page[page.length - 1]?.id as number
      }
      expect(seen).toEqual(ids.slice(1))
      expect((await store.listDecisions({ afterId: ids[0] as number, outcome: 'Deny', limit: 2 })).map((d) => d.id)).toEqual([ids[1], ids[3]])
    })

    it('prunes decisions older than a time, oldest first, bounded per call; reads a window with before and pages back with beforeId', async () => {
      const store = await fresh()
      const ids: number[] = []
      for (let i = 0; i < 10; i++) ids.push(await store.appendDecision({ at: 1000 + i * 100, action: 'a', outcome: 'Allow', requestId: `r${i}` }))
      expect((await store.listDecisions({ since: 1200, before: 1500 })).map((d) => d.requestId)).toEqual(['r2', 'r3', 'r4'])
      // Paging back in time: the newest rows below an id.
      expect((await store.listDecisions({ beforeId: ids[5] as number, limit: 2 })).map((d) => d.id)).toEqual([ids[3], ids[4]])
      // Rows at 1000…1400 are older than 1500; a limit of 3 deletes the oldest three only.
      expect(await store.pruneDecisions(1500, 3)).toBe(3)
      expect((await store.listDecisions({})).map((d) => d.id)).toEqual(ids.slice(3))
      expect(await store.pruneDecisions(1500)).toBe(2)
      expect(await store.pruneDecisions(1500)).toBe(0)
      expect((await store.listDecisions({})).map((d) => d.at)).toEqual([1500, 1600, 1700, 1800, 1900])
      // New rows keep counting up after a prune (ids are never reused).
      const next = await store.appendDecision({ at: 5000, action: 'a', outcome: 'Allow' })
      expect(next).toBeGreaterThan(ids[9] as number)
    })

    it('signing and sealing keys retire once; secrets round-trip byte for byte', async () => {
      const store = await fresh()
      await store.addSigningKey({ kid: 'k2', alg: 'ES256', privateJwk: '{"d":"2"}', publicJwk: '{"x":"2"}', createdAt: 1_700_000_002, retiredAt: undefined })
      await store.addSigningKey({ kid: 'k1', alg: 'RS256', privateJwk: '{}', publicJwk: '{}', createdAt: 1, retiredAt: undefined })
      await store.retireSigningKey('k1', 5)
      await store.retireSigningKey('k1', 9)
      expect(await store.listSigningKeys()).toEqual([
        { kid: 'k1', alg: 'RS256', privateJwk: '{}', publicJwk: '{}', createdAt: 1, retiredAt: 5 },
        { kid: 'k2', alg: 'ES256', privateJwk: '{"d":"2"}', publicJwk: '{"x":"2"}', createdAt: 1_700_000_002, retiredAt: undefined },
      ])
      const secret = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 255) % 256)
      await store.addSealingKey({ id: 's1', secret, createdAt: 1, retiredAt: undefined })
      await store.retireSealingKey('s1', 3)
      await store.retireSealingKey('s1', 4)
      const [sealing] = await store.listSealingKeys()
      expect(Array.from(sealing?.secret ?? [])).toEqual(Array.from(secret))
      expect(sealing?.retiredAt).toBe(3)
    })
  })
}
