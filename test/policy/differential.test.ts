/**
 * Differential test: irsa's policy engine against the reference evaluator `@cloud-copilot/iam-simulate`
 * (core `authorize()`, Strict mode). iam-simulate is AGPL and used only here, as a
 * pinned devDependency oracle; none of its code or test cases are copied.
 *
 * Every disagreement must be explained by one entry of KNOWN_DIVERGENCES below (where the AWS docs and
 * iam-simulate part ways and irsa follows the docs); any other disagreement fails the test with the
 * shrunk counterexample printed as a ready-to-paste JSON case.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, test } from 'vitest'
import type { PolicyCase, PolicyDoc } from '../support/arbitraries.js'
import {
  ACCT,
  OIDC_AUD,
  OIDC_HOST,
  OIDC_OTHER_PROVIDER,
  OIDC_PROVIDER,
  OIDC_SUB,
  ROLE_APP,
  ROLE_IRSA,
  ROOT_ACCT,
  SESSION_APP,
  policyCaseArb,
} from '../support/arbitraries.js'
import type { IamSimulateOracle, OracleOutcome } from '../support/iam-simulate-oracle.js'
import { loadIamSimulate } from '../support/iam-simulate-oracle.js'
import {
  caseJson,
  conditionsOf,
  contextValue,
  minimiseCase,
  oraclePolicies,
  ourDecision,
  statementStrings,
  statementsOf,
  variablesIn,
} from '../support/policy-case.js'

const SEED = 20261101
const RUNS = 2000

// ---------------------------------------------------------------------------------------------------
// Known divergences. Each one: where iam-simulate 0.1.173 and the AWS documentation disagree (irsa
// follows the docs, as docs/policy-semantics.md records), the AWS doc reference, and a predicate recognising a case
// that exercises it. A disagreement is excused only if one of these predicates holds for the case.
// ---------------------------------------------------------------------------------------------------

interface KnownDivergence {
  readonly id: string
  readonly what: string
  readonly doc: string
  readonly applies: (c: PolicyCase, ours: string, sim: OracleOutcome) => boolean
}

const NEGATED_BASES = new Set([
  'stringnotequals',
  'stringnotequalsignorecase',
  'stringnotlike',
  'arnnotequals',
  'arnnotlike',
])
const DATE_BASES = new Set([
  'dateequals',
  'datenotequals',
  'datelessthan',
  'datelessthanequals',
  'dategreaterthan',
  'dategreaterthanequals',
])
/** Operators that name the principals they match (D11). */
const NAMING_BASES = new Set(['stringequals', 'stringequalsignorecase', 'stringlike', 'arnequals', 'arnlike'])

/** The values of a Principal element's `AWS` entry (none for `"*"` or other principal types). */
function awsPrincipals(p: unknown): unknown[] {
  if (typeof p !== 'object' || p === null || !('AWS' in p)) return []
  const aws = (p as { AWS: unknown }).AWS
  return Array.isArray(aws) ? aws : [aws]
}
const CANONICAL_OPERATOR = /^(?:(?:ForAllValues|ForAnyValue):)?[A-Z][A-Za-z]*$/

/** A variable that resolves to nothing: key absent or multi-valued, and no default. */
function unresolvable(c: PolicyCase, name: string, hasDefault: boolean): boolean {
  if (hasDefault) return false
  const v = contextValue(c, name)
  return v === undefined || Array.isArray(v)
}

const KNOWN_DIVERGENCES: readonly KnownDivergence[] = [
  {
    // StringNotEquals {"k": "${aws:PrincipalTag/none}"}: docs: the variable has no value, so the
    // negated operator matches; iam-simulate: no match.
    id: 'D1',
    what: 'negated String/Arn operator whose value has an unresolvable policy variable matches',
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-no-value',
    applies: (c) =>
      [...conditionsOf(c.policies)].some(
        (s) =>
          s.version === '2012-10-17' &&
          NEGATED_BASES.has(s.base) &&
          s.values.some((v) => variablesIn(v).some((x) => unresolvable(c, x.name, x.hasDefault))),
      ),
  },
  {
    // Version 2008-10-17 (or none): `${aws:username}` is a literal string; iam-simulate resolves it.
    id: 'D2',
    what: 'policy variables are literal text unless Version is 2012-10-17',
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html',
    applies: (c) =>
      [...statementsOf(c.policies)].some(
        (s) => s.version !== '2012-10-17' && statementStrings(s.statement).some((v) => v.includes('${')),
      ),
  },
  {
    // DateEquals 1700000000 vs 2023-11-14T22:13:20Z: the same instant (epoch seconds vs ISO 8601);
    // iam-simulate reads epoch values as milliseconds.
    id: 'D3',
    what: 'Date operators compare epoch-seconds and ISO 8601 values as instants',
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date',
    applies: (c) =>
      [...conditionsOf(c.policies)].some((s) => {
        if (!DATE_BASES.has(s.base)) return false
        const req = contextValue(c, s.key)
        const all = [...s.values, ...(req === undefined ? [] : Array.isArray(req) ? req : [req]).map(String)]
        return all.some((v) => /^\d+$/.test(v))
      }),
  },
  {
    // A set operator with an empty-string request value: the docs say "" resolves to a null data set,
    // so ForAllValues is true and ForAnyValue is false ("for no matching context key or a null
    // dataset, the condition returns false"); iam-simulate compares "" against the policy values.
    id: 'D4',
    what: 'ForAllValues / ForAnyValue with an empty-string request value act on a null data set',
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html',
    applies: (c) =>
      [...conditionsOf(c.policies)].some((s) => {
        if (s.set === undefined) return false
        const v = contextValue(c, s.key)
        return v === '' || (Array.isArray(v) && v.includes(''))
      }),
  },
  {
    // Same-account resource policy naming the role *session* ARN: "not limited by the session policy"
    // (irsa: Allow); iam-simulate: ImplicitlyDenied.
    id: 'D5',
    what: 'a same-account resource policy naming the session ARN allows despite the session policy',
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session',
    applies: (c, ours, sim) =>
      ours === 'Allow' &&
      sim === 'ImplicitDeny' &&
      c.request.principal === SESSION_APP &&
      c.policies.session !== undefined &&
      JSON.stringify(c.policies.resource ?? {}).includes(SESSION_APP),
  },
  {
    // A plain (non-set) operator on a multi-valued request value: iam-simulate always answers false
    // (even for negated operators); AWS documents that multivalued keys need a set operator and does
    // not define the plain-operator result. irsa reads a one-element list as its value and lets no
    // plain operator (positive or negated) match a list of two or more.
    id: 'D6',
    what: 'plain condition operator against a multi-valued request value',
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html',
    applies: (c) =>
      [...conditionsOf(c.policies)].some(
        (s) => s.set === undefined && s.base !== 'null' && Array.isArray(contextValue(c, s.key)),
      ),
  },
  {
    // The account's root user: allowed everything in its own account unless an explicit deny or an
    // SCP says otherwise; iam-simulate does not special-case the root user.
    id: 'D7',
    what: 'the root user of the resource account is allowed by default',
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html',
    applies: (c, ours, sim) =>
      ours === 'Allow' &&
      sim === 'ImplicitDeny' &&
      (c.request.principal === ROOT_ACCT || c.request.principal === ACCT) &&
      (c.request.resourceAccount ?? ACCT) === ACCT,
  },
  {
    // A web-identity (OIDC / SAML provider) caller is not an IAM principal of the provider's account,
    // so an account principal ({"AWS": "111122223333"} / `:root`) does not name it. iam-simulate
    // does not model federated callers: it reads the provider ARN's account and matches it.
    id: 'D9',
    what: 'an account principal does not match a federated (web identity) caller',
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts',
    applies: (c) =>
      c.request.principalType === 'Federated' &&
      [...statementsOf(c.policies)].some((s) => awsPrincipals(s.statement.Principal).some((v) => v === ACCT || v === ROOT_ACCT)),
  },
  {
    // NotResource whose pattern holds a variable with no value: the docs say such a *Resource* matches
    // nothing; irsa applies the complement for NotResource (the exclusion excludes nothing, so the
    // statement applies), as for negated operators (D1). iam-simulate lets the statement match nothing.
    id: 'D10',
    what: 'NotResource with an unresolvable policy variable excludes nothing',
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-no-value',
    applies: (c) =>
      [...statementsOf(c.policies)].some((s) => {
        if (s.version !== '2012-10-17') return false
        const nr = s.statement.NotResource
        const list = nr === undefined ? [] : Array.isArray(nr) ? nr : [nr]
        return list.some((v) => typeof v === 'string' && variablesIn(v).some((x) => unresolvable(c, x.name, x.hasDefault)))
      }),
  },
  {
    // A same-account resource policy with a wildcard Principal narrowed by a positive aws:PrincipalArn
    // condition naming the caller's role. The IAM User Guide (Principal, IAM role principals):
    // "Identity-based policy types, such as permissions boundaries or session policies, do not limit
    // permissions granted using the aws:PrincipalArn condition key with a wildcard (*) in the
    // Principal element, unless the identity-based policies contain an explicit deny." irsa: Allow
    // past a session policy that allows nothing relevant; iam-simulate: ImplicitlyDenied (it already
    // agrees for the permissions boundary).
    id: 'D11',
    what: 'a wildcard-Principal grant narrowed by aws:PrincipalArn is not limited by the session policy',
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles',
    applies: (c, ours, sim) =>
      ours === 'Allow' &&
      sim === 'ImplicitDeny' &&
      (c.request.principal === SESSION_APP || c.request.principal === ROLE_APP) &&
      (c.request.resourceAccount ?? ACCT) === ACCT &&
      contextValue(c, 'aws:PrincipalArn') !== undefined &&
      [...conditionsOf(c.policies)].some(
        (s) =>
          (s.kind === 'resource' || s.kind === 'trust') &&
          s.statement.Effect === 'Allow' &&
          (s.statement.Principal === '*' || awsPrincipals(s.statement.Principal).includes('*')) &&
          s.key.toLowerCase() === 'aws:principalarn' &&
          NAMING_BASES.has(s.base),
      ),
  },
  {
    // Operator names: AWS documents the canonical spelling; irsa and iam-simulate both read them
    // case-insensitively, but iam-simulate's handling of a lower-cased set prefix / IfExists differs.
    id: 'D8',
    what: 'condition operator name not in its canonical case',
    doc: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html',
    applies: (c) => [...conditionsOf(c.policies)].some((s) => !CANONICAL_OPERATOR.test(s.op)),
  },
]

function classify(c: PolicyCase, ours: string, sim: OracleOutcome): string[] {
  return KNOWN_DIVERGENCES.filter((d) => d.applies(c, ours, sim)).map((d) => d.id)
}

// ---------------------------------------------------------------------------------------------------

let oracle: IamSimulateOracle

beforeAll(async () => {
  oracle = await loadIamSimulate()
})

interface Comparison {
  readonly ours: string
  readonly sim: OracleOutcome
  readonly divergences: string[]
}

function compare(c: PolicyCase): Comparison {
  const ours = ourDecision(c).outcome
  const sim = oracle.decide(c.request, oraclePolicies(c.policies))
  return { ours, sim, divergences: ours === sim ? [] : classify(c, ours, sim) }
}

/** Shrink further by JSON deletion, keeping both engines' outcomes and the lack of an excuse. */
function minimal(c: PolicyCase, cmp: Comparison): PolicyCase {
  return minimiseCase(c, (x) => {
    const again = compare(x)
    return again.ours === cmp.ours && again.sim === cmp.sim && again.divergences.length === 0
  })
}

function report(c0: PolicyCase, cmp: Comparison): string {
  const c = minimal(c0, cmp)
  const detail = ourDecision(c).decision
  return [
    `irsa=${cmp.ours} iam-simulate=${cmp.sim} — not a known divergence. Minimal case:`,
    caseJson(c, { irsa: cmp.ours, iamSimulate: cmp.sim }),
    detail ? `irsa explanation: ${detail.reason}: ${detail.explanation}` : '',
  ].join('\n')
}

describe('differential: irsa vs iam-simulate', () => {
  test(`${RUNS} generated cases agree or differ only by a known divergence`, () => {
    // Pass 1: every generated case, tallied; unexplained disagreements grouped by their minimal form.
    const tally = new Map<string, number>()
    const bump = (k: string): void => {
      tally.set(k, (tally.get(k) ?? 0) + 1)
    }
    const unexplained = new Map<string, { count: number; text: string }>()
    for (const c of fc.sample(policyCaseArb, { seed: SEED, numRuns: RUNS })) {
      const cmp = compare(c)
      if (cmp.ours === cmp.sim) bump(`agree:${cmp.ours}`)
      else if (cmp.divergences.length > 0) bump(`known:${cmp.divergences.join('+')}`)
      else {
        bump(`UNEXPLAINED:${cmp.ours}/${cmp.sim}`)
        const m = minimal(c, cmp)
        const key = JSON.stringify(m)
        const seen = unexplained.get(key)
        if (seen) seen.count++
        else unexplained.set(key, { count: 1, text: caseJson(m, { irsa: cmp.ours, iamSimulate: cmp.sim }) })
      }
    }
    console.log('differential tally:', Object.fromEntries([...tally.entries()].sort(([a], [b]) => a.localeCompare(b))))
    if (unexplained.size > 0) {
      // Pass 2: let fast-check shrink the first failure, then minimise it further by JSON deletion.
      const details = fc.check(
        fc.property(policyCaseArb, (c) => {
          const cmp = compare(c)
          return cmp.ours === cmp.sim || cmp.divergences.length > 0
        }),
        { seed: SEED, numRuns: RUNS },
      )
      const counterexample = details.counterexample?.[0]
      const shrunk = counterexample === undefined ? '(fast-check found none)' : report(counterexample, compare(counterexample))
      const groups = [...unexplained.values()]
        .slice(0, 12)
        .map((g) => `--- seen ${g.count}× ---\n${g.text}`)
        .join('\n')
      expect.fail(
        `seed ${SEED}: ${unexplained.size} distinct unexplained disagreement(s).\n` +
          `fast-check counterexample (${details.numShrinks} shrinks):\n${shrunk}\n\nAll distinct minimal cases (first 12):\n${groups}`,
      )
    }
    // The generator must keep exercising every outcome, or the comparison says little.
    for (const o of ['Allow', 'ExplicitDeny', 'ImplicitDeny']) expect(tally.get(`agree:${o}`) ?? 0).toBeGreaterThan(RUNS / 20)
  })

  test('D11: the documented aws:PrincipalArn exemption is the only excuse for its disagreement', () => {
    const grant = (condition: Record<string, unknown>): PolicyDoc => ({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*', Condition: condition }],
    })
    const ec2Only: PolicyDoc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] }
    const request = { principal: SESSION_APP, action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/key', context: { 'aws:PrincipalArn': ROLE_APP } }
    const named: PolicyCase = { request, policies: { resource: grant({ ArnEquals: { 'aws:PrincipalArn': ROLE_APP } }), session: ec2Only } }
    expect(compare(named)).toEqual({ ours: 'Allow', sim: 'ImplicitDeny', divergences: ['D11'] })
    // A negated operator names nobody: both engines let the session policy limit the grant.
    const negated: PolicyCase = { request, policies: { resource: grant({ ArnNotEquals: { 'aws:PrincipalArn': ROLE_IRSA } }), session: ec2Only } }
    expect(compare(negated)).toEqual({ ours: 'ImplicitDeny', sim: 'ImplicitDeny', divergences: [] })
  })

  // -------------------------------------------------------------------------------------------------
  // IRSA: a deterministic grid of EKS trust policies × web-identity tokens.
  // -------------------------------------------------------------------------------------------------

  const allow = (extra: Record<string, unknown>): Record<string, unknown> => ({
    Effect: 'Allow',
    Principal: { Federated: OIDC_PROVIDER },
    Action: 'sts:AssumeRoleWithWebIdentity',
    ...extra,
  })
  const SA = 'system:serviceaccount:default:app'
  const TRUST_POLICIES: Record<string, PolicyDoc> = {
    exact: { Version: '2012-10-17', Statement: [allow({ Condition: { StringEquals: { [OIDC_SUB]: SA, [OIDC_AUD]: 'sts.amazonaws.com' } } })] },
    'namespace-wildcard': {
      Version: '2012-10-17',
      Statement: [
        allow({
          Condition: {
            StringLike: { [OIDC_SUB]: 'system:serviceaccount:default:*' },
            StringEquals: { [OIDC_AUD]: 'sts.amazonaws.com' },
          },
        }),
      ],
    },
    'no-condition': { Version: '2012-10-17', Statement: [allow({})] },
    'aud-only': { Version: '2012-10-17', Statement: [allow({ Condition: { StringEquals: { [OIDC_AUD]: 'sts.amazonaws.com' } } })] },
    'forallvalues-sub (fails open)': {
      Version: '2012-10-17',
      Statement: [allow({ Condition: { 'ForAllValues:StringLike': { [OIDC_SUB]: SA } } })],
    },
    'stringequals-with-star (literal)': {
      Version: '2012-10-17',
      Statement: [allow({ Condition: { StringEquals: { [OIDC_SUB]: 'system:serviceaccount:default:*' } } })],
    },
    'other-cluster-provider': {
      Version: '2012-10-17',
      Statement: [{ ...allow({ Condition: { StringEquals: { [OIDC_SUB]: SA } } }), Principal: { Federated: OIDC_OTHER_PROVIDER } }],
    },
    'deny-kube-system': {
      Version: '2012-10-17',
      Statement: [
        allow({ Condition: { StringLike: { [OIDC_SUB]: 'system:serviceaccount:*' } } }),
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringLike: { [OIDC_SUB]: 'system:serviceaccount:kube-system:*' } },
        },
      ],
    },
    'principal-star': {
      Version: '2012-10-17',
      Statement: [{ ...allow({ Condition: { StringEquals: { [OIDC_SUB]: SA } } }), Principal: '*' }],
    },
    'upper-case-key': {
      Version: '2012-10-17',
      Statement: [allow({ Condition: { StringEquals: { [`${OIDC_HOST}:SUB`]: SA } } })],
    },
    'two-providers': {
      Version: '2012-10-17',
      Statement: [{ ...allow({ Condition: { StringEquals: { [OIDC_AUD]: 'sts.amazonaws.com' } } }), Principal: { Federated: [OIDC_OTHER_PROVIDER, OIDC_PROVIDER] } }],
    },
    'sub-list': {
      Version: '2012-10-17',
      Statement: [allow({ Condition: { StringEquals: { [OIDC_SUB]: [SA, 'system:serviceaccount:kube-system:app'] } } })],
    },
    'stringnotequals-sub': {
      Version: '2012-10-17',
      Statement: [allow({ Condition: { StringNotEquals: { [OIDC_SUB]: 'system:serviceaccount:kube-system:app' }, StringEquals: { [OIDC_AUD]: 'sts.amazonaws.com' } } })],
    },
    'ifexists-sub': {
      Version: '2012-10-17',
      Statement: [allow({ Condition: { StringEqualsIfExists: { [OIDC_SUB]: SA } } })],
    },
    'wrong-action': {
      Version: '2012-10-17',
      Statement: [allow({ Action: 'sts:AssumeRole', Condition: { StringEquals: { [OIDC_SUB]: SA } } })],
    },
  }
  const SUBS = [SA, 'system:serviceaccount:default:other', 'system:serviceaccount:kube-system:app', 'system:serviceaccount:Default:app', undefined]
  const AUDS = ['sts.amazonaws.com', 'https://kubernetes.default.svc', undefined]
  const PROVIDERS = [OIDC_PROVIDER, OIDC_OTHER_PROVIDER]

  const grid: { name: string; c: PolicyCase }[] = []
  for (const [policyName, trust] of Object.entries(TRUST_POLICIES)) {
    for (const provider of PROVIDERS) {
      const host = provider.slice(provider.indexOf('oidc-provider/') + 'oidc-provider/'.length)
      for (const sub of SUBS) {
        for (const aud of AUDS) {
          const context: Record<string, string> = {}
          if (sub !== undefined) context[`${host}:sub`] = sub
          if (aud !== undefined) context[`${host}:aud`] = aud
          grid.push({
            name: `${policyName} | ${provider === OIDC_PROVIDER ? 'this cluster' : 'other cluster'} | sub=${sub ?? '∅'} | aud=${aud ?? '∅'}`,
            c: {
              request: { principal: provider, principalType: 'Federated', action: 'sts:AssumeRoleWithWebIdentity', resource: ROLE_IRSA, resourceAccount: ACCT, context },
              policies: { resource: trust, resourceKind: 'trust' },
            },
          })
        }
      }
    }
  }

  test(`IRSA grid: ${Object.keys(TRUST_POLICIES).length} trust policies × ${PROVIDERS.length * SUBS.length * AUDS.length} tokens agree`, () => {
    const unexplained: string[] = []
    let allowed = 0
    for (const { name, c } of grid) {
      const cmp = compare(c)
      if (cmp.ours === 'Allow') allowed++
      if (cmp.ours !== cmp.sim && cmp.divergences.length === 0) unexplained.push(`${name}\n${report(c, cmp)}`)
    }
    console.log(`IRSA grid: ${grid.length} cases, ${allowed} allowed`)
    expect(unexplained, unexplained.join('\n\n')).toEqual([])
  })

  test('IRSA grid: documented answers', () => {
    const outcome = (policy: string, provider: string, sub: string | undefined, aud: string | undefined): string => {
      const host = provider.slice(provider.indexOf('oidc-provider/') + 'oidc-provider/'.length)
      const found = grid.find(
        (g) =>
          g.c.policies.resource === TRUST_POLICIES[policy] &&
          g.c.request.principal === provider &&
          g.c.request.context?.[`${host}:sub`] === sub &&
          g.c.request.context?.[`${host}:aud`] === aud,
      )
      if (!found) throw new Error(`no grid case ${policy}`)
      return ourDecision(found.c).outcome
    }
    expect(outcome('exact', OIDC_PROVIDER, SA, 'sts.amazonaws.com')).toBe('Allow')
    expect(outcome('exact', OIDC_PROVIDER, 'system:serviceaccount:Default:app', 'sts.amazonaws.com')).toBe('ImplicitDeny')
    expect(outcome('exact', OIDC_PROVIDER, SA, 'https://kubernetes.default.svc')).toBe('ImplicitDeny')
    expect(outcome('exact', OIDC_OTHER_PROVIDER, SA, 'sts.amazonaws.com')).toBe('ImplicitDeny')
    expect(outcome('namespace-wildcard', OIDC_PROVIDER, 'system:serviceaccount:default:other', 'sts.amazonaws.com')).toBe('Allow')
    // ForAllValues on a missing key is true: the classic fail-open trust policy.
    expect(outcome('forallvalues-sub (fails open)', OIDC_PROVIDER, undefined, undefined)).toBe('Allow')
    expect(outcome('stringequals-with-star (literal)', OIDC_PROVIDER, SA, 'sts.amazonaws.com')).toBe('ImplicitDeny')
    expect(outcome('deny-kube-system', OIDC_PROVIDER, 'system:serviceaccount:kube-system:app', undefined)).toBe('ExplicitDeny')
    expect(outcome('upper-case-key', OIDC_PROVIDER, SA, undefined)).toBe('Allow')
    expect(outcome('ifexists-sub', OIDC_PROVIDER, undefined, undefined)).toBe('Allow')
    expect(outcome('wrong-action', OIDC_PROVIDER, SA, undefined)).toBe('ImplicitDeny')
  })
})
