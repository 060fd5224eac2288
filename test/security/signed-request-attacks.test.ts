// Attacks on signed requests (GetCallerIdentity over SigV4) against real servers: forged, truncated,
// swapped, expired and cross-account session tokens, and requests changed after signing, signed
// with the wrong secret or an unknown key, outside the clock window, or replayed after they expire.
// Each answers AWS's error code and HTTP status for that SigV4 failure; each has an untouched control.
import { createHash } from 'node:crypto'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GET_CALLER_IDENTITY, presign, signHeaderForm } from '../sts/helpers.js'
import type { SigV4Request } from '../../src/aws/sigv4/verify.js'
import { ADMIN, FORM, raw, REGION, sdkError, startSecServer, xmlError } from './helpers.js'
import type { Credentials, RawResponse, SecServer } from './helpers.js'

const INVALID_TOKEN = 'The security token included in the request is invalid.'
const EXPIRED_TOKEN = 'The security token included in the request is expired'
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'

let s: SecServer
/** Another identity plane: another account, its own sealing key. */
let other: SecServer
let session: Credentials
let second: Credentials

beforeAll(async () => {
  ;[s, other] = await Promise.all([startSecServer(), startSecServer({ account: '444455556666' })])
  const arn = await s.role('app', 'default', 'app')
  await other.role('app', 'default', 'app')
  session = await s.session(arn, 'default', 'app')
  second = await s.session(arn, 'default', 'app')
}, 60_000)
afterAll(async () => {
  await Promise.all([s?.close(), other?.close()])
})

function callerIdentity(server: SecServer, creds: Credentials): Promise<{ Arn?: string }> {
  return server.sts(creds).send(new GetCallerIdentityCommand({}))
}

/** Flip one base64 character in the middle of a sealed token (still valid base64, same length). */
function flip(token: string): string {
  const i = Math.floor(token.length / 2)
  const c = token[i] === 'A' ? 'B' : 'A'
  return token.slice(0, i) + c + token.slice(i + 1)
}

describe('session token attacks (GetCallerIdentity, JS SDK v3)', () => {
  it('the untouched session works (control)', async () => {
    expect((await callerIdentity(s, session)).Arn).toBe(`arn:aws:sts::${s.account}:assumed-role/app/sec`)
  })

  it.each([
    ['tampered session token (one character flipped)', (c: Credentials): Credentials => ({ ...c, sessionToken: flip(c.sessionToken as string) })],
    ['truncated session token', (c: Credentials): Credentials => ({ ...c, sessionToken: (c.sessionToken as string).slice(0, -8) })],
    ['session token with its authentication tag cut off', (c: Credentials): Credentials => ({ ...c, sessionToken: (c.sessionToken as string).slice(0, 40) })],
    ['no session token with a temporary (ASIA) key', (c: Credentials): Credentials => ({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey })],
    ['another session token under this access key (swapped)', (c: Credentials): Credentials => ({ ...c, sessionToken: second.sessionToken as string })],
    ['forged token that merely looks like a real one', (c: Credentials): Credentials => ({ ...c, sessionToken: `IQoJb3JpZ2luX2Vj${Buffer.alloc(96, 7).toString('base64')}` })],
  ])('%s is InvalidClientTokenId 403', async (_name, change) => {
    const e = await sdkError(callerIdentity(s, change(session)))
    expect(e).toMatchObject({ code: 'InvalidClientTokenId', status: 403, message: INVALID_TOKEN })
  })

  it("a session of one account used against another account's server is InvalidClientTokenId 403", async () => {
    const e = await sdkError(callerIdentity(other, session))
    expect(e).toMatchObject({ code: 'InvalidClientTokenId', status: 403, message: INVALID_TOKEN })
    // And the other way round: the other server's own session works there and not here.
    const theirs = await other.session(`arn:aws:iam::${other.account}:role/app`, 'default', 'app')
    expect((await callerIdentity(other, theirs)).Arn).toBe(`arn:aws:sts::${other.account}:assumed-role/app/sec`)
    expect(await sdkError(callerIdentity(s, theirs))).toMatchObject({ code: 'InvalidClientTokenId', status: 403 })
  })

  it('an expired session is ExpiredToken 403 (server clock moved past the expiry)', async () => {
    const fresh = await s.session(`arn:aws:iam::${s.account}:role/app`, 'default', 'app')
    s.offsetMs = 3601_000
    try {
      const e = await sdkError(callerIdentity(s, fresh))
      expect(e).toMatchObject({ code: 'ExpiredToken', status: 403, message: EXPIRED_TOKEN })
    } finally {
      s.offsetMs = 0
    }
  })
})

/** Send a request exactly as signed (headers, path, query and body), optionally changed. */
function send(server: SecServer, r: SigV4Request, change: { body?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const headers: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(r.headers)) {
    if (typeof v === 'string') headers[k] = v
    else if (v !== undefined) headers[k] = v.length === 1 ? (v[0] as string) : [...v]
  }
  return raw(server.url, {
    method: r.method,
    path: r.query === '' ? r.path : `${r.path}?${r.query}`,
    headers: { ...headers, ...change.headers },
    ...(change.body !== undefined ? { body: change.body } : r.body.length > 0 ? { body: Buffer.from(r.body) } : {}),
  })
}

function signed(date = new Date(), extra: { headers?: Record<string, string>; body?: string } = {}): Promise<SigV4Request> {
  return signHeaderForm({
    ...ADMIN,
    region: REGION,
    date,
    host: `127.0.0.1:${s.port}`,
    headers: { ...FORM, ...extra.headers },
    body: extra.body ?? GET_CALLER_IDENTITY,
  })
}

function expectAwsError(r: RawResponse, code: string, status: number, message?: string | RegExp): void {
  const e = xmlError(r.body)
  expect({ status: r.status, code: e.code }).toEqual({ status, code })
  if (typeof message === 'string') expect(e.message).toBe(message)
  else if (message !== undefined) expect(e.message).toMatch(message)
}

describe('SigV4 attacks', () => {
  it('the request as signed is accepted (control)', async () => {
    const r = await send(s, await signed())
    expect(r.status).toBe(200)
    expect(r.body).toContain(`<Arn>arn:aws:iam::${s.account}:root</Arn>`)
  })

  it('wrong secret access key is SignatureDoesNotMatch 403 (JS SDK)', async () => {
    const e = await sdkError(callerIdentity(s, { accessKeyId: ADMIN.accessKeyId, secretAccessKey: `${ADMIN.secretAccessKey.slice(0, -1)}X` }))
    expect(e).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403, message: MISMATCH })
  })

  it('unknown access key is InvalidClientTokenId 403 (JS SDK)', async () => {
    const e = await sdkError(callerIdentity(s, { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: ADMIN.secretAccessKey }))
    expect(e).toMatchObject({ code: 'InvalidClientTokenId', status: 403, message: INVALID_TOKEN })
  })

  it('an access key one character off the admin key is InvalidClientTokenId 403', async () => {
    const e = await sdkError(callerIdentity(s, { accessKeyId: `${ADMIN.accessKeyId.slice(0, -1)}Y`, secretAccessKey: ADMIN.secretAccessKey }))
    expect(e).toMatchObject({ code: 'InvalidClientTokenId', status: 403 })
  })

  it('body altered after signing (same length) is SignatureDoesNotMatch 403', async () => {
    const r = await send(s, await signed(), { body: 'Version=2011-06-15&Action=GetCallerIdentity' })
    expectAwsError(r, 'SignatureDoesNotMatch', 403, MISMATCH)
  })

  it('signed header altered after signing is SignatureDoesNotMatch 403', async () => {
    const r = await send(s, await signed(new Date(), { headers: { 'x-irsa-purpose': 'read' } }), { headers: { 'x-irsa-purpose': 'write' } })
    expectAwsError(r, 'SignatureDoesNotMatch', 403, MISMATCH)
  })

  it('body altered after signing, declaring the signed body hash in x-amz-content-sha256, is SignatureDoesNotMatch 403', async () => {
    const signedHash = createHash('sha256').update(GET_CALLER_IDENTITY).digest('hex')
    const r = await send(s, await signed(), { body: 'Version=2011-06-15&Action=GetCallerIdentity', headers: { 'x-amz-content-sha256': signedHash } })
    expectAwsError(r, 'SignatureDoesNotMatch', 403, "The provided 'x-amz-content-sha256' header does not match what was computed.")
  })

  it('signed 16 minutes in the past is SignatureDoesNotMatch 403 "Signature expired"', async () => {
    const r = await send(s, await signed(new Date(Date.now() - 16 * 60_000)))
    expectAwsError(r, 'SignatureDoesNotMatch', 403, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/)
  })

  it('signed 16 minutes in the future is SignatureDoesNotMatch 403 "Signature not yet current"', async () => {
    const r = await send(s, await signed(new Date(Date.now() + 16 * 60_000)))
    expectAwsError(r, 'SignatureDoesNotMatch', 403, /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/)
  })

  it('a presigned URL replayed after X-Amz-Expires is SignatureDoesNotMatch 403 "Request has expired"', async () => {
    const url = await presign({
      ...ADMIN,
      region: REGION,
      date: new Date(),
      method: 'GET',
      host: `127.0.0.1:${s.port}`,
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      expiresIn: 60,
    })
    expect((await send(s, url)).status).toBe(200)
    s.offsetMs = 61_000 // inside the 15-minute clock window, past the URL's own 60 s
    try {
      expectAwsError(await send(s, url), 'SignatureDoesNotMatch', 403, 'Request has expired')
    } finally {
      s.offsetMs = 0
    }
  })

  it('a presigned URL with its signature altered is SignatureDoesNotMatch 403', async () => {
    const url = await presign({ ...ADMIN, region: REGION, date: new Date(), method: 'GET', host: `127.0.0.1:${s.port}`, query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, expiresIn: 60 })
    const query = url.query.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`)
    expectAwsError(await send(s, { ...url, query }), 'SignatureDoesNotMatch', 403, MISMATCH)
  })
})
