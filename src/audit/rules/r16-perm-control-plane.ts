import type { FindingDraft, Rule } from '../finding.js'
import { findRole } from '../graph.js'
import { cap } from '../lib/evidence-cap.js'
import { workloadRoles } from '../lib/workloads.js'
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
      // Pod Identity paths: the roles iam:PassRole (to pods.eks.amazonaws.com) reaches, '*' for any.
      const targets = [...new Set(role.perms.controlPlane.flatMap((m) => m.targets ?? []))].sort()
      const adminTargets = targets.filter((t) => t !== '*' && findRole(graph, t)?.perms.tier === 'P0')
      const critical = anyAdmin || adminTargets.length > 0
      const podId = targets.length === 0 ? '' : `; a Pod Identity association can hand it ${targets.includes('*') ? 'any role of the account' : cap(targets, 5).join(', ')}${adminTargets.length > 0 ? `, including admin-equivalent ${cap(adminTargets, 3).join(', ')}` : ''}`
      out.push({
        severity: critical ? 'critical' : 'high',
        message: `Workload role ${role.obj.arn} can change workload-identity bindings: ${role.perms.controlPlane.map((m) => m.method).join(', ')}${podId}${anyAdmin ? ' (admin-equivalent workload roles exist in the estate)' : ''}.`,
        resources: [roleRef(role)],
        evidence: { methods: role.perms.controlPlane, ...(targets.length === 0 ? {} : { podIdentityTargets: cap(targets), adminTargets }) },
        key: `${role.obj.arn}|${role.perms.controlPlane.map((m) => m.method).sort().join(',')}`,
      })
    }
    return out
  },
}
