// Hostile input against the Query API and the admission endpoint of a real server: oversized and
// malformed forms, control characters that would break the XML of the answer, policies nested ten
// thousand deep or larger than IAM's quotas, and wildcard patterns built to make a backtracking
// matcher explode. Every answer is a well-formed AWS error (or AdmissionReview), never a crash.
import { PutRolePolicyCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FORM, isAwsErrorDocument, isWellFormedXml, raw, sdkError, startSecServer, WEBHOOK_TOKEN, xmlError } from './helpers.js'
import type { RawResponse, SecServer } from './helpers.js'

let s: SecServer
let roleArn: string

beforeAll(async () => {
  s = await startSecServer()
  roleArn = await s.role('app', 'default', 'app')
}, 60_000)
afterAll(async () => s?.close())

const post = (body: string | Buffer, headers: Record<string, string> = FORM): Promise<RawResponse> => raw(s.url, { headers, body })

function expectAwsError(r: RawResponse, code: string, status: number): void {
  expect({ status: r.status, code: xmlError(r.body).code }).toEqual({ status, code })
  expect(isAwsErrorDocument(r.body), r.body).toBe(true)
}

const policy = (statement: Record<string, unknown>): string => JSON.stringify({ Version: '2012-10-17', Statement: [statement] })

describe('malformed and oversized Query API requests', () => {
  it('a 2 MiB form body is 413 ValidationError in AWS XML', async () => {
    expectAwsError(await post(`Action=GetCallerIdentity&Pad=${'x'.repeat(2 * 1024 * 1024)}`), 'ValidationError', 413)
  })

  it('bad percent-encoding is a 400 in AWS XML (never decoded into something else)', async () => {
    expectAwsError(await post('Action=GetCaller%ZZIdentity&Version=2011-06-15'), 'InvalidAction', 400)
    expectAwsError(await post('Action=%&Version=%E0%A4%A'), 'InvalidAction', 400)
  })

  it('invalid UTF-8 bytes in the form are a 400 in well-formed XML', async () => {
    expectAwsError(await post(Buffer.concat([Buffer.from('Action='), Buffer.from([0xff, 0xfe, 0xc0, 0x80])])), 'InvalidAction', 400)
  })

  it('control characters echoed back cannot break the XML of the error', async () => {
    const r = await post('Action=%00%01%0B%1F%EF%BF%BE&Version=2011-06-15')
    expectAwsError(r, 'InvalidAction', 400)
    expect(isWellFormedXml(r.body), JSON.stringify(r.body)).toBe(true)
  })

  it('a duplicated parameter is 400 MalformedQueryString', async () => {
    expectAwsError(await post('Action=GetCallerIdentity&Version=2011-06-15&Version=2011-06-15'), 'MalformedQueryString', 400)
    expectAwsError(await post('Action=AssumeRoleWithWebIdentity&RoleArn=a&RoleArn=b'), 'MalformedQueryString', 400)
  })

  it('a JSON body on the Query endpoint is 415 UnsupportedMediaType in AWS XML', async () => {
    expectAwsError(await post('{"Action": "GetCallerIdentity"}', { 'content-type': 'application/json' }), 'UnsupportedMediaType', 415)
  })
})

describe('hostile policy documents (IAM, JS SDK v3)', () => {
  it('10,000 nested arrays in PutRolePolicy is MalformedPolicyDocument, not a stack overflow', async () => {
    const doc = `{"Version":"2012-10-17","Statement":${'['.repeat(10_000)}${']'.repeat(10_000)}}`
    const e = await sdkError(s.iam.send(new PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'deep', PolicyDocument: doc })))
    expect(e).toMatchObject({ code: 'MalformedPolicyDocument', status: 400 })
  })

  it('10,000 nested objects in a Condition is MalformedPolicyDocument', async () => {
    const doc = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}}`
    const e = await sdkError(s.iam.send(new PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'deep', PolicyDocument: doc })))
    expect(e).toMatchObject({ code: 'MalformedPolicyDocument', status: 400 })
  })

  it('a valid policy over the 10,240-character role quota is LimitExceeded 409', async () => {
    const actions = Array.from({ length: 700 }, (_, i) => `s3:GetObjectVersion${i}`)
    const e = await sdkError(s.iam.send(new PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'huge', PolicyDocument: policy({ Effect: 'Allow', Action: actions, Resource: '*' }) })))
    expect(e).toMatchObject({ code: 'LimitExceeded', status: 409 })
  })

  it('a policy document over 131,072 characters is ValidationError 400', async () => {
    const doc = policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'x'.repeat(140_000)}` })
    const e = await sdkError(s.iam.send(new PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'huge', PolicyDocument: doc })))
    expect(e).toMatchObject({ code: 'ValidationError', status: 400 })
  })

  it('pathological wildcards (*a*a*…*b against a long string) complete with the right answer', async () => {
    const stars = `arn:aws:s3:::${'*a'.repeat(1500)}*b`
    const questions = `arn:aws:s3:::${'a?'.repeat(1000)}*b`
    const simulate = async (pattern: string, resource: string): Promise<string | undefined> => {
      const r = await s.iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: roleArn,
          PolicyInputList: [policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: pattern })],
          ActionNames: ['s3:GetObject'],
          ResourceArns: [resource],
        }),
      )
      return r.EvaluationResults?.[0]?.EvalDecision
    }
    const long = 'a'.repeat(2000)
    expect(await simulate(stars, `arn:aws:s3:::${long}`)).toBe('implicitDeny')
    expect(await simulate(stars, `arn:aws:s3:::${long}b`)).toBe('allowed')
    expect(await simulate(stars, `arn:aws:s3:::${'a'.repeat(1499)}b`)).toBe('implicitDeny')
    expect(await simulate(questions, `arn:aws:s3:::${long}`)).toBe('implicitDeny')
    expect(await simulate(questions, `arn:aws:s3:::${long}b`)).toBe('allowed')
  })
})

describe('hostile AdmissionReviews (POST /mutate)', () => {
  const mutate = (body: string): Promise<RawResponse> => raw(s.url, { path: '/mutate', headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` }, body })

  it.each([
    ['200,000 nested arrays', `${'['.repeat(200_000)}${']'.repeat(200_000)}`],
    ['a Pod nested 100,000 arrays deep', `{"request":{"uid":"u1","object":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`],
    ['a Pod whose metadata nests 50,000 objects', `{"request":{"uid":"u1","object":{"kind":"Pod","metadata":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)},"spec":{"containers":[]}}}}`],
    ['__proto__ keys everywhere', '{"__proto__":{"admin":true},"request":{"uid":"u1","__proto__":{"uid":"x"},"object":{"metadata":{"__proto__":{}},"spec":{"__proto__":{}}}}}'],
    ['truncated JSON', '{"request":{"uid":"u1","object":{"spec":'],
  ])('%s is an AdmissionReview answer or a 400, never a 500', async (_name, body) => {
    const r = await mutate(body)
    expect(r.status === 200 || r.status === 400, `${r.status} ${r.body.slice(0, 200)}`).toBe(true)
    if (r.status === 200) {
      // A well-formed AdmissionReview answer; nothing is bound here, so nothing may be patched.
      const review = JSON.parse(r.body) as { response: { allowed: unknown; uid: unknown; patch?: unknown } }
      expect(typeof review.response.allowed).toBe('boolean')
      expect(typeof review.response.uid).toBe('string')
      expect(review.response.patch).toBeUndefined()
    }
  })
})
