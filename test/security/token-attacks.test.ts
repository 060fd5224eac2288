// Forged and hostile web-identity tokens against AssumeRoleWithWebIdentity on a real server, sent by
// the AWS SDK for JavaScript v3: every one is refused with AWS's error code and HTTP status, and
// header fields that point at keys (jku, x5u, jwk) are never followed.
import { createHmac, createPublicKey } from 'node:crypto'
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand } from '@aws-sdk/client-iam'
import { AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts'
import type { STSClient } from '@aws-sdk/client-sts'
import type { JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { b64json, newKeyPair, saClaims, sdkError, signJwt, startIssuer, startSecServer, trustFor } from './helpers.js'
import type { FakeIssuer, KeyPair, SecServer } from './helpers.js'

const ALG_REJECTED = /^The token signing algorithm .* is not allowed; use one of RS256, RS384, RS512, ES256, ES384, ES512$/
const KEY_RETRIEVAL = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
const BAD_SIGNATURE = 'The web identity token signature is invalid'
const DENIED = 'Not authorized to perform sts:AssumeRoleWithWebIdentity'

let s: SecServer
let sts: STSClient
let roleArn: string
/** The server's own active signing key. */
let own: { kid: string; privateJwk: JWK; publicJwk: JWK }
/** Another OIDC issuer, registered in the same account, with its own key pair and JWKS. */
let other: FakeIssuer
let otherKey: KeyPair
/** An attacker-run server: any request it receives means irsa followed a token header. */
let attacker: FakeIssuer
let attackerKey: KeyPair

beforeAll(async () => {
  ;[s, otherKey, attackerKey] = await Promise.all([startSecServer(), newKeyPair('other-1'), newKeyPair('attacker-1')])
  ;[other, attacker] = await Promise.all([startIssuer([otherKey]), startIssuer([attackerKey])])
  sts = s.sts()
  roleArn = await s.role('app', 'default', 'app')
  const k = await s.serving.rt.activeSigningKey()
  own = { kid: k.kid, privateJwk: k.privateJwk as JWK, publicJwk: k.publicJwk as JWK }
  const otherProvider = await s.iam.send(new CreateOpenIDConnectProviderCommand({ Url: other.url, ClientIDList: ['sts.amazonaws.com'] }))
  // A role trusting the other issuer, so its JWKS is genuinely reachable and used.
  await s.iam.send(
    new CreateRoleCommand({ RoleName: 'other-app', AssumeRolePolicyDocument: trustFor(s.serving, 'default', 'app', otherProvider.OpenIDConnectProviderArn) }),
  )
}, 60_000)
afterAll(async () => {
  await Promise.all([s?.close(), other?.close(), attacker?.close()])
})

const now = (): number => s.serving.rt.nowSeconds()
const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => saClaims(s.serving.rt.issuer, 'default', 'app', now(), extra)
const signOwn = (c: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> =>
  signJwt(own.privateJwk, { alg: own.publicJwk.alg ?? 'RS256', kid: own.kid, ...header }, c)

function exchange(token: string, role = roleArn): Promise<unknown> {
  return sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: role, RoleSessionName: 'attack', WebIdentityToken: token }))
}

interface Attack {
  readonly name: string
  readonly token: () => Promise<string>
  readonly code: string
  readonly status: number
  readonly message: string | RegExp
  /** Checked after the call (e.g. that nothing was fetched). */
  readonly after?: () => void
}

const noFetch = (): void => expect(attacker.hits).toEqual([])

const ATTACKS: Attack[] = [
  {
    name: 'alg none with a signature segment is refused by the algorithm allow-list',
    token: async () => `${b64json({ alg: 'none', typ: 'JWT' })}.${b64json(claims())}.AAAA`,
    code: 'InvalidIdentityToken',
    status: 400,
    message: ALG_REJECTED,
  },
  {
    name: 'alg none with an empty signature is refused as malformed',
    token: async () => `${b64json({ alg: 'none', typ: 'JWT' })}.${b64json(claims())}.`,
    code: 'InvalidIdentityToken',
    status: 400,
    message: /^The web identity token is not a JWT/,
  },
  {
    name: 'HS256 signed with the issuer RSA public key as the HMAC secret is refused',
    token: async () => {
      const pem = createPublicKey({ key: own.publicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
      const input = `${b64json({ alg: 'HS256', typ: 'JWT', kid: own.kid })}.${b64json(claims())}`
      return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`
    },
    code: 'InvalidIdentityToken',
    status: 400,
    message: ALG_REJECTED,
  },
  {
    name: 'unknown kid signed by an attacker key cannot find a verification key',
    token: () => signJwt(attackerKey.privateJwk, { alg: 'RS256', kid: 'no-such-kid' }, claims()),
    code: 'InvalidIdentityToken',
    status: 400,
    message: KEY_RETRIEVAL,
  },
  {
    name: 'jku header pointing at an attacker JWKS is ignored and never fetched',
    token: () => signJwt(attackerKey.privateJwk, { alg: 'RS256', kid: attackerKey.kid, jku: `${attacker.url}/attacker-jwks` }, claims()),
    code: 'InvalidIdentityToken',
    status: 400,
    message: KEY_RETRIEVAL,
    after: noFetch,
  },
  {
    name: 'x5u header pointing at an attacker URL is ignored and never fetched',
    token: () => signJwt(attackerKey.privateJwk, { alg: 'RS256', kid: attackerKey.kid, x5u: `${attacker.url}/attacker-cert` }, claims()),
    code: 'InvalidIdentityToken',
    status: 400,
    message: KEY_RETRIEVAL,
    after: noFetch,
  },
  {
    name: 'embedded jwk header with the issuer kid is ignored: the signature fails under the real key',
    token: () => signJwt(attackerKey.privateJwk, { alg: 'RS256', kid: own.kid, jwk: attackerKey.publicJwk }, claims()),
    code: 'InvalidIdentityToken',
    status: 400,
    message: BAD_SIGNATURE,
    after: noFetch,
  },
  {
    name: 'embedded jwk header without kid is ignored: no published key matches',
    token: () => signJwt(attackerKey.privateJwk, { alg: 'RS256', jwk: attackerKey.publicJwk }, claims()),
    code: 'InvalidIdentityToken',
    status: 400,
    message: KEY_RETRIEVAL,
    after: noFetch,
  },
  {
    name: 'wrong iss (no provider for it in the account)',
    token: () => signOwn(claims({ iss: 'https://evil.example.com' })),
    code: 'InvalidIdentityToken',
    status: 400,
    message: 'No OpenIDConnect provider found in your account for https://evil.example.com',
  },
  {
    name: 'aud not in the provider client list',
    token: () => signOwn(claims({ aud: ['evil-client'] })),
    code: 'InvalidIdentityToken',
    status: 400,
    message: 'Incorrect token audience',
  },
  {
    name: 'several aud values, none a client ID',
    token: () => signOwn(claims({ aud: ['evil-client', 'sts.amazonaws.com.evil', 'STS.AMAZONAWS.COM'] })),
    code: 'InvalidIdentityToken',
    status: 400,
    message: 'Incorrect token audience',
  },
  {
    name: 'aud array smuggling a non-string value',
    token: () => signOwn(claims({ aud: [{ toString: 'sts.amazonaws.com' }, 'sts.amazonaws.com'] })),
    code: 'InvalidIdentityToken',
    status: 400,
    message: 'Invalid claim: aud must be a string or an array of strings',
  },
  {
    name: 'expired token',
    token: () => signOwn(claims({ iat: now() - 7200, nbf: now() - 7200, exp: now() - 60 })),
    code: 'ExpiredTokenException',
    status: 400,
    message: /^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/,
  },
  {
    name: 'nbf in the future beyond the leeway',
    token: () => signOwn(claims({ nbf: now() + 3600, exp: now() + 7200 })),
    code: 'InvalidIdentityToken',
    status: 400,
    message: /^Token not yet valid/,
  },
  {
    name: 'token over 20,000 characters is a ValidationError before any parsing',
    token: async () => `${b64json({ alg: 'RS256', kid: own.kid })}.${b64json(claims({ pad: 'x'.repeat(20_000) }))}.AAAA`,
    code: 'ValidationError',
    status: 400,
    message: /Value at 'webIdentityToken' failed to satisfy constraint: Member must have length less than or equal to 20000/,
  },
  {
    name: 'non-JSON payload',
    token: async () => `${b64json({ alg: 'RS256', kid: own.kid })}.${b64json('{"sub": not json')}.AAAA`,
    code: 'InvalidIdentityToken',
    status: 400,
    message: 'The web identity token payload is not a base64url-encoded JSON object',
  },
  {
    name: 'valid signature from another issuer key, claiming this issuer (other kid)',
    token: () => signJwt(otherKey.privateJwk, { alg: 'RS256', kid: otherKey.kid }, claims()),
    code: 'InvalidIdentityToken',
    status: 400,
    message: KEY_RETRIEVAL,
  },
  {
    name: 'valid signature from another issuer key, claiming this issuer and its kid',
    token: () => signJwt(otherKey.privateJwk, { alg: 'RS256', kid: own.kid }, claims()),
    code: 'InvalidIdentityToken',
    status: 400,
    message: BAD_SIGNATURE,
  },
  {
    name: 'tampered payload with the original signature',
    token: async () => {
      const [h, , sig] = (await signOwn(claims())).split('.')
      return `${h}.${b64json(claims({ sub: 'system:serviceaccount:kube-system:admin' }))}.${sig}`
    },
    code: 'InvalidIdentityToken',
    status: 400,
    message: BAD_SIGNATURE,
  },
]

describe('forged web-identity tokens (AssumeRoleWithWebIdentity, JS SDK v3)', () => {
  it.each(ATTACKS.map((a) => [a.name, a] as const))('%s', async (_name, a) => {
    const e = await sdkError(exchange(await a.token()))
    expect({ code: e.code, status: e.status }).toEqual({ code: a.code, status: a.status })
    if (typeof a.message === 'string') expect(e.message).toBe(a.message)
    else expect(e.message).toMatch(a.message)
    a.after?.()
  })

  it('a genuine token of the other issuer for a role that trusts only this issuer is AccessDenied', async () => {
    const token = await signJwt(otherKey.privateJwk, { alg: 'RS256', kid: otherKey.kid }, saClaims(other.url, 'default', 'app', now()))
    // The same token is accepted by the role that trusts the other issuer: the key and JWKS are real.
    const ok = (await exchange(token, roleArn.replace(/role\/app$/, 'role/other-app'))) as { AssumedRoleUser?: { Arn?: string } }
    expect(ok.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${s.account}:assumed-role/other-app/attack`)
    const e = await sdkError(exchange(token))
    expect(e).toMatchObject({ code: 'AccessDenied', status: 403, message: DENIED })
  })

  it('several aud values with one client ID are accepted (as AWS), and Audience is the client ID', async () => {
    const r = (await exchange(await signOwn(claims({ aud: ['evil-client', 'sts.amazonaws.com'] })))) as { Audience?: string }
    expect(r.Audience).toBe('sts.amazonaws.com')
  })

  it('the untouched token is accepted (the attacks above fail for their defect alone)', async () => {
    const r = (await exchange(await signOwn(claims()))) as { AssumedRoleUser?: { Arn?: string } }
    expect(r.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${s.account}:assumed-role/app/attack`)
  })
})
