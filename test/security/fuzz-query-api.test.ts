// Property-based fuzzing of the Query API (src/aws/query-params.ts and the whole `POST /` and `GET /`
// of a real server on loopback), fast-check with fixed seeds and bounded runs: arbitrary bytes and
// arbitrary forms over the real parameter vocabulary always get a well-formed AWS XML error with a
// 4xx status and the request id in both the header and the body — never a 5xx, never a crash.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AwsError } from '../../src/aws/aws-error.js'
import { QueryParams } from '../../src/aws/query-params.js'
import { FORM, isAwsErrorDocument, raw, startSecServer, xmlError } from './helpers.js'
import type { RawResponse, SecServer } from './helpers.js'

let s: SecServer
let roleArn: string

beforeAll(async () => {
  s = await startSecServer()
  roleArn = await s.role('app', 'default', 'app')
}, 60_000)
afterAll(async () => s?.close())

const params = (seed: number, numRuns: number): fc.Parameters<unknown> => ({ seed, numRuns })

function expectAwsClientError(r: RawResponse, what: string): void {
  expect(r.status >= 400 && r.status < 500, `${r.status} for ${what}: ${r.body.slice(0, 300)}`).toBe(true)
  expect(isAwsErrorDocument(r.body), `not a well-formed ErrorResponse for ${what}: ${JSON.stringify(r.body.slice(0, 400))}`).toBe(true)
  expect(r.headers['x-amzn-requestid']).toBe(xmlError(r.body).requestId)
}

const ACTIONS = ['AssumeRoleWithWebIdentity', 'GetCallerIdentity', 'CreateRole', 'PutRolePolicy', 'ListRoles', 'SimulatePrincipalPolicy', 'TagRole', 'NoSuchAction', '']
const NAMES = [
  'Action', 'Version', 'RoleArn', 'RoleSessionName', 'WebIdentityToken', 'DurationSeconds', 'Policy', 'PolicyArns.member.1.arn', 'PolicyArns.member.2.arn',
  'RoleName', 'PolicyName', 'PolicyDocument', 'AssumeRolePolicyDocument', 'MaxItems', 'Marker', 'Tags.member.1.Key', 'Tags.member.1.Value', 'Tags.member.0.Key',
  'Tags.member.99999.Key', 'ActionNames.member.1', 'ResourceArns.member.1', 'PolicySourceArn', 'X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Algorithm',
]
const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('2011-06-15', '2010-05-08', '900', '-1', '99999999999999999999', 'true', '{"Version":"2012-10-17","Statement":[]}', '[[[[[[', 'arn:aws:iam::111122223333:role/app'),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
)
const form = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 12 })), value), { maxLength: 10 })

function encodeForm(pairs: readonly (readonly [string, string])[], rawBits: readonly string[]): string {
  return [...pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`), ...rawBits].join('&')
}

describe('Query API fuzzing (fast-check, real server)', () => {
  it('QueryParams.parse and its readers throw nothing but AwsError for any text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
        try {
          const q = QueryParams.parse(text)
          for (const name of ['Action', 'Tags', 'PolicyArns', 'ActionNames']) {
            q.string(name, { min: 1, max: 5, pattern: /^\w*$/ })
            q.integer(name, { min: 0, max: 10 })
            q.boolean(name)
            q.list(name)
            q.list(name, 'arn')
            q.tags(name)
          }
          q.check()
        } catch (e) {
          expect(e).toBeInstanceOf(AwsError)
          expect((e as AwsError).status).toBeLessThan(500)
        }
      }),
      params(8001, 1000),
    )
  })

  it('arbitrary bytes posted as a form get a well-formed 4xx AWS error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        expectAwsClientError(await raw(s.url, { headers: FORM, body: Buffer.from(bytes) }), `bytes ${Buffer.from(bytes).toString('hex')}`)
      }),
      params(8002, 150),
    )
  })

  it('arbitrary forms over the real parameter vocabulary get a well-formed 4xx AWS error', async () => {
    const rawBits = fc.array(fc.constantFrom('%', '%Z', '%E0%A4%A', '%00', '=', '&&', '=x=y', 'a=%FF%FE', '%ED%A0%80=1', '+', 'Action'), { maxLength: 3 })
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...ACTIONS), fc.string({ unit: 'binary', maxLength: 12 })), form, rawBits, fc.boolean(), async (action, pairs, bits, get) => {
        const body = encodeForm([['Action', action], ...pairs], bits)
        const r = get ? await raw(s.url, { method: 'GET', path: `/?${body}` }) : await raw(s.url, { headers: FORM, body })
        expectAwsClientError(r, body)
      }),
      params(8003, 250),
    )
  })

  it('AssumeRoleWithWebIdentity with arbitrary parameters gets a well-formed 4xx AWS error', async () => {
    const token = fc.oneof(fc.string({ maxLength: 100 }), fc.constant(await s.token('default', 'other')), fc.constant(`${await s.token('default', 'app')}x`))
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          RoleArn: fc.oneof(fc.constant(roleArn), fc.string({ maxLength: 60 })),
          RoleSessionName: fc.oneof(fc.constant('s1'), fc.string({ maxLength: 70 })),
          WebIdentityToken: token,
          DurationSeconds: fc.oneof(fc.constant('3600'), fc.string({ maxLength: 8 })),
          Policy: fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 40 })),
        }, { requiredKeys: ['WebIdentityToken'] }),
        async (p) => {
          const body = encodeForm([['Action', 'AssumeRoleWithWebIdentity'], ['Version', '2011-06-15'], ...Object.entries(p)], [])
          expectAwsClientError(await raw(s.url, { headers: FORM, body }), body)
        },
      ),
      params(8004, 200),
    )
  })
})
