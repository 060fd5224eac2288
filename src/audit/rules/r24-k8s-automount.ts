import type { FindingDraft, Rule } from '../finding.js'
import type { SaNode } from '../graph.js'
import { cap } from '../lib/evidence-cap.js'
import { identityOf, saOf } from '../lib/workload-identity.js'
import type { WorkloadObj } from '../model.js'
import { saRef } from '../refs.js'

export const r24: Rule = {
  meta: {
    ref: 'R24',
    id: 'IRSA-K8S-004',
    title: 'AWS-identity pod also mounts a Kubernetes API token',
    severity: 'medium',
    layer: 'K8s',
    rationale: 'A pod that needs only AWS access but also mounts its Kubernetes API token gives an attacker both planes; with RBAC bindings on the service account, the Kubernetes token is worth stealing.',
    remediation: 'Set automountServiceAccountToken: false on the service account or the pod spec (IRSA and Pod Identity use their own projected tokens).',
    mappings: { nhi: ['NHI5'], csf: ['PR.PS-01', 'PR.AA-05'], zt: ['ZT3'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    const bySa = new Map<SaNode, WorkloadObj[]>()
    for (const w of graph.inventory.k8s.workloads) {
      const sa = saOf(graph, w)
      if (sa === undefined || identityOf(graph, w).kind === 'NODE') continue
      const mount = w.pod.automountServiceAccountToken ?? sa.obj?.automountServiceAccountToken ?? true
      if (!mount) continue
      bySa.set(sa, [...(bySa.get(sa) ?? []), w])
    }
    for (const [sa, ws] of bySa) {
      const bound = sa.rbacBindings.length > 0
      out.push({
        severity: bound ? 'medium' : 'low',
        message: `${ws.length} workload(s) running as AWS-bound ${sa.namespace}/${sa.name} also mount a Kubernetes API token${bound ? ` (the service account has RBAC bindings: ${sa.rbacBindings.slice(0, 3).join(', ')})` : ''}.`,
        resources: [saRef(sa)],
        evidence: { workloads: cap(ws.map((w) => `${w.kind}/${w.name}`)), rbacBindings: sa.rbacBindings },
        key: `${sa.cluster}/${sa.namespace}/${sa.name}`,
      })
    }
    return out
  },
}
