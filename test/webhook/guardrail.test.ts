/** The guardrail (--enforce): shared roles and wildcard trust, decided with irsa's policy engine. */
import { describe, expect, it } from 'vitest'
import { checkGuardrail } from '../../src/webhook/guardrail.js'
import { parseAuthorizationDetails, roleLookupFromMap } from '../../src/webhook/role-lookup.js'
import { post, review, testApp } from './helpers.js'

const ACCT = '111122223333'
const ISSUER = 'oidc.eks.us-east-1.amazonaws.com/id/ABC'
const PROVIDER = `arn:aws:iam::${ACCT}:oidc-provider/${ISSUER}`
const ROLE = `arn:aws:iam::${ACCT}:role/app`
const trust = (condition: Record<string, unknown> | undefined): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', ...(condition === undefined ? {} : { Condition: condition }) }],
  })
const exact = trust({ StringEquals: { [`${ISSUER}:sub`]: 'system:serviceaccount:team-a:app', [`${ISSUER}:aud`]: 'sts.amazonaws.com' } })
let n = 0
const base = { roleArn: ROLE, namespace: 'team-a', serviceAccount: 'app', audience: 'sts.amazonaws.com', boundServiceAccounts: [{ namespace: 'team-a', name: 'app' }], randomToken: () => `t${n++}` }

describe('checkGuardrail', () => {
  it('an exact trust and a role used in one namespace pass', () => {
    expect(checkGuardrail({ ...base, trustPolicy: exact })).toMatchObject({ violations: [], notes: [] })
  })
  it('a role bound in other namespaces is shared', () => {
    const r = checkGuardrail({ ...base, trustPolicy: exact, boundServiceAccounts: [...base.boundServiceAccounts, { namespace: 'team-b', name: 'x' }, { namespace: 'team-c', name: 'y' }] })
    expect(r.violations).toEqual([{ reason: 'role-shared-across-namespaces', detail: 'team-b, team-c' }])
  })
  it('StringLike system:serviceaccount:*:* admits any namespace', () => {
    const r = checkGuardrail({ ...base, trustPolicy: trust({ StringLike: { [`${ISSUER}:sub`]: 'system:serviceaccount:*:*' } }) })
    expect(r.violations[0]?.reason).toBe('trust-admits-any-namespace')
  })
  it('no sub condition at all admits anyone', () => {
    expect(checkGuardrail({ ...base, trustPolicy: trust({ StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' } }) }).violations[0]?.reason).toBe('trust-admits-any-namespace')
    expect(checkGuardrail({ ...base, trustPolicy: trust(undefined) }).violations[0]?.reason).toBe('trust-admits-any-namespace')
  })
  it('system:serviceaccount:team-a:* admits every SA of the namespace', () => {
    expect(checkGuardrail({ ...base, trustPolicy: trust({ StringLike: { [`${ISSUER}:sub`]: 'system:serviceaccount:team-a:*' } }) }).violations[0]?.reason).toBe('trust-admits-any-service-account')
  })
  it('a partial pattern (app-*) is a wildcard subject too', () => {
    const r = checkGuardrail({ ...base, serviceAccount: 'app-1', trustPolicy: trust({ StringLike: { [`${ISSUER}:sub`]: 'system:serviceaccount:team-a:app-*' } }) })
    expect(r.violations).toEqual([{ reason: 'trust-admits-wildcard-subject', detail: 'system:serviceaccount:team-a:app-*' }])
  })
  it('a StringLike without wildcards is fine; a Deny on the probes is respected', () => {
    expect(checkGuardrail({ ...base, trustPolicy: trust({ StringLike: { [`${ISSUER}:sub`]: 'system:serviceaccount:team-a:app' } }) }).violations).toEqual([])
  })
  it('fails closed on an unknown role or an unreadable trust; notes a trust that rejects this SA', () => {
    expect(checkGuardrail({ ...base, trustPolicy: undefined }).violations.map((v) => v.reason)).toEqual(['role-unknown'])
    expect(checkGuardrail({ ...base, trustPolicy: '{"Statement":"nope"}' }).violations.map((v) => v.reason)).toEqual(['trust-policy-invalid'])
    expect(checkGuardrail({ ...base, serviceAccount: 'other', trustPolicy: exact }).notes).toEqual(['trust-rejects-this-service-account'])
  })
})

describe('--iam FILE (get-account-authorization-details)', () => {
  it('reads decoded and URL-encoded trust policies', async () => {
    const roles = parseAuthorizationDetails(
      JSON.stringify({
        UserDetailList: [],
        RoleDetailList: [
          { RoleName: 'app', Arn: ROLE, Path: '/', AssumeRolePolicyDocument: JSON.parse(exact) as unknown },
          { RoleName: 'Other', Arn: `arn:aws:iam::${ACCT}:role/team/Other`, Path: '/team/', AssumeRolePolicyDocument: encodeURIComponent(exact) },
        ],
      }),
    )
    const lookup = roleLookupFromMap(roles)
    expect(JSON.parse((await lookup.trustPolicy(ROLE)) ?? '{}')).toEqual(JSON.parse(exact))
    expect(await lookup.trustPolicy(`arn:aws:iam::${ACCT}:role/other`)).toBe(exact)
    expect(() => parseAuthorizationDetails('{}')).toThrow(/RoleDetailList/)
  })
})

describe('the guardrail through the endpoint', () => {
  const sas = [
    { namespace: 'team-a', name: 'app', annotations: { 'eks.amazonaws.com/role-arn': ROLE } },
    { namespace: 'team-b', name: 'app', annotations: { 'eks.amazonaws.com/role-arn': ROLE } },
    { namespace: 'team-c', name: 'solo', annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${ACCT}:role/solo` } },
  ]
  const roles = roleLookupFromMap(new Map([[`${ACCT}/app`, exact], [`${ACCT}/solo`, trust({ StringLike: { [`${ISSUER}:sub`]: 'system:serviceaccount:*:solo' } })]]))
  const pod = (sa: string): Record<string, unknown> => ({ kind: 'Pod', spec: { serviceAccountName: sa, containers: [{ name: 'c' }] } })

  it('off by default: the shared role is injected', async () => {
    const app = await testApp({ serviceAccounts: sas, roles })
    expect((await post(app, review(pod('app'), { namespace: 'team-a' }))).json().response.allowed).toBe(true)
    await app.close()
  })
  it('--enforce denies with a message naming the role and the reason', async () => {
    const app = await testApp({ serviceAccounts: sas, roles, flags: { enforce: true } })
    const shared = (await post(app, review(pod('app'), { namespace: 'team-a', uid: 'g1' }))).json()
    expect(shared.response).toMatchObject({ uid: 'g1', allowed: false, status: { code: 403 } })
    expect(shared.response.status?.message).toContain(ROLE)
    expect(shared.response.status?.message).toContain('role-shared-across-namespaces')
    expect(shared.response.status?.message).toContain('team-b')
    const wild = (await post(app, review(pod('solo'), { namespace: 'team-c' }))).json()
    expect(wild.response.allowed).toBe(false)
    expect(wild.response.status?.message).toMatch(/role arn:aws:iam::111122223333:role\/solo .*any namespace.*trust-admits-any-namespace/)
    await app.close()
  })
  it('--enforce with a role the IAM data lacks: denied, since its trust cannot be verified', async () => {
    const app = await testApp({ serviceAccounts: [{ namespace: 'x', name: 'y', annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${ACCT}:role/unknown` } }], roles, flags: { enforce: true } })
    const r = (await post(app, review(pod('y'), { namespace: 'x' }))).json()
    expect(r.response.allowed).toBe(false)
    expect(r.response.status?.message).toMatch(/role arn:aws:iam::111122223333:role\/unknown .*not in the IAM data.*role-unknown/)
    await app.close()
  })
})
