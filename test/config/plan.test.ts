// plan(desired, current) is pure: the steps follow from the config and the state handed in, in
// dependency order, and an already-applied config plans nothing. Also the plan's text and JSON forms.
import { describe, expect, it } from 'vitest'
import type { RoleState } from '../../src/config/apply.js'
import { parseConfig } from '../../src/config/config-file.js'
import type { CurrentState } from '../../src/config/current-state.js'
import { plan } from '../../src/config/plan.js'
import type { PlanStep } from '../../src/config/plan.js'
import { formatPlan, planDocument } from '../../src/config/plan-format.js'
import { isIrsaError } from '../../src/errors.js'
import { PAYMENTS_POLICY_AND_ROLE } from './payments-config.js'

const ACCOUNT = '111122223333'
const ISSUER = 'http://127.0.0.1:7788'
const OWN_PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/127.0.0.1:7788`
const POLICY_ARN = `arn:aws:iam::${ACCOUNT}:policy/read-payments`
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/payments-reader`
const OTHER_ARN = 'arn:aws:iam::aws:policy/ReadOnlyAccess'

const CONFIG = `${PAYMENTS_POLICY_AND_ROLE}podIdentityAssociations:
  - namespace: payments
    serviceAccount: batch
    role: payments-reader
`

/** The trust IAM would hold once CONFIG is applied: same value, other key order and spacing, URL-encoded as IAM returns it. */
const APPLIED_TRUST = encodeURIComponent(
  JSON.stringify({
    Statement: [
      {
        Condition: { StringEquals: { '127.0.0.1:7788:aud': 'sts.amazonaws.com', '127.0.0.1:7788:sub': 'system:serviceaccount:payments:reader' } },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: { Federated: OWN_PROVIDER },
        Effect: 'Allow',
      },
      { Action: ['sts:AssumeRole', 'sts:TagSession'], Principal: { Service: 'pods.eks.amazonaws.com' }, Effect: 'Allow', Sid: 'AllowEksAuthToAssumeRoleForPodIdentity' },
    ],
    Version: '2012-10-17',
  }),
)

const APPLIED_ROLE: RoleState = {
  arn: ROLE_ARN,
  path: '/',
  trust: APPLIED_TRUST,
  description: 'reads payments',
  maxSessionDuration: 3600,
  permissionsBoundaryArn: undefined,
  tags: [{ Key: 'team', Value: 'payments' }],
  inlinePolicies: new Map([['list', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::payments"}]}']]),
  managedPolicyArns: [POLICY_ARN],
}

function state(over: Partial<CurrentState> = {}): CurrentState {
  return {
    account: ACCOUNT,
    partition: 'aws',
    issuer: ISSUER,
    providers: new Map(),
    policies: new Map(),
    roles: new Map(),
    bindings: [],
    defaultCluster: 'irsa',
    podIdentityAssociations: new Map(),
    ...over,
  }
}

/** The state once CONFIG is applied. */
function applied(role: Partial<RoleState> = {}, over: Partial<CurrentState> = {}): CurrentState {
  return state({
    policies: new Map([['read-payments', { arn: POLICY_ARN, path: '/', document: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::payments/*"}]}' }]]),
    roles: new Map([['payments-reader', { ...APPLIED_ROLE, ...role }]]),
    bindings: [{ namespace: 'payments', serviceAccount: 'reader', roleArn: ROLE_ARN, audience: undefined }],
    podIdentityAssociations: new Map([['irsa', [{ associationId: 'a-0123456789abcdef0', namespace: 'payments', serviceAccount: 'batch', roleArn: ROLE_ARN }]]]),
    ...over,
  })
}

const brief = (s: PlanStep): string => `${s.kind} ${s.resource} ${s.name}`

function conflictOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    if (isIrsaError(e, 'ERR_STATE_CONFLICT')) return e.message
    throw e
  }
  return 'no conflict'
}

describe('plan', () => {
  const config = parseConfig(CONFIG)

  it('on an empty account creates everything, dependencies first', () => {
    const p = plan(config, state())
    expect(p.steps.map(brief)).toEqual([
      'create policy read-payments',
      'create role payments-reader',
      'create inlinePolicy list',
      'attach role payments-reader',
      'create binding payments/reader',
      'create podIdentityAssociation irsa/payments/batch',
    ])
    const role = p.steps[1]
    expect(role?.kind === 'create' && role.resource === 'role' && JSON.parse(role.after.trust)).toMatchObject({ Statement: [{ Principal: { Federated: OWN_PROVIDER } }, { Principal: { Service: 'pods.eks.amazonaws.com' } }] })
    expect(p.steps[3]).toMatchObject({ kind: 'attach', after: POLICY_ARN, before: null })
    expect(p.steps[5]).toMatchObject({ cluster: 'irsa', after: { roleArn: ROLE_ARN, tags: {} } })
    expect(p.objects.map((o) => `${o.kind} ${o.name}`)).toEqual(['policy read-payments', 'role payments-reader', 'binding payments/reader', 'podIdentityAssociation irsa/payments/batch'])
  })

  it('on an account where the config is applied is a no-op, whatever the documents’ formatting', () => {
    const p = plan(config, applied())
    expect(p.steps).toEqual([])
    expect(formatPlan(p)).toEqual(['No changes: 4 objects already as the config says.'])
    expect(planDocument(p)).toEqual({ schema: 'irsa-plan/v1', steps: [], summary: { create: 0, update: 0, unchanged: 4 } })
  })

  it('a changed trust is one update step, with the trust before and after', () => {
    const drifted = APPLIED_TRUST.replace('payments%3Areader', 'payments%3Aintruder')
    const p = plan(config, applied({ trust: drifted }))
    expect(p.steps).toHaveLength(1)
    const step = p.steps[0]
    expect(step).toMatchObject({ kind: 'update', resource: 'role', name: 'payments-reader', attribute: 'trust', before: drifted })
    expect(step?.kind === 'update' && typeof step.after === 'string' && step.after).toContain('system:serviceaccount:payments:reader')
    expect(formatPlan(p)).toEqual(['~ update trust of role payments-reader', 'Plan: 1 step; 0 to create, 1 to update, 3 unchanged.'])
  })

  it('an attachment, inline policy, tag and binding the file no longer lists are removed', () => {
    const p = plan(
      config,
      applied(
        { managedPolicyArns: [POLICY_ARN, OTHER_ARN], tags: [...APPLIED_ROLE.tags, { Key: 'old', Value: 'x' }], inlinePolicies: new Map([...APPLIED_ROLE.inlinePolicies, ['extra', '{}']]) },
        { bindings: [{ namespace: 'payments', serviceAccount: 'reader', roleArn: ROLE_ARN, audience: undefined }, { namespace: 'legacy', serviceAccount: 'app', roleArn: ROLE_ARN, audience: 'aud' }] },
      ),
    )
    expect(p.steps).toEqual([
      { kind: 'untag', resource: 'role', name: 'payments-reader', arn: ROLE_ARN, before: [{ Key: 'old', Value: 'x' }], after: null },
      { kind: 'delete', resource: 'inlinePolicy', name: 'extra', role: 'payments-reader', arn: ROLE_ARN, before: '{}', after: null },
      { kind: 'detach', resource: 'role', name: 'payments-reader', arn: ROLE_ARN, before: OTHER_ARN, after: null },
      { kind: 'delete', resource: 'binding', name: 'legacy/app', namespace: 'legacy', serviceAccount: 'app', arn: ROLE_ARN, before: { roleArn: ROLE_ARN, audience: 'aud' }, after: null },
    ])
    expect(formatPlan(p).slice(0, 4)).toEqual([
      '- untag role payments-reader: old=x',
      '- delete inline policy extra of role payments-reader',
      `- detach ${OTHER_ARN} from role payments-reader`,
      `- delete binding legacy/app (was ${ROLE_ARN}; no longer listed)`,
    ])
  })

  it('a new association is created after the roles, and a moved one updated with its id', () => {
    const more = parseConfig(`${CONFIG}  - {cluster: prod, namespace: shop, serviceAccount: orders, role: payments-reader, tags: {team: shop}}\n`)
    const moved = applied({}, { podIdentityAssociations: new Map([['irsa', [{ associationId: 'a-1', namespace: 'payments', serviceAccount: 'batch', roleArn: `arn:aws:iam::${ACCOUNT}:role/old` }]]]) })
    const p = plan(more, moved)
    expect(p.steps).toEqual([
      { kind: 'update', resource: 'podIdentityAssociation', name: 'irsa/payments/batch', cluster: 'irsa', namespace: 'payments', serviceAccount: 'batch', arn: ROLE_ARN, associationId: 'a-1', before: { roleArn: `arn:aws:iam::${ACCOUNT}:role/old` }, after: { roleArn: ROLE_ARN } },
      { kind: 'create', resource: 'podIdentityAssociation', name: 'prod/shop/orders', cluster: 'prod', namespace: 'shop', serviceAccount: 'orders', arn: ROLE_ARN, before: null, after: { roleArn: ROLE_ARN, tags: { team: 'shop' } } },
    ])
    expect(formatPlan(p)[1]).toBe(`+ create pod identity association prod/shop/orders → ${ROLE_ARN}`)
  })

  it('role settings, boundary, tags and a policy document changes each say what they were', () => {
    const p = plan(
      config,
      applied(
        { description: 'old', maxSessionDuration: 7200, permissionsBoundaryArn: OTHER_ARN, tags: [{ Key: 'team', Value: 'ops' }] },
        { policies: new Map([['read-payments', { arn: POLICY_ARN, path: '/', document: '{"Version":"2012-10-17","Statement":[]}' }]]) },
      ),
    )
    expect(p.steps.map(brief)).toEqual(['update policy read-payments', 'update role payments-reader', 'update role payments-reader', 'tag role payments-reader'])
    expect(p.steps[1]).toMatchObject({ attribute: 'settings', before: { description: 'old', maxSessionDuration: 7200 }, after: { description: 'reads payments', maxSessionDuration: 3600 } })
    expect(p.steps[2]).toMatchObject({ attribute: 'permissionsBoundary', before: OTHER_ARN, after: null })
    expect(p.steps[3]).toMatchObject({ before: [{ Key: 'team', Value: 'ops' }], after: [{ Key: 'team', Value: 'payments' }] })
    expect(formatPlan(p)).toEqual([
      '~ update document of policy read-payments (new default version)',
      '~ update settings of role payments-reader: description "old" → "reads payments", maxSessionDuration 7200 → 3600',
      `~ update permissions boundary of role payments-reader: ${OTHER_ARN} → none`,
      '+ tag role payments-reader: team=payments',
      'Plan: 4 steps; 0 to create, 2 to update, 2 unchanged.',
    ])
  })

  it('providers: created, or their client IDs and thumbprints reconciled', () => {
    const url = 'https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE'
    const arn = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE`
    const cfg = parseConfig(`providers:\n  - {url: ${url}, clientIds: [sts.amazonaws.com, other], thumbprints: ["${'A'.repeat(40)}"]}\n`)
    expect(plan(cfg, state()).steps).toEqual([{ kind: 'create', resource: 'provider', name: url, arn, before: null, after: { url, clientIds: ['sts.amazonaws.com', 'other'], thumbprints: ['a'.repeat(40)] } }])
    const have = state({ providers: new Map([[arn, { arn, clientIds: ['sts.amazonaws.com', 'gone'], thumbprints: ['A'.repeat(40)] }]]) })
    expect(formatPlan(plan(cfg, have))).toEqual([`+ add client ID other to provider ${url}`, `- remove client ID gone from provider ${url}`, 'Plan: 2 steps; 0 to create, 1 to update, 0 unchanged.'])
  })

  it('is deterministic and leaves its inputs alone', () => {
    const current = applied({ trust: '{}', managedPolicyArns: [OTHER_ARN] })
    const before = JSON.stringify([...current.roles.values()].map((r) => ({ ...r, inlinePolicies: [...r.inlinePolicies] })))
    const a = plan(config, current)
    const b = plan(config, current)
    expect(a).toEqual(b)
    expect(JSON.stringify([...current.roles.values()].map((r) => ({ ...r, inlinePolicies: [...r.inlinePolicies] })))).toBe(before)
  })

  it('a conflict is an ERR_STATE_CONFLICT error before any step', () => {
    expect(conflictOf(() => plan(config, applied({ path: '/elsewhere/' })))).toBe('conflict: role payments-reader exists with path /elsewhere/, the file says / (IAM cannot move a role)')
    const moved = state({ policies: new Map([['read-payments', { arn: POLICY_ARN, path: '/x/', document: '{}' }]]) })
    expect(conflictOf(() => plan(config, moved))).toMatch(/^conflict: policy read-payments exists with path \/x\//)
    expect(conflictOf(() => plan(parseConfig(`providers:\n  - url: ${ISSUER}\n`), state()))).toMatch(/is this server's own issuer/)
    const elsewhere = parseConfig('roles:\n  - {name: r, provider: "https://issuer.example.com", serviceAccounts: [a/b]}\n')
    expect(conflictOf(() => plan(elsewhere, state()))).toBe('conflict: role r: provider https://issuer.example.com is neither declared under providers nor registered')
  })

  it('JSON: irsa-plan/v1, every step with kind, resource, name, before and after', () => {
    const doc = JSON.parse(JSON.stringify(planDocument(plan(config, state())))) as { schema: string; steps: Record<string, unknown>[]; summary: object }
    expect(doc.schema).toBe('irsa-plan/v1')
    expect(doc.summary).toEqual({ create: 4, update: 0, unchanged: 0 })
    for (const s of doc.steps) expect(Object.keys(s)).toEqual(expect.arrayContaining(['kind', 'resource', 'name', 'before', 'after']))
    expect(doc.steps.every((s) => s.before === null)).toBe(true)
  })
})
