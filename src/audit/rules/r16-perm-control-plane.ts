import type { FindingDraft, Rule } from '../finding.js'
import { workloadRoles } from '../lib/helpers.js'
import { roleRef } from '../refs.js'

export const r16: Rule = {
  meta: {
    ref: 'R16',
    id: 'IRSA-PERM-006',
    title: 'Workload-identity control-plane escalation',
    severity: 'high',
    layer: 'IAM',
    rationale: 'A workload that can rewrite role trusts, register or alter OIDC providers, create Pod Identity associations with PassRole, or create EKS access entries can hand itself any other workload identity or cluster-admin.',
    remediation: 'Remove iam:UpdateAssumeRolePolicy, OIDC-provider management, eks:*PodIdentityAssociation and eks access-entry actions from workload roles; keep them for the platform pipeline.',
    mappings: { nhi: ['NHI5'], csf: ['PR.AA-05', 'PR.AA-01'], zt: ['ZT6'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    const anyAdmin = graph.roles.some((r) => r.workload && r.perms.tier === 'P0')
    for (const role of workloadRoles(graph)) {
      if (role.perms.tier === 'P0' || role.perms.controlPlane.length === 0) continue
      out.push({
        severity: anyAdmin ? 'critical' : 'high',
        message: `Workload role ${role.obj.arn} can change workload-identity bindings: ${role.perms.controlPlane.map((m) => m.method).join(', ')}${anyAdmin ? ' (admin-equivalent workload roles exist in the estate)' : ''}.`,
        resources: [roleRef(role)],
        evidence: { methods: role.perms.controlPlane },
        key: `${role.obj.arn}|${role.perms.controlPlane.map((m) => m.method).sort().join(',')}`,
      })
    }
    return out
  },
}
