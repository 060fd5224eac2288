/** Service-account sources: the file (re-read on change), the Kubernetes informer with the grace period, irsa's store. */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { webhookConfig } from '../../src/webhook/config.js'
import { parseContainerCredentials, watchContainerCredentials } from '../../src/webhook/container-credentials.js'
import { fileServiceAccountSource, parseServiceAccountFile } from '../../src/webhook/sa-source-file.js'
import { kubeServiceAccountSource } from '../../src/webhook/sa-source-kube.js'
import type { KubeServiceAccountApi, WatchHandlers } from '../../src/webhook/sa-source-kube.js'
import { storeServiceAccountSource } from '../../src/webhook/sa-source-store.js'
import type { ServiceAccountBinding } from '../../src/model/iam.js'

const config = webhookConfig({ configMapNamespace: 'eks' })
const sa = (ns: string, name: string, role?: string): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: ns, name, ...(role === undefined ? {} : { annotations: { 'eks.amazonaws.com/role-arn': role } }) } })
const list = (...items: unknown[]): string => JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } })
const until = async (f: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

let dir: string | undefined
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  dir = undefined
})

describe('--service-accounts FILE', () => {
  it('reads kubectl get sa -A -o json, YAML, and the ConfigMap', () => {
    const s = parseServiceAccountFile(list(sa('a', 'x', 'arn:aws:iam::111122223333:role/r'), sa('b', 'y'), { kind: 'ConfigMap', metadata: { name: 'pod-identity-webhook', namespace: 'eks' }, data: { config: '{"*/z":{"RoleARN":"arn:aws:iam::111122223333:role/z"}}' } }), config)
    expect(s.get('a', 'x')?.annotations['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::111122223333:role/r')
    expect(s.get('b', 'y')).toBeDefined()
    expect(s.configMap.get('*/z')?.roleArn).toBe('arn:aws:iam::111122223333:role/z')
    const y = parseServiceAccountFile('apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: q\n  namespace: n\n---\nkind: ServiceAccount\nmetadata: {name: r, namespace: n}\n', config)
    expect(y.list().map((r) => r.name)).toEqual(['q', 'r'])
  })

  it('is re-read when it changes (in place and by rename); a broken version keeps the last good one', async () => {
    dir = await mkdtemp(join(tmpdir(), 'irsa-sa-'))
    const file = join(dir, 'sa.json')
    await writeFile(file, list(sa('a', 'x', 'arn:aws:iam::111122223333:role/one')))
    const errors: unknown[] = []
    const source = await fileServiceAccountSource(file, { config, onError: (e) => errors.push(e), pollMs: 200 })
    const role = (): string | undefined => (source.snapshot() as ReturnType<typeof parseServiceAccountFile>).get('a', 'x')?.annotations['eks.amazonaws.com/role-arn']
    expect(role()).toBe('arn:aws:iam::111122223333:role/one')
    await writeFile(file, list(sa('a', 'x', 'arn:aws:iam::111122223333:role/two')))
    await until(() => role() === 'arn:aws:iam::111122223333:role/two')
    await writeFile(file, '{ not json')
    await until(() => errors.length > 0)
    expect(role()).toBe('arn:aws:iam::111122223333:role/two')
    await writeFile(join(dir, 'next.json'), list(sa('a', 'x', 'arn:aws:iam::111122223333:role/three')))
    await rename(join(dir, 'next.json'), file)
    await until(() => role() === 'arn:aws:iam::111122223333:role/three')
    await source.close()
  })

  it('a missing file at start is an error with a code', async () => {
    await expect(fileServiceAccountSource('/nonexistent/sa.json', { config })).rejects.toMatchObject({ code: 'ERR_WEBHOOK_SOURCE' })
  })
})

describe('container-credentials file', () => {
  it('parses identities; missing or empty is the empty set', () => {
    expect([...parseContainerCredentials('{"identities":[{"namespace":"a","serviceAccount":"b"}]}')]).toEqual(['a/b'])
    expect(parseContainerCredentials(undefined).size).toBe(0)
    expect(parseContainerCredentials('').size).toBe(0)
    expect(() => parseContainerCredentials('{')).toThrow()
  })
  it('is watched', async () => {
    dir = await mkdtemp(join(tmpdir(), 'irsa-cc-'))
    const file = join(dir, 'cc.json')
    const set = await watchContainerCredentials(file)
    expect(set.has('a', 'b')).toBe(false)
    await writeFile(file, '{"identities":[{"namespace":"a","serviceAccount":"b"}]}')
    await until(() => set.has('a', 'b'))
    await set.close()
  })
})

function fakeApi(): { api: KubeServiceAccountApi; handlers: () => WatchHandlers; gets: string[]; serve: Map<string, unknown> } {
  let h: WatchHandlers | undefined
  const gets: string[] = []
  const serve = new Map<string, unknown>()
  return {
    gets,
    serve,
    handlers: () => h as WatchHandlers,
    api: {
      watchServiceAccounts(handlers) {
        h = handlers
        return { start: async () => handlers.add(sa('kube-system', 'default')), stop: async () => {} }
      },
      async getServiceAccount(ns, name) {
        gets.push(`${ns}/${name}`)
        await new Promise((r) => setTimeout(r, 30))
        return serve.get(`${ns}/${name}`)
      },
    },
  }
}

describe('Kubernetes informer source', () => {
  it('tracks add, update and delete', async () => {
    const f = fakeApi()
    const source = await kubeServiceAccountSource(f.api, { config })
    expect((await source.snapshot()).get('kube-system', 'default')).toBeDefined()
    f.handlers().add(sa('a', 'x', 'arn:aws:iam::111122223333:role/r'))
    expect((await source.snapshot()).get('a', 'x')).toBeDefined()
    f.handlers().delete(sa('a', 'x'))
    expect((await source.snapshot()).get('a', 'x')).toBeUndefined()
    await source.close()
  })

  it('grace period 0: no wait, no GET (upstream default)', async () => {
    const f = fakeApi()
    const source = await kubeServiceAccountSource(f.api, { config })
    expect(await source.waitFor?.('a', 'new', 0)).toBeUndefined()
    expect(f.gets).toEqual([])
  })

  it('an SA created just before its pod: the informer delivers it within the grace period', async () => {
    const f = fakeApi()
    const source = await kubeServiceAccountSource(f.api, { config })
    const waiting = source.waitFor?.('a', 'late', 2000)
    setTimeout(() => f.handlers().add(sa('a', 'late', 'arn:aws:iam::111122223333:role/r')), 50)
    expect((await waiting)?.name).toBe('late')
  })

  it('or the deduplicated API GET finds it first', async () => {
    const f = fakeApi()
    f.serve.set('a/fetched', sa('a', 'fetched', 'arn:aws:iam::111122223333:role/r'))
    const source = await kubeServiceAccountSource(f.api, { config })
    const [r1, r2] = await Promise.all([source.waitFor?.('a', 'fetched', 2000), source.waitFor?.('a', 'fetched', 2000)])
    expect(r1?.name).toBe('fetched')
    expect(r2?.name).toBe('fetched')
    expect(f.gets).toEqual(['a/fetched'])
    expect((await source.snapshot()).get('a', 'fetched')).toBeDefined()
  })

  it('times out after the grace period when the SA never appears', async () => {
    const f = fakeApi()
    const source = await kubeServiceAccountSource(f.api, { config })
    const t0 = Date.now()
    expect(await source.waitFor?.('a', 'never', 150)).toBeUndefined()
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140)
  })
})

describe('irsa store source', () => {
  it('bindings become annotated service accounts, and a miss re-reads the store', async () => {
    const bindings: ServiceAccountBinding[] = [{ namespace: 'a', serviceAccount: 'x', roleArn: 'arn:aws:iam::111122223333:role/r', audience: 'aud' }]
    let now = 0
    const source = storeServiceAccountSource({ listBindings: async () => [...bindings] }, { config, now: () => now })
    const s = await source.snapshot()
    expect(s.get('a', 'x')?.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/r', 'eks.amazonaws.com/audience': 'aud' })
    bindings.push({ namespace: 'b', serviceAccount: 'y', roleArn: 'arn:aws:iam::111122223333:role/r', audience: undefined })
    now = 500
    expect((await source.snapshot()).get('b', 'y')).toBeUndefined()
    expect((await source.waitFor?.('b', 'y', 0))?.name).toBe('y')
  })
})
