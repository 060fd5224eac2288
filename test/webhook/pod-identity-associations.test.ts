/**
 * Pod Identity mode driven by associations: inside `irsa serve` (POST /mutate on the real server,
 * associations made through its EKS API with @aws-sdk/client-eks), and from the aws eks JSON file
 * the standalone webhook watches.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreatePodIdentityAssociationCommand, DeletePodIdentityAssociationCommand, EKSClient } from '@aws-sdk/client-eks'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer } from '../../src/cli/serve.js'
import type { Serving } from '../../src/cli/serve.js'
import { parseConfig } from '../../src/config/config-file.js'
import { isIrsaError } from '../../src/errors.js'
import { unionContainerCredentials } from '../../src/webhook/container-credentials.js'
import { containerCredentialsFromSet } from '../../src/webhook/container-credentials.js'
import { webhookPlugin } from '../../src/webhook/plugin.js'
import { associationListSet, parsePodIdentityAssociations, watchPodIdentityAssociations } from '../../src/webhook/pod-identity-associations.js'
import { storeWebhookOptions, storeWebhookPlugin } from '../../src/webhook/sa-source-store.js'
import { decodePatch, pluginOptions, post, review, testApp } from './helpers.js'
import type { ReviewResponse } from './helpers.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
const WEBHOOK_TOKEN = 'pod-identity-webhook-test-token'
const AUTH = { authorization: `Bearer ${WEBHOOK_TOKEN}` }
const ADMIN = { IRSA_ADMIN_ACCESS_KEY_ID: 'AKIAIRSAPODIDWEBHOOK1', IRSA_ADMIN_SECRET_ACCESS_KEY: 'podIdWebhookSecretKeypodIdWebhookSecret12' }
let dir: string
let s: Serving
let eks: EKSClient

const pod = (sa: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `p-${sa}`, namespace: 'default', labels: { app: sa } },
  spec: { serviceAccountName: sa, containers: [{ name: 'app', image: 'busybox' }], ...extra },
})

async function mutateOnServer(body: unknown): Promise<ReviewResponse> {
  const res = await fetch(new URL('/mutate', s.url), { method: 'POST', headers: { 'content-type': 'application/json', ...AUTH }, body: JSON.stringify(body) })
  expect(res.status).toBe(200)
  return (await res.json()) as ReviewResponse
}

type Op = { op: string; path: string; value?: unknown }

function envOf(ops: Op[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const o of ops) {
    if (o.path === '/spec/containers/0/env') for (const e of o.value as { name: string; value: string }[]) out[e.name] = e.value
    if (o.path === '/spec/containers/0/env/-') out[(o.value as { name: string }).name] = (o.value as { value: string }).value
  }
  return out
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-podid-webhook-'))
  const config = parseConfig('roles:\n  - name: app\n    serviceAccounts: [default/app, default/irsa-only]\n')
  s = await startServer({ host: '127.0.0.1', port: 0, data: dir, env: ADMIN, config, webhookToken: WEBHOOK_TOKEN }, () => {})
  eks = new EKSClient({ endpoint: s.url, region: s.rt.region, credentials: { accessKeyId: ADMIN.IRSA_ADMIN_ACCESS_KEY_ID, secretAccessKey: ADMIN.IRSA_ADMIN_SECRET_ACCESS_KEY } })
})
afterAll(async () => {
  eks?.destroy()
  await s?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('irsa serve: POST /mutate with the store\'s Pod Identity associations', () => {
  it('an associated service account gets the container-credentials mutation, which takes precedence over its IRSA binding', async () => {
    const roleArn = `arn:aws:iam::${s.rt.account}:role/app`
    const before = decodePatch(await mutateOnServer(review(pod('app')))) as Op[]
    expect(envOf(before).AWS_ROLE_ARN).toBe(roleArn)

    const created = await eks.send(new CreatePodIdentityAssociationCommand({ clusterName: 'irsa', namespace: 'default', serviceAccount: 'app', roleArn }))
    const id = created.association?.associationId as string
    // The association cache lives at most a second; a fresh server answer is read after it.
    const fresh = storeWebhookOptions(s.rt)
    const app = Fastify()
    await app.register(webhookPlugin, fresh)
    const answer = (await post(app, review(pod('app')))).json()
    await app.close()
    {
      expect(answer.response.allowed).toBe(true)
      const ops = decodePatch(answer) as Op[]
      expect(ops).toContainEqual({ op: 'add', path: '/metadata/labels/eks.amazonaws.com~1pod-identity', value: 'enabled' })
      expect(ops).toContainEqual({
        op: 'add',
        path: '/spec/volumes',
        value: [{ name: 'eks-pod-identity-token', projected: { sources: [{ serviceAccountToken: { audience: 'pods.eks.amazonaws.com', expirationSeconds: expect.any(Number) as number, path: 'eks-pod-identity-token' } }] } }],
      })
      expect(envOf(ops)).toEqual({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token',
      })
      expect(ops).toContainEqual({ op: 'add', path: '/spec/containers/0/volumeMounts', value: [{ name: 'eks-pod-identity-token', readOnly: true, mountPath: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount' }] })
    }
    // The same through the real server once its one-second cache has expired (polled, not timed).
    let onServer: Op[] = []
    for (let i = 0; i < 50 && envOf(onServer).AWS_CONTAINER_CREDENTIALS_FULL_URI === undefined; i++) {
      if (i > 0) await new Promise((res) => setTimeout(res, 100))
      onServer = decodePatch(await mutateOnServer(review(pod('app')))) as Op[]
    }
    expect(envOf(onServer).AWS_CONTAINER_CREDENTIALS_FULL_URI).toBe('http://169.254.170.23/v1/credentials')
    expect(envOf(onServer).AWS_ROLE_ARN).toBeUndefined()

    // A service account without an association keeps IRSA.
    expect(envOf(decodePatch(await mutateOnServer(review(pod('irsa-only')))) as Op[]).AWS_ROLE_ARN).toBe(roleArn)
    await eks.send(new DeletePodIdentityAssociationCommand({ clusterName: 'irsa', associationId: id }))
  })

  it('counts only the server\'s own cluster; the full URI is configurable', async () => {
    const roleArn = `arn:aws:iam::${s.rt.account}:role/app`
    const now = s.rt.clock.now()
    await s.rt.store.createPodIdentityAssociation({ associationId: 'a-0000000000000other', associationArn: `arn:aws:eks:us-east-1:${s.rt.account}:podidentityassociation/other/a-0000000000000other`, clusterName: 'other', namespace: 'default', serviceAccount: 'irsa-only', roleArn, tags: {}, createdAt: now, modifiedAt: now })
    const app = Fastify()
    await app.register(webhookPlugin, storeWebhookOptions(s.rt))
    expect(envOf(decodePatch((await post(app, review(pod('irsa-only')))).json()) as Op[]).AWS_ROLE_ARN).toBe(roleArn)
    await app.close()

    await eks.send(new CreatePodIdentityAssociationCommand({ clusterName: 'irsa', namespace: 'default', serviceAccount: 'irsa-only', roleArn }))
    const agent = `${s.url}/v1/credentials`
    for (const plugin of [storeWebhookPlugin(s.rt, { containerCredentialsFullUri: agent, token: WEBHOOK_TOKEN }), storeWebhookPlugin(s.rt, { token: WEBHOOK_TOKEN }, { IRSA_POD_IDENTITY_FULL_URI: agent })]) {
      const a = Fastify()
      await a.register(plugin)
      const env = envOf(decodePatch((await post(a, review(pod('irsa-only')), 'application/json', AUTH)).json()) as Op[])
      expect(env.AWS_CONTAINER_CREDENTIALS_FULL_URI).toBe(agent)
      await a.close()
    }
    expect(() => storeWebhookOptions(s.rt, { containerCredentialsFullUri: 'ftp://x/creds' })).toThrow(/http:\/\/ or https:\/\//)
  })

  it('a store that fails answers a well-formed denial, not a 500 page', async () => {
    const app = Fastify()
    const o = storeWebhookOptions(s.rt)
    await app.register(webhookPlugin, { ...o, containerCredentials: associationListSet(() => Promise.reject(new Error('store down')), { now: () => 0 }) })
    const r = await post(app, review(pod('app')))
    expect(r.status).toBe(200)
    expect(r.json().response).toMatchObject({ allowed: false, status: { code: 500 } })
    expect(r.json().response.status?.message).toContain('store down')
    await app.close()
  })
})

describe('association cache', () => {
  it('re-reads after the ttl, and concurrent lookups share one read', async () => {
    let now = 0
    let reads = 0
    const list: { namespace: string; serviceAccount: string }[] = []
    const set = associationListSet(
      async () => {
        reads++
        await Promise.resolve()
        return [...list]
      },
      { now: () => now, ttlMs: 1000 },
    )
    expect(await Promise.all([set.has('ns', 'a'), set.has('ns', 'a'), set.has('ns', 'b')])).toEqual([false, false, false])
    expect(reads).toBe(1)
    list.push({ namespace: 'ns', serviceAccount: 'a' })
    now = 999
    expect(await set.has('ns', 'a')).toBe(false)
    now = 1000
    expect(await set.has('ns', 'a')).toBe(true)
    expect(reads).toBe(2)
  })
})

describe('--pod-identity-associations FILE (aws eks JSON)', () => {
  const list = { associations: [{ clusterName: 'prod', namespace: 'shop', serviceAccount: 'cart', associationArn: 'arn:aws:eks:us-east-1:111122223333:podidentityassociation/prod/a-aaaaaaaaaaaaaaaaa', associationId: 'a-aaaaaaaaaaaaaaaaa' }] }
  const describeOut = { association: { clusterName: 'dev', namespace: 'shop', serviceAccount: 'pay', roleArn: 'arn:aws:iam::111122223333:role/pay', associationArn: 'arn:aws:eks:us-east-1:111122223333:podidentityassociation/dev/a-bbbbbbbbbbbbbbbbb', associationId: 'a-bbbbbbbbbbbbbbbbb', createdAt: 1.7e9 } }

  it('reads list and describe output, concatenated or in an array, optionally for one cluster', () => {
    const text = `${JSON.stringify(list, null, 2)}\n${JSON.stringify(describeOut)}\n`
    expect([...parsePodIdentityAssociations(text)].sort()).toEqual(['shop/cart', 'shop/pay'])
    expect([...parsePodIdentityAssociations(JSON.stringify([list, describeOut]), 'prod')]).toEqual(['shop/cart'])
    expect(parsePodIdentityAssociations('').size).toBe(0)
    for (const bad of ['{"associations": [', '{"associations":[{"namespace":"x"}]}', '42']) {
      let err: unknown
      try {
        parsePodIdentityAssociations(bad)
      } catch (e) {
        err = e
      }
      expect(isIrsaError(err, 'ERR_WEBHOOK_SOURCE')).toBe(true)
    }
  })

  it('drives the container-credentials mutation, alone or with the upstream identities file, and follows changes', async () => {
    const file = join(dir, 'associations.json')
    writeFileSync(file, JSON.stringify(list))
    await expect(watchPodIdentityAssociations(join(dir, 'missing.json'))).rejects.toThrow(/--pod-identity-associations/)
    const watched = await watchPodIdentityAssociations(file, { clusterName: 'prod', pollMs: 20 })
    const cc = unionContainerCredentials([containerCredentialsFromSet(new Set(['shop/legacy'])), watched])
    expect([await cc.has('shop', 'cart'), await cc.has('shop', 'legacy'), await cc.has('shop', 'pay')]).toEqual([true, true, false])
    const app = await testApp({ serviceAccounts: [{ namespace: 'shop', name: 'cart', annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/cart' } }] })
    const a2 = Fastify()
    await a2.register(webhookPlugin, { ...pluginOptions({ serviceAccounts: [{ namespace: 'shop', name: 'cart', annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/cart' } }] }), containerCredentials: cc })
    const p = { ...pod('cart'), metadata: { name: 'c', namespace: 'shop' } }
    expect(envOf(decodePatch((await post(app, review(p, { namespace: 'shop' }))).json()) as Op[]).AWS_ROLE_ARN).toBeDefined()
    const env = envOf(decodePatch((await post(a2, review(p, { namespace: 'shop' }))).json()) as Op[])
    expect(env.AWS_CONTAINER_CREDENTIALS_FULL_URI).toBe('http://169.254.170.23/v1/credentials')
    expect(env.AWS_ROLE_ARN).toBeUndefined()
    // The file changes: cart's association is gone, pay (dev) is not for this cluster.
    writeFileSync(file, JSON.stringify(describeOut))
    for (let i = 0; i < 100 && (await watched.has('shop', 'cart')); i++) await new Promise((r) => setTimeout(r, 20))
    expect(await watched.has('shop', 'cart')).toBe(false)
    expect(await watched.has('shop', 'pay')).toBe(false)
    await Promise.all([app.close(), a2.close(), cc.close()])
  })
})
