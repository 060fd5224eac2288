import type { FindingDraft, Rule } from '../finding.js'
import { awsBound } from '../graph.js'
import { roleRef, saRef } from '../refs.js'

export const r36: Rule = {
  meta: {
    ref: 'R36',
    id: 'IRSA-GOV-001',
    title: 'Workload identity without ownership metadata',
    severity: 'low',
    layer: 'X',
    rationale: 'Offboarding (NHI1) and access reviews (PR.AA-05) need an owner for every workload identity; untagged roles and unlabelled AWS-bound service accounts are the ones nobody removes.',
    remediation: 'Tag workload roles (default keys owner, app, env) and label AWS-bound service accounts (default app.kubernetes.io/name).',
    mappings: { nhi: ['NHI1'], csf: ['PR.AA-01', 'ID.AM-02'], zt: ['ZT5'] },
  },
  check({ graph, options }) {
    const out: FindingDraft[] = []
    for (const role of graph.roles) {
      if (!role.workload) continue
      const missing = options.ownerTags.filter((t) => role.obj.tags[t] === undefined)
      if (missing.length === 0) continue
      out.push({ severity: 'low', message: `Workload role ${role.obj.arn} lacks tags ${missing.join(', ')}.`, resources: [roleRef(role)], evidence: { missingTags: missing }, key: role.obj.arn })
    }
    for (const sa of graph.serviceAccounts) {
      if (!awsBound(sa) || sa.obj === undefined) continue
      const missing = options.ownerLabels.filter((l) => sa.obj?.labels[l] === undefined)
      if (missing.length === 0) continue
      out.push({ severity: 'low', message: `AWS-bound service account ${sa.namespace}/${sa.name} lacks labels ${missing.join(', ')}.`, resources: [saRef(sa)], evidence: { missingLabels: missing }, key: `${sa.cluster}/${sa.namespace}/${sa.name}` })
    }
    return out
  },
}
