// Every failure a real client can hit, asserted as boto3 and the JS SDK report it: the AWS error
// code, HTTP status and (where the spec gives it) the exact message. Then the signed-request
// failures, the protocol-level ones, and the decision log (which must never hold a token or secret).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { exportJWK, generateKeyPair } from 'jose'
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminEnv, ADMIN, assumedArn, boto3, cleanEnv, MAIN, REGION, roleArn, saClaims, sh, signJwt, startTestServer, trustFor, unsignedJwt, xmlError } from './helpers.js'
import type { Boto3Result, TestServer } from './helpers.js'

const ROLE = 'reader'
const DENIED = 'Not authorized to perform sts:AssumeRoleWithWebIdentity'
const KEY_RETRIEVAL = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
const ALG_REJECTED = /^The token signing algorithm .* is not allowed; use one of RS256, RS384, RS512, ES256, ES384, ES512$/
const PERMISSIONS = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:GetRole', 'iam:ListRoles'], Resource: '*' }] })

let t: TestServer
let valid: string
/** Every token and secret this file handles: none may reach the decision log or the database. */
const secrets: string[] = []

interface Case {
  readonly name: string
  readonly params: () => Promise<Record<string, string | number>>
  readonly code: string
  /** The modelled exception class (JS `name`, botocore class); unmodelled codes arrive as the code / ClientError. */
  readonly exception?: string
  readonly status: number
  readonly message: string | RegExp
}

beforeAll(async () => {
  t = await startTestServer()
  const trust = t.file('trust.json', trustFor(t, 'default', 'app'))
  const perms = t.file('perms.json', PERMISSIONS)
  const env = adminEnv(t, t.home())
  const a = await sh('aws', ['iam', 'create-role', '--role-name', ROLE, '--assume-role-policy-document', `file://${trust}`], env)
  expect(a.stderr).toBe('')
  const b = await sh('aws', ['iam', 'put-role-policy', '--role-name', ROLE, '--policy-name', 'iam-read', '--policy-document', `file://${perms}`], env)
  expect(b.stderr).toBe('')
  valid = await t.token({ namespace: 'default', serviceAccount: 'app' })
  secrets.push(valid)
})
afterAll(async () => t?.close())

async function serverKey(): Promise<{ kid: string; privateJwk: Parameters<typeof signJwt>[0]; publicJwk: Record<string, unknown> }> {
  const k = await t.serving.rt.activeSigningKey()
  return { kid: k.kid, privateJwk: k.privateJwk, publicJwk: k.publicJwk as Record<string, unknown> }
}

const base = (token: string, extra: Record<string, string | number> = {}): Record<string, string | number> => ({
  RoleArn: roleArn(t, ROLE),
  RoleSessionName: 'negative',
  WebIdentityToken: token,
  ...extra,
})

const CASES: Case[] = [
  {
    name: 'token signed by another issuer key (kid not in the JWKS)',
    params: async () => {
      const { privateKey } = await generateKeyPair('RS256', { extractable: true })
      return base(await signJwt(await exportJWK(privateKey), { alg: 'RS256', kid: 'not-in-jwks' }, saClaims(t.serving.rt.issuer, 'default', 'app')))
    },
    code: 'InvalidIdentityToken',
    exception: 'InvalidIdentityTokenException',
    status: 400,
    message: KEY_RETRIEVAL,
  },
  {
    name: 'tampered payload, original signature',
    params: async () => {
      const [h, , s] = valid.split('.')
      const claims = JSON.parse(Buffer.from(valid.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>
      claims.sub = 'system:serviceaccount:kube-system:admin'
      return base(`${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`)
    },
    code: 'InvalidIdentityToken',
    exception: 'InvalidIdentityTokenException',
    status: 400,
    message: 'The web identity token signature is invalid',
  },
  {
    name: 'alg none',
    // A non-empty junk signature: with an empty one the token is not even a three-segment JWS.
    params: async () => base(unsignedJwt({ alg: 'none', typ: 'JWT', kid: (await serverKey()).kid }, saClaims(t.serving.rt.issuer, 'default', 'app'), 'AAAA')),
    code: 'InvalidIdentityToken',
    exception: 'InvalidIdentityTokenException',
    status: 400,
    message: ALG_REJECTED,
  },
  {
    name: 'HS256 with the public key as the HMAC secret (algorithm confusion)',
    params: async () => {
      const k = await serverKey()
      const header = { alg: 'HS256', typ: 'JWT', kid: k.kid }
      const body = unsignedJwt(header, saClaims(t.serving.rt.issuer, 'default', 'app')).slice(0, -1)
      const sig = createHmac('sha256', JSON.stringify(k.publicJwk)).update(body).digest('base64url')
      return base(`${body}.${sig}`)
    },
    code: 'InvalidIdentityToken',
    exception: 'InvalidIdentityTokenException',
    status: 400,
    message: ALG_REJECTED,
  },
  {
    name: 'expired token',
    params: async () => {
      const k = await serverKey()
      const now = Math.floor(Date.now() / 1000)
      return base(await signJwt(k.privateJwk, { alg: 'RS256', kid: k.kid }, saClaims(t.serving.rt.issuer, 'default', 'app', { now: now - 4000, exp: now - 400 })))
    },
    code: 'ExpiredTokenException',
    exception: 'ExpiredTokenException',
    status: 400,
    message: /^Token expired: current date\/time \d{10} must be before the expiration date\/time \d{10}$/,
  },
  {
    name: 'wrong audience',
    params: async () => base(await t.token({ namespace: 'default', serviceAccount: 'app', audience: ['vault'] })),
    code: 'InvalidIdentityToken',
    exception: 'InvalidIdentityTokenException',
    status: 400,
    message: 'Incorrect token audience',
  },
  {
    name: 'unknown issuer',
    params: async () => {
      const { privateKey } = await generateKeyPair('RS256', { extractable: true })
      const iss = 'https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF'
      return base(await signJwt(await exportJWK(privateKey), { alg: 'RS256', kid: 'k1' }, saClaims(iss, 'default', 'app')))
    },
    code: 'InvalidIdentityToken',
    exception: 'InvalidIdentityTokenException',
    status: 400,
    message: 'No OpenIDConnect provider found in your account for https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF',
  },
  { name: 'role not found', params: async () => ({ ...base(valid), RoleArn: roleArn(t, 'no-such-role') }), code: 'AccessDenied', status: 403, message: DENIED },
  {
    name: 'trust mismatch (another service account)',
    params: async () => base(await t.token({ namespace: 'default', serviceAccount: 'intruder' })),
    code: 'AccessDenied',
    status: 403,
    message: DENIED,
  },
  {
    name: 'bad RoleSessionName',
    params: async () => base(valid, { RoleSessionName: 'bad name!' }),
    code: 'ValidationError',
    status: 400,
    message: "1 validation error detected: Value 'bad name!' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
  },
  {
    name: 'DurationSeconds out of range',
    params: async () => base(valid, { DurationSeconds: 50000 }),
    code: 'ValidationError',
    status: 400,
    message: "1 validation error detected: Value '50000' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
  },
  {
    name: 'DurationSeconds over the role MaxSessionDuration',
    params: async () => base(valid, { DurationSeconds: 7200 }),
    code: 'ValidationError',
    status: 400,
    message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
  },
  {
    name: 'malformed session Policy',
    params: async () => base(valid, { Policy: '{"Version":"2012-10-17","Statement":[' }),
    code: 'MalformedPolicyDocument',
    exception: 'MalformedPolicyDocumentException',
    status: 400,
    message: /.+/,
  },
]

function expectMessage(actual: string, expected: string | RegExp): void {
  if (typeof expected === 'string') expect(actual).toBe(expected)
  else expect(actual).toMatch(expected)
}

describe('AssumeRoleWithWebIdentity failures', () => {
  let params: Record<string, string | number>[]
  beforeAll(async () => {
    params = []
    for (const c of CASES) params.push(await c.params())
    for (const p of params) secrets.push(String(p.WebIdentityToken))
  })

  it('boto3 reports the exact code, status and message', async () => {
    const results = await boto3(t, params.map((p) => ({ op: 'assume' as const, params: p })))
    CASES.forEach((c, i) => {
      const r = results[i] as Boto3Result
      expect(r.ok, c.name).toBe(false)
      if (r.ok) return
      expect({ name: c.name, code: r.code, status: r.status }).toEqual({ name: c.name, code: c.code, status: c.status })
      expect(r.exception, c.name).toBe(c.exception ?? 'ClientError')
      expectMessage(r.message, c.message)
    })
  })

  it('the JS SDK reports the same', async () => {
    const sts = new STSClient({ region: REGION, endpoint: t.url, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } })
    for (const [i, c] of CASES.entries()) {
      const p = params[i] as Record<string, string | number>
      const err = await sts
        .send(new AssumeRoleWithWebIdentityCommand({ ...(p as { RoleArn: string; RoleSessionName: string; WebIdentityToken: string }), DurationSeconds: p.DurationSeconds as number | undefined, Policy: p.Policy as string | undefined }))
        .then(() => undefined, (e: unknown) => e as { name: string; message: string; Code?: string; $metadata: { httpStatusCode?: number; attempts?: number } })
      expect(err, c.name).toBeDefined()
      if (err === undefined) continue
      expect({ name: c.name, error: err.name, status: err.$metadata.httpStatusCode, attempts: err.$metadata.attempts }).toEqual({
        name: c.name,
        error: c.exception ?? c.code,
        status: c.status,
        attempts: 1,
      })
      expectMessage(err.message, c.message)
    }
    sts.destroy()
  })
})

describe('signed requests', () => {
  type Creds = { AccessKeyId: string; SecretAccessKey: string; SessionToken: string }
  let full: Creds
  let narrowed: Creds
  let short: Creds
  // All sessions of this block in one boto3 process.
  beforeAll(async () => {
    const only = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }] })
    const results = await boto3(t, [
      { op: 'assume', params: base(valid) },
      { op: 'assume', params: base(valid, { Policy: only }) },
      { op: 'assume', params: base(valid, { DurationSeconds: 900 }) },
    ])
    const creds = results.map((r) => {
      if (!r.ok) throw new Error(`assume failed: ${JSON.stringify(r)}`)
      const c = r.result.Credentials as Creds
      secrets.push(c.SecretAccessKey, c.SessionToken)
      return c
    })
    ;[full, narrowed, short] = creds as [Creds, Creds, Creds]
  })

  it('a session policy intersects with the role: what it does not allow is AccessDenied', async () => {
    const [fullList, get, list] = await boto3(t, [
      { op: 'iam', method: 'list_roles', params: {}, credentials: full },
      { op: 'iam', method: 'get_role', params: { RoleName: ROLE }, credentials: narrowed },
      { op: 'iam', method: 'list_roles', params: {}, credentials: narrowed },
    ])
    expect(fullList?.ok).toBe(true)
    expect(get?.ok).toBe(true)
    expect(list).toMatchObject({ ok: false, code: 'AccessDenied', status: 403 })
    expect((list as { message: string }).message).toBe(
      `User: ${assumedArn(t, ROLE, 'negative')} is not authorized to perform: iam:ListRoles on resource: * because no session policy allows the iam:ListRoles action`,
    )
  })

  it('forged session token, wrong secret, missing authentication (boto3)', async () => {
    const creds = full
    const mid = Math.floor(creds.SessionToken.length / 2)
    const forged = creds.SessionToken.slice(0, mid) + (creds.SessionToken[mid] === 'A' ? 'B' : 'A') + creds.SessionToken.slice(mid + 1)
    const results = await boto3(t, [
      { op: 'gci', credentials: { ...creds, SessionToken: forged } },
      { op: 'gci', credentials: { AccessKeyId: ADMIN.IRSA_ADMIN_ACCESS_KEY_ID, SecretAccessKey: 'wrong-secret-wrong-secret-wrong-secret-0' } },
      { op: 'gci', unsigned: true },
      { op: 'gci', credentials: creds },
    ])
    expect(results[0]).toEqual({ ok: false, code: 'InvalidClientTokenId', status: 403, exception: 'ClientError', message: 'The security token included in the request is invalid.' })
    expect(results[1]).toEqual({
      ok: false,
      code: 'SignatureDoesNotMatch',
      status: 403,
      exception: 'ClientError',
      message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    })
    expect(results[2]).toEqual({ ok: false, code: 'MissingAuthenticationToken', status: 403, exception: 'ClientError', message: 'Request is missing Authentication Token' })
    expect(results[3]).toMatchObject({ ok: true, result: { Arn: assumedArn(t, ROLE, 'negative') } })
  })

  it('GetCallerIdentity with an expired session: ExpiredToken 403 (JS SDK, server clock moved on)', async () => {
    const creds = short
    const skew = 1000_000
    t.offsetMs = skew
    try {
      const sts = new STSClient({
        region: REGION,
        endpoint: t.url,
        systemClockOffset: skew,
        credentials: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.SessionToken },
      })
      const err = await sts.send(new GetCallerIdentityCommand({})).then(() => undefined, (e: unknown) => e as { name: string; message: string; $metadata: { httpStatusCode?: number } })
      sts.destroy()
      expect(err?.name).toBe('ExpiredToken')
      expect(err?.message).toBe('The security token included in the request is expired')
      expect(err?.$metadata.httpStatusCode).toBe(403)
    } finally {
      t.offsetMs = 0
    }
  })
})

describe('protocol', () => {
  const post = (body: string | Buffer, contentType = 'application/x-www-form-urlencoded; charset=utf-8'): Promise<Response> =>
    fetch(t.url, { method: 'POST', headers: { 'content-type': contentType }, body })

  async function expectXmlError(res: Response, status: number, code: string): Promise<void> {
    expect(res.status).toBe(status)
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/)
    const body = await res.text()
    expect(body).toMatch(/^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/)
    const e = xmlError(body)
    expect(e.code).toBe(code)
    expect(e.type).toBe(status >= 500 ? 'Receiver' : 'Sender')
    expect(e.requestId).toBe(res.headers.get('x-amzn-requestid'))
  }

  it('unknown Action: 400 InvalidAction', async () => {
    const res = await post('Action=AssumeRoleWithMagic&Version=2011-06-15')
    await expectXmlError(res, 400, 'InvalidAction')
  })

  it('wrong Content-Type: 415 in XML (JSON, invalid JSON, plain text)', async () => {
    await expectXmlError(await post('{"Action":"GetCallerIdentity"}', 'application/json'), 415, 'UnsupportedMediaType')
    await expectXmlError(await post('Action=GetCallerIdentity', 'application/json'), 415, 'UnsupportedMediaType')
    await expectXmlError(await post('Action=GetCallerIdentity', 'text/plain'), 415, 'UnsupportedMediaType')
  })

  it('huge body: 413 in XML', async () => {
    const res = await post(Buffer.alloc(2 * 1024 * 1024, 'a'))
    await expectXmlError(res, 413, 'ValidationError')
  })
})

describe('decision log', () => {
  it('irsa log --format json shows allowed and denied exchanges, never a token or secret', async () => {
    const r = await sh('node', [MAIN, 'log', '--format', 'json', '--limit', '1000', '--data', t.data], cleanEnv({ HOME: t.home(), ...ADMIN }))
    expect(r.code).toBe(0)
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { action: string; outcome: string; code?: string; subject?: string; roleArn?: string })
    const sts = rows.filter((x) => x.action === 'sts:AssumeRoleWithWebIdentity')
    expect(sts.some((x) => x.outcome === 'Allow' && x.subject === 'system:serviceaccount:default:app' && x.roleArn === roleArn(t, ROLE))).toBe(true)
    for (const code of ['AccessDenied', 'InvalidIdentityToken', 'ExpiredTokenException', 'ValidationError']) {
      expect(sts.some((x) => x.outcome === 'Deny' && x.code === code), code).toBe(true)
    }
    expect(rows.some((x) => x.action === 'iam:ListRoles' && x.outcome === 'Deny')).toBe(true)

    expect(secrets.length).toBeGreaterThan(10)
    const files = readdirSync(t.data).map((f) => join(t.data, f))
    const haystacks = [r.stdout, ...files.map((f) => readFileSync(f).toString('latin1'))]
    for (const s of [...secrets, ADMIN.IRSA_ADMIN_SECRET_ACCESS_KEY]) {
      // Signatures alone would be enough to replay a token: look for the last segment too.
      const needles = s.split('.').length === 3 ? [s, s.split('.')[2] as string] : [s]
      for (const n of needles.filter((x) => x.length >= 16)) for (const h of haystacks) expect(h.includes(n)).toBe(false)
    }
  })
})
