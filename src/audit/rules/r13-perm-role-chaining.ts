import type { FindingDraft, Rule } from '../finding.js'
import { workloadRoles } from '../lib/workloads.js'
import { roleRef } from '../refs.js'

export const r13: Rule = {
  meta: {
    ref: 'R13',
    id: 'IRSA-PERM-003',
    title: 'Role-chaining pivot',
    severity: 'high',
    layer: 'IAM',
    rationale: 'sts:AssumeRole on any role, without aws:ResourceAccount or aws:ResourceOrgID conditions, lets the workload pivot into every role whose trust names its account.',
    remediation: 'Scope sts:AssumeRole to the specific role ARNs the workload needs, or add aws:ResourceAccount / aws:ResourceOrgID conditions.',
    mappings: { nhi: ['NHI5', 'NHI8'], csf: ['PR.AA-05'], zt: ['ZT3'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const role of workloadRoles(graph)) {
      if (role.perms.tier === 'P0' || role.perms.chaining.length === 0) continue
      out.push({
        severity: 'high',
        message: `Workload role ${role.obj.arn} may assume any role (sts:AssumeRole on an unconstrained resource).`,
        resources: [roleRef(role)],
        evidence: { grants: role.perms.chaining },
        key: role.obj.arn,
      })
    }
    return out
  },
}
