import type { FindingDraft, Rule } from '../finding.js'
import { workloadRoles } from '../lib/workloads.js'
import { roleRef } from '../refs.js'

export const r12: Rule = {
  meta: {
    ref: 'R12',
    id: 'IRSA-PERM-002',
    title: 'Privilege-escalation capable',
    severity: 'high',
    layer: 'IAM',
    rationale: 'Unconstrained iam:PassRole with a compute launcher, policy-version, attach/put policy or trust-update actions let the workload obtain more privilege than it was given (Prowler, Cloudsplaining escalation methods).',
    remediation: 'Remove the escalation actions or scope them to specific resources (iam:PassRole to named roles with iam:PassedToService).',
    mappings: { nhi: ['NHI5'], csf: ['PR.AA-05'], zt: ['ZT3'] },
    bindingEffect: 'over-broad',
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const role of workloadRoles(graph)) {
      if (role.perms.tier === 'P0' || role.perms.escalation.length === 0) continue
      out.push({
        severity: 'high',
        message: `Workload role ${role.obj.arn} can escalate privileges: ${role.perms.escalation.map((e) => e.method).join(', ')}.`,
        resources: [roleRef(role)],
        evidence: { methods: role.perms.escalation.map((e) => ({ method: e.method, grants: e.grants })) },
        key: `${role.obj.arn}|${role.perms.escalation.map((e) => e.method).sort().join(',')}`,
      })
    }
    return out
  },
}
