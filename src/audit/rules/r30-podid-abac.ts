import type { FindingDraft, ResourceRef, Rule } from '../finding.js'
import { readIdentityStatements } from '../lib/policy-doc.js'

const NS_KEYS = ['aws:principaltag/kubernetes-service-account', 'aws:principaltag/kubernetes-namespace']
const CLUSTER_KEYS = ['aws:principaltag/eks-cluster-arn', 'aws:principaltag/eks-cluster-name']

export const r30: Rule = {
  meta: {
    ref: 'R30',
    id: 'IRSA-PODID-002',
    title: 'Pod Identity ABAC without cluster binding',
    severity: 'medium',
    layer: 'IAM',
    rationale: 'Service accounts are unique only within a namespace, and namespaces only within a cluster: ABAC on kubernetes-namespace/service-account tags without eks-cluster-arn grants the same access to that name in every cluster.',
    remediation: 'Add a condition on aws:PrincipalTag/eks-cluster-arn next to the namespace and service-account tags.',
    mappings: { nhi: ['NHI8', 'NHI9'], csf: ['PR.AA-05'], zt: ['ZT4'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    const check = (doc: unknown, name: string, res: ResourceRef, key: string): void => {
      const bad = readIdentityStatements(doc, name).filter(
        (s) => s.conditionKeys.some((k) => NS_KEYS.includes(k)) && !s.conditionKeys.some((k) => CLUSTER_KEYS.includes(k)),
      )
      if (bad.length === 0) return
      out.push({
        severity: 'medium',
        message: `${name} conditions on Pod Identity namespace/service-account tags without aws:PrincipalTag/eks-cluster-arn (statement ${bad.map((s) => s.index).join(', ')}).`,
        resources: [res],
        evidence: { statements: bad.map((s) => ({ index: s.index, keys: s.conditionKeys })) },
        key,
      })
    }
    for (const p of graph.inventory.iam.policies.values()) check(p.document, p.name, { kind: 'IAMPolicy', arn: p.arn, name: p.name }, p.arn)
    for (const r of graph.roles) for (const p of r.obj.inlinePolicies) check(p.document, `${r.obj.name}/${p.name}`, { kind: 'IAMRole', arn: r.obj.arn, name: r.obj.name }, `${r.obj.arn}|${p.name}`)
    for (const o of graph.inventory.iam.others) for (const p of o.inlinePolicies) check(p.document, `${o.arn}/${p.name}`, { kind: 'IAMPrincipal', arn: o.arn, name: o.arn }, `${o.arn}|${p.name}`)
    return out
  },
}
