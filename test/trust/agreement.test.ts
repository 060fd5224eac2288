/**
 * The auditor and the webhook guardrail (`irsa webhook --enforce`) agree on whom a trust admits:
 * both ask the trust analyzer. Each policy here is judged by the full auditor (graph + rules R01/R03)
 * for a service account bound to the role, and by the guardrail for a pod running as it.
 */
import { describe, expect, it } from 'vitest'
import { runAudit } from '../../src/audit/audit.js'
import { buildGraph } from '../../src/audit/graph.js'
import { emptyIam, emptyK8s } from '../../src/audit/model.js'
import type { Inventory } from '../../src/audit/model.js'
import { checkGuardrail } from '../../src/webhook/guardrail.js'
import type { GuardrailReason } from '../../src/webhook/guardrail.js'

const ACCT = '111122223333'
const ISSUER = 'oidc.eks.us-east-1.amazonaws.com/id/ABC'
const PROVIDER = `arn:aws:iam::${ACCT}:oidc-provider/${ISSUER}`
const ROLE = `arn:aws:iam::${ACCT}:role/app`

const trust = (condition: Record<string, unknown> | undefined, extra: Record<string, unknown>[] = []): Record<string, unknown> => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', ...(condition === undefined ? {} : { Condition: condition }) }, ...extra],
})
const sub = (op: string, v: string | string[], aud = 'sts.amazonaws.com'): Record<string, unknown> =>
  op === 'StringEquals' ? { StringEquals: { [`${ISSUER}:sub`]: v, [`${ISSUER}:aud`]: aud } } : { [op]: { [`${ISSUER}:sub`]: v }, StringEquals: { [`${ISSUER}:aud`]: aud } }

/** The auditor's verdict for the role: the trust finding (R01 / R03) and the issuer scope. */
function audit(doc: unknown, audience: string): { scope: string | undefined; findings: string[] } {
  const iam = emptyIam()
  const k8s = emptyK8s()
  iam.accounts.add(ACCT)
  iam.clusters.push({ name: 'prod', arn: `arn:aws:eks:us-east-1:${ACCT}:cluster/prod`, issuerHost: ISSUER, accountId: ACCT, env: undefined, source: { file: 't' } })
  iam.roles.push({ arn: ROLE, name: 'app', accountId: ACCT, partition: 'aws', createDate: undefined, lastUsedDate: undefined, trustDocument: doc, inlinePolicies: [], attachedPolicyArns: [], boundaryArn: undefined, tags: {}, hasInstanceProfile: false, source: { file: 't' } })
  const annotations: Record<string, string> = { 'eks.amazonaws.com/role-arn': ROLE }
  if (audience !== 'sts.amazonaws.com') annotations['eks.amazonaws.com/audience'] = audience
  k8s.serviceAccounts.push({ cluster: 'prod', namespace: 'team-a', name: 'app', labels: {}, annotations, source: { file: 't' }, automountServiceAccountToken: undefined })
  const inv: Inventory = { k8s, iam, hasRbac: false, warnings: [] }
  const graph = buildGraph(inv)
  const result = runAudit(graph, { now: new Date('2025-06-01T00:00:00Z') })
  const role = graph.roles[0]
  return {
    scope: role?.reach.find((r) => r.host === ISSUER)?.scope,
    findings: [...new Set(result.findings.filter((f) => f.ruleId === 'IRSA-TRUST-001' || f.ruleId === 'IRSA-TRUST-003').map((f) => f.ruleId))].sort(),
  }
}

let n = 0
function guardrail(doc: unknown, audience: string): GuardrailReason | undefined {
  const r = checkGuardrail({
    roleArn: ROLE,
    namespace: 'team-a',
    serviceAccount: 'app',
    audience,
    boundServiceAccounts: [{ namespace: 'team-a', name: 'app' }],
    trustPolicy: JSON.stringify(doc),
    randomToken: () => `t${n++}`,
  })
  return r.violations.find((v) => v.reason.startsWith('trust-'))?.reason
}

/** The guardrail reason each auditor scope stands for (undefined: only listed subjects). */
const EXPECTED: Record<string, GuardrailReason | undefined> = {
  CLUSTER: 'trust-admits-any-namespace',
  ANYNS: 'trust-admits-any-namespace',
  NS: 'trust-admits-any-service-account',
  PATTERN: 'trust-admits-wildcard-subject',
  EXACT: undefined,
  NONE: undefined,
}

const denyAdmin = { Effect: 'Deny', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringNotLike: { [`${ISSUER}:sub`]: 'system:serviceaccount:team-a:*' } } }
const CASES: { name: string; doc: unknown; audience?: string; scope: string }[] = [
  { name: 'exact subject', doc: trust(sub('StringEquals', 'system:serviceaccount:team-a:app')), scope: 'EXACT' },
  { name: 'no sub condition', doc: trust({ StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' } }), scope: 'CLUSTER' },
  { name: 'no condition at all', doc: trust(undefined), scope: 'CLUSTER' },
  { name: 'StringLike *', doc: trust(sub('StringLike', '*')), scope: 'CLUSTER' },
  { name: 'StringLike *:default', doc: trust(sub('StringLike', 'system:serviceaccount:*:app')), scope: 'ANYNS' },
  { name: 'StringLike team-a:*', doc: trust(sub('StringLike', 'system:serviceaccount:team-a:*')), scope: 'NS' },
  { name: 'unconditioned Allow carved to team-a by a Deny', doc: trust(undefined, [denyAdmin]), scope: 'NS' },
  // Disagreed before: the auditor found no wide scope, the guardrail denied a wildcard subject.
  { name: 'partial pattern team-a:app-*', doc: trust(sub('StringLike', ['system:serviceaccount:team-a:app', 'system:serviceaccount:team-a:app-*'])), scope: 'PATTERN' },
  { name: 'namespace pattern team-?:app', doc: trust(sub('StringLike', 'system:serviceaccount:team-?:app')), scope: 'PATTERN' },
  // Disagreed before: the guardrail probed with the pod's audience only and let the pod through.
  { name: 'wildcard trust, pod with another audience', doc: trust(sub('StringLike', 'system:serviceaccount:*:*')), audience: 'vault', scope: 'CLUSTER' },
  { name: 'exact subject, pod with another audience', doc: trust(sub('StringEquals', 'system:serviceaccount:team-a:app')), audience: 'vault', scope: 'EXACT' },
]

describe('the auditor and the guardrail agree', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const audience = c.audience ?? 'sts.amazonaws.com'
      const a = audit(c.doc, audience)
      expect(a.scope).toBe(c.scope)
      expect(guardrail(c.doc, audience)).toBe(EXPECTED[c.scope])
      // The auditor reports wide reach as a finding exactly when the guardrail denies.
      expect(a.findings.length > 0).toBe(EXPECTED[c.scope] !== undefined)
    })
  }
})
