/** Shared test helpers: an in-process webhook app and AdmissionReview builders. */
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { webhookConfig } from '../../src/webhook/config.js'
import type { WebhookConfigInput } from '../../src/webhook/config.js'
import { containerCredentialsFromSet } from '../../src/webhook/container-credentials.js'
import { webhookPlugin } from '../../src/webhook/plugin.js'
import type { AdmissionDecision, WebhookPluginOptions, WebhookRandom } from '../../src/webhook/plugin.js'
import type { RoleLookup } from '../../src/webhook/role-lookup.js'
import { buildSnapshot } from '../../src/webhook/sa-source.js'
import type { ServiceAccountSource } from '../../src/webhook/sa-source.js'
import type { ServiceAccountRecord } from '../../src/webhook/service-account.js'

/** The harness's random source: always the minimum (so the jitter gives 79200). */
export const MIN_RANDOM: WebhookRandom = { randomInt: (min) => min, token: () => 'p0r0b0e0' }

export function staticSource(records: readonly ServiceAccountRecord[]): ServiceAccountSource {
  const s = buildSnapshot(records)
  return { snapshot: () => s, close: async () => {} }
}

export interface TestAppOptions {
  readonly flags?: WebhookConfigInput
  readonly serviceAccounts?: readonly ServiceAccountRecord[]
  readonly source?: ServiceAccountSource
  readonly containerCredentials?: readonly string[]
  readonly roles?: RoleLookup
  readonly bodyLimit?: number
  readonly decisions?: AdmissionDecision[]
}

export function pluginOptions(o: TestAppOptions = {}): WebhookPluginOptions {
  return {
    config: webhookConfig(o.flags),
    serviceAccounts: o.source ?? staticSource(o.serviceAccounts ?? []),
    containerCredentials: containerCredentialsFromSet(new Set(o.containerCredentials ?? [])),
    ...(o.roles === undefined ? {} : { roles: o.roles }),
    random: MIN_RANDOM,
    ...(o.bodyLimit === undefined ? {} : { bodyLimit: o.bodyLimit }),
    ...(o.decisions === undefined ? {} : { onDecision: (d: AdmissionDecision) => o.decisions?.push(d) }),
  }
}

export async function testApp(o: TestAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(webhookPlugin, pluginOptions(o))
  await app.ready()
  return app
}

export function review(pod: unknown, o: { uid?: string; namespace?: string; apiVersion?: string } = {}): Record<string, unknown> {
  return {
    apiVersion: o.apiVersion ?? 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: o.uid ?? '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: o.namespace ?? 'default',
      operation: 'CREATE',
      userInfo: { username: 'admin' },
      object: pod,
      dryRun: false,
    },
  }
}

export interface ReviewResponse {
  apiVersion?: string
  kind?: string
  response: { uid: string; allowed: boolean; patch?: string; patchType?: string; status?: { message: string; code?: number }; warnings?: string[] }
}

export async function post(app: FastifyInstance, body: unknown, contentType = 'application/json', headers: Record<string, string> = {}): Promise<{ status: number; body: string; json: () => ReviewResponse }> {
  const res = await app.inject({
    method: 'POST',
    url: '/mutate',
    headers: { 'content-type': contentType, ...headers },
    payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  })
  return { status: res.statusCode, body: res.body, json: () => JSON.parse(res.body) as ReviewResponse }
}

export function decodePatch(r: ReviewResponse): unknown[] {
  return r.response.patch === undefined ? [] : (JSON.parse(Buffer.from(r.response.patch, 'base64').toString('utf8')) as unknown[])
}
