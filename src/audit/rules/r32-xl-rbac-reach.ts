import type { FindingDraft, Rule, Severity } from '../finding.js'
import type { SaNode } from '../graph.js'
import type { Tier } from '../permissions.js'
import type { RbacGrant } from '../rbac.js'
import { isSystemSubject, subjectId } from '../rbac.js'
import { cap } from '../lib/evidence-cap.js'
import { roleRef } from '../refs.js'

const SEVERITY: Readonly<Record<Tier, Severity>> = { P0: 'critical', P1: 'critical', P2: 'high', P3: 'low', P4: 'info' }

export const r32: Rule = {
  meta: {
    ref: 'R32',
    id: 'IRSA-XL-002',
    title: 'Kubernetes principals who can obtain a role\'s AWS credentials',
    severity: 'high',
    layer: 'X',
    rationale: 'Whoever can create pods (or controllers) in a namespace, mint serviceaccounts/token, re-point a service account or impersonate it runs with every AWS role its service accounts can assume.',
    remediation: 'Move privileged workloads to namespaces only their pipeline can deploy to; remove pod-create, token-create, SA-update and impersonate rights from other subjects; narrow the trust.',
    mappings: { nhi: ['NHI5', 'NHI9', 'NHI10'], csf: ['PR.AA-05'], zt: ['ZT3', 'ZT6'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    if (!graph.inventory.hasRbac) return out
    for (const role of graph.roles) {
      for (const r of role.reach) {
        const cluster = r.cluster
        if (cluster === undefined) continue
        const targets: SaNode[] = [...new Set([...r.admitted, ...role.annotatedBy.filter((s) => s.cluster === cluster.name)])]
        if (targets.length === 0) continue
        const byNs = new Map<string, SaNode[]>()
        for (const sa of targets) byNs.set(sa.namespace, [...(byNs.get(sa.namespace) ?? []), sa])
        const subjects = new Map<string, { subject: string; how: Set<string> }>()
        const add = (g: RbacGrant, how: string): void => {
          if (isSystemSubject(g.subject) || graph.rbac.isClusterAdmin(cluster.name, g.subject)) return
          const id = subjectId(g.subject)
          const e = subjects.get(id) ?? { subject: id, how: new Set<string>() }
          e.how.add(`${how} via ${g.binding} (${g.role})`)
          subjects.set(id, e)
        }
        for (const [ns, sas] of byNs) {
          for (const g of graph.rbac.who(cluster.name, ns, 'create-pods')) add(g, `create pods in ${ns}`)
          for (const sa of sas) {
            for (const g of graph.rbac.who(cluster.name, ns, 'create-token', sa.name)) add(g, `create token for ${ns}/${sa.name}`)
            for (const g of graph.rbac.who(cluster.name, ns, 'impersonate-serviceaccounts', sa.name)) add(g, `impersonate ${ns}/${sa.name}`)
          }
          for (const g of graph.rbac.who(cluster.name, ns, 'update-serviceaccounts')) add(g, `update service accounts in ${ns}`)
        }
        if (subjects.size === 0) continue
        const list = [...subjects.values()].sort((a, b) => a.subject.localeCompare(b.subject))
        out.push({
          severity: SEVERITY[role.perms.tier],
          message: `${list.length} Kubernetes subject(s) can obtain ${role.obj.arn} (tier ${role.perms.tier}) on cluster ${cluster.name}: ${list.slice(0, 5).map((s) => s.subject).join(', ')}${list.length > 5 ? ', …' : ''}.`,
          resources: [roleRef(role), ...cap(list, 10).map((s) => ({ kind: 'RBACSubject', cluster: cluster.name, name: s.subject }))],
          evidence: { cluster: cluster.name, tier: role.perms.tier, subjects: cap(list, 50).map((s) => ({ subject: s.subject, how: [...s.how].sort() })), count: list.length },
          key: `${role.obj.arn}|${cluster.name}|${list.map((s) => s.subject).join(',')}`,
        })
      }
    }
    return out
  },
}
