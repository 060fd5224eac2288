/** Malformed and hostile AdmissionReviews: a well-formed denial with a message, never a crash. */
import { describe, expect, it } from 'vitest'
import type { AdmissionDecision } from '../../src/webhook/plugin.js'
import { post, review, testApp } from './helpers.js'

const SA = { namespace: 'default', name: 'default', annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/r' } }
const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { serviceAccountName: 'default', containers: [{ name: 'c', image: 'i' }] } }

async function expectDenial(body: unknown, match: RegExp, o: { bodyLimit?: number; uid?: string } = {}): Promise<AdmissionDecision[]> {
  const decisions: AdmissionDecision[] = []
  const app = await testApp({ serviceAccounts: [SA], decisions, ...(o.bodyLimit === undefined ? {} : { bodyLimit: o.bodyLimit }) })
  const res = await post(app, body)
  await app.close()
  expect(res.status).toBe(200)
  const r = res.json()
  expect(r.response.allowed).toBe(false)
  expect(r.response.uid).toBe(o.uid ?? '')
  expect(r.response.patch).toBeUndefined()
  expect(r.response.status?.message).toMatch(match)
  return decisions
}

describe('Content-Type', () => {
  for (const ct of ['text/plain', 'application/yaml', 'application/x-www-form-urlencoded', 'application/jsonx']) {
    it(`${ct} gets 415 with upstream's message`, async () => {
      const app = await testApp({ serviceAccounts: [SA] })
      const res = await post(app, review(pod), ct)
      await app.close()
      expect(res.status).toBe(415)
      expect(res.body).toBe('Invalid Content-Type, expected `application/json`\n')
    })
  }
  it('a missing Content-Type gets 415', async () => {
    const app = await testApp({ serviceAccounts: [SA] })
    const res = await app.inject({ method: 'POST', url: '/mutate', payload: JSON.stringify(review(pod)) })
    await app.close()
    expect(res.statusCode).toBe(415)
  })
  it('application/json; charset=utf-8 is accepted (upstream rejects the parameter)', async () => {
    const app = await testApp({ serviceAccounts: [SA] })
    const res = await post(app, review(pod), 'application/json; charset=utf-8')
    await app.close()
    expect(res.json().response.allowed).toBe(true)
  })
})

describe('malformed AdmissionReviews', () => {
  it('non-JSON', () => expectDenial('{"request": ', /json parse error/))
  it('binary garbage', () => expectDenial(Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x7b]), /json parse error/))
  it('an empty body', async () => {
    const d = await expectDenial('', /bad content/)
    expect(d[0]?.code).toBe('ERR_WEBHOOK_REVIEW')
  })
  it('a JSON array', () => expectDenial('[]', /expected a JSON object/))
  it('a JSON string', () => expectDenial('"hello"', /expected a JSON object/))
  it('no request', () => expectDenial({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, /bad content/))
  it('request is a string', () => expectDenial({ kind: 'AdmissionReview', request: 'x' }, /request: expected an object/))
  it('uid is a number', () => expectDenial({ kind: 'AdmissionReview', request: { uid: 5, object: pod } }, /uid: expected a string/))
  it('kind is not AdmissionReview', () => expectDenial({ kind: 'Pod', request: { uid: 'u' } }, /expected kind AdmissionReview/))
  it('no object', () => expectDenial({ kind: 'AdmissionReview', request: { uid: 'u1' } }, /no Pod/, { uid: 'u1' }))
  it('namespace is an object', () => expectDenial({ kind: 'AdmissionReview', request: { uid: 'u2', namespace: {}, object: pod } }, /namespace: expected a string/, { uid: 'u2' }))
})

describe('malformed pods', () => {
  const bad = (object: unknown, match: RegExp): Promise<AdmissionDecision[]> => expectDenial(review(object, { uid: 'u' }), match, { uid: 'u' })
  it('the object is an array', () => bad([pod], /not a Pod/))
  it('the object is a Service', () => bad({ kind: 'Service', spec: {} }, /not a Pod/))
  it('no spec', () => bad({ kind: 'Pod', metadata: {} }, /must have a spec/))
  it('containers is a string', () => bad({ spec: { containers: 'c' } }, /\/spec\/containers: expected an array/))
  it('a container is null', () => bad({ spec: { containers: [null] } }, /\/spec\/containers\/0: expected an object/))
  it('env is an object', () => bad({ spec: { containers: [{ name: 'c', env: { A: '1' } }] } }, /env: expected an array/))
  it('an env name is a number', () => bad({ spec: { containers: [{ name: 'c', env: [{ name: 1 }] }] } }, /env\/0\/name: expected a string/))
  it('volumes is an object', () => bad({ spec: { volumes: {}, containers: [] } }, /\/spec\/volumes: expected an array/))
  it('an annotation value is a number', () => bad({ metadata: { annotations: { 'eks.amazonaws.com/token-expiration': 3600 } }, spec: { containers: [] } }, /annotations\/eks.amazonaws.com~1token-expiration: expected a string/))
  it('serviceAccountName is a list', () => bad({ spec: { serviceAccountName: ['a'], containers: [] } }, /serviceAccountName: expected a string/))
  it('nodeSelector is a string', () => bad({ spec: { nodeSelector: 'windows', containers: [] } }, /nodeSelector: expected an object/))
  it('the denial carries the code', async () => {
    const d = await bad({ spec: { containers: 'c' } }, /expected an array/)
    expect(d[0]?.code).toBe('ERR_WEBHOOK_POD')
  })
})

describe('hostile sizes and shapes', () => {
  it('a body over the limit is denied, not dropped', async () => {
    const big = review({ ...pod, metadata: { name: 'p', annotations: { junk: 'x'.repeat(200_000) } } })
    const d = await expectDenial(big, /larger than 65536 bytes/, { bodyLimit: 65536 })
    expect(d[0]?.code).toBe('ERR_WEBHOOK_TOO_LARGE')
  })
  it('a 5 MB pod within the default limit is admitted', async () => {
    const app = await testApp({ serviceAccounts: [SA] })
    const res = await post(app, review({ ...pod, metadata: { name: 'p', annotations: { junk: 'x'.repeat(5_000_000) } } }))
    await app.close()
    expect(res.json().response.allowed).toBe(true)
  })
  it('deeply nested JSON in an unknown field does not crash and is never walked', async () => {
    const depth = 100_000
    const nested = '['.repeat(depth) + ']'.repeat(depth)
    const body = JSON.stringify(review({ ...pod, spec: { ...pod.spec, future: '__NESTED__' } })).replace('"__NESTED__"', nested)
    const app = await testApp({ serviceAccounts: [SA] })
    const res = await post(app, body)
    await app.close()
    expect(res.status).toBe(200)
    expect(typeof res.json().response.allowed).toBe('boolean')
  })
  it('deeply nested JSON as the whole body', async () => {
    const depth = 1_000_000
    const app = await testApp({ serviceAccounts: [SA] })
    const res = await post(app, '{"a":'.repeat(depth) + '1' + '}'.repeat(depth))
    await app.close()
    expect(res.status).toBe(200)
    expect(res.json().response.allowed).toBe(false)
  })
  it('__proto__ keys do nothing', async () => {
    const body = JSON.stringify(review(pod)).replace('"metadata":{', '"metadata":{"__proto__":{"annotations":{"eks.amazonaws.com/skip-containers":"c"}},')
    const app = await testApp({ serviceAccounts: [SA] })
    const res = (await post(app, body)).json()
    await app.close()
    expect(res.response.allowed).toBe(true)
    expect(res.response.patch).toBeDefined()
    expect(({} as Record<string, unknown>).annotations).toBeUndefined()
  })
  it('a failing service-account source is a denial with the uid, not a crash', async () => {
    const app = await testApp({ source: { snapshot: () => Promise.reject(new Error('store is down')), close: async () => {} } })
    const res = (await post(app, review(pod, { uid: 'u9' }))).json()
    await app.close()
    expect(res.response).toMatchObject({ uid: 'u9', allowed: false, status: { message: 'internal error: store is down', code: 500 } })
  })
  it('hundreds of hostile requests in a row leave the server answering', async () => {
    const app = await testApp({ serviceAccounts: [SA] })
    const bodies = ['', 'null', '{', '{"request":null}', '{"request":{"object":{"spec":{"containers":[1]}}}}', '\u0000', '{"request":{"uid":"x","object":{"spec":{}}}}']
    for (let i = 0; i < 300; i++) await post(app, bodies[i % bodies.length] as string)
    const ok = (await post(app, review(pod))).json()
    await app.close()
    expect(ok.response.allowed).toBe(true)
  })
})
