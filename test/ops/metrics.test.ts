// /metrics after real SDK calls: request counters by route/action/status, decisions by outcome and
// code, latency histograms, bounded labels, per-app registries, the optional bearer token, and the
// external-issuer key cache observer.
import { generateKeyPair, exportJWK } from 'jose'
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam'
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'
import { createRemoteKeySource } from '../../src/tokens/remote-key-source.js'
import type { KeyCacheEvent } from '../../src/tokens/remote-key-source.js'
import { createRole, NS, SA, scrape, series, startInProcess } from './helpers.js'
import type { InProcess } from './helpers.js'

let a: InProcess
let b: InProcess
let roleArn: string
const clients: { destroy(): void }[] = []

function sts(url: string, credentials = { accessKeyId: 'unused', secretAccessKey: 'unused' } as { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): STSClient {
  const c = new STSClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 })
  clients.push(c)
  return c
}

beforeAll(async () => {
  ;[a, b] = await Promise.all([startInProcess(), startInProcess()])
  roleArn = await createRole(a.serving.url, a.serving.rt.issuer, a.serving.rt.ownProviderArn)
})

afterAll(async () => {
  for (const c of clients) c.destroy()
  await Promise.all([a?.close(), b?.close()])
})

const delta = (before: Map<string, number>, after: Map<string, number>, key: string): number => (after.get(key) ?? 0) - (before.get(key) ?? 0)

describe('GET /metrics', () => {
  it('counts requests, decisions and latency by action after real SDK calls', async () => {
    const url = a.serving.url
    const before = await scrape(url)
    const { token } = await issueServiceAccountToken(a.serving.rt, { namespace: NS, serviceAccount: SA })
    const ok = await sts(url).send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'metrics', WebIdentityToken: token }))
    const c = ok.Credentials
    expect(c?.AccessKeyId).toBeDefined()
    await expect(sts(url).send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'metrics', WebIdentityToken: 'not.a.token' }))).rejects.toMatchObject({ name: 'InvalidIdentityTokenException' })
    const session = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' }
    await sts(url, session).send(new GetCallerIdentityCommand({}))
    await sts(url, session).send(new GetCallerIdentityCommand({}))
    const iam = new IAMClient({ endpoint: url, region: 'us-east-1', credentials: session, maxAttempts: 1 })
    clients.push(iam)
    await iam.send(new GetRoleCommand({ RoleName: 'ops-role' }))
    const after = await scrape(url)

    const req = (action: string, status: string): string => series('irsa_http_requests_total', { route: '/', action, status })
    expect(delta(before, after, req('AssumeRoleWithWebIdentity', '200'))).toBe(1)
    expect(delta(before, after, req('AssumeRoleWithWebIdentity', '400'))).toBe(1)
    expect(delta(before, after, req('GetCallerIdentity', '200'))).toBe(2)
    expect(delta(before, after, req('GetRole', '200'))).toBe(1)

    const dec = (outcome: string, code: string): string => series('irsa_decisions_total', { action: 'sts:AssumeRoleWithWebIdentity', outcome, code })
    expect(delta(before, after, dec('Allow', 'none'))).toBe(1)
    expect(delta(before, after, dec('Deny', 'InvalidIdentityToken'))).toBe(1)

    const h = (suffix: string, labels: Record<string, string> = {}): string => series(`irsa_http_request_duration_seconds_${suffix}`, { route: '/', action: 'GetCallerIdentity', ...labels })
    expect(delta(before, after, h('count'))).toBe(2)
    expect(after.get(h('bucket', { le: '+Inf' }))).toBe(after.get(h('count')))
    for (const le of ['0.001', '0.005', '0.05', '0.5', '5']) expect(after.has(h('bucket', { le }))).toBe(true)
    expect(delta(before, after, h('sum'))).toBeGreaterThan(0)
  })

  it('labels an unknown action "other", never with the raw input', async () => {
    const url = a.serving.url
    const before = await scrape(url)
    const evil = 'EvilAction9f3c1e'
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `Action=${evil}&Version=2011-06-15` })
    expect(r.status).toBe(400)
    const text = await (await fetch(`${url}/metrics`)).text()
    expect(text).not.toContain(evil)
    const after = await scrape(url)
    expect(delta(before, after, series('irsa_http_requests_total', { route: '/', action: 'other', status: '400' }))).toBe(1)
  })

  it('reports signing keys, the store kind, the key cache and process metrics', async () => {
    const m = await scrape(a.serving.url)
    expect(m.get(series('irsa_signing_keys_loaded', { state: 'active' }))).toBe(1)
    expect(m.get(series('irsa_store_info', { kind: 'sqlite' }))).toBe(1)
    for (const event of ['hit', 'miss', 'fetch_error']) expect(m.has(series('irsa_remote_key_cache_events_total', { event }))).toBe(true)
    expect(m.get('irsa_process_resident_memory_bytes')).toBeGreaterThan(0)
    expect([...m.keys()].some((k) => k.startsWith('irsa_nodejs_heap_size_used_bytes'))).toBe(true)
  })

  it('keeps one registry per app: requests to one never show on another', async () => {
    const before = await scrape(b.serving.url)
    await fetch(`${a.serving.url}/healthz`)
    const afterB = await scrape(b.serving.url)
    const healthz = series('irsa_http_requests_total', { route: '/healthz', action: 'none', status: '200' })
    expect(delta(before, afterB, healthz)).toBe(0)
    expect([...afterB.keys()].some((k) => k.includes('AssumeRoleWithWebIdentity'))).toBe(false)
    // The scrape itself is counted on its own app.
    expect(delta(before, afterB, series('irsa_http_requests_total', { route: '/metrics', action: 'none', status: '200' }))).toBe(1)
  })

  it('requires the bearer token when --metrics-token is set', async () => {
    const c = await startInProcess({ metricsToken: 'metrics-secret-token-1' })
    try {
      expect((await fetch(`${c.serving.url}/metrics`)).status).toBe(401)
      expect((await fetch(`${c.serving.url}/metrics`, { headers: { authorization: 'Bearer metrics-secret-token-2' } })).status).toBe(401)
      expect((await fetch(`${c.serving.url}/metrics`, { headers: { authorization: 'Bearer metrics-secret' } })).status).toBe(401)
      const m = await scrape(c.serving.url, { authorization: 'Bearer metrics-secret-token-1' })
      expect(m.get(series('irsa_http_requests_total', { route: '/metrics', action: 'none', status: '401' }))).toBe(3)
    } finally {
      await c.close()
    }
  })
})

describe('remote key cache observer', () => {
  it('reports a miss on the first fetch, hits after, and fetch errors', async () => {
    const { publicKey } = await generateKeyPair('RS256')
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }
    const issuer = 'https://issuer.example.com'
    let fail = false
    const events: KeyCacheEvent[] = []
    const source = createRemoteKeySource({
      now: () => 1_700_000_000,
      observe: (e) => events.push(e),
      fetchJson: async (url) => {
        if (fail) throw new Error('network down')
        return url.endsWith('/.well-known/openid-configuration') ? { issuer, jwks_uri: `${issuer}/keys` } : { keys: [jwk] }
      },
    })
    const provider = { arn: 'arn:aws:iam::111122223333:oidc-provider/issuer.example.com', url: issuer, clientIds: ['sts.amazonaws.com'] }
    const token = { issuer } as Parameters<typeof source.getKey>[2]
    await source.getKey(provider, { alg: 'RS256', kid: 'k1' }, token)
    await source.getKey(provider, { alg: 'RS256', kid: 'k1' }, token)
    expect(events).toEqual(['miss', 'hit'])
    source.invalidate()
    fail = true
    await expect(source.getKey(provider, { alg: 'RS256', kid: 'k1' }, token)).rejects.toThrow()
    expect(events).toEqual(['miss', 'hit', 'fetch-error'])
  })
})
