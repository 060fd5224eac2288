import type { FindingDraft, Rule } from '../finding.js'
import { escalateByTier } from '../finding.js'
import type { RbacGrant } from '../rbac.js'
import { isSystemSubject, subjectId } from '../rbac.js'
import { cap } from '../lib/evidence-cap.js'
import { roleRef } from '../refs.js'

export const r33: Rule = {
  meta: {
    ref: 'R33',
    id: 'IRSA-XL-003',
    title: 'Claimable trusted subject (dangling or future SA)',
    severity: 'high',
    layer: 'X',
    rationale: 'A trust that admits a namespace or service account that does not exist is claimed by whoever creates it (the in-cluster "Sub:jugation"); a wildcard admits every future service account its pattern matches.',
    remediation: 'Remove subjects that no longer exist from the trust; replace wildcards with exact subjects; restrict who can create namespaces and service accounts.',
    mappings: { nhi: ['NHI1', 'NHI6'], csf: ['ID.AM-08', 'PR.AA-02'], zt: ['ZT5', 'ZT6'] },
    bindingEffect: 'over-broad',
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    const hasRbac = graph.inventory.hasRbac
    for (const role of graph.roles) {
      for (const r of role.reach) {
        const cluster = r.cluster
        if (cluster === undefined) continue
        const creators = (grants: RbacGrant[]): string[] =>
          [...new Set(grants.filter((g) => !isSystemSubject(g.subject) && !graph.rbac.isClusterAdmin(cluster.name, g.subject)).map((g) => subjectId(g.subject)))].sort()
        const nsCreators = creators(graph.rbac.who(cluster.name, '*', 'create-namespaces'))
        for (const e of r.exactSubs) {
          if (!e.admitted || (e.namespaceExists && e.serviceAccountExists)) continue
          const who = e.namespaceExists ? creators(graph.rbac.who(cluster.name, e.namespace, 'create-serviceaccounts')) : nsCreators
          const missing = e.namespaceExists ? 'service account' : 'namespace'
          out.push({
            severity: escalateByTier('high', role.perms.tier),
            message: `${role.obj.arn} trusts system:serviceaccount:${e.namespace}:${e.name} on cluster ${cluster.name}, but that ${missing} does not exist: whoever creates it obtains the role${hasRbac ? (who.length > 0 ? ` (${who.length} non-admin subject(s) can: ${who.slice(0, 3).join(', ')})` : ' (only cluster admins can create it today)') : ' (no RBAC input: assumed creatable)'}.`,
            resources: [roleRef(role), { kind: 'ServiceAccount', cluster: cluster.name, namespace: e.namespace, name: e.name }],
            evidence: { cluster: cluster.name, subject: `system:serviceaccount:${e.namespace}:${e.name}`, namespaceExists: e.namespaceExists, serviceAccountExists: e.serviceAccountExists, namespacesInferred: !cluster.namespacesKnown, creators: cap(who), rbacInput: hasRbac, tier: role.perms.tier },
            key: `${role.obj.arn}|${cluster.name}|${e.namespace}:${e.name}`,
          })
        }
        if (r.scope !== 'CLUSTER' && r.scope !== 'ANYNS' && r.scope !== 'NS') continue
        let who: string[]
        if (r.scope === 'NS') {
          who = [...new Set(r.namespaces.flatMap((ns) => creators(graph.rbac.who(cluster.name, ns, 'create-serviceaccounts'))))].sort()
        } else {
          const saCreators = [...cluster.namespaces].flatMap((ns) => creators(graph.rbac.who(cluster.name, ns, 'create-serviceaccounts')))
          who = [...new Set([...nsCreators, ...saCreators])].sort()
        }
        if (hasRbac && who.length === 0) continue
        out.push({
          severity: escalateByTier('high', role.perms.tier),
          message: `${role.obj.arn} trust admits service accounts that do not exist yet (${r.scope === 'NS' ? `any name in ${r.namespaces.join(', ')}` : r.scope === 'ANYNS' ? `${r.anyNamespaceNames.join(', ')} in any namespace` : 'any namespace and name'}) on cluster ${cluster.name}; ${hasRbac ? `${who.length} non-admin subject(s) can create them: ${who.slice(0, 3).join(', ')}` : 'no RBAC input: assumed creatable'}.`,
          resources: [roleRef(role)],
          evidence: { cluster: cluster.name, scope: r.scope, namespaces: r.namespaces, anyNamespaceNames: r.anyNamespaceNames, creators: cap(who), rbacInput: hasRbac, tier: role.perms.tier },
          key: `${role.obj.arn}|${cluster.name}|${r.scope}`,
        })
      }
    }
    return out
  },
}
