import type { FindingDraft, Rule } from '../finding.js'
import { tierOf } from '../graph.js'
import { topWorkloads } from '../lib/workloads.js'
import { workloadRole } from '../lib/workload-identity.js'
import { roleRef, workloadRef } from '../refs.js'

const ORDER = ['P0', 'P1', 'P2', 'P3', 'P4']

function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  const e = Object.entries(selector)
  return e.length > 0 && e.every(([k, v]) => labels[k] === v)
}

export const r34: Rule = {
  meta: {
    ref: 'R34',
    id: 'IRSA-XL-004',
    title: 'Privileged cloud identity on an exposed or weak workload',
    severity: 'high',
    layer: 'X',
    rationale: 'An internet-facing or privileged pod is the likeliest to be compromised; with an admin or escalation-capable role, its compromise is the account\'s.',
    remediation: 'Split the exposed component from the privileged one, drop privileged/hostNetwork/hostPID/allowPrivilegeEscalation, and reduce the role to least privilege.',
    mappings: { nhi: ['NHI5'], csf: ['PR.AA-05', 'PR.IR-01'], zt: ['ZT3'] },
  },
  check({ graph, options }) {
    const out: FindingDraft[] = []
    const k = graph.inventory.k8s
    for (const w of topWorkloads(graph)) {
      const id = workloadRole(graph, w)
      if (id?.role === undefined) continue
      const tier = tierOf(id.role)
      if (ORDER.indexOf(tier) > ORDER.indexOf(options.exposedTier)) continue
      const why: string[] = []
      for (const s of k.services) {
        if (s.cluster !== w.cluster || s.namespace !== w.namespace || !selects(s.selector, w.podLabels)) continue
        if (s.type === 'LoadBalancer' || s.type === 'NodePort') why.push(`Service ${s.name} (${s.type})`)
        for (const ing of k.ingresses) if (ing.cluster === w.cluster && ing.namespace === w.namespace && ing.backendServices.includes(s.name)) why.push(`Ingress ${ing.name} → ${s.name}`)
      }
      if (w.pod.hostNetwork) why.push('hostNetwork')
      if (w.pod.hostPID) why.push('hostPID')
      if (w.pod.containers.some((c) => c.privileged)) why.push('privileged container')
      if (w.pod.containers.some((c) => c.allowPrivilegeEscalation === true)) why.push('allowPrivilegeEscalation')
      if (why.length === 0) continue
      out.push({
        severity: tier === 'P0' ? 'critical' : 'high',
        message: `${w.kind} ${w.namespace}/${w.name} runs with ${id.arn} (tier ${tier}) and is exposed or weakly isolated: ${why.join(', ')}.`,
        resources: [workloadRef(w), roleRef(id.role)],
        evidence: { tier, exposure: why },
        key: `${w.cluster}/${w.namespace}/${w.kind}/${w.name}|${id.arn}`,
      })
    }
    return out
  },
}
