// Property-based fuzzing of the admission webhook (src/webhook/admission.ts and `POST /mutate` of a
// real server on loopback), fast-check with fixed seeds and bounded runs: arbitrary JSON, arbitrary
// AdmissionReviews and arbitrary Pods (for a bound service account, so the mutation code runs) always
// get an AdmissionReview answer or a 400 — never a 500, never a crash, never a malformed patch.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAdmissionReview } from '../../src/webhook/admission.js'
import { raw, startSecServer, WEBHOOK_TOKEN } from './helpers.js'
import type { RawResponse, SecServer } from './helpers.js'

let s: SecServer

beforeAll(async () => {
  s = await startSecServer()
  const roleArn = await s.role('app', 'default', 'app')
  await s.serving.rt.store.putBinding({ namespace: 'default', serviceAccount: 'app', roleArn, audience: undefined })
}, 60_000)
afterAll(async () => s?.close())

const params = (seed: number, numRuns: number): fc.Parameters<unknown> => ({ seed, numRuns })

const mutate = (body: string, contentType = 'application/json'): Promise<RawResponse> => raw(s.url, { path: '/mutate', headers: { 'content-type': contentType, authorization: `Bearer ${WEBHOOK_TOKEN}` }, body })

/** An AdmissionReview answer (200) or a 400; the answer echoes a string uid and carries a JSON Patch array when it patches. */
function expectReviewOr400(r: RawResponse, sent: string, uid?: unknown): void {
  expect(r.status === 200 || r.status === 400, `${r.status} for ${sent.slice(0, 300)}: ${r.body.slice(0, 300)}`).toBe(true)
  if (r.status !== 200) return
  const review = JSON.parse(r.body) as { response?: { uid?: unknown; allowed?: unknown; patch?: unknown; patchType?: unknown } }
  expect(typeof review.response?.allowed).toBe('boolean')
  expect(typeof review.response?.uid).toBe('string')
  if (typeof uid === 'string' && uid.length <= 256) expect(review.response?.uid).toBe(uid)
  if (review.response?.patch !== undefined) {
    expect(review.response.patchType).toBe('JSONPatch')
    const ops = JSON.parse(Buffer.from(String(review.response.patch), 'base64').toString('utf8')) as unknown
    expect(Array.isArray(ops)).toBe(true)
    for (const op of ops as { op?: unknown; path?: unknown }[]) {
      expect(['add', 'replace', 'remove']).toContain(op.op)
      expect(typeof op.path === 'string' && op.path.startsWith('/')).toBe(true)
    }
  }
}

const json = fc.jsonValue({ maxDepth: 4 })
const container = fc.record(
  {
    name: fc.oneof(fc.constantFrom('app', 'sidecar'), fc.string({ maxLength: 10 }), json),
    image: fc.oneof(fc.constant('alpine'), json),
    env: fc.oneof(fc.array(fc.record({ name: fc.oneof(fc.constantFrom('AWS_ROLE_ARN', 'AWS_REGION', 'X'), json), value: fc.oneof(fc.string(), json) }, { requiredKeys: [] }), { maxLength: 3 }), json),
    volumeMounts: fc.oneof(fc.array(fc.record({ name: fc.oneof(fc.constant('aws-iam-token'), json), mountPath: fc.oneof(fc.constant('/var/run/secrets/eks.amazonaws.com/serviceaccount'), json) }, { requiredKeys: [] }), { maxLength: 2 }), json),
  },
  { requiredKeys: [] },
)
const pod = fc.record(
  {
    apiVersion: fc.oneof(fc.constant('v1'), json),
    kind: fc.oneof(fc.constant('Pod'), json),
    metadata: fc.oneof(
      fc.record({ name: fc.oneof(fc.string(), json), namespace: fc.oneof(fc.constant('default'), json), annotations: fc.oneof(fc.dictionary(fc.string({ maxLength: 40 }), fc.string({ maxLength: 20 })), json), labels: json }, { requiredKeys: [] }),
      json,
    ),
    spec: fc.oneof(
      fc.record(
        {
          serviceAccountName: fc.oneof(fc.constantFrom('app', 'other', ''), json),
          containers: fc.oneof(fc.array(container, { maxLength: 3 }), json),
          initContainers: fc.oneof(fc.array(container, { maxLength: 2 }), json),
          volumes: fc.oneof(fc.array(fc.record({ name: fc.oneof(fc.constant('aws-iam-token'), json), projected: json }, { requiredKeys: [] }), { maxLength: 2 }), json),
          nodeSelector: json,
          securityContext: json,
        },
        { requiredKeys: [] },
      ),
      json,
    ),
  },
  { requiredKeys: [] },
)
const review = fc.record(
  {
    apiVersion: fc.oneof(fc.constantFrom('admission.k8s.io/v1', 'admission.k8s.io/v1beta1'), json),
    kind: fc.oneof(fc.constant('AdmissionReview'), json),
    request: fc.oneof(
      fc.record(
        {
          uid: fc.oneof(fc.uuid(), fc.string({ maxLength: 300 }), json),
          namespace: fc.oneof(fc.constant('default'), json),
          operation: fc.oneof(fc.constantFrom('CREATE', 'UPDATE'), json),
          object: fc.oneof(pod, json),
          dryRun: json,
        },
        { requiredKeys: [] },
      ),
      json,
    ),
  },
  { requiredKeys: [] },
)

describe('admission webhook fuzzing (fast-check)', () => {
  it('parseAdmissionReview never throws for any text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), json.map((v) => JSON.stringify(v)), review.map((v) => JSON.stringify(v))), (text) => {
        const r = parseAdmissionReview(text)
        expect(typeof r.ok).toBe('boolean')
      }),
      params(9001, 1000),
    )
  })

  it('a bound Pod is admitted with a JSON Patch (control: the mutation code runs)', async () => {
    const body = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: 'u-1', namespace: 'default', operation: 'CREATE', object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { serviceAccountName: 'app', containers: [{ name: 'app', image: 'alpine' }] } } },
    })
    const r = await mutate(body)
    expectReviewOr400(r, body, 'u-1')
    expect((JSON.parse(r.body) as { response: { patch?: string } }).response.patch).toBeDefined()
  })

  it('arbitrary JSON posted to /mutate gets an AdmissionReview answer or a 400', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(json.map((v) => JSON.stringify(v)), fc.string({ unit: 'binary', maxLength: 100 })), async (body) => {
        expectReviewOr400(await mutate(body), body)
      }),
      params(9002, 150),
    )
  })

  it('arbitrary AdmissionReviews and Pods (bound and unbound) get an AdmissionReview answer or a 400', async () => {
    await fc.assert(
      fc.asyncProperty(review, async (doc) => {
        const body = JSON.stringify(doc)
        // The uid is echoed once the envelope reads as an AdmissionReview (as upstream does).
        const envelopeOk = [doc.apiVersion, doc.kind].every((v) => v === undefined || typeof v === 'string') && (doc.kind === undefined || doc.kind === 'AdmissionReview')
        const request = doc.request
        const uid = envelopeOk && typeof request === 'object' && request !== null && !Array.isArray(request) ? (request as { uid?: unknown }).uid : undefined
        expectReviewOr400(await mutate(body), body, uid)
      }),
      params(9003, 300),
    )
  })
})
