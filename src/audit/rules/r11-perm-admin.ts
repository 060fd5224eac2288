import type { FindingDraft, Rule } from '../finding.js'
import { workloadRoles } from '../lib/workloads.js'
import { roleRef } from '../refs.js'

export const r11: Rule = {
  meta: {
    ref: 'R11',
    id: 'IRSA-PERM-001',
    title: 'Admin-equivalent workload role',
    severity: 'critical',
    layer: 'IAM',
    rationale: 'A workload role that can do everything, or can grant itself everything (PutRolePolicy/AttachRolePolicy on itself, CreateRole plus attach, CreatePolicyVersion on its own policy), makes any compromise of the pod an account compromise.',
    remediation: 'Replace the role\'s policies with least-privilege ones scoped to the resources the workload uses; never attach AdministratorAccess or IAMFullAccess to a workload.',
    mappings: { nhi: ['NHI5'], csf: ['PR.AA-05'], zt: ['ZT3'] },
    bindingEffect: 'over-broad',
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const role of workloadRoles(graph)) {
      if (role.perms.admin.length === 0) continue
      out.push({
        severity: 'critical',
        message: `Workload role ${role.obj.arn} is admin-equivalent: ${role.perms.admin.map((a) => a.method).join(', ')}.`,
        resources: [roleRef(role), ...role.annotatedBy.map((sa) => ({ kind: 'ServiceAccount', cluster: sa.cluster, namespace: sa.namespace, name: sa.name }))],
        evidence: { methods: role.perms.admin.map((a) => ({ method: a.method, grants: a.grants })) },
        key: role.obj.arn,
      })
    }
    return out
  },
}
