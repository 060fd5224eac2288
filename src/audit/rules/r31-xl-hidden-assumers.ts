import type { FindingDraft, Rule } from '../finding.js'
import { escalateByTier } from '../finding.js'
import type { SaNode } from '../graph.js'
import { findRole, roleArnFromEnv } from '../graph.js'
import { cap } from '../lib/evidence-cap.js'
import { saOf } from '../lib/workload-identity.js'
import { roleRef, saName, workloadRef } from '../refs.js'
import { STS_AUDIENCE } from '../../model/aws-names.js'

export const r31: Rule = {
  meta: {
    ref: 'R31',
    id: 'IRSA-XL-001',
    title: 'Hidden assumers',
    severity: 'medium',
    layer: 'X',
    rationale: 'Any pod can project its own sts.amazonaws.com token, so every existing service account the trust admits can assume the role, annotated or not; pods that wire AWS_ROLE_ARN or hand-project STS tokens for un-annotated service accounts evade the inventory.',
    remediation: 'Narrow the trust to the annotated service accounts; annotate the service accounts that legitimately use the role.',
    mappings: { nhi: ['NHI9', 'NHI1'], csf: ['ID.AM-02', 'DE.CM-09'], zt: ['ZT5'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const role of graph.roles) {
      const declared = new Set<SaNode>(role.annotatedBy)
      for (const w of role.envRefs) {
        const sa = saOf(graph, w)
        if (sa !== undefined) declared.add(sa)
      }
      for (const r of role.reach) {
        if (r.cluster === undefined) continue
        const hidden = r.admitted.filter((sa) => !declared.has(sa))
        if (hidden.length === 0) continue
        out.push({
          severity: escalateByTier('medium', role.perms.tier),
          message: `${hidden.length} service account(s) not bound to ${role.obj.arn} can still assume it on cluster ${r.cluster.name}: ${hidden.slice(0, 5).map(saName).join(', ')}${hidden.length > 5 ? ', …' : ''}.`,
          resources: [roleRef(role)],
          evidence: { cluster: r.cluster.name, issuer: r.host, hidden: cap(hidden.map(saName), 50), count: hidden.length, declared: [...declared].map(saName).sort(), tier: role.perms.tier },
          key: `${role.obj.arn}|${r.cluster.name}|${hidden.map(saName).sort().join(',')}`,
        })
      }
    }
    for (const w of graph.inventory.k8s.workloads) {
      const sa = saOf(graph, w)
      if (sa?.roleArn !== undefined) continue
      const envArn = roleArnFromEnv(w)
      const stsToken = w.pod.projectedTokens.some((t) => t.audience === STS_AUDIENCE)
      if (envArn === undefined && !stsToken) continue
      const role = envArn === undefined ? undefined : findRole(graph, envArn)
      out.push({
        severity: role === undefined ? 'medium' : escalateByTier('medium', role.perms.tier),
        message: `${w.kind} ${w.namespace}/${w.name} ${envArn !== undefined ? `sets AWS_ROLE_ARN=${envArn}` : `projects an ${STS_AUDIENCE} token`} for un-annotated service account ${w.pod.serviceAccountName}: the AWS identity is invisible in the service-account inventory.`,
        resources: [workloadRef(w), ...(role === undefined ? [] : [roleRef(role)])],
        evidence: { roleArn: envArn ?? null, stsProjectedToken: stsToken, serviceAccount: w.pod.serviceAccountName },
        key: `${w.cluster}/${w.namespace}/${w.kind}/${w.name}|evasion`,
      })
    }
    return out
  },
}
