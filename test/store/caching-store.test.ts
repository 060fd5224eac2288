import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { OidcProvider } from '../../src/model/iam.js'
import { cachingStore } from '../../src/store/caching-store.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import type { Store } from '../../src/store/store.js'
import { ACCOUNT, role } from './store-contract.js'

const tempFile = (): string => join(mkdtempSync(join(tmpdir(), 'irsa-cache-')), 'irsa.db')
const provider = (host: string): OidcProvider => ({
  arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${host}`, account: ACCOUNT, url: `https://${host}`, clientIds: ['sts.amazonaws.com'], thumbprints: [], tags: [], createdAt: 0,
})
const trust = (sub: string): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: 'x' }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'h:sub': sub } } }] })

const opened: Store[] = []
async function open(file: string): Promise<Store> {
  const s = await openSqliteStore({ file })
  opened.push(s)
  return s
}
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined)
})

/** A real store whose hot-path reads are counted, under the cache with a change token the test moves. */
async function counted(): Promise<{ store: Store; reads: () => number; otherWriter: () => void; inner: Store }> {
  const inner = await open(tempFile())
  let reads = 0
  let token = 0
  const counting = new Proxy(inner, {
    get(t, p, r) {
      const v = Reflect.get(t, p, r) as unknown
      if (p === 'getRole' || p === 'listOidcProviders') {
        return (...a: unknown[]) => {
          reads++
          return (v as (...x: unknown[]) => unknown).apply(t, a)
        }
      }
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(t) : v
    },
  })
  return { store: cachingStore(counting, { changeToken: () => token }), reads: () => reads, otherWriter: () => token++, inner }
}

describe('cachingStore', () => {
  it('serves roles and providers from memory until a write through it', async () => {
    const { store, reads } = await counted()
    await store.createRole(role('app', { trustPolicy: trust('a') }))
    await store.createOidcProvider(provider('one.example'))
    for (let i = 0; i < 5; i++) {
      expect((await store.getRole(ACCOUNT, 'APP'))?.trustPolicy).toBe(trust('a'))
      expect((await store.listOidcProviders(ACCOUNT)).map((p) => p.url)).toEqual(['https://one.example'])
    }
    expect(reads()).toBe(2)
    expect(await store.updateRole(ACCOUNT, 'app', { trustPolicy: trust('b') })).toBe(true)
    expect((await store.getRole(ACCOUNT, 'app'))?.trustPolicy).toBe(trust('b'))
    await store.putRolePolicy(role('app').arn, 'deny', '{}') // any write clears, not only role writes
    await store.getRole(ACCOUNT, 'app')
    expect(reads()).toBe(4)
    await store.deleteOidcProvider(provider('one.example').arn)
    expect(await store.listOidcProviders(ACCOUNT)).toEqual([])
    expect(await store.getRole(ACCOUNT, 'nobody')).toBeUndefined()
    expect(await store.getRole(ACCOUNT, 'nobody')).toBeUndefined()
    expect(reads()).toBe(6) // the absent role is cached too
  })

  it('drops everything when the change token moves (another connection committed)', async () => {
    const { store, reads, otherWriter, inner } = await counted()
    await store.createRole(role('app', { trustPolicy: trust('a') }))
    await store.getRole(ACCOUNT, 'app')
    await inner.updateRole(ACCOUNT, 'app', { trustPolicy: trust('b') }) // behind the cache's back…
    otherWriter() // …as another process would, whose commit moves the token
    expect((await store.getRole(ACCOUNT, 'app'))?.trustPolicy).toBe(trust('b'))
    expect(reads()).toBe(2)
  })

  it('a read that overlaps a write does not fill the cache with what it read before the write', async () => {
    const { store, reads } = await counted()
    await store.createRole(role('app', { trustPolicy: trust('a') }))
    const [before] = await Promise.all([store.getRole(ACCOUNT, 'app'), store.updateRole(ACCOUNT, 'app', { trustPolicy: trust('b') })])
    expect(before).toBeDefined()
    expect((await store.getRole(ACCOUNT, 'app'))?.trustPolicy).toBe(trust('b'))
    expect(reads()).toBe(2)
  })

  it('a rolled-back transaction leaves nothing of itself in the cache', async () => {
    const { store } = await counted()
    await store.createRole(role('app', { trustPolicy: trust('a') }))
    await expect(
      store.transaction(async () => {
        await store.updateRole(ACCOUNT, 'app', { trustPolicy: trust('b') })
        expect((await store.getRole(ACCOUNT, 'app'))?.trustPolicy).toBe(trust('b')) // its own write, uncommitted
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    expect((await store.getRole(ACCOUNT, 'app'))?.trustPolicy).toBe(trust('a'))
  })

  it('cached values cannot be altered by a caller', async () => {
    const { store } = await counted()
    await store.createRole(role('app', { tags: [{ Key: 'k', Value: 'v' }] }))
    await store.createOidcProvider(provider('one.example'))
    const r = await store.getRole(ACCOUNT, 'app')
    expect(() => ((r as unknown as { tags: { Key: string }[] }).tags[0] as { Key: string }).Key = 'changed').toThrow(TypeError)
    const list = await store.listOidcProviders(ACCOUNT)
    list.pop()
    expect(await store.listOidcProviders(ACCOUNT)).toHaveLength(1)
  })
})

describe('SQLite: two connections on one file (two processes sharing it)', () => {
  it('a write on one is seen by the very next read on the other', async () => {
    const file = tempFile()
    const a = await open(file)
    const b = await open(file)
    await a.createRole(role('app', { trustPolicy: trust('a') }))
    await a.createOidcProvider(provider('one.example'))
    expect((await b.getRole(ACCOUNT, 'app'))?.trustPolicy).toBe(trust('a'))
    expect(await b.listOidcProviders(ACCOUNT)).toHaveLength(1)
    expect((await b.getRole(ACCOUNT, 'app'))?.trustPolicy).toBe(trust('a')) // now cached in b
    // containment from the other connection: the trust policy replaced, then the provider removed
    await a.updateRole(ACCOUNT, 'app', { trustPolicy: trust('contained') })
    expect((await b.getRole(ACCOUNT, 'app'))?.trustPolicy).toBe(trust('contained'))
    await a.deleteOidcProvider(provider('one.example').arn)
    expect(await b.listOidcProviders(ACCOUNT)).toEqual([])
    await a.deleteRole(ACCOUNT, 'app')
    expect(await b.getRole(ACCOUNT, 'app')).toBeUndefined()
  })

  it('a closed store answers as a closed store, not from memory', async () => {
    const a = await open(tempFile())
    await a.createRole(role('app'))
    await a.getRole(ACCOUNT, 'app')
    await a.close()
    await expect(a.getRole(ACCOUNT, 'app')).rejects.toThrow()
  })
})
