import type { FindingDraft, Rule } from '../finding.js'
import type { SaNode } from '../graph.js'
import { cap } from '../lib/evidence-cap.js'
import { roleRef, saName } from '../refs.js'

export const r23: Rule = {
  meta: {
    ref: 'R23',
    id: 'IRSA-K8S-003',
    title: 'One role bound to many SAs, namespaces or environments',
    severity: 'medium',
    layer: 'X',
    rationale: 'One role for several service accounts, namespaces or clusters is one non-human identity reused across workloads and trust boundaries (OWASP NHI9); across environments it joins dev to prod.',
    remediation: 'One role per application and environment; trust only that application\'s service account.',
    mappings: { nhi: ['NHI9', 'NHI8'], csf: ['PR.AA-05', 'PR.IR-01'], zt: ['ZT3'] },
    bindingEffect: 'over-broad',
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    const nsEnv = new Map<string, string>()
    for (const n of graph.inventory.k8s.namespaces) {
      const env = n.labels.env ?? n.labels.environment
      if (env !== undefined) nsEnv.set(`${n.cluster}/${n.name}`, env)
    }
    for (const role of graph.roles) {
      const sas = new Set<SaNode>([...role.annotatedBy, ...role.reach.flatMap((r) => r.admitted), ...role.associations.map((b) => b.sa)])
      if (sas.size < 2) continue
      const list = [...sas]
      const namespaces = [...new Set(list.map((s) => `${s.cluster}/${s.namespace}`))].sort()
      const clusters = [...new Set(list.map((s) => s.cluster))].sort()
      const envs = new Set<string>()
      for (const s of list) {
        const e = nsEnv.get(`${s.cluster}/${s.namespace}`) ?? graph.clusters.get(s.cluster)?.env
        if (e !== undefined) envs.add(e)
      }
      const cross = envs.size > 1
      out.push({
        severity: cross ? 'high' : 'medium',
        message: `${role.obj.arn} is shared by ${list.length} service accounts in ${namespaces.length} namespace(s)${clusters.length > 1 ? ` across ${clusters.length} clusters` : ''}${cross ? ` and environments ${[...envs].sort().join(', ')}` : ''}.`,
        resources: [roleRef(role)],
        evidence: {
          serviceAccounts: cap(list.map((s) => (clusters.length > 1 ? `${s.cluster}:` : '') + saName(s)).sort()),
          count: list.length,
          annotated: role.annotatedBy.map(saName).sort(),
          ...(role.associations.length === 0 ? {} : { podIdentity: role.associations.map((b) => (clusters.length > 1 ? `${b.cluster}:` : '') + saName(b.sa)).sort() }),
          namespaces: cap(namespaces),
          clusters,
          environments: [...envs].sort(),
        },
        key: `${role.obj.arn}`,
      })
    }
    return out
  },
}
