// The containment documents: AWS's revoke-sessions shape, subject scoping, and removal by Sid.
import { describe, expect, it } from 'vitest'
import { compilePolicy } from '../../src/policy/compile.js'
import { evaluate } from '../../src/policy/evaluate.js'
import { addStatements, containmentOfSid, hasStatements, removeStatements, revokeStatements, sessionDenyStatements, trustDenyStatements } from '../../src/respond/revoke-policy.js'

const HOST = 'oidc.example.com/id/ABC'
const PROVIDER = { arn: `arn:aws:iam::111122223333:oidc-provider/${HOST}`, host: HOST }
const SUB = 'system:serviceaccount:shop:checkout'
const SA = { namespace: 'shop', name: 'checkout' }

describe('revoke statements', () => {
  it('without a subject: the AWSRevokeOlderSessions statement of the IAM User Guide', () => {
    expect(revokeStatements('ctn-0a1b2c3d4e5f', '2024-05-07T23:47:00Z')).toEqual([
      { Sid: 'IrsaContainctn0a1b2c3d4e5f', Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { DateLessThan: { 'aws:TokenIssueTime': '2024-05-07T23:47:00Z' } } },
    ])
  })

  it('with a subject: also the provider sub, and the engine denies only older sessions of that subject', () => {
    const doc = addStatements(undefined, revokeStatements('ctn-1', '2024-05-07T23:47:00Z', SA, [PROVIDER]))
    const p = compilePolicy(doc, { kind: 'identity', name: 'AWSRevokeOlderSessions' })
    const ask = (issued: string, sub: string): string =>
      evaluate({ principal: 'arn:aws:sts::111122223333:assumed-role/r/s', action: 'iam:GetRole', resource: '*', context: { 'aws:TokenIssueTime': issued, [`${HOST}:sub`]: sub } }, { identity: [p] }).decision
    expect(ask('2024-05-07T23:46:59Z', SUB)).toBe('ExplicitDeny')
    expect(ask('2024-05-07T23:47:00Z', SUB)).toBe('ImplicitDeny')
    expect(ask('2024-05-07T23:46:59Z', 'system:serviceaccount:shop:ledger')).toBe('ImplicitDeny')
  })

  it('with a service account: its Pod Identity sessions by session tags; a session without the tags or with others is not matched', () => {
    const p = compilePolicy(addStatements(undefined, revokeStatements('ctn-1', '2024-05-07T23:47:00Z', SA, [PROVIDER])), { kind: 'identity', name: 'AWSRevokeOlderSessions' })
    const ask = (tags: Record<string, string>): string => {
      const context: Record<string, string> = { 'aws:TokenIssueTime': '2024-05-07T23:46:59Z' }
      for (const [k, v] of Object.entries(tags)) context[`aws:PrincipalTag/${k}`] = v
      return evaluate({ principal: 'arn:aws:sts::111122223333:assumed-role/r/eks-c-p-1', action: 'iam:GetRole', resource: '*', context }, { identity: [p] }).decision
    }
    expect(ask({ 'kubernetes-namespace': 'shop', 'kubernetes-service-account': 'checkout' })).toBe('ExplicitDeny')
    expect(ask({ 'kubernetes-namespace': 'shop', 'kubernetes-service-account': 'ledger' })).toBe('ImplicitDeny')
    expect(ask({ 'kubernetes-namespace': 'shop' })).toBe('ImplicitDeny')
    expect(ask({})).toBe('ImplicitDeny')
  })

  it('trust deny for Pod Identity: sts:AssumeRole and sts:TagSession by pods.eks.amazonaws.com with the account\'s request tags', () => {
    const allow = { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }
    const t = compilePolicy(addStatements(JSON.stringify({ Version: '2012-10-17', Statement: [allow] }), trustDenyStatements('ctn-3', SA, [PROVIDER])), { kind: 'trust' })
    const ask = (action: string, sa: string): string =>
      evaluate(
        {
          principal: 'pods.eks.amazonaws.com',
          principalType: 'Service',
          action,
          resource: 'arn:aws:iam::111122223333:role/r',
          context: { 'aws:RequestTag/kubernetes-namespace': 'shop', 'aws:RequestTag/kubernetes-service-account': sa },
        },
        { resource: [t] },
      ).decision
    expect(ask('sts:AssumeRole', 'checkout')).toBe('ExplicitDeny')
    expect(ask('sts:TagSession', 'checkout')).toBe('ExplicitDeny')
    expect(ask('sts:AssumeRole', 'ledger')).toBe('Allow')
  })

  it('trust deny: one Deny per provider on its sub, and it beats the Allow', () => {
    const allow = { Effect: 'Allow', Principal: { Federated: PROVIDER.arn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringLike: { [`${HOST}:sub`]: 'system:serviceaccount:shop:*' } } }
    const doc = addStatements(JSON.stringify({ Version: '2012-10-17', Statement: allow }), trustDenyStatements('ctn-2', SA, [PROVIDER]))
    const t = compilePolicy(doc, { kind: 'trust' })
    const ask = (sub: string): string =>
      evaluate({ principal: PROVIDER.arn, principalType: 'Federated', action: 'sts:AssumeRoleWithWebIdentity', resource: 'arn:aws:iam::111122223333:role/r', context: { [`${HOST}:sub`]: sub } }, { resource: [t] }).decision
    expect(ask(SUB)).toBe('ExplicitDeny')
    expect(ask('system:serviceaccount:shop:ledger')).toBe('Allow')
  })
})

describe('session deny', () => {
  it('denies exactly the named sessions by aws:userid (<role id>:<session name>), whatever their issue time', () => {
    const st = sessionDenyStatements('ctn-3', 'AROAEXAMPLEROLEID0001', ['a', 'b', 'a'])
    expect(st).toEqual([{ Sid: 'IrsaContainctn3', Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { StringEquals: { 'aws:userid': ['AROAEXAMPLEROLEID0001:a', 'AROAEXAMPLEROLEID0001:b'] } } }])
    const p = compilePolicy(addStatements(undefined, st), { kind: 'identity', name: 'IrsaContain' })
    const ask = (userid: string): string => evaluate({ principal: 'arn:aws:sts::111122223333:assumed-role/r/s', action: 'iam:GetRole', resource: '*', context: { 'aws:userid': userid } }, { identity: [p] }).decision
    expect(ask('AROAEXAMPLEROLEID0001:a')).toBe('ExplicitDeny')
    expect(ask('AROAEXAMPLEROLEID0001:b')).toBe('ExplicitDeny')
    expect(ask('AROAEXAMPLEROLEID0001:c')).toBe('ImplicitDeny')
    expect(ask('AROAOTHERROLEID000001:a')).toBe('ImplicitDeny')
  })

  it('a trust deny without an OIDC provider is the Pod Identity statement alone', () => {
    expect(trustDenyStatements('ctn-4', SA, [])).toEqual([
      {
        Sid: 'IrsaContainctn4',
        Effect: 'Deny',
        Principal: { Service: 'pods.eks.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: { StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'shop', 'aws:RequestTag/kubernetes-service-account': 'checkout' } },
      },
    ])
  })
})

describe('add and remove by containment id', () => {
  it('removes only the named containment, keeps others and foreign statements, and reports emptiness', () => {
    const base = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Theirs', Effect: 'Deny', Action: 's3:*', Resource: '*' }] })
    const two = addStatements(addStatements(base, revokeStatements('ctn-a', '2024-01-01T00:00:00Z')), revokeStatements('ctn-b', '2024-01-02T00:00:00Z', SA, [PROVIDER, { arn: 'arn:aws:iam::111122223333:oidc-provider/x', host: 'x' }]))
    expect(hasStatements(two, 'ctn-a')).toBe(true)
    expect(hasStatements(two, 'ctn-b')).toBe(true)
    const withoutB = removeStatements(two, 'ctn-b') as string
    expect((JSON.parse(withoutB) as { Statement: { Sid: string }[] }).Statement.map((x) => x.Sid)).toEqual(['Theirs', 'IrsaContainctna'])
    expect(containmentOfSid('IrsaContainctnbN2', ['ctn-a', 'ctn-b'])).toBe('ctn-b')
    expect(containmentOfSid('IrsaContainctnaX', ['ctn-a'])).toBeUndefined()
    expect(removeStatements(addStatements(undefined, revokeStatements('ctn-c', '2024-01-01T00:00:00Z')), 'ctn-c')).toBeUndefined()
  })
})
