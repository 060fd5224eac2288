/** The trust-reach analyzer: per issuer, which subjects and audiences a trust admits, decided by the engine. */
import { describe, expect, it } from 'vitest'
import { compilePolicy } from '../../src/policy/compile.js'
import { evaluate } from '../../src/policy/evaluate.js'
import { analyzeTrust, subjectPool } from '../../src/trust/reach.js'
import type { IssuerReach } from '../../src/trust/reach.js'

const ACCT = '111122223333'
const ROLE = `arn:aws:iam::${ACCT}:role/app`
const ISSUER = 'oidc.eks.us-east-1.amazonaws.com/id/ABC'
const OTHER = 'token.actions.githubusercontent.com'
const provider = (host: string): string => `arn:aws:iam::${ACCT}:oidc-provider/${host}`
const PROVIDER = provider(ISSUER)

type Statement = Record<string, unknown>
const web = (condition?: Record<string, unknown>, extra: Statement = {}): Statement => ({
  Effect: 'Allow',
  Principal: { Federated: PROVIDER },
  Action: 'sts:AssumeRoleWithWebIdentity',
  ...(condition === undefined ? {} : { Condition: condition }),
  ...extra,
})
const compile = (...statements: Statement[]) => compilePolicy({ Version: '2012-10-17', Statement: statements }, { kind: 'trust', name: 'trust' })
const sub = (v: string | string[], op = 'StringEquals', aud: string | null = 'sts.amazonaws.com'): Record<string, Record<string, unknown>> => {
  const c: Record<string, Record<string, unknown>> = { [op]: { [`${ISSUER}:sub`]: v } }
  if (aud !== null) c.StringEquals = { ...c.StringEquals, [`${ISSUER}:aud`]: aud }
  return c
}
const only = (statements: Statement[], more: Partial<Parameters<typeof analyzeTrust>[0]> = {}): IssuerReach => {
  const r = analyzeTrust({ trust: compile(...statements), roleArn: ROLE, ...more })
  expect(r.issuers).toHaveLength(1)
  return r.issuers[0] as IssuerReach
}

describe('analyzeTrust: sub', () => {
  it('an exact subject: EXACT, that subject admitted, aud constrained to sts.amazonaws.com', () => {
    const r = only([web(sub('system:serviceaccount:team-a:app'))])
    expect(r.issuer).toEqual({ host: ISSUER, providerArn: PROVIDER })
    expect(r.scope).toBe('EXACT')
    expect(r.exact).toEqual([{ subject: 'system:serviceaccount:team-a:app', namespace: 'team-a', name: 'app', admitted: true }])
    expect(r.aud).toEqual({ constrained: true, values: ['sts.amazonaws.com'], tried: ['sts.amazonaws.com'], accepted: [] })
    expect(r.positiveSub).toBe(true)
    expect(r.deciding.map((s) => s.index)).toEqual([0])
  })
  it('StringLike system:serviceaccount:team-a:*: any name in team-a (NS), with the probe as evidence', () => {
    const r = only([web(sub('system:serviceaccount:team-a:*', 'StringLike'))])
    expect(r.scope).toBe('NS')
    expect(r.namespaces).toEqual(['team-a'])
    expect(r.wildcards).toEqual(['system:serviceaccount:team-a:*'])
    expect(r.evidence).toBe('system:serviceaccount:team-a:zz-irsa-audit-sa-9b7e')
  })
  it('StringLike "*": every subject (CLUSTER); known service accounts are all admitted', () => {
    const pool = subjectPool([{ namespace: 'a', name: 'x' }, { namespace: 'b', name: 'y' }])
    const r = only([web(sub('*', 'StringLike'))], { subjects: pool })
    expect(r.scope).toBe('CLUSTER')
    expect(r.admitted.map((a) => a.subject.name)).toEqual(['x', 'y'])
    expect(r.positiveSub).toBe(true)
  })
  it('a name after a namespace wildcard (*:default) is admitted in any namespace (ANYNS)', () => {
    const r = only([web(sub('system:serviceaccount:*:default', 'StringLike'))])
    expect(r.scope).toBe('ANYNS')
    expect(r.anyNamespaceNames).toEqual(['default'])
  })
  it('a partial pattern (app-*) admits subjects nobody listed (PATTERN); a listed subject does not count', () => {
    const r = only([web(sub(['system:serviceaccount:team-a:app-*', 'system:serviceaccount:team-a:app'], 'StringLike'))])
    expect(r.scope).toBe('PATTERN')
    expect(r.patterns).toEqual(['system:serviceaccount:team-a:app-*'])
    expect(r.exact.map((e) => e.admitted)).toEqual([true])
  })
  it('no sub condition: CLUSTER without a positive sub', () => {
    const r = only([web({ StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' } })])
    expect(r.scope).toBe('CLUSTER')
    expect(r.positiveSub).toBe(false)
  })
})

describe('analyzeTrust: aud', () => {
  it('missing aud: unconstrained', () => {
    const r = only([web(sub('system:serviceaccount:team-a:app', 'StringEquals', null))])
    expect(r.aud.constrained).toBe(false)
    expect(r.aud.values).toEqual([])
  })
  it('aud other than sts.amazonaws.com: tried when the provider is unknown, not when the provider does not accept it', () => {
    const statements = [web(sub('system:serviceaccount:*:*', 'StringLike', 'vault'))]
    const unknown = only(statements)
    expect(unknown.scope).toBe('CLUSTER')
    expect(unknown.aud).toEqual({ constrained: true, values: ['vault'], tried: ['sts.amazonaws.com', 'vault'], accepted: ['vault'] })
    const known = only(statements, { issuers: [{ host: ISSUER, providerArn: PROVIDER, audiences: ['sts.amazonaws.com'] }] })
    expect(known.scope).toBe('NONE')
    expect(known.aud.constrained).toBeUndefined()
    // Whatever the provider accepts today, the trust itself accepts the vault audience.
    expect(known.aud.accepted).toEqual(['vault'])
  })
  it('accepted audiences: the API server\'s (default service-account tokens), besides or instead of STS\'s, decided by the engine', () => {
    const exact = 'system:serviceaccount:team-a:app'
    const both = only([web({ StringEquals: { [`${ISSUER}:sub`]: exact, [`${ISSUER}:aud`]: ['sts.amazonaws.com', 'https://kubernetes.default.svc'] } })])
    expect(both.aud.constrained).toBe(true)
    expect(both.aud.accepted).toEqual(['https://kubernetes.default.svc'])
    // Not written anywhere: the issuer URL (the API server's default audience) matched by a pattern.
    const like = only([web({ StringEquals: { [`${ISSUER}:sub`]: exact }, StringLike: { [`${ISSUER}:aud`]: 'https://oidc.*' } })])
    expect(like.aud.accepted).toContain(`https://${ISSUER}`)
    expect(like.aud.accepted).not.toContain('sts.amazonaws.com')
    // Unrestricted: every API server audience is accepted too.
    const none = only([web({ StringEquals: { [`${ISSUER}:sub`]: exact } })])
    expect(none.aud.constrained).toBe(false)
    expect(none.aud.accepted).toEqual(expect.arrayContaining(['https://kubernetes.default.svc', `https://${ISSUER}`]))
  })
  it('ForAnyValue / ForAllValues on aud constrain it like StringEquals for the single-valued aud claim', () => {
    for (const op of ['ForAnyValue:StringEquals', 'ForAllValues:StringEquals']) {
      const r = only([web({ StringEquals: { [`${ISSUER}:sub`]: 'system:serviceaccount:team-a:app' }, [op]: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' } })])
      expect(r.scope, op).toBe('EXACT')
      expect(r.aud.constrained, op).toBe(true)
    }
  })
})

describe('analyzeTrust: several statements, Deny, several issuers', () => {
  it('two Allow statements: both exact subjects, each decided by its own statement', () => {
    const r = only([web(sub('system:serviceaccount:team-a:app')), web(sub('system:serviceaccount:team-b:api'), { Sid: 'B' })], {
      subjects: subjectPool([{ namespace: 'team-b', name: 'api' }]),
    })
    expect(r.statements.map((s) => s.index)).toEqual([0, 1])
    expect(r.exact.map((e) => [e.subject, e.admitted])).toEqual([
      ['system:serviceaccount:team-a:app', true],
      ['system:serviceaccount:team-b:api', true],
    ])
    expect(r.admitted[0]?.statements.map((s) => s.sid)).toEqual(['B'])
  })
  it('a Deny carves out: an exact subject denied is not admitted; the wildcard still reaches the rest', () => {
    const deny = { Effect: 'Deny', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${ISSUER}:sub`]: 'system:serviceaccount:team-a:admin' } } }
    const r = only([web(sub('system:serviceaccount:team-a:*', 'StringLike')), deny], { subjects: subjectPool([{ namespace: 'team-a', name: 'admin' }, { namespace: 'team-a', name: 'app' }]) })
    expect(r.scope).toBe('NS')
    expect(r.admitted.map((a) => a.subject.name)).toEqual(['app'])
  })
  it('a Deny outside one namespace limits an unconditioned Allow to that namespace', () => {
    const deny = { Effect: 'Deny', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringNotLike: { [`${ISSUER}:sub`]: 'system:serviceaccount:team-a:*' } } }
    const r = only([web(), deny], { subjects: subjectPool([{ namespace: 'team-a', name: 'app' }, { namespace: 'team-b', name: 'app' }]) })
    expect(r.scope).toBe('NS')
    expect(r.namespaces).toEqual(['team-a'])
    expect(r.admitted.map((a) => a.subject.namespace)).toEqual(['team-a'])
  })
  it('several issuers: each analysed on its own', () => {
    const gh = { Effect: 'Allow', Principal: { Federated: provider(OTHER) }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringLike: { [`${OTHER}:sub`]: 'repo:org/*' } } }
    const r = analyzeTrust({ trust: compile(web(sub('system:serviceaccount:team-a:app')), gh), roleArn: ROLE })
    expect(r.issuers.map((i) => [i.issuer.host, i.scope])).toEqual([
      [ISSUER, 'EXACT'],
      [OTHER, 'PATTERN'],
    ])
    expect(r.issuers[1]?.aud.constrained).toBe(false)
  })
  it('Principal "*" with issuer condition keys: the issuer is found from the keys', () => {
    const r = analyzeTrust({ trust: compile({ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringLike: { [`${ISSUER}:sub`]: 'system:serviceaccount:*' } } }), roleArn: ROLE })
    expect(r.issuers.map((i) => [i.issuer.providerArn, i.scope])).toEqual([[PROVIDER, 'CLUSTER']])
  })
})

describe('analyzeTrust: Pod Identity', () => {
  const pods = (condition?: Record<string, unknown>, actions: string[] = ['sts:AssumeRole', 'sts:TagSession']): Statement => ({
    Effect: 'Allow',
    Principal: { Service: 'pods.eks.amazonaws.com' },
    Action: actions,
    ...(condition === undefined ? {} : { Condition: condition }),
  })
  const association = { account: ACCT, clusterArn: `arn:aws:eks:us-east-1:${ACCT}:cluster/prod`, clusterName: 'prod', namespace: 'team-a', serviceAccount: 'app' }
  it('without conditions: admitted for any cluster and workload of the account', () => {
    const r = analyzeTrust({ trust: compile(pods()), roleArn: ROLE, podIdentity: association })
    expect(r.issuers).toEqual([])
    expect(r.podIdentity).toMatchObject({ tagSession: true, conditions: [], unscoped: true, association: { admitted: true } })
    expect(r.podIdentity.statements.map((s) => s.index)).toEqual([0])
  })
  it('with tag conditions: scoped, and admitted only for the association they name', () => {
    const cond = { StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'team-a', 'aws:RequestTag/kubernetes-service-account': 'app', 'aws:SourceArn': association.clusterArn } }
    const r = analyzeTrust({ trust: compile(pods(cond)), roleArn: ROLE, podIdentity: association })
    expect(r.podIdentity.unscoped).toBe(false)
    expect(r.podIdentity.association?.admitted).toBe(true)
    expect(r.podIdentity.conditions.map((c) => c.key)).toEqual(['aws:RequestTag/kubernetes-namespace', 'aws:RequestTag/kubernetes-service-account', 'aws:SourceArn'])
    const other = analyzeTrust({ trust: compile(pods(cond)), roleArn: ROLE, podIdentity: { ...association, serviceAccount: 'other' } })
    expect(other.podIdentity.association?.admitted).toBe(false)
  })
  it('without sts:TagSession: not admitted while session tags are on', () => {
    const r = analyzeTrust({ trust: compile(pods(undefined, ['sts:AssumeRole'])), roleArn: ROLE, podIdentity: association })
    expect(r.podIdentity).toMatchObject({ tagSession: false, unscoped: false, association: { admitted: false, tagSessionNeeded: true } })
    expect(analyzeTrust({ trust: compile(pods(undefined, ['sts:AssumeRole'])), roleArn: ROLE, podIdentity: { ...association, disableSessionTags: true } }).podIdentity.association?.admitted).toBe(true)
  })
})

describe('evaluate(…, { explain: true })', () => {
  it('traces each statement: the one that applies, and the first element or clause that does not match', () => {
    const trust = compile(web(sub('system:serviceaccount:team-a:app')), { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: 'sts:AssumeRole' })
    const request = { principal: PROVIDER, principalType: 'Federated' as const, action: 'sts:AssumeRoleWithWebIdentity', resource: ROLE, context: { [`${ISSUER}:sub`]: 'system:serviceaccount:team-b:x', [`${ISSUER}:aud`]: 'sts.amazonaws.com' } }
    const d = evaluate(request, { resource: [trust] }, { explain: true })
    expect(d.decision).toBe('ImplicitDeny')
    expect(d.trace?.map((t) => [t.statement.index, t.applies, t.miss])).toEqual([
      [0, false, 'condition'],
      [1, false, 'action'],
    ])
    expect(d.trace?.[0]?.condition).toEqual({ operator: 'StringEquals', key: `${ISSUER}:sub`, values: ['system:serviceaccount:team-a:app'] })
    const ok = evaluate({ ...request, context: { ...request.context, [`${ISSUER}:sub`]: 'system:serviceaccount:team-a:app' } }, { resource: [trust] }, { explain: true })
    expect(ok.trace?.[0]).toEqual({ statement: ok.statements[0], applies: true })
    expect(evaluate(request, { resource: [trust] }).trace).toBeUndefined()
  })
})
