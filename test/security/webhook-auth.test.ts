// POST /mutate on `irsa serve` answers only with the webhook token (its patch names the bound role),
// is refused when no token is configured, and a loopback listener refuses requests whose Host is not
// a loopback name or the issuer's (DNS rebinding), on every admin-only or stateful route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyDemo } from '../../src/cli/demo.js'
import type { DemoResult } from '../../src/cli/demo.js'
import { startLoopbackServer } from '../support/test-server.js'
import type { LoopbackServer } from '../support/test-server.js'
import { review } from '../webhook/helpers.js'
import { raw, startSecServer, WEBHOOK_TOKEN } from './helpers.js'
import type { SecServer } from './helpers.js'

let s: SecServer
let demo: DemoResult
let bare: LoopbackServer
let proxied: LoopbackServer

const ADMIN = { accessKeyId: 'AKIAIRSAWEBHOOKAUTH1', secretAccessKey: 'webhookAuthSecretKeywebhookAuthSecretKey' }
const pod = (): string =>
  JSON.stringify(review({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'demo' }, spec: { serviceAccountName: 'app', containers: [{ name: 'c', image: 'busybox' }] } }, { namespace: 'demo' }))
const mutate = (url: string, headers: Record<string, string> = {}): ReturnType<typeof raw> => raw(url, { path: '/mutate', headers: { 'content-type': 'application/json', ...headers }, body: pod() })
const status = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>

beforeAll(async () => {
  s = await startSecServer()
  demo = await applyDemo(s.serving.rt)
  bare = await startLoopbackServer({ prefix: 'irsa-webhook-off-', admin: ADMIN })
  await applyDemo(bare.serving.rt)
  proxied = await startLoopbackServer({ prefix: 'irsa-host-', admin: ADMIN, issuer: 'https://oidc.example.test/cluster', allowedHosts: ['sts.example.test'] })
})
afterAll(async () => {
  await s?.close()
  await bare?.close()
  await proxied?.close()
})

describe('POST /mutate on irsa serve needs the webhook token', () => {
  it('without a token, or with a wrong one: 401 and a Kubernetes Status, never the role', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token' }, { authorization: WEBHOOK_TOKEN }, { authorization: `Basic ${WEBHOOK_TOKEN}` }, { authorization: `Bearer ${WEBHOOK_TOKEN}x` }]) {
      const r = await mutate(s.url, headers)
      expect(r.status).toBe(401)
      expect(r.headers['www-authenticate']).toBe('Bearer realm="irsa-webhook"')
      expect(status(r.body)).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 })
      expect(r.body).not.toContain(demo.roleArn)
      expect(r.body).not.toContain('arn:aws:iam')
    }
  })

  it('with the token: the AdmissionReview answer with the bound role', async () => {
    const r = await mutate(s.url, { authorization: `Bearer ${WEBHOOK_TOKEN}` })
    expect(r.status).toBe(200)
    const patch = Buffer.from((status(r.body).response as { patch: string }).patch, 'base64').toString('utf8')
    expect(patch).toContain(demo.roleArn)
  })

  it('with no token configured, /mutate on irsa serve is refused (403 Status) for everyone', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer anything' }]) {
      const r = await mutate(bare.url, headers)
      expect(r.status).toBe(403)
      expect(status(r.body)).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 })
      expect(String(status(r.body).message)).toContain('--webhook-token')
      expect(r.body).not.toContain('arn:aws:iam')
    }
  })
})

describe('DNS rebinding: a loopback listener answers only loopback and issuer hosts', () => {
  const port = (u: string): string => new URL(u).port
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  const sts = 'Action=GetCallerIdentity&Version=2011-06-15'

  it('refuses a foreign Host on the Query API, the bindings, the agent, EKS, the dashboard and /mutate', async () => {
    const evil = { host: `rebind.attacker.example:${port(s.url)}` }
    const query = await raw(s.url, { headers: { ...form, ...evil }, body: sts })
    expect(query.status).toBe(403)
    expect(query.body).toMatch(/<Code>AccessDenied<\/Code>\s*<Message>The Host header does not name this server/)
    for (const [method, path] of [['GET', '/irsa/v1/bindings'], ['GET', '/v1/credentials'], ['GET', '/clusters/irsa/pod-identity-associations'], ['GET', '/ui'], ['GET', '/metrics']] as const) {
      const r = await raw(s.url, { method, path, headers: { ...evil, authorization: 'x.y.z' } })
      expect([path, r.status]).toEqual([path, 403])
      expect(JSON.parse(r.body)).toMatchObject({ message: expect.stringMatching(/^The Host header does not name this server/) as unknown })
    }
    const m = await mutate(s.url, { ...evil, authorization: `Bearer ${WEBHOOK_TOKEN}` })
    expect(m.status).toBe(403)
    expect(status(m.body)).toMatchObject({ kind: 'Status', code: 403 })
    expect(m.body).not.toContain('arn:aws:iam')
  })

  it('answers loopback names and addresses, and the OIDC documents and probes to anyone', async () => {
    for (const host of [`127.0.0.1:${port(s.url)}`, `localhost:${port(s.url)}`, `[::1]:${port(s.url)}`, 'LOCALHOST']) {
      const r = await raw(s.url, { headers: { ...form, host }, body: sts })
      expect([host, r.status]).toEqual([host, 403])
      expect(r.body).toContain('<Code>MissingAuthenticationToken</Code>')
    }
    const evil = { host: 'rebind.attacker.example' }
    for (const path of ['/.well-known/openid-configuration', '/openid/v1/jwks', '/healthz']) {
      const r = await raw(s.url, { method: 'GET', path, headers: evil })
      expect([path, r.status]).toEqual([path, 200])
    }
  })

  it('accepts the issuer host and --allowed-host names (a proxy in front), nothing else', async () => {
    for (const host of ['oidc.example.test', 'sts.example.test:443']) {
      const r = await raw(proxied.url, { headers: { ...form, host }, body: sts })
      expect(r.body).toContain('<Code>MissingAuthenticationToken</Code>')
    }
    const r = await raw(proxied.url, { headers: { ...form, host: 'example.test' }, body: sts })
    expect(r.status).toBe(403)
    expect(r.body).toContain('The Host header does not name this server')
    expect((await raw(proxied.url, { method: 'GET', path: '/cluster/.well-known/openid-configuration', headers: { host: 'example.test' } })).status).toBe(200)
  })
})
