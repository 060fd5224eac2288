import { describe, expect, it } from 'vitest'
import { compilePolicy } from '../../src/policy/compile.js'
import { evaluate } from '../../src/policy/evaluate.js'
import { ACCOUNT, USER, allow, decide, deny, resourcePolicy } from './helpers.js'

const OTHER = '444455556666'
const ROLE = `arn:aws:iam::${ACCOUNT}:role/app`
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1`
const BUCKET = 'arn:aws:s3:::bucket/key'
const get = (principal: string, resource = BUCKET, extra: object = {}) => ({ principal, action: 's3:GetObject', resource, ...extra })

describe('matching actions and resources', () => {
  it('actions are case-insensitive and support * and ?', () => {
    expect(decide(get(USER), { identity: [allow('S3:get*')] })).toBe('Allow')
    expect(decide(get(USER), { identity: [allow('s3:?etObject')] })).toBe('Allow')
    expect(decide(get(USER), { identity: [allow('s3:Put*')] })).toBe('ImplicitDeny')
    expect(decide(get(USER), { identity: [allow('*')] })).toBe('Allow')
  })
  it('NotAction allows every other action', () => {
    const p = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }] }
    expect(decide(get(USER), { identity: [p] })).toBe('Allow')
    expect(decide({ principal: USER, action: 'iam:CreateUser', resource: '*' }, { identity: [p] })).toBe('ImplicitDeny')
  })
  it('resources match segment by segment; * spans / and : in the resource part', () => {
    expect(decide(get(USER, 'arn:aws:s3:::bucket/a:b/c'), { identity: [allow('s3:GetObject', 'arn:aws:s3:::bucket/*')] })).toBe('Allow')
    expect(decide(get(USER, 'arn:aws:s3:::other/a'), { identity: [allow('s3:GetObject', 'arn:aws:s3:::bucket/*')] })).toBe('ImplicitDeny')
    const sns = `arn:aws:sns:us-east-1:${ACCOUNT}:topic`
    const send = { principal: USER, action: 'sns:Publish', resource: sns }
    expect(decide(send, { identity: [allow('sns:Publish', `arn:aws:sns:*:${ACCOUNT}:*`)] })).toBe('Allow')
    expect(decide(send, { identity: [allow('sns:Publish', `arn:aws:sns:us-west-2:${ACCOUNT}:*`)] })).toBe('ImplicitDeny')
  })
  it('the resource part is case-sensitive', () => {
    expect(decide(get(USER, 'arn:aws:s3:::BUCKET/key'), { identity: [allow('s3:GetObject', 'arn:aws:s3:::bucket/*')] })).toBe('ImplicitDeny')
  })
  it('an action without resources (Resource "*" in the request) only matches Resource "*"', () => {
    const list = { principal: USER, action: 's3:ListAllMyBuckets', resource: '*' }
    expect(decide(list, { identity: [allow('s3:ListAllMyBuckets', 'arn:aws:s3:::*')] })).toBe('ImplicitDeny')
    expect(decide(list, { identity: [allow('s3:ListAllMyBuckets', '*')] })).toBe('Allow')
  })
  it('NotResource allows everything else', () => {
    const p = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::secret/*' }] }
    expect(decide(get(USER), { identity: [p] })).toBe('Allow')
    expect(decide(get(USER, 'arn:aws:s3:::secret/x'), { identity: [p] })).toBe('ImplicitDeny')
  })
  it('resource variables resolve in the resource part; unresolvable ones match nothing', () => {
    const p = allow('s3:GetObject', 'arn:aws:s3:::bucket/home/${aws:username}/*')
    expect(decide(get(USER, 'arn:aws:s3:::bucket/home/alice/f', { context: { 'aws:username': 'alice' } }), { identity: [p] })).toBe('Allow')
    expect(decide(get(USER, 'arn:aws:s3:::bucket/home/bob/f', { context: { 'aws:username': 'alice' } }), { identity: [p] })).toBe('ImplicitDeny')
    expect(decide(get(USER, 'arn:aws:s3:::bucket/home/alice/f'), { identity: [p] })).toBe('ImplicitDeny')
  })
})

describe('explicit deny wins in every kind', () => {
  const allowAll = allow('*')
  it.each(['identity', 'boundary', 'session'] as const)('a Deny in %s', (kind) => {
    const docs = { identity: [allowAll], boundary: [allowAll], session: [allowAll] }
    docs[kind] = [allowAll, deny('s3:GetObject')]
    expect(decide(get(SESSION), docs)).toBe('ExplicitDeny')
  })
  it('a Deny in a resource policy', () => {
    expect(decide(get(USER), { identity: [allowAll], resource: [resourcePolicy('*', 's3:GetObject', '*', 'Deny')] })).toBe('ExplicitDeny')
  })
  it('a Deny in an SCP', () => {
    expect(decide(get(USER), { identity: [allowAll], scp: [[allowAll, deny('s3:*')]] })).toBe('ExplicitDeny')
  })
  it('the decision names the deciding statement', () => {
    const p = compilePolicy({ Version: '2012-10-17', Statement: [{ Sid: 'Allow', Effect: 'Allow', Action: '*', Resource: '*' }, { Sid: 'NoGet', Effect: 'Deny', Action: 's3:GetObject', Resource: '*' }] }, { kind: 'identity', name: 'p1' })
    const d = evaluate(get(USER), { identity: [p] })
    expect(d.decision).toBe('ExplicitDeny')
    expect(d.statements).toEqual([{ kind: 'identity', policy: 'p1', index: 1, sid: 'NoGet', effect: 'Deny' }])
  })
})

describe('SCPs', () => {
  it('every level needs an Allow', () => {
    expect(decide(get(USER), { identity: [allow('*')], scp: [[allow('*')], [allow('s3:*')]] })).toBe('Allow')
    expect(decide(get(USER), { identity: [allow('*')], scp: [[allow('*')], [allow('ec2:*')]] })).toBe('ImplicitDeny')
    expect(decide(get(USER), { identity: [allow('*')], scp: [[allow('ec2:*'), allow('s3:*')]] })).toBe('Allow')
  })
  it('an SCP allow grants nothing by itself', () => {
    expect(decide(get(USER), { scp: [[allow('*')]] })).toBe('ImplicitDeny')
  })
  it('SCPs do not apply to service or federated callers', () => {
    const trust = resourcePolicy({ Service: 'lambda.amazonaws.com' }, 'sts:AssumeRole')
    const req = { principal: 'lambda.amazonaws.com', principalType: 'Service' as const, action: 'sts:AssumeRole', resource: ROLE }
    expect(decide(req, { resource: [trust], scp: [[allow('ec2:*')]] })).toBe('Allow')
  })
  it('an empty level allows nothing', () => {
    expect(decide(get(USER), { identity: [allow('*')], scp: [[]] })).toBe('ImplicitDeny')
  })
})

describe('permissions boundaries and session policies', () => {
  it('identity ∩ boundary', () => {
    expect(decide(get(USER), { identity: [allow('s3:*')], boundary: [allow('s3:GetObject')] })).toBe('Allow')
    expect(decide(get(USER), { identity: [allow('s3:*')], boundary: [allow('ec2:*')] })).toBe('ImplicitDeny')
    expect(decide(get(USER), { identity: [allow('ec2:*')], boundary: [allow('s3:*')] })).toBe('ImplicitDeny')
    expect(decide(get(USER), { identity: [allow('s3:*')], boundary: [] })).toBe('ImplicitDeny')
  })
  it('identity ∩ session policy for a role session', () => {
    expect(decide(get(SESSION), { identity: [allow('s3:*')], session: [allow('s3:GetObject')] })).toBe('Allow')
    expect(decide(get(SESSION), { identity: [allow('s3:*')], session: [allow('s3:PutObject')] })).toBe('ImplicitDeny')
    expect(decide(get(SESSION), { identity: [allow('s3:*')] })).toBe('Allow')
  })
  it('a federated user session without a session policy has no permissions', () => {
    const fed = `arn:aws:sts::${ACCOUNT}:federated-user/bob`
    expect(decide(get(fed), { identity: [allow('s3:*')] })).toBe('ImplicitDeny')
    expect(decide(get(fed), { identity: [allow('s3:*')], session: [allow('s3:*')] })).toBe('Allow')
  })
})

describe('resource-based policies in one account', () => {
  it('naming the user allows without an identity policy, even past a boundary', () => {
    const rp = resourcePolicy({ AWS: USER }, 's3:GetObject')
    expect(decide(get(USER), { resource: [rp] })).toBe('Allow')
    expect(decide(get(USER), { resource: [rp], boundary: [allow('ec2:*')] })).toBe('Allow')
  })
  it('naming the role session is not limited by the session policy or boundary', () => {
    const rp = resourcePolicy({ AWS: SESSION }, 's3:GetObject')
    expect(decide(get(SESSION), { resource: [rp], session: [allow('ec2:*')], boundary: [allow('ec2:*')] })).toBe('Allow')
  })
  it('naming the role replaces the identity policy but is limited by boundary and session policy', () => {
    const rp = resourcePolicy({ AWS: ROLE }, 's3:GetObject')
    expect(decide(get(SESSION), { resource: [rp] })).toBe('Allow')
    expect(decide(get(SESSION), { resource: [rp], boundary: [allow('ec2:*')] })).toBe('ImplicitDeny')
    expect(decide(get(SESSION), { resource: [rp], session: [allow('ec2:*')] })).toBe('ImplicitDeny')
    expect(decide(get(SESSION), { resource: [rp], session: [allow('s3:*')] })).toBe('Allow')
  })
  it('* narrowed by a positive aws:PrincipalArn condition is not limited by boundary or session policy', () => {
    const byArn = (operator: string, value: string): object => ({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*', Condition: { [operator]: { 'aws:PrincipalArn': value } } }],
    })
    const ctx = { context: { 'aws:PrincipalArn': ROLE } }
    const limits = { boundary: [allow('ec2:*')], session: [allow('ec2:*')] }
    expect(decide(get(SESSION, BUCKET, ctx), { resource: [byArn('ArnEquals', ROLE)], ...limits })).toBe('Allow')
    expect(decide(get(SESSION, BUCKET, ctx), { resource: [byArn('StringLike', `arn:aws:iam::${ACCOUNT}:role/a*`)], ...limits })).toBe('Allow')
    // A negated operator names everyone but the listed ARNs, not the role: still limited.
    expect(decide(get(SESSION, BUCKET, ctx), { resource: [byArn('ArnNotEquals', `arn:aws:iam::${ACCOUNT}:role/other`)], ...limits })).toBe('ImplicitDeny')
    // The key absent from the request: an IfExists clause passes without naming anyone.
    expect(decide(get(SESSION), { resource: [byArn('ArnEqualsIfExists', ROLE)], ...limits })).toBe('ImplicitDeny')
    // A federated-user session is not a role: the exemption is the role principals' rule.
    const fed = `arn:aws:sts::${ACCOUNT}:federated-user/bob`
    const fedCtx = { context: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:user/bob` } }
    expect(decide(get(fed, BUCKET, fedCtx), { resource: [byArn('ArnEquals', `arn:aws:iam::${ACCOUNT}:user/bob`)], session: [allow('ec2:*')] })).toBe('ImplicitDeny')
  })
  it('naming the account only delegates: the identity policy must allow too', () => {
    for (const principal of [ACCOUNT, `arn:aws:iam::${ACCOUNT}:root`]) {
      const rp = resourcePolicy({ AWS: principal }, 's3:GetObject')
      expect(decide(get(USER), { resource: [rp] })).toBe('ImplicitDeny')
      expect(decide(get(USER), { resource: [rp], identity: [allow('s3:GetObject')] })).toBe('Allow')
    }
  })
  it('an identity policy alone is enough when the resource policy is silent', () => {
    expect(decide(get(USER), { resource: [resourcePolicy({ AWS: ROLE }, 's3:PutObject')], identity: [allow('s3:GetObject')] })).toBe('Allow')
  })
  it('no partial wildcards in Principal', () => {
    expect(decide(get(USER), { resource: [resourcePolicy({ AWS: `arn:aws:iam::${ACCOUNT}:user/*` }, 's3:GetObject')] })).toBe('ImplicitDeny')
  })
  it('a statement without Principal in a resource policy applies to nobody', () => {
    expect(decide(get(USER), { resource: [allow('s3:GetObject')] })).toBe('ImplicitDeny')
  })
})

describe('cross-account', () => {
  const theirs = `arn:aws:sqs:us-east-1:${OTHER}:queue`
  const send = { principal: USER, action: 'sqs:SendMessage', resource: theirs }
  it('both the identity policy and the resource policy must allow', () => {
    const rp = resourcePolicy({ AWS: ACCOUNT }, 'sqs:SendMessage')
    expect(decide(send, { identity: [allow('sqs:SendMessage')], resource: [rp] })).toBe('Allow')
    expect(decide(send, { identity: [allow('sqs:SendMessage')] })).toBe('ImplicitDeny')
    expect(decide(send, { resource: [rp] })).toBe('ImplicitDeny')
    expect(decide(send, { resource: [resourcePolicy({ AWS: USER }, 'sqs:SendMessage')] })).toBe('ImplicitDeny')
  })
  it('resourceAccount places an S3 object in another account', () => {
    const rp = resourcePolicy({ AWS: USER }, 's3:GetObject')
    expect(decide(get(USER, BUCKET, { resourceAccount: OTHER }), { resource: [rp] })).toBe('ImplicitDeny')
    expect(decide(get(USER, BUCKET, { resourceAccount: OTHER }), { resource: [rp], identity: [allow('s3:*')] })).toBe('Allow')
  })
})

describe('role trust policies', () => {
  const assume = (principal: string) => ({ principal, action: 'sts:AssumeRole', resource: ROLE })
  it('must allow explicitly: an identity policy alone is not enough', () => {
    const trust = resourcePolicy({ Service: 'ec2.amazonaws.com' }, 'sts:AssumeRole')
    expect(decide(assume(USER), { identity: [allow('sts:AssumeRole')], resource: [trust] })).toBe('ImplicitDeny')
  })
  it('naming the caller is enough in one account; naming the account needs the identity policy', () => {
    expect(decide(assume(USER), { resource: [resourcePolicy({ AWS: USER }, 'sts:AssumeRole')] })).toBe('Allow')
    const acct = resourcePolicy({ AWS: `arn:aws:iam::${ACCOUNT}:root` }, 'sts:AssumeRole')
    expect(decide(assume(USER), { resource: [acct] })).toBe('ImplicitDeny')
    expect(decide(assume(USER), { resource: [acct], identity: [allow('sts:AssumeRole', ROLE)] })).toBe('Allow')
  })
  it('web identity: Principal.Federated and the token claims', () => {
    const provider = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC`
    const k = 'oidc.eks.us-west-2.amazonaws.com/id/ABC'
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${k}:sub`]: 'system:serviceaccount:ns:sa', [`${k}:aud`]: 'sts.amazonaws.com' } } }],
    }
    const req = (sub: string, p = provider) => ({ principal: p, principalType: 'Federated' as const, action: 'sts:AssumeRoleWithWebIdentity', resource: ROLE, context: { [`${k}:sub`]: sub, [`${k}:aud`]: 'sts.amazonaws.com' } })
    expect(decide(req('system:serviceaccount:ns:sa'), { resource: [trust] })).toBe('Allow')
    expect(decide(req('system:serviceaccount:ns:other'), { resource: [trust] })).toBe('ImplicitDeny')
    expect(decide(req('system:serviceaccount:ns:sa', provider.replace('ABC', 'XYZ')), { resource: [trust] })).toBe('ImplicitDeny')
    // inferred as Federated from the provider ARN when principalType is omitted
    const { principalType: _omit, ...untyped } = req('system:serviceaccount:ns:sa')
    expect(decide(untyped, { resource: [trust] })).toBe('Allow')
  })
})

describe('NotPrincipal with Deny', () => {
  const notPrincipal = (list: string[]) => ({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Deny', NotPrincipal: { AWS: list }, Action: 's3:*', Resource: '*' },
      { Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' },
    ],
  })
  const root = `arn:aws:iam::${ACCOUNT}:root`
  it('spares a role session only when the account, the role and the session are all listed', () => {
    expect(decide(get(SESSION), { resource: [notPrincipal([SESSION, ROLE, root])] })).toBe('Allow')
    expect(decide(get(SESSION), { resource: [notPrincipal([ROLE, root])] })).toBe('ExplicitDeny')
    expect(decide(get(SESSION), { resource: [notPrincipal([SESSION, ROLE])] })).toBe('ExplicitDeny')
  })
  it('spares a user listed with its account, and denies everyone else', () => {
    expect(decide(get(USER), { resource: [notPrincipal([USER, root])] })).toBe('Allow')
    expect(decide(get(`arn:aws:iam::${ACCOUNT}:user/eve`), { resource: [notPrincipal([USER, root])] })).toBe('ExplicitDeny')
  })
  it('always denies a caller with a permissions boundary', () => {
    expect(decide(get(USER), { resource: [notPrincipal([USER, root])], boundary: [allow('*')] })).toBe('ExplicitDeny')
  })
})

describe('other callers', () => {
  it('the root user of the account is allowed unless denied', () => {
    expect(decide(get(ACCOUNT), {})).toBe('Allow')
    expect(decide(get(ACCOUNT), { identity: [deny('s3:*')] })).toBe('ExplicitDeny')
    expect(decide(get(ACCOUNT), { scp: [[allow('ec2:*')]] })).toBe('ImplicitDeny')
  })
  it('anonymous callers need a resource policy that names everyone', () => {
    expect(decide(get('*'), { resource: [resourcePolicy('*', 's3:GetObject')] })).toBe('Allow')
    expect(decide(get('*'), { resource: [resourcePolicy({ AWS: ACCOUNT }, 's3:GetObject')] })).toBe('ImplicitDeny')
  })
})

describe('bad requests', () => {
  it('rejects a request without a proper action or principal', () => {
    const p = compilePolicy(allow('*'), { kind: 'identity' })
    expect(() => evaluate({ principal: USER, action: 'nocolon', resource: '*' }, { identity: [p] })).toThrow(/service:Action/)
    expect(() => evaluate({ principal: 'bob', action: 's3:GetObject', resource: '*' }, { identity: [p] })).toThrow(/not an ARN/)
  })
})
