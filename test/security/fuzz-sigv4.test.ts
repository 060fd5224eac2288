// Property-based fuzzing of the SigV4 verifier (src/aws/sigv4/verify.ts), fast-check with fixed seeds and
// bounded runs. Requests signed by the AWS SDK's own signer are mutated in every part the signature
// covers (method, path, query, signed headers, body, date, credential scope, signed-header list,
// signature): no mutation is ever accepted, and arbitrary junk never throws.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SIGV4_ERROR_STATUS, verifySigV4 } from '../../src/aws/sigv4/verify.js'
import type { SigV4Request, SigV4Result } from '../../src/aws/sigv4/verify.js'
import { GET_CALLER_IDENTITY, presign, signHeaderForm } from '../sts/helpers.js'

const KEY = { accessKeyId: 'AKIAFUZZFUZZFUZZFUZZ', secretAccessKey: 'fuzzSecretKeyfuzzSecretKeyfuzzSecretKey0' }
const T = new Date('2026-11-28T22:53:16Z')
const HOST = '127.0.0.1:18555'
const CODES = new Set(Object.keys(SIGV4_ERROR_STATUS))
const params = (seed: number, numRuns: number): fc.Parameters<unknown> => ({ seed, numRuns })

function verify(r: SigV4Request): SigV4Result<string> {
  let result: SigV4Result<string> | Promise<SigV4Result<string>>
  try {
    result = verifySigV4<string>(r, {
      now: T,
      lookupCredentials: (id) => (id === KEY.accessKeyId ? { found: true, secretAccessKey: KEY.secretAccessKey, credential: 'admin' } : undefined),
    })
  } catch (e) {
    throw new Error(`verifySigV4 threw for ${JSON.stringify(r)}: ${String(e)}`)
  }
  if (result instanceof Promise) throw new Error('a synchronous lookup must give a synchronous answer')
  return result
}

function expectRejected(r: SigV4Request): void {
  const result = verify(r)
  expect(result.ok, JSON.stringify({ ...r, body: Buffer.from(r.body).toString('latin1') })).toBe(false)
  if (!result.ok) {
    expect(CODES.has(result.code)).toBe(true)
    expect(result.status).toBe(SIGV4_ERROR_STATUS[result.code])
  }
}

const header = (r: SigV4Request, name: string): string => {
  const v = r.headers[name]
  return typeof v === 'string' ? v : (v?.[0] ?? '')
}
const setHeader = (r: SigV4Request, name: string, value: string | undefined): SigV4Request => ({ ...r, headers: { ...r.headers, [name]: value === undefined ? undefined : [value] } })
const replaceAuth = (r: SigV4Request, from: RegExp, to: (m: string) => string): SigV4Request => setHeader(r, 'authorization', header(r, 'authorization').replace(from, to))

const HEX = '0123456789abcdef'
const visible = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'), minLength: 1, maxLength: 8 })

/** A mutation of something the signature covers; each must make the request fail verification. */
type Mutation = (r: SigV4Request) => SigV4Request

function mutations(signedHeaders: readonly string[]): fc.Arbitrary<Mutation> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 64 }).map<Mutation>((bytes) => (r) => ({ ...r, body: Buffer.concat([Buffer.from(r.body), Buffer.from(bytes), Buffer.from('&')]) })),
    fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS').map<Mutation>((method) => (r) => ({ ...r, method: r.method === method ? 'PUT' : method })),
    visible.map<Mutation>((p) => (r) => ({ ...r, path: `/${p}` })),
    fc.tuple(visible, fc.string({ maxLength: 8 })).map<Mutation>(([k, v]) => (r) => ({ ...r, query: [r.query, `${k}=${encodeURIComponent(v)}`].filter((x) => x !== '').join('&') })),
    fc.tuple(fc.constantFrom(...signedHeaders), visible).map<Mutation>(([name, extra]) => (r) => setHeader(r, name, `${header(r, name)}${extra}`)),
    fc.tuple(fc.nat(63), fc.constantFrom(...HEX)).map<Mutation>(([i, c]) => (r) =>
      replaceAuth(r, /Signature=([0-9a-f]{64})/, (m) => {
        const sig = m.slice('Signature='.length)
        const swapped = sig[i] === c ? HEX[(HEX.indexOf(c) + 1) % 16] : c
        return `Signature=${sig.slice(0, i)}${swapped}${sig.slice(i + 1)}`
      }),
    ),
    fc.constantFrom('region', 'service', 'date', 'key').map<Mutation>((part) => (r) =>
      replaceAuth(r, /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\//, (_m) => {
        const [, id, date, region, service] = /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\//.exec(_m) as unknown as string[]
        const next = {
          key: `${(id as string).slice(0, -1)}X`,
          date: String(Number(date) - 1),
          region: `${region as string}x`,
          service: service === 'sts' ? 'iam' : 'sts',
        }
        return `Credential=${part === 'key' ? next.key : id}/${part === 'date' ? next.date : date}/${part === 'region' ? next.region : region}/${part === 'service' ? next.service : service}/`
      }),
    ),
    fc.constantFrom(...signedHeaders.filter((h) => h !== 'host')).map<Mutation>((drop) => (r) =>
      replaceAuth(r, /SignedHeaders=([^,\s]+)/, (m) => `SignedHeaders=${m.slice('SignedHeaders='.length).split(';').filter((h) => h !== drop).join(';')}`),
    ),
    fc.integer({ min: -600, max: 600 }).filter((s) => s !== 0).map<Mutation>((seconds) => (r) => {
      const at = Date.parse(header(r, 'x-amz-date').replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'))
      if (Number.isNaN(at)) return setHeader(r, 'x-amz-date', `${header(r, 'x-amz-date')}0`) // already changed: change it again
      const t = new Date(at + seconds * 1000)
      return setHeader(r, 'x-amz-date', t.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''))
    }),
  )
}

describe('SigV4 verifier fuzzing (fast-check)', () => {
  it('header-signed requests: no mutation of a covered part is accepted', async () => {
    const base = await signHeaderForm({ ...KEY, date: T, host: HOST, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: GET_CALLER_IDENTITY })
    expect(verify(base).ok).toBe(true)
    const signed = /SignedHeaders=([^,\s]+)/.exec(header(base, 'authorization'))?.[1]?.split(';') ?? []
    expect(signed).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'content-type']))
    fc.assert(
      fc.property(fc.array(mutations(signed), { minLength: 1, maxLength: 3 }), (ms) => {
        expectRejected(ms.reduce((r, m) => m(r), base))
      }),
      params(7001, 1500),
    )
  })

  it('presigned requests: no change to a query parameter is accepted', async () => {
    const base = await presign({ ...KEY, date: T, host: HOST, method: 'GET', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, expiresIn: 60 })
    expect(verify(base).ok).toBe(true)
    const names = base.query.split('&').map((p) => p.split('=')[0] as string)
    fc.assert(
      fc.property(fc.constantFrom(...names), visible, fc.boolean(), (name, extra, drop) => {
        const query = base.query
          .split('&')
          .flatMap((p) => (p.split('=')[0] !== name ? [p] : drop && name !== 'X-Amz-Signature' ? [] : [`${p}${extra}`]))
          .join('&')
        fc.pre(query !== base.query)
        expectRejected({ ...base, query })
      }),
      params(7002, 600),
    )
  })

  it('arbitrary headers, query and body never throw and are never accepted', () => {
    const auth = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), fc.string({ maxLength: 70 })).map(
        ([cred, sh, sig]) => `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=${sh}, Signature=${sig}`,
      ),
      fc.tuple(fc.constantFrom(KEY.accessKeyId, 'ASIAX', ''), fc.string({ maxLength: 12 }), fc.string({ unit: fc.constantFrom(...HEX), maxLength: 64, minLength: 64 })).map(
        ([id, region, sig]) => `AWS4-HMAC-SHA256 Credential=${id}/20261128/${region}/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=${sig}`,
      ),
    )
    const headerValue = fc.oneof(fc.string({ maxLength: 40 }), fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }))
    const headers = fc.record(
      {
        authorization: fc.oneof(auth, fc.array(auth, { maxLength: 2 })),
        host: headerValue,
        'x-amz-date': fc.oneof(headerValue, fc.constant('20261128T225316Z')),
        date: headerValue,
        'x-amz-security-token': headerValue,
        'x-amz-content-sha256': headerValue,
      },
      { requiredKeys: [] },
    )
    const query = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.dictionary(fc.constantFrom('X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token', 'Action'), fc.string({ maxLength: 40 })).map((d) =>
        Object.entries(d).map(([k, v]) => `${k}=${v}`).join('&'),
      ),
    )
    fc.assert(
      fc.property(fc.constantFrom('GET', 'POST', 'get', ''), fc.string({ maxLength: 30 }), query, headers, fc.uint8Array({ maxLength: 100 }), (method, path, q, h, body) => {
        expectRejected({ method, path, query: q, headers: h, body })
      }),
      params(7003, 1500),
    )
  })
})
