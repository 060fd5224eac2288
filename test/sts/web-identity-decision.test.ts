// The decide step of AssumeRoleWithWebIdentity without a server: the context keys a verified token
// produces, and the trust policy's answer for the exchange, session tags and source identity.
import { describe, expect, it } from 'vitest'
import { ExchangeRefusal } from '../../src/core/exchange/exchange-refusal.js'
import type { Role } from '../../src/model/iam.js'
import { parseRoleArn } from '../../src/sts/role-arn.js'
import { decideWebIdentity, webIdentity, webIdentityContext, WEB_IDENTITY_DENIED } from '../../src/sts/web-identity-decision.js'
import type { WebIdentityRequest } from '../../src/sts/web-identity-decision.js'
import type { WebIdentityTokenSuccess } from '../../src/tokens/verify-web-identity-token.js'
import { decideEnv, roleWithTrust } from '../support/exchange-fixtures.js'

const ACCOUNT = '111122223333'
const ISSUER = 'https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE'
const HOST = 'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE'
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST}`
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app`
const NOW = 1_714_564_800 // 2024-05-01T12:00:00Z
const SUBJECT = 'system:serviceaccount:shop:app'

const env = decideEnv(ACCOUNT, 'us-west-2')

function verified(extra: Record<string, unknown> = {}): WebIdentityTokenSuccess {
  return {
    ok: true,
    claims: { iss: ISSUER, sub: SUBJECT, aud: ['sts.amazonaws.com'], jti: 'j-1', exp: NOW + 3600, iat: NOW, ...extra },
    issuer: ISSUER,
    subject: SUBJECT,
    provider: { arn: PROVIDER, url: ISSUER, clientIds: ['sts.amazonaws.com'] },
    audience: 'sts.amazonaws.com',
    header: { alg: 'RS256', kid: 'k1' },
  }
}

const request = (o: Partial<WebIdentityRequest> = {}): WebIdentityRequest => ({
  roleArn: ROLE_ARN,
  role: parseRoleArn(ROLE_ARN) as NonNullable<ReturnType<typeof parseRoleArn>>,
  sessionName: 'botocore-session-1',
  token: 'unused',
  policy: undefined,
  policyArns: [],
  durationSeconds: 3600,
  sourceIp: '10.1.2.3',
  secureTransport: true,
  ...o,
})

const role = (statements: readonly Record<string, unknown>[], o: Partial<Role> = {}): Role => roleWithTrust(ROLE_ARN, statements, o)

const allow = (action: string | string[], condition?: Record<string, unknown>, sid?: string): Record<string, unknown> => ({
  ...(sid === undefined ? {} : { Sid: sid }),
  Effect: 'Allow',
  Principal: { Federated: PROVIDER },
  Action: action,
  ...(condition === undefined ? {} : { Condition: condition }),
})

const TAGS = { principal_tags: { team: ['payments'], env: 'prod' }, transitive_tag_keys: ['team'] }

describe('web identity context keys', () => {
  it('a plain token: sub, aud, the session name, the provider and the request keys', () => {
    const id = webIdentity(verified())
    expect(webIdentityContext(request(), id, env, NOW)).toEqual({
      [`${HOST}:sub`]: SUBJECT,
      [`${HOST}:aud`]: 'sts.amazonaws.com',
      'sts:RoleSessionName': 'botocore-session-1',
      'aws:FederatedProvider': PROVIDER,
      'aws:CurrentTime': '2024-05-01T12:00:00Z',
      'aws:EpochTime': String(NOW),
      'aws:SourceIp': '10.1.2.3',
      'aws:SecureTransport': true,
      'aws:RequestedRegion': 'us-west-2',
    })
  })

  it('amr and azp when they are strings or string lists; session tags, tag keys, transitive keys, source identity', () => {
    const id = webIdentity(verified({ amr: ['pwd', 'mfa'], azp: 'client-1', 'https://aws.amazon.com/tags': TAGS, 'https://aws.amazon.com/source_identity': 'alice' }))
    const c = webIdentityContext(request(), id, env, NOW)
    expect(c).toMatchObject({
      [`${HOST}:amr`]: ['pwd', 'mfa'],
      [`${HOST}:azp`]: 'client-1',
      'aws:RequestTag/team': 'payments',
      'aws:RequestTag/env': 'prod',
      'aws:TagKeys': ['team', 'env'],
      'sts:TransitiveTagKeys': ['team'],
      'sts:SourceIdentity': 'alice',
    })
  })

  it('ignores amr of another shape; no transitive key list when none is transitive', () => {
    const id = webIdentity(verified({ amr: [1, 2], 'https://aws.amazon.com/tags': { principal_tags: { a: ['b'] } } }))
    const c = webIdentityContext(request(), id, env, NOW)
    expect(c).not.toHaveProperty(`${HOST}:amr`)
    expect(c).not.toHaveProperty('sts:TransitiveTagKeys')
    expect(c['aws:TagKeys']).toEqual(['a'])
  })
})

describe('the session-tags claim', () => {
  const refusal = (claim: unknown): unknown => {
    try {
      webIdentity(verified({ 'https://aws.amazon.com/tags': claim }))
    } catch (e) {
      return e
    }
    return undefined
  }

  it.each([
    ['not an object', 'tags'],
    ['principal_tags a list', { principal_tags: ['a'] }],
    ['two values', { principal_tags: { a: ['b', 'c'] } }],
    ['a value too long', { principal_tags: { a: 'x'.repeat(257) } }],
    ['a transitive key that is not a tag', { principal_tags: { a: 'b' }, transitive_tag_keys: ['c'] }],
    ['a transitive key only an object prototype has', { principal_tags: { a: 'b' }, transitive_tag_keys: ['constructor'] }],
  ])('%s: InvalidIdentityToken, with a reason for the record', (_name, claim) => {
    const e = refusal(claim)
    expect(e).toBeInstanceOf(ExchangeRefusal)
    expect(e).toMatchObject({ code: 'InvalidIdentityToken', status: 400, message: expect.stringMatching(/^The session tags in the web identity token are invalid: /) })
    expect((e as ExchangeRefusal).reason).toMatch(/^token rejected \(session-tags\): /)
  })

  it('a tag named __proto__ is a tag', () => {
    const id = webIdentity(verified({ 'https://aws.amazon.com/tags': JSON.parse('{"principal_tags":{"__proto__":["x"]},"transitive_tag_keys":["__proto__"]}') as unknown }))
    expect(Object.keys(id.tags?.tags ?? {})).toEqual(['__proto__'])
    expect(webIdentityContext(request(), id, env, NOW)['aws:RequestTag/__proto__']).toBe('x')
  })
})

describe('decideWebIdentity', () => {
  const trust = [allow('sts:AssumeRoleWithWebIdentity', { StringEquals: { [`${HOST}:sub`]: SUBJECT, [`${HOST}:aud`]: 'sts.amazonaws.com' } }, 'Irsa')]

  it('allows with the deciding statement and the context it presented', () => {
    const d = decideWebIdentity(request(), webIdentity(verified()), role(trust), env, NOW)
    expect(d).toMatchObject({ allow: true, statements: [{ kind: 'trust', index: 0, sid: 'Irsa', effect: 'Allow' }] })
    expect(d.explanation).not.toBe('')
    expect(d.context?.[`${HOST}:sub`]).toBe(SUBJECT)
  })

  it('another service account: AccessDenied with AWS text, the reason names the action', () => {
    const d = decideWebIdentity(request(), webIdentity({ ...verified(), subject: 'system:serviceaccount:shop:other' }), role(trust), env, NOW)
    expect(d.allow).toBe(false)
    if (d.allow) return
    expect(d.error).toMatchObject({ code: 'AccessDenied', message: WEB_IDENTITY_DENIED, status: 403 })
    expect(d.explanation).toMatch(/^the trust policy does not allow sts:AssumeRoleWithWebIdentity \(ImplicitDeny: /)
  })

  it('session tags need sts:TagSession; a tag condition decides on aws:RequestTag', () => {
    const tagged = webIdentity(verified({ 'https://aws.amazon.com/tags': TAGS }))
    const noTag = decideWebIdentity(request(), tagged, role(trust), env, NOW)
    expect(noTag).toMatchObject({ allow: false, error: { code: 'AccessDenied' } })
    expect(noTag.explanation).toContain('sts:TagSession')

    const withTag = role([...trust, allow('sts:TagSession', { StringEquals: { 'aws:RequestTag/team': 'payments' } }, 'Tags')])
    const d = decideWebIdentity(request(), tagged, withTag, env, NOW)
    expect(d).toMatchObject({ allow: true })
    expect(d.statements.map((s) => s.sid)).toEqual(['Irsa', 'Tags'])

    const other = webIdentity(verified({ 'https://aws.amazon.com/tags': { principal_tags: { team: ['risk'] } } }))
    expect(decideWebIdentity(request(), other, withTag, env, NOW).allow).toBe(false)
  })

  it('a source identity needs sts:SetSourceIdentity', () => {
    const id = webIdentity(verified({ 'https://aws.amazon.com/source_identity': 'alice' }))
    expect(decideWebIdentity(request(), id, role(trust), env, NOW).explanation).toContain('sts:SetSourceIdentity')
    expect(decideWebIdentity(request(), id, role([...trust, allow('sts:SetSourceIdentity')]), env, NOW).allow).toBe(true)
  })

  it('an explicit Deny decides, with its statement', () => {
    const deny = { Sid: 'NoProd', Effect: 'Deny', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }
    const d = decideWebIdentity(request(), webIdentity(verified()), role([...trust, deny]), env, NOW)
    expect(d).toMatchObject({ allow: false, statements: [{ sid: 'NoProd', effect: 'Deny' }] })
  })

  it('no role, another role of the same name, an unreadable trust, a duration over the maximum', () => {
    const id = webIdentity(verified())
    expect(decideWebIdentity(request(), id, undefined, env, NOW)).toMatchObject({ allow: false, explanation: 'the role does not exist', error: { code: 'AccessDenied' }, context: undefined })
    expect(decideWebIdentity(request(), id, role(trust, { arn: `arn:aws:iam::${ACCOUNT}:role/team/app` }), env, NOW).allow).toBe(false)
    expect(decideWebIdentity(request(), id, role(trust, { trustPolicy: '{"Statement":' }), env, NOW)).toMatchObject({ allow: false, explanation: 'the role trust policy cannot be read' })
    expect(decideWebIdentity(request({ durationSeconds: 7200 }), id, role(trust), env, NOW)).toMatchObject({
      allow: false,
      error: { code: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' },
    })
  })
})
