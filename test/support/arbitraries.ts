/**
 * fast-check arbitraries for IAM policies and requests over a deliberately SMALL shared vocabulary, so
 * that generated statements actually match generated requests (and so that differences between engines
 * show up in a few thousand runs instead of never).
 *
 * Everything generated is plain JSON: a failing case can be pasted into a test as is.
 */
import fc from 'fast-check'
import type { OracleContextValue, OracleRequest } from './iam-simulate-oracle.js'

// ---------------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------------

export const ACCT = '111122223333'
export const OTHER_ACCT = '444455556666'
export const OIDC_HOST = 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE'
export const OIDC_OTHER_HOST = 'oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF'
export const OIDC_PROVIDER = `arn:aws:iam::${ACCT}:oidc-provider/${OIDC_HOST}`
export const OIDC_OTHER_PROVIDER = `arn:aws:iam::${ACCT}:oidc-provider/${OIDC_OTHER_HOST}`
export const OIDC_SUB = `${OIDC_HOST}:sub`
export const OIDC_AUD = `${OIDC_HOST}:aud`

export const USER_ALICE = `arn:aws:iam::${ACCT}:user/alice`
export const ROLE_APP = `arn:aws:iam::${ACCT}:role/app`
export const SESSION_APP = `arn:aws:sts::${ACCT}:assumed-role/app/s1`
export const USER_BOB = `arn:aws:iam::${OTHER_ACCT}:user/bob`
export const ROOT_ACCT = `arn:aws:iam::${ACCT}:root`
export const SERVICE_LAMBDA = 'lambda.amazonaws.com'
export const ROLE_IRSA = `arn:aws:iam::${ACCT}:role/irsa`

/** The actions requests use (case variants are added by `requestActionArb`). */
export const REQUEST_ACTIONS = [
  's3:GetObject',
  's3:PutObject',
  's3:ListBucket',
  'iam:PassRole',
  'sts:AssumeRoleWithWebIdentity',
  'ec2:DescribeInstances',
] as const

/** Action patterns policies use: the exact names plus wildcards and case variants. */
export const ACTION_PATTERNS = [
  ...REQUEST_ACTIONS,
  's3:*',
  's3:Get*',
  '*',
  's3:?etObject',
  'S3:GETOBJECT',
  's3:putobject',
  'iam:*',
  'sts:AssumeRole*',
  'ec2:Describe*',
  's3:List*',
] as const

export const S3_OBJECT = 'arn:aws:s3:::bucket-a/key1'
export const S3_HOME = 'arn:aws:s3:::bucket-a/home/alice/x'
export const S3_BUCKET = 'arn:aws:s3:::bucket-a'
export const S3_OTHER = 'arn:aws:s3:::bucket-b/key1'

export const REQUEST_RESOURCES = [S3_OBJECT, S3_HOME, S3_BUCKET, S3_OTHER, ROLE_APP, `arn:aws:iam::${ACCT}:role/other`] as const

export const RESOURCE_PATTERNS = [
  '*',
  S3_OBJECT,
  S3_BUCKET,
  'arn:aws:s3:::bucket-a/*',
  'arn:aws:s3:::bucket-?/key1',
  'arn:aws:s3:::*',
  'arn:aws:s3:::bucket-a/home/${aws:username}/*',
  ROLE_APP,
  `arn:aws:iam::${ACCT}:role/*`,
  'arn:aws:iam::*:role/app',
] as const

// ---------------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------------

export type KeyType = 'string' | 'numeric' | 'date' | 'bool' | 'binary' | 'ip' | 'arn'

export interface KeySpec {
  readonly key: string
  readonly type: KeyType
  /** Values a request may carry (an array value = a multi-valued key). */
  readonly request: readonly OracleContextValue[]
  /** Values a policy may test against. */
  readonly policy: readonly string[]
}

export const KEYS: readonly KeySpec[] = [
  {
    key: 'aws:SourceIp',
    type: 'ip',
    request: ['10.0.0.5', '192.168.1.1', '2001:db8::1'],
    policy: ['10.0.0.0/8', '192.168.1.1', '2001:db8::/32', '10.0.0.5/32', '192.168.0.0/16'],
  },
  {
    key: 'aws:PrincipalTag/team',
    type: 'string',
    request: ['red', 'blue', 'Red', ''],
    policy: ['red', 'blue', 'r*', 'R?d', 'RED', '${aws:username}'],
  },
  {
    key: 'aws:TagKeys',
    type: 'string',
    request: [['env'], ['env', 'team'], [], ['Env'], ['team', 'owner']],
    policy: ['env', 'team', 'e*', 'owner'],
  },
  {
    key: 'aws:CurrentTime',
    type: 'date',
    // 1704067200 = 2024-01-01T00:00:00Z, 1735689600 = 2025-01-01T00:00:00Z (epoch seconds)
    request: ['2024-01-01T00:00:00Z', '2026-06-01T12:00:00Z', '1704067200'],
    policy: ['2025-01-01T00:00:00Z', '2024-01-01T00:00:00Z', '2026-06-01T12:00:00Z', '1735689600'],
  },
  { key: 'aws:MultiFactorAuthPresent', type: 'bool', request: ['true', 'false', true], policy: ['true', 'false'] },
  {
    key: 's3:prefix',
    type: 'string',
    request: ['home/alice/', 'home/bob/x', ''],
    policy: ['home/alice/*', 'home/${aws:username}/*', 'home/*', ''],
  },
  { key: 's3:max-keys', type: 'numeric', request: ['10', '1000', '5.5', 10], policy: ['100', '10', '5.5'] },
  {
    key: 'aws:SourceArn',
    type: 'arn',
    request: ['arn:aws:sns:us-east-1:111122223333:topic', 'arn:aws:sns:us-east-1:999:x:111122223333:t'],
    policy: ['arn:aws:sns:*:111122223333:*', 'arn:aws:sns:us-east-1:111122223333:topic', 'arn:aws:sns:*:111122223333:t'],
  },
  {
    key: 'aws:PrincipalArn',
    type: 'arn',
    request: [ROLE_APP, USER_ALICE],
    policy: [`arn:aws:iam::${ACCT}:role/*`, ROLE_APP, 'arn:aws:iam::*:user/alice'],
  },
  { key: 'aws:username', type: 'string', request: ['alice', 'bob'], policy: ['alice', 'a*'] },
  { key: 'aws:RequestTag/blob', type: 'binary', request: ['YWJj', 'ZGVm'], policy: ['YWJj', 'ZGVm'] },
  {
    key: OIDC_SUB,
    type: 'string',
    request: ['system:serviceaccount:default:app', 'system:serviceaccount:kube-system:other', 'system:serviceaccount:default:App'],
    policy: ['system:serviceaccount:default:app', 'system:serviceaccount:default:*', 'system:serviceaccount:*', 'system:serviceaccount:kube-system:other'],
  },
  { key: OIDC_AUD, type: 'string', request: ['sts.amazonaws.com', 'other.example.com'], policy: ['sts.amazonaws.com'] },
]

const OPERATORS_BY_TYPE: Record<KeyType, readonly string[]> = {
  string: ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike'],
  numeric: [
    'NumericEquals',
    'NumericNotEquals',
    'NumericLessThan',
    'NumericLessThanEquals',
    'NumericGreaterThan',
    'NumericGreaterThanEquals',
  ],
  date: ['DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals'],
  bool: ['Bool'],
  binary: ['BinaryEquals'],
  ip: ['IpAddress', 'NotIpAddress'],
  arn: ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'StringLike', 'StringEquals'],
}

export type ConditionBlock = Record<string, Record<string, string | string[]>>

/** One `Operator: { Key: value(s) }` entry, with an optional set qualifier / IfExists. */
export const conditionEntryArb: fc.Arbitrary<[string, string, string | string[]]> = fc
  .constantFrom(...KEYS)
  .chain((spec) =>
    fc.tuple(
      fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom(...OPERATORS_BY_TYPE[spec.type]) },
        { weight: 1, arbitrary: fc.constant('Null') },
      ),
      fc.constantFrom<string | undefined>(undefined, undefined, undefined, 'ForAnyValue', 'ForAllValues'),
      fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
      fc.subarray([...spec.policy], { minLength: 1, maxLength: Math.min(2, spec.policy.length) }),
      fc.constantFrom('true', 'false'),
      // Now and then an operator name in lower case (AWS documents the canonical spelling only).
      fc.integer({ min: 0, max: 29 }).map((n) => n === 0),
    ).map(([base, set, ifExists, values, nullValue, lower]): [string, string, string | string[]] => {
      const written = base === 'Null' ? 'Null' : `${set === undefined ? '' : `${set}:`}${base}${ifExists ? 'IfExists' : ''}`
      const op = lower ? written.toLowerCase() : written
      const v: string | string[] = base === 'Null' ? nullValue : values.length === 1 ? (values[0] as string) : values
      return [op, spec.key, v]
    }),
  )

export const conditionArb: fc.Arbitrary<ConditionBlock | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.array(conditionEntryArb, { minLength: 1, maxLength: 2 }).map((entries) => {
      const block: ConditionBlock = {}
      for (const [op, key, v] of entries) {
        const inner = (block[op] ??= {})
        inner[key] = v
      }
      return block
    }),
  },
)

// ---------------------------------------------------------------------------------------------------
// Statements and policies
// ---------------------------------------------------------------------------------------------------

export type StatementDoc = Record<string, unknown>
export interface PolicyDoc {
  Version?: string
  Statement: StatementDoc[]
}

export type GenKind = 'identity' | 'resource' | 'trust' | 'boundary' | 'session' | 'scp' | 'rcp'

/** A scalar when there is one element (half the time), else the array. */
function scalarOrList(values: readonly string[], scalar: boolean): string | string[] {
  return values.length === 1 && scalar ? (values[0] as string) : [...values]
}

function listArb(pool: readonly string[], focus?: string): fc.Arbitrary<string | string[]> {
  const fromPool = fc.subarray([...pool], { minLength: 1, maxLength: Math.min(2, pool.length) })
  const values =
    focus === undefined
      ? fromPool
      : fc.oneof(fromPool, fromPool.map((v) => [focus, ...v.slice(1)]))
  return fc.tuple(values, fc.boolean()).map(([v, s]) => scalarOrList(v, s))
}

/**
 * What a request is about, so that generated statements name it often enough to match: without a
 * focus, almost every generated request would be implicitly denied.
 */
export interface Focus {
  readonly action: string
  readonly resource: string
  readonly principal?: unknown
}

export const RESOURCE_PRINCIPALS: readonly unknown[] = [
  '*',
  { AWS: '*' },
  { AWS: USER_ALICE },
  { AWS: ROLE_APP },
  { AWS: SESSION_APP },
  { AWS: ACCT },
  { AWS: ROOT_ACCT },
  { AWS: USER_BOB },
  { AWS: OTHER_ACCT },
  { AWS: [USER_ALICE, USER_BOB] },
  { Service: SERVICE_LAMBDA },
]

export const TRUST_PRINCIPALS: readonly unknown[] = [
  { Federated: OIDC_PROVIDER },
  { Federated: OIDC_OTHER_PROVIDER },
  { AWS: ROLE_APP },
  { AWS: ACCT },
  { AWS: USER_ALICE },
  { AWS: USER_BOB },
  '*',
]

const TRUST_ACTIONS = ['sts:AssumeRoleWithWebIdentity', 'sts:AssumeRole', 'sts:AssumeRole*', 'sts:*', 'sts:TagSession'] as const

function strip(o: Record<string, unknown>): StatementDoc {
  const out: StatementDoc = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v
  return out
}

/** One statement valid for the given policy kind. */
export function statementArb(kind: GenKind, focus?: Focus): fc.Arbitrary<StatementDoc> {
  const effect =
    kind === 'rcp' ? fc.constant('Deny') : fc.constantFrom('Allow', 'Allow', 'Allow', 'Allow', 'Deny')
  const actionPool: readonly string[] = kind === 'trust' ? TRUST_ACTIONS : ACTION_PATTERNS
  const withFocus = (pool: readonly unknown[]): fc.Arbitrary<unknown> =>
    focus?.principal === undefined
      ? fc.constantFrom(...pool)
      : fc.oneof(fc.constantFrom(...pool), fc.constant(focus.principal))
  const principal =
    kind === 'resource'
      ? withFocus(RESOURCE_PRINCIPALS)
      : kind === 'trust'
        ? withFocus(TRUST_PRINCIPALS)
        : kind === 'rcp'
          ? fc.constant<unknown>('*')
          : fc.constant<unknown>(undefined)
  return fc
    .record({
      effect,
      principal,
      notAction: fc.integer({ min: 0, max: 4 }).map((n) => n === 0 && kind !== 'trust'),
      action: listArb(actionPool, focus?.action),
      notResource: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
      resource: listArb(RESOURCE_PATTERNS, focus?.resource),
      condition: conditionArb,
    })
    .map((s) =>
      strip({
        Effect: s.effect,
        Principal: s.principal,
        [s.notAction ? 'NotAction' : 'Action']: s.action,
        ...(kind === 'trust' ? {} : { [s.notResource ? 'NotResource' : 'Resource']: s.resource }),
        Condition: s.condition,
      }),
    )
}

export const versionArb: fc.Arbitrary<string | undefined> = fc.constantFrom<string | undefined>(
  '2012-10-17',
  '2012-10-17',
  '2012-10-17',
  '2012-10-17',
  '2012-10-17',
  '2012-10-17',
  '2008-10-17',
  undefined,
)

export function policyArb(kind: GenKind, maxStatements = 3, focus?: Focus): fc.Arbitrary<PolicyDoc> {
  return fc
    .tuple(
      kind === 'rcp' ? fc.constant('2012-10-17') : versionArb,
      fc.array(statementArb(kind, focus), { minLength: 1, maxLength: maxStatements }),
    )
    .map(([v, st]) => (v === undefined ? { Statement: st } : { Version: v, Statement: st }))
}

export const FULL_ACCESS: PolicyDoc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }
export const RCP_FULL_ACCESS: PolicyDoc = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
}

// ---------------------------------------------------------------------------------------------------
// Requests and whole cases
// ---------------------------------------------------------------------------------------------------

export interface CasePolicies {
  identity?: PolicyDoc[]
  /** The resource-based policy (`resourceKind: 'resource'`) or role trust policy (`'trust'`). */
  resource?: PolicyDoc
  resourceKind?: 'resource' | 'trust'
  boundary?: PolicyDoc[]
  session?: PolicyDoc
  scp?: PolicyDoc[][]
  rcp?: PolicyDoc[][]
}

export interface GenRequest extends OracleRequest {
  context?: Record<string, OracleContextValue>
}

export interface PolicyCase {
  request: GenRequest
  policies: CasePolicies
}

/** Random case changes of an action name (`s3:GetObject` → `S3:getobject`). */
export function recase(action: string, mask: readonly boolean[]): string {
  let out = ''
  for (let i = 0; i < action.length; i++) {
    const ch = action[i] as string
    out += mask[i % Math.max(1, mask.length)] ? (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase()) : ch
  }
  return out
}

export const contextArb = (keys: readonly KeySpec[]): fc.Arbitrary<Record<string, OracleContextValue>> =>
  fc
    .tuple(...keys.map((k) => fc.option(fc.constantFrom(...k.request), { freq: 2 })))
    .map((vals) => {
      const ctx: Record<string, OracleContextValue> = {}
      vals.forEach((v, i) => {
        if (v !== null) ctx[(keys[i] as KeySpec).key] = v
      })
      return ctx
    })

const IAM_PRINCIPALS: readonly { principal: string; principalType?: 'AWS' | 'Service'; weight: number }[] = [
  { principal: USER_ALICE, weight: 4 },
  { principal: ROLE_APP, weight: 2 },
  { principal: SESSION_APP, weight: 4 },
  { principal: USER_BOB, weight: 2 },
  { principal: ROOT_ACCT, weight: 1 },
  { principal: SERVICE_LAMBDA, principalType: 'Service', weight: 1 },
]

const NON_STS_ACTIONS = REQUEST_ACTIONS.filter((a) => !a.startsWith('sts:'))

/** `a` one time in `oneIn`, else undefined. */
const opt = <T>(a: fc.Arbitrary<T>, oneIn = 2): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: a })

function levelsArb(kind: 'scp' | 'rcp', focus?: Focus): fc.Arbitrary<PolicyDoc[][] | undefined> {
  const level =
    kind === 'scp'
      ? fc
          .tuple(fc.boolean(), fc.array(policyArb('scp', 2, focus), { minLength: 0, maxLength: 1 }))
          .map(([full, ps]) => (full || ps.length === 0 ? [FULL_ACCESS, ...ps] : ps))
      : fc.array(policyArb('rcp', 2, focus), { minLength: 0, maxLength: 1 }).map((ps) => [RCP_FULL_ACCESS, ...ps])
  return opt(fc.array(level, { minLength: 1, maxLength: 2 }), 3)
}

/** Requests by IAM principals (and a service principal) to S3 / IAM / EC2 with every policy kind. */
export const iamCaseArb: fc.Arbitrary<PolicyCase> = fc
  .record({
    who: fc.oneof(...IAM_PRINCIPALS.map((p) => ({ weight: p.weight, arbitrary: fc.constant(p) }))),
    action: fc.constantFrom(...NON_STS_ACTIONS),
    mask: fc.array(fc.boolean(), { minLength: 0, maxLength: 4 }),
    resource: fc.constantFrom(...REQUEST_RESOURCES),
    context: contextArb(KEYS.filter((k) => k.key !== OIDC_SUB && k.key !== OIDC_AUD)),
  })
  .chain((r) => {
    const focus: Focus = {
      action: r.action,
      resource: r.resource,
      principal: r.who.principalType === 'Service' ? { Service: r.who.principal } : { AWS: r.who.principal },
    }
    return fc
      .record({
        identity: fc.array(policyArb('identity', 3, focus), { minLength: 0, maxLength: 2 }),
        resourcePolicy: opt(policyArb('resource', 3, focus), 2),
        boundary: opt(policyArb('boundary', 3, focus), 4),
        session: opt(policyArb('session', 3, focus), 3),
        scp: levelsArb('scp', focus),
        rcp: levelsArb('rcp', focus),
      })
      .map((g): PolicyCase => {
        const isService = r.who.principalType === 'Service'
        const isSession = r.who.principal === SESSION_APP
        const isRoot = r.who.principal === ROOT_ACCT
        const request: GenRequest = {
          principal: r.who.principal,
          ...(r.who.principalType === undefined ? {} : { principalType: r.who.principalType }),
          action: recase(r.action, r.mask),
          resource: r.resource,
          resourceAccount: ACCT,
          context: r.context,
        }
        const policies: CasePolicies = {}
        if (!isService && !isRoot && g.identity.length > 0) policies.identity = g.identity
        if (g.resourcePolicy !== undefined) {
          policies.resource = g.resourcePolicy
          policies.resourceKind = 'resource'
        }
        if (!isService && !isRoot && g.boundary !== undefined) policies.boundary = [g.boundary]
        if (isSession && g.session !== undefined) policies.session = g.session
        if (!isService && g.scp !== undefined) policies.scp = g.scp
        if (g.rcp !== undefined) policies.rcp = g.rcp
        return { request, policies }
      })
  })

/** IRSA-shaped requests: a role trust policy, the OIDC provider (or an IAM principal) assuming it. */
export const trustCaseArb: fc.Arbitrary<PolicyCase> = fc
  .record({
    federated: fc.boolean(),
    provider: fc.constantFrom(OIDC_PROVIDER, OIDC_PROVIDER, OIDC_OTHER_PROVIDER),
    iamPrincipal: fc.constantFrom(ROLE_APP, SESSION_APP, USER_ALICE, USER_BOB),
    action: fc.constantFrom('sts:AssumeRoleWithWebIdentity', 'sts:AssumeRole'),
    mask: fc.array(fc.boolean(), { minLength: 0, maxLength: 3 }),
    context: contextArb(KEYS.filter((k) => ['aws:SourceIp', 'aws:CurrentTime', OIDC_SUB, OIDC_AUD].includes(k.key))),
  })
  .chain((r) => {
    const action = r.federated ? 'sts:AssumeRoleWithWebIdentity' : r.action
    const focus: Focus = {
      action,
      resource: ROLE_IRSA,
      principal: r.federated ? { Federated: r.provider } : { AWS: r.iamPrincipal },
    }
    return fc
      .record({
        trust: policyArb('trust', 3, focus),
        identity: fc.array(policyArb('identity', 2, focus), { minLength: 0, maxLength: 1 }),
        rcp: levelsArb('rcp', focus),
      })
      .map((g): PolicyCase => {
        const request: GenRequest = {
          principal: r.federated ? r.provider : r.iamPrincipal,
          ...(r.federated ? { principalType: 'Federated' as const } : {}),
          action: recase(action, r.mask),
          resource: ROLE_IRSA,
          resourceAccount: ACCT,
          context: r.context,
        }
        const policies: CasePolicies = { resource: g.trust, resourceKind: 'trust' }
        if (!r.federated && g.identity.length > 0) policies.identity = g.identity
        if (g.rcp !== undefined) policies.rcp = g.rcp
        return { request, policies }
      })
  })

export const policyCaseArb: fc.Arbitrary<PolicyCase> = fc.oneof(
  { weight: 3, arbitrary: iamCaseArb },
  { weight: 1, arbitrary: trustCaseArb },
)
