import type { FindingDraft, Rule } from '../finding.js'
import { workloadRoles } from '../lib/workloads.js'
import { roleRef } from '../refs.js'

export const r14: Rule = {
  meta: {
    ref: 'R14',
    id: 'IRSA-PERM-004',
    title: 'Unconstrained data, credential or exposure actions',
    severity: 'medium',
    layer: 'IAM',
    rationale: 'Reading every object, parameter or secret, minting credentials, or changing resource policies on Resource "*" without conditions turns one pod into a data-exfiltration or exposure path (Cloudsplaining DataExfiltration, CredentialsExposure, ResourceExposure).',
    remediation: 'Scope the actions to the specific buckets, parameters, secrets or keys the workload needs, or add conditions.',
    mappings: { nhi: ['NHI5', 'NHI2'], csf: ['PR.AA-05'], zt: ['ZT3'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const role of workloadRoles(graph)) {
      const p = role.perms
      if (p.tier === 'P0' || p.data.length + p.credentials.length + p.exposure.length === 0) continue
      const high = p.credentials.length + p.exposure.length > 0
      const actions = [...p.data, ...p.credentials, ...p.exposure].map((g) => g.action)
      out.push({
        severity: high ? 'high' : 'medium',
        message: `Workload role ${role.obj.arn} holds unconstrained ${[p.data.length > 0 ? 'data' : '', p.credentials.length > 0 ? 'credential' : '', p.exposure.length > 0 ? 'resource-exposure' : ''].filter(Boolean).join(', ')} actions: ${actions.join(', ')}.`,
        resources: [roleRef(role)],
        evidence: { data: p.data, credentials: p.credentials, exposure: p.exposure },
        key: `${role.obj.arn}|${[...actions].sort().join(',')}`,
      })
    }
    return out
  },
}
