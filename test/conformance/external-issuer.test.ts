// A second "cluster": a tiny loopback HTTP server publishing a discovery document and a JWKS for
// keys generated with jose. It is registered through the IAM API with the AWS CLI; tokens it signs
// are accepted, and when it rotates its key, an unknown kid makes irsa fetch the JWKS again
// (at most once a minute per issuer, so the test moves the server's clock past that window).
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminEnv, assumedArn, REGION, roleArn, saClaims, sh, signJwt, startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'
import { newKeyPair as newKey, startFakeIssuer as startIssuer } from '../support/fake-issuer.js'
import type { FakeIssuer as Issuer } from '../support/fake-issuer.js'

const ROLE = 'cluster-b-app'
const KEY_RETRIEVAL = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"

let t: TestServer
let issuer: Issuer
let sts: STSClient

beforeAll(async () => {
  ;[t, issuer] = await Promise.all([startTestServer(), startIssuer()])
  issuer.keys = [await newKey('key-1')]
  const hostPath = issuer.url.replace(/^http:\/\//, '')
  const providerArn = `arn:aws:iam::${t.serving.rt.account}:oidc-provider/${hostPath}`
  const trust = t.file(
    'trust.json',
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: providerArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${hostPath}:sub`]: 'system:serviceaccount:shop:cart', [`${hostPath}:aud`]: 'sts.amazonaws.com' } },
        },
      ],
    }),
  )
  const env = adminEnv(t, t.home())
  const p = await sh('aws', ['iam', 'create-open-id-connect-provider', '--url', issuer.url, '--client-id-list', 'sts.amazonaws.com', '--output', 'json'], env)
  expect(p.stderr).toBe('')
  expect(JSON.parse(p.stdout)).toEqual({ OpenIDConnectProviderArn: providerArn })
  const r = await sh('aws', ['iam', 'create-role', '--role-name', ROLE, '--assume-role-policy-document', `file://${trust}`], env)
  expect(r.stderr).toBe('')
  sts = new STSClient({ region: REGION, endpoint: t.url, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } })
})
afterAll(async () => {
  sts?.destroy()
  await Promise.all([t?.close(), issuer?.close()])
})

async function exchange(kid: string, sub = 'cart'): Promise<{ ok: true; arn: string | undefined } | { ok: false; name: string; message: string }> {
  const key = issuer.keys.find((k) => k.kid === kid) ?? (await newKey(kid))
  const now = Math.floor((Date.now() + t.offsetMs) / 1000)
  const token = await signJwt(key.privateJwk, { alg: 'RS256', kid }, saClaims(issuer.url, 'shop', sub, { now }))
  try {
    const r = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn(t, ROLE), RoleSessionName: `s-${kid}`, WebIdentityToken: token }))
    return { ok: true, arn: r.AssumedRoleUser?.Arn }
  } catch (e) {
    const err = e as { name: string; message: string }
    return { ok: false, name: err.name, message: err.message }
  }
}

describe('external issuer', () => {
  it('a token the other cluster signs is accepted, and its credentials work', async () => {
    const now = Math.floor(Date.now() / 1000)
    const key = issuer.keys[0]
    if (key === undefined) throw new Error('no key')
    const token = await signJwt(key.privateJwk, { alg: 'RS256', kid: key.kid }, saClaims(issuer.url, 'shop', 'cart', { now }))
    const r = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn(t, ROLE), RoleSessionName: 'cluster-b', WebIdentityToken: token }))
    expect(r.Provider).toBe(`arn:aws:iam::${t.serving.rt.account}:oidc-provider/${issuer.url.replace(/^http:\/\//, '')}`)
    expect(r.SubjectFromWebIdentityToken).toBe('system:serviceaccount:shop:cart')
    const c = r.Credentials
    const signed = new STSClient({ region: REGION, endpoint: t.url, credentials: { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' } })
    expect((await signed.send(new GetCallerIdentityCommand({}))).Arn).toBe(assumedArn(t, ROLE, 'cluster-b'))
    signed.destroy()
    expect(issuer.jwksFetches).toBe(1)
    // Another service account of that cluster is not trusted.
    expect(await exchange('key-1', 'other')).toEqual({ ok: false, name: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' })
  })

  it('key rotation: an unknown kid refreshes the JWKS at once; kids nobody publishes refetch at most once a minute', async () => {
    issuer.keys = [await newKey('key-2'), ...issuer.keys]
    const before = issuer.jwksFetches
    // The last fetch found the kid it looked for, so a new kid is fetched at once: rotation costs no failure.
    expect(await exchange('key-2')).toEqual({ ok: true, arn: assumedArn(t, ROLE, 's-key-2') })
    expect(issuer.jwksFetches).toBe(before + 1)
    // The old key is still published and still accepted; a kid nobody publishes is not.
    expect(await exchange('key-1')).toMatchObject({ ok: true })
    expect(await exchange('key-9')).toEqual({ ok: false, name: 'InvalidIdentityTokenException', message: KEY_RETRIEVAL })
    expect(issuer.jwksFetches).toBe(before + 2)
    // That fetch missed its kid: within a minute, made-up kids do not hammer the issuer.
    expect(await exchange('key-8')).toEqual({ ok: false, name: 'InvalidIdentityTokenException', message: KEY_RETRIEVAL })
    expect(issuer.jwksFetches).toBe(before + 2)
    try {
      // Once the issuer drops key-1 and a minute has passed, tokens signed with it fail.
      issuer.keys = issuer.keys.filter((k) => k.kid !== 'key-1')
      t.offsetMs = 200_000
      expect(await exchange('key-9')).toMatchObject({ ok: false, name: 'InvalidIdentityTokenException' })
      expect(await exchange('key-1')).toEqual({ ok: false, name: 'InvalidIdentityTokenException', message: KEY_RETRIEVAL })
    } finally {
      t.offsetMs = 0
    }
  })
})
