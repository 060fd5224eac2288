import type { FindingDraft, Rule } from '../finding.js'
import { tierOf } from '../graph.js'
import { cap } from '../lib/evidence-cap.js'
import { topWorkloads } from '../lib/workloads.js'
import { workloadRole } from '../lib/workload-identity.js'
import { workloadRef } from '../refs.js'

const DANGEROUS = [/^\/$/, /^\/var\/lib\/kubelet(\/|$)/, /^\/var\/run\/?$/, /^\/var\/lib\/?$/, /^\/var\/?$/]

export const r35: Rule = {
  meta: {
    ref: 'R35',
    id: 'IRSA-XL-005',
    title: 'Token harvesting via host access',
    severity: 'high',
    layer: 'X',
    rationale: 'Host mounts of /, /var/lib/kubelet or /var/run (or privileged/hostPID) expose every projected token on the node, including IRSA and Pod Identity tokens of privileged workloads that can share the node.',
    remediation: 'Remove host mounts and privilege from application pods; pin privileged-role workloads to dedicated nodes with taints and tolerations.',
    mappings: { nhi: ['NHI5', 'NHI2'], csf: ['PR.IR-01', 'PR.AA-05'], zt: ['ZT2', 'ZT5'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    const tops = topWorkloads(graph)
    const privileged = tops
      .map((w) => ({ w, id: workloadRole(graph, w) }))
      .filter((x) => x.id !== undefined && (tierOf(x.id.role) === 'P0' || tierOf(x.id.role) === 'P1'))
    if (privileged.length === 0) return out
    for (const h of tops) {
      const mounts = h.pod.hostPaths.filter((p) => DANGEROUS.some((d) => d.test(p)))
      const priv = h.pod.containers.some((c) => c.privileged) || h.pod.hostPID
      if (mounts.length === 0 && !priv) continue
      const targets = privileged.filter(({ w }) => w !== h && w.cluster === h.cluster && (h.pod.nodeName === undefined || w.pod.nodeName === undefined || h.pod.nodeName === w.pod.nodeName))
      if (targets.length === 0) continue
      const roles = [...new Set(targets.map((t) => t.id?.arn as string))].sort()
      out.push({
        severity: 'high',
        message: `${h.kind} ${h.namespace}/${h.name} (${[...mounts.map((m) => `hostPath ${m}`), ...(priv ? ['privileged/hostPID'] : [])].join(', ')}) can read the tokens of ${targets.length} privileged-role workload(s) that may share its node: ${roles.slice(0, 3).join(', ')}.`,
        resources: [workloadRef(h), ...cap(targets, 5).map((t) => workloadRef(t.w))],
        evidence: { hostPaths: mounts, privileged: priv, roles, targets: cap(targets.map((t) => `${t.w.namespace}/${t.w.kind}/${t.w.name}`)) },
        key: `${h.cluster}/${h.namespace}/${h.kind}/${h.name}`,
      })
    }
    return out
  },
}
