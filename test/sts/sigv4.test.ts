import { describe, expect, it } from 'vitest'
import { accessKeyId, secretAccessKey } from '../../src/sts/access-key.js'
import { createSigningKeyCache } from '../../src/aws/sigv4/signing-key.js'
import { openSession, sealSession, generateSealingKey } from '../../src/core/session-token.js'
import type { SessionClaims } from '../../src/core/session-token.js'
import { SIGV4_MESSAGES, verifySigV4 } from '../../src/aws/sigv4/verify.js'
import type { CredentialLookup, SigV4Failure, SigV4Request, SigV4Result, VerifySigV4Options } from '../../src/aws/sigv4/verify.js'
import { GET_CALLER_IDENTITY, buildQuery, handSign, presign, seededRandom, signHeaderForm, withHeader } from './helpers.js'

const random = seededRandom('sigv4-tests')
const ACCOUNT = '111122223333'
const T = new Date('2026-11-28T22:53:16Z')
const SEC = 1000
const MIN = 60 * SEC

// A long-term key, and a session whose secret lives only inside its sealed token.
const LONG_TERM = { accessKeyId: accessKeyId('AKIA', ACCOUNT, random), secretAccessKey: secretAccessKey(random) }
const sealingKey = generateSealingKey(random)
function newSession(overrides: Partial<SessionClaims> = {}): { claims: SessionClaims; token: string } {
  const claims: SessionClaims = {
    v: 1,
    accessKeyId: accessKeyId('ASIA', ACCOUNT, random),
    secretAccessKey: secretAccessKey(random),
    account: ACCOUNT,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/irsa-role`,
    roleId: 'AROARTX3GSDSVLPK3PXPA',
    roleName: 'irsa-role',
    sessionName: 'botocore-session-1',
    issuedAt: T.getTime() / 1000 - 60,
    expiresAt: T.getTime() / 1000 + 3600,
    ...overrides,
  }
  return { claims, token: sealSession(claims, sealingKey, random) }
}
const SESSION = newSession()

type Who = { kind: 'user'; name: string } | { kind: 'session'; claims: SessionClaims }

/** The lookup the server is meant to use: long-term keys from a table, sessions from their sealed token. */
function lookup(accessKey: string, token: string | undefined): CredentialLookup<Who> | undefined {
  if (accessKey === LONG_TERM.accessKeyId) {
    return { found: true, secretAccessKey: LONG_TERM.secretAccessKey, credential: { kind: 'user', name: 'ci' } }
  }
  if (!accessKey.startsWith('ASIA')) return undefined
  if (token === undefined) return { found: false, reason: 'invalid-token' }
  const opened = openSession(token, (id) => (id === sealingKey.id ? sealingKey.secret : undefined))
  if (!opened.ok || opened.payload.accessKeyId !== accessKey) return { found: false, reason: 'invalid-token' }
  const claims = opened.payload
  return { found: true, secretAccessKey: claims.secretAccessKey, expiresAt: claims.expiresAt, credential: { kind: 'session', claims } }
}

function options(over: Partial<VerifySigV4Options<Who>> = {}): VerifySigV4Options<Who> {
  return { now: T, lookupCredentials: lookup, ...over }
}

async function verify(request: SigV4Request, over: Partial<VerifySigV4Options<Who>> = {}): Promise<SigV4Result<Who>> {
  return await verifySigV4(request, options(over))
}

async function failure(request: SigV4Request, over: Partial<VerifySigV4Options<Who>> = {}): Promise<SigV4Failure> {
  const result = await verify(request, over)
  if (result.ok) throw new Error('expected the verification to fail')
  // Whatever the failure, no secret may ever reach the message.
  for (const secret of [LONG_TERM.secretAccessKey, SESSION.claims.secretAccessKey]) expect(result.message).not.toContain(secret)
  return result
}

const sessionCreds = { accessKeyId: SESSION.claims.accessKeyId, secretAccessKey: SESSION.claims.secretAccessKey, sessionToken: SESSION.token }
const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }

/** GetCallerIdentity as botocore sends it: form body, token header, no x-amz-content-sha256. */
function botocoreStyle(over: Partial<Parameters<typeof signHeaderForm>[0]> = {}): Promise<SigV4Request> {
  return signHeaderForm({ ...sessionCreds, date: T, headers: FORM, body: GET_CALLER_IDENTITY, ...over })
}

function authorization(request: SigV4Request): string {
  const v = request.headers.authorization
  return typeof v === 'string' ? v : (v?.[0] ?? '')
}

describe('verifySigV4: requests signed by @smithy/signature-v4 verify', () => {
  it('header form with a session token (botocore shape)', async () => {
    const request = await botocoreStyle()
    expect(authorization(request)).toContain('SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token,')
    const result = await verify(request)
    expect(result).toMatchObject({
      ok: true,
      form: 'header',
      accessKeyId: SESSION.claims.accessKeyId,
      region: 'us-west-2',
      service: 'sts',
      signedAt: T.getTime(),
      securityToken: SESSION.token,
      credential: { kind: 'session', claims: SESSION.claims },
    })
  })

  it('header form with x-amz-content-sha256 and the JS SDK headers', async () => {
    const request = await botocoreStyle({
      contentSha256: true,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'amz-sdk-invocation-id': '4f0d8d39-3a8a-4d9f-8d0e-8f3b7f0b9d1e',
        'amz-sdk-request': 'attempt=1; max=3',
        'x-amz-user-agent': 'aws-sdk-js/3.1177.0',
        'user-agent': 'aws-sdk-js/3.1177.0 ua/2.1 os/linux',
      },
    })
    expect(authorization(request)).toContain('x-amz-content-sha256')
    const result = await verify(request)
    expect(result.ok).toBe(true)
  })

  it('header form with a long-term key and no token', async () => {
    const request = await signHeaderForm({ ...LONG_TERM, date: T, headers: FORM, body: GET_CALLER_IDENTITY })
    const result = await verify(request)
    expect(result).toMatchObject({ ok: true, accessKeyId: LONG_TERM.accessKeyId, securityToken: undefined, credential: { kind: 'user' } })
  })

  it('a region other than us-west-2 and a host with no port are fine', async () => {
    const request = await botocoreStyle({ region: 'eu-central-1', host: 'sts.local' })
    expect(await verify(request)).toMatchObject({ ok: true, region: 'eu-central-1' })
  })

  it('presigned GET, as aws eks get-token builds it (x-k8s-aws-id signed)', async () => {
    const request = await presign({
      ...sessionCreds,
      date: T,
      method: 'GET',
      host: 'sts.us-west-2.amazonaws.com',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { 'x-k8s-aws-id': 'my-cluster' },
      expiresIn: 60,
    })
    expect(request.headers.authorization).toBeUndefined()
    expect(request.query).toContain('X-Amz-Expires=60')
    expect(request.query).toContain('X-Amz-SignedHeaders=host%3Bx-k8s-aws-id')
    const result = await verify(request)
    expect(result).toMatchObject({ ok: true, form: 'query', signedHeaders: ['host', 'x-k8s-aws-id'], securityToken: SESSION.token })
  })

  it('presigned POST with an empty body, as botocore generate_presigned_url signs it', async () => {
    const request = await presign({
      ...sessionCreds,
      date: T,
      method: 'POST',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      expiresIn: 3600,
    })
    expect(await verify(request)).toMatchObject({ ok: true, form: 'query' })
  })

  it('is synchronous with a synchronous lookup and a Promise with an async one', async () => {
    const request = await botocoreStyle()
    const sync = verifySigV4(request, options())
    expect(sync).not.toBeInstanceOf(Promise)
    expect((sync as SigV4Result<Who>).ok).toBe(true)
    const asyncResult = verifySigV4(request, options({ lookupCredentials: async (a, t) => lookup(a, t) }))
    expect(asyncResult).toBeInstanceOf(Promise)
    expect((await asyncResult).ok).toBe(true)
  })

  it('hands the presented token to the lookup', async () => {
    const seen: Array<[string, string | undefined]> = []
    const request = await botocoreStyle()
    await verify(request, { lookupCredentials: (a, t) => (seen.push([a, t]), lookup(a, t)) })
    expect(seen).toEqual([[SESSION.claims.accessKeyId, SESSION.token]])
  })

  it('accepts a request dated by the Date header when X-Amz-Date is absent', async () => {
    const headers = { host: 'sts.local', date: 'Sat, 28 Nov 2026 22:53:16 GMT' }
    const auth = handSign({
      method: 'GET',
      canonicalUri: '/',
      canonicalQuery: 'Action=GetCallerIdentity&Version=2011-06-15',
      headers,
      signedHeaders: ['date', 'host'],
      body: '',
      amzDate: '20261128T225316Z',
      ...LONG_TERM,
      region: 'us-east-1',
      service: 'sts',
    })
    const request: SigV4Request = { method: 'GET', path: '/', query: GET_CALLER_IDENTITY, headers: { ...headers, authorization: auth }, body: Buffer.alloc(0) }
    expect(await verify(request)).toMatchObject({ ok: true, signedAt: T.getTime() })
  })

  it('joins repeated header values with "," and trims and collapses whitespace', async () => {
    const request = await botocoreStyle({ headers: { ...FORM, 'x-custom': 'a   b,c' } })
    // As Node's headersDistinct gives a header sent twice: ['  a b', 'c ']
    expect((await verify(withHeader(request, 'x-custom', ['  a b', 'c ']))).ok).toBe(true)
    expect((await verify(withHeader(request, 'x-custom', '  a  b,c  '))).ok).toBe(true)
    // As Node's plain req.headers would join them: ", " is not what was signed.
    expect((await failure(withHeader(request, 'x-custom', 'a b, c'))).code).toBe('SignatureDoesNotMatch')
  })

  it('ignores unsigned headers and the order of query parameters', async () => {
    const request = await signHeaderForm({ ...LONG_TERM, date: T, method: 'GET', query: { Action: 'GetCallerIdentity', Version: '2011-06-15', a: ['2', '1'] } })
    expect(request.query).toBe('Action=GetCallerIdentity&Version=2011-06-15&a=2&a=1')
    expect((await verify(withHeader(request, 'user-agent', 'changed'))).ok).toBe(true)
    expect((await verify({ ...request, query: 'a=1&Version=2011-06-15&a=2&Action=GetCallerIdentity' })).ok).toBe(true)
  })
})

describe('verifySigV4: query strings are canonicalised from the raw query', () => {
  const tricky = { Action: 'GetCallerIdentity', 'name with space': 'ሴ b+c/é~*!', empty: '' }

  it('unicode, spaces, + and reserved characters, RFC 3986 encoded', async () => {
    const request = await signHeaderForm({ ...LONG_TERM, date: T, method: 'GET', query: tricky })
    expect(request.query).toBe('Action=GetCallerIdentity&name%20with%20space=%E1%88%B4%20b%2Bc%2F%C3%A9~%2A%21&empty=')
    expect((await verify(request)).ok).toBe(true)
  })

  it('the same parameters encoded differently on the wire still verify', async () => {
    const request = await signHeaderForm({ ...LONG_TERM, date: T, method: 'GET', query: tricky })
    // '+' for space (form encoding), lower-case hex, bare '*', '!' and '/', 'empty' with no '='.
    const raw = 'empty&name+with%20space=%e1%88%b4+b%2Bc/%C3%A9~*!&Action=GetCallerIdentity'
    expect((await verify({ ...request, query: raw })).ok).toBe(true)
  })

  it('a bare + is a space, so a client that meant a plus sign must have sent %2B', async () => {
    const request = await signHeaderForm({ ...LONG_TERM, date: T, method: 'GET', query: { v: 'a+b' } })
    expect(request.query).toBe('v=a%2Bb')
    expect((await failure({ ...request, query: 'v=a+b' })).code).toBe('SignatureDoesNotMatch')
  })

  it('duplicate parameters are all signed: dropping or changing one fails', async () => {
    const request = await signHeaderForm({ ...LONG_TERM, date: T, method: 'GET', query: { a: ['x', 'y'] } })
    expect((await verify(request)).ok).toBe(true)
    expect((await failure({ ...request, query: 'a=x' })).code).toBe('SignatureDoesNotMatch')
    expect((await failure({ ...request, query: 'a=x&a=x' })).code).toBe('SignatureDoesNotMatch')
    expect((await failure({ ...request, query: 'a=x&a=y&a=z' })).code).toBe('SignatureDoesNotMatch')
  })

  it('a malformed percent sequence is kept literally and cannot break the parser', async () => {
    const request = await signHeaderForm({ ...LONG_TERM, date: T, method: 'GET', query: { v: '100%zz' } })
    expect((await verify({ ...request, query: 'v=100%zz' })).ok).toBe(true)
  })
})

describe('verifySigV4: refusals, with the AWS codes, statuses and messages', () => {
  it('no auth at all: MissingAuthenticationToken 403', async () => {
    const request = await botocoreStyle()
    const { authorization: _drop, ...headers } = request.headers
    expect(await failure({ ...request, headers })).toEqual({
      ok: false,
      code: 'MissingAuthenticationToken',
      status: 403,
      message: 'Request is missing Authentication Token',
    })
    expect((await failure(withHeader(request, 'authorization', '  '))).code).toBe('MissingAuthenticationToken')
  })

  it('tampered body', async () => {
    const request = await botocoreStyle()
    const tampered = { ...request, body: Buffer.from('Action=GetCallerIdentity&Version=2011-06-16') }
    expect(await failure(tampered)).toEqual({ ok: false, code: 'SignatureDoesNotMatch', status: 403, message: SIGV4_MESSAGES.signatureDoesNotMatch })
    expect(SIGV4_MESSAGES.signatureDoesNotMatch).toBe(
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    )
  })

  it('tampered body with x-amz-content-sha256, and an UNSIGNED-PAYLOAD claim', async () => {
    const request = await botocoreStyle({ contentSha256: true })
    const tampered = { ...request, body: Buffer.from('Action=AssumeRole&Version=2011-06-15') }
    expect(await failure(tampered)).toMatchObject({
      code: 'SignatureDoesNotMatch',
      status: 403,
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    })
    expect((await failure(withHeader(request, 'x-amz-content-sha256', 'UNSIGNED-PAYLOAD'))).code).toBe('SignatureDoesNotMatch')
  })

  it('tampered signed header', async () => {
    const request = await botocoreStyle()
    expect((await failure(withHeader(request, 'content-type', 'application/json'))).message).toBe(SIGV4_MESSAGES.signatureDoesNotMatch)
    expect((await failure(withHeader(request, 'host', '127.0.0.1:18556'))).code).toBe('SignatureDoesNotMatch')
  })

  it('tampered method, path and query', async () => {
    const request = await botocoreStyle()
    expect((await failure({ ...request, method: 'PUT' })).code).toBe('SignatureDoesNotMatch')
    expect((await failure({ ...request, path: '/other' })).code).toBe('SignatureDoesNotMatch')
    expect((await failure({ ...request, query: 'Action=AssumeRole' })).code).toBe('SignatureDoesNotMatch')
  })

  it('wrong secret', async () => {
    const request = await signHeaderForm({ ...LONG_TERM, secretAccessKey: secretAccessKey(random), date: T, headers: FORM, body: GET_CALLER_IDENTITY })
    expect((await failure(request)).code).toBe('SignatureDoesNotMatch')
  })

  it('unknown key: InvalidClientTokenId 403', async () => {
    const request = await signHeaderForm({ accessKeyId: accessKeyId('AKIA', ACCOUNT, random), secretAccessKey: 'x'.repeat(40), date: T, headers: FORM, body: GET_CALLER_IDENTITY })
    expect(await failure(request)).toEqual({
      ok: false,
      code: 'InvalidClientTokenId',
      status: 403,
      message: 'The security token included in the request is invalid.',
    })
  })

  it('missing, wrong or tampered session token: InvalidClientTokenId 403', async () => {
    const request = await botocoreStyle()
    expect((await failure(withHeader(request, 'x-amz-security-token', undefined))).code).toBe('InvalidClientTokenId')
    const other = newSession()
    expect((await failure(withHeader(request, 'x-amz-security-token', other.token))).code).toBe('InvalidClientTokenId')
    const flipped = SESSION.token.slice(0, 40) + (SESSION.token[40] === 'A' ? 'B' : 'A') + SESSION.token.slice(41)
    expect(await failure(withHeader(request, 'x-amz-security-token', flipped))).toMatchObject({ code: 'InvalidClientTokenId', status: 403 })
    // Signing without the token at all.
    const unsigned = await signHeaderForm({ accessKeyId: SESSION.claims.accessKeyId, secretAccessKey: SESSION.claims.secretAccessKey, date: T, headers: FORM, body: GET_CALLER_IDENTITY })
    expect((await failure(unsigned)).code).toBe('InvalidClientTokenId')
  })

  it('expired session: ExpiredToken 403', async () => {
    const request = await botocoreStyle()
    const afterExpiry = SESSION.claims.expiresAt * 1000
    // The request itself is fresh: only the credentials are too old.
    expect(await failure(request, { now: afterExpiry, maxSkewSeconds: 10 * 3600 })).toEqual({
      ok: false,
      code: 'ExpiredToken',
      status: 403,
      message: 'The security token included in the request is expired',
    })
    expect((await verify(request, { now: afterExpiry - 1, maxSkewSeconds: 10 * 3600 })).ok).toBe(true)
    const expiredByLookup = await failure(request, { lookupCredentials: () => ({ found: false, reason: 'expired' }) })
    expect(expiredByLookup.code).toBe('ExpiredToken')
  })

  it('clock skew over 15 minutes, with AWS’s exact messages', async () => {
    const request = await botocoreStyle()
    expect(await failure(request, { now: T.getTime() + 16 * MIN })).toEqual({
      ok: false,
      code: 'SignatureDoesNotMatch',
      status: 403,
      message: 'Signature expired: 20261128T225316Z is now earlier than 20261128T225416Z (20261128T230916Z - 15 min.)',
    })
    expect(await failure(request, { now: T.getTime() - 16 * MIN })).toEqual({
      ok: false,
      code: 'SignatureDoesNotMatch',
      status: 403,
      message: 'Signature not yet current: 20261128T225316Z is still later than 20261128T225216Z (20261128T223716Z + 15 min.)',
    })
    // Exactly 15 minutes either way is still accepted; milliseconds do not count.
    expect((await verify(request, { now: T.getTime() + 15 * MIN + 999 })).ok).toBe(true)
    expect((await verify(request, { now: T.getTime() - 15 * MIN })).ok).toBe(true)
    expect((await failure(request, { now: T.getTime() + 15 * MIN + SEC })).message).toMatch(/^Signature expired: /)
    expect((await failure(request, { now: new Date(T.getTime() + 3 * MIN), maxSkewSeconds: 120 })).message).toBe(
      'Signature expired: 20261128T225316Z is now earlier than 20261128T225416Z (20261128T225616Z - 2 min.)',
    )
  })

  it('credential scope date differs from X-Amz-Date', async () => {
    const request = await botocoreStyle()
    const shifted = withHeader(request, 'authorization', authorization(request).replace('/20261128/', '/20261127/'))
    expect(await failure(shifted)).toEqual({
      ok: false,
      code: 'SignatureDoesNotMatch',
      status: 403,
      message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261127' != '20261128', from '20261128T225316Z'.",
    })
  })

  it('credential scoped to another service or with a bad terminator', async () => {
    const iam = await botocoreStyle({ service: 'iam' })
    expect(await failure(iam)).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403, message: "Credential should be scoped to correct service: 'sts'. " })
    expect((await verify(iam, { expectedService: 'iam' })).ok).toBe(true)
    const request = await botocoreStyle()
    const bad = withHeader(request, 'authorization', authorization(request).replace('/aws4_request', '/aws4_reques'))
    expect((await failure(bad)).message).toBe("Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reques'. ")
  })

  it('host missing from SignedHeaders', async () => {
    const request = await botocoreStyle()
    const noHost = withHeader(request, 'authorization', authorization(request).replace(';host;', ';'))
    expect(await failure(noHost)).toEqual({
      ok: false,
      code: 'IncompleteSignature',
      status: 400,
      message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    })
  })

  it('malformed Authorization headers: IncompleteSignature 400', async () => {
    const request = await botocoreStyle()
    const cases: Array<[string, string]> = [
      [
        'AWS4-HMAC-SHA256',
        "Authorization header requires 'Credential' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256",
      ],
      [
        'AWS4-HMAC-SHA256 Credential, SignedHeaders=host, Signature=00',
        "'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential, SignedHeaders=host, Signature=00'.",
      ],
      [
        'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261128/us-west-2/sts/aws4_request, SignedHeaders=host',
        "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261128/us-west-2/sts/aws4_request, SignedHeaders=host",
      ],
      [
        'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261128/us-west-2, SignedHeaders=host, Signature=00',
        'Credential is malformed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request". Credential=AKIAEXAMPLE/20261128/us-west-2',
      ],
      [
        'AWS4-HMAC-SHA256 Credential=a/b/c/d/e, Signature=00, Signature=01, SignedHeaders=host',
        "Authorization header has a duplicate 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential=a/b/c/d/e, Signature=00, Signature=01, SignedHeaders=host",
      ],
      ['Bearer eyJhbGciOiJSUzI1NiJ9', "Unsupported AWS 'algorithm': 'Bearer'."],
      ['AWS AKIAEXAMPLE:c2lnbmF0dXJl', "Unsupported AWS 'algorithm': 'AWS'."],
      ['AWS4-HMAC-SHA512 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00', "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'."],
    ]
    for (const [header, message] of cases) {
      expect(await failure(withHeader(request, 'authorization', header)), header).toEqual({ ok: false, code: 'IncompleteSignature', status: 400, message })
    }
    expect((await failure(withHeader(request, 'authorization', [authorization(request), 'AWS4-HMAC-SHA256 x=y']))).code).toBe('IncompleteSignature')
  })

  it('missing or malformed X-Amz-Date', async () => {
    const request = await botocoreStyle()
    const { 'x-amz-date': _d, ...headers } = request.headers
    expect((await failure({ ...request, headers })).message).toBe(
      `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${authorization(request)}`,
    )
    for (const bad of ['2026-11-28T22:53:16Z', '20261128T225316', '20261131T225316Z', '20261128T245316Z']) {
      expect(await failure(withHeader(request, 'x-amz-date', bad))).toEqual({
        ok: false,
        code: 'IncompleteSignature',
        status: 400,
        message: `Date must be in ISO-8601 'basic format'. Got '${bad}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      })
    }
  })

  it('signature values that are not 64 lower-case hex digits never match', async () => {
    const request = await botocoreStyle()
    const auth = authorization(request)
    const sig = /Signature=([0-9a-f]{64})/.exec(auth)?.[1] as string
    for (const bad of [sig.toUpperCase(), sig.slice(0, 63), `${sig}0`, 'zz'.repeat(32)]) {
      expect((await failure(withHeader(request, 'authorization', auth.replace(sig, bad)))).code).toBe('SignatureDoesNotMatch')
    }
  })

  it('SigV4a (AWS4-ECDSA-P256-SHA256) is refused as unsupported', async () => {
    const request = await botocoreStyle()
    const sigv4a = authorization(request).replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256').replace('/us-west-2/', '/')
    expect(await failure(withHeader(request, 'authorization', sigv4a))).toEqual({
      ok: false,
      code: 'IncompleteSignature',
      status: 400,
      message: "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'.",
    })
  })
})

describe('verifySigV4: presigned refusals', () => {
  const base = { ...sessionCreds, date: T, method: 'GET', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' } }

  it('expired: X-Amz-Date + X-Amz-Expires has passed', async () => {
    const request = await presign({ ...base, expiresIn: 60 })
    expect((await verify(request, { now: T.getTime() + 60 * SEC })).ok).toBe(true)
    expect(await failure(request, { now: T.getTime() + 61 * SEC })).toEqual({ ok: false, code: 'SignatureDoesNotMatch', status: 403, message: 'Request has expired' })
  })

  it('a long X-Amz-Expires still cannot outlive the 15-minute clock window', async () => {
    const request = await presign({ ...base, expiresIn: 3600 })
    expect((await failure(request, { now: T.getTime() + 16 * MIN })).message).toMatch(/^Signature expired: 20261128T225316Z is now earlier than/)
  })

  it('X-Amz-Expires over a week, or not a number', async () => {
    const request = await presign({ ...base, expiresIn: 60 })
    expect(await failure({ ...request, query: request.query.replace('X-Amz-Expires=60', 'X-Amz-Expires=604801') })).toEqual({
      ok: false,
      code: 'IncompleteSignature',
      status: 400,
      message: 'X-Amz-Expires must be less than a week (in seconds) that is; the maximum expires is 604800 seconds',
    })
    expect((await failure({ ...request, query: request.query.replace('X-Amz-Expires=60', 'X-Amz-Expires=-1') })).message).toBe('X-Amz-Expires should be a number')
  })

  it('missing and duplicated auth parameters', async () => {
    const request = await presign({ ...base, expiresIn: 60 })
    const without = request.query.replace(/&?X-Amz-SignedHeaders=[^&]*/, '').replace(/&?X-Amz-Date=[^&]*/, '')
    expect(await failure({ ...request, query: without })).toEqual({
      ok: false,
      code: 'IncompleteSignature',
      status: 400,
      message:
        "AWS query-string parameters must include 'X-Amz-Date'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
    })
    expect(await failure({ ...request, query: `${request.query}&X-Amz-Date=20261128T225317Z` })).toMatchObject({
      code: 'IncompleteSignature',
      message: "AWS query-string parameter 'X-Amz-Date' must appear only once.",
    })
    expect((await failure({ ...request, query: `${request.query}&X-Amz-Signature=${'0'.repeat(64)}` })).code).toBe('IncompleteSignature')
  })

  it('tampered query, token or body; wrong method', async () => {
    const request = await presign({ ...base, expiresIn: 60 })
    expect((await failure({ ...request, query: request.query.replace('GetCallerIdentity', 'GetSessionToken') })).code).toBe('SignatureDoesNotMatch')
    expect((await failure({ ...request, method: 'POST' })).code).toBe('SignatureDoesNotMatch')
    expect((await failure({ ...request, body: Buffer.from(GET_CALLER_IDENTITY) })).code).toBe('SignatureDoesNotMatch')
    const noToken = request.query.replace(/&?X-Amz-Security-Token=[^&]*/, '')
    expect((await failure({ ...request, query: noToken })).code).toBe('InvalidClientTokenId')
  })

  it('sigv4a in X-Amz-Algorithm', async () => {
    const request = await presign({ ...base, expiresIn: 60 })
    const query = request.query.replace('X-Amz-Algorithm=AWS4-HMAC-SHA256', 'X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256')
    expect((await failure({ ...request, query })).message).toBe("Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'.")
  })

  it('an Authorization header and query auth together are refused', async () => {
    const request = await presign({ ...base, expiresIn: 60 })
    const header = await botocoreStyle()
    expect(await failure(withHeader(request, 'authorization', authorization(header)))).toMatchObject({ code: 'IncompleteSignature', status: 400 })
  })

  it('the presigned query canonicalises like any other', async () => {
    const request = await presign({ ...base, expiresIn: 60 })
    const params = new URLSearchParams(request.query)
    const reordered = buildQuery(Object.fromEntries([...params.entries()].reverse()))
    expect((await verify({ ...request, query: reordered })).ok).toBe(true)
  })
})

describe('signing-key cache', () => {
  it('is bounded and gives the same key on a hit', () => {
    const cache = createSigningKeyCache(2)
    const a = cache.get('secret-a', '20261128', 'us-west-2', 'sts')
    cache.get('secret-b', '20261128', 'us-west-2', 'sts')
    expect(cache.get('secret-a', '20261128', 'us-west-2', 'sts')).toBe(a)
    cache.get('secret-c', '20261128', 'us-west-2', 'sts')
    cache.get('secret-a', '20261129', 'us-west-2', 'sts')
    expect(cache.size).toBe(2)
    expect(() => createSigningKeyCache(0)).toThrow(TypeError)
  })

  it('a per-call cache is used when given', async () => {
    const cache = createSigningKeyCache(4)
    const request = await botocoreStyle()
    expect((await verify(request, { signingKeyCache: cache })).ok).toBe(true)
    expect(cache.size).toBe(1)
  })
})
