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
    /** Non-admin, non-system subjects among RBAC grants on a cluster. */
    const nonAdmins = (cluster: string, grants: RbacGrant[]): string[] =>
      [...new Set(grants.filter((g) => !isSystemSubject(g.subject) && !graph.rbac.isClusterAdmin(cluster, g.subject)).map((g) => subjectId(g.subject)))].sort()
    /** Who can bring a missing service account into being: create it in its namespace, or create the namespace. */
    const claimers = (cluster: string, namespace: string, namespaceExists: boolean): string[] =>
      nonAdmins(cluster, graph.rbac.who(cluster, namespaceExists ? namespace : '*', namespaceExists ? 'create-serviceaccounts' : 'create-namespaces'))
    const whoSays = (who: string[]): string => (hasRbac ? (who.length > 0 ? ` (${who.length} non-admin subject(s) can: ${who.slice(0, 3).join(', ')})` : ' (only cluster admins can create it today)') : ' (no RBAC input: assumed creatable)')
    for (const role of graph.roles) {
      for (const r of role.reach) {
        const cluster = r.cluster
        if (cluster === undefined) continue
        const creators = (grants: RbacGrant[]): string[] => nonAdmins(cluster.name, grants)
        const nsCreators = creators(graph.rbac.who(cluster.name, '*', 'create-namespaces'))
        for (const e of r.exactSubs) {
          if (!e.admitted || (e.namespaceExists && e.serviceAccountExists)) continue
          const who = claimers(cluster.name, e.namespace, e.namespaceExists)
          const missing = e.namespaceExists ? 'service account' : 'namespace'
          out.push({
            severity: escalateByTier('high', role.perms.tier),
            message: `${role.obj.arn} trusts system:serviceaccount:${e.namespace}:${e.name} on cluster ${cluster.name}, but that ${missing} does not exist: whoever creates it obtains the role${whoSays(who)}.`,
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
    // A Pod Identity association for a service account that does not exist: EKS hands the role to
    // pods of whoever creates that service account (the association outlives its workload).
    for (const b of graph.podIdentity) {
      if (b.assoc.inferred || b.sa.obj !== undefined || b.sa.workloads.length > 0) continue
      const cluster = graph.clusters.get(b.cluster)
      // Without the cluster's service accounts, absence says nothing; nor without any Kubernetes view
      // beyond them (neither RBAC nor Namespace objects: the server's own state, whose service accounts
      // are only the ones its bindings name).
      if (cluster === undefined || cluster.serviceAccounts.length === 0) continue
      if (!hasRbac && !cluster.namespacesKnown) continue
      const namespaceExists = cluster.namespaces.has(b.sa.namespace)
      const who = claimers(cluster.name, b.sa.namespace, namespaceExists)
      const missing = namespaceExists ? 'service account' : 'namespace'
      const roleArn = b.assoc.roleArn ?? '(role not described)'
      out.push({
        severity: escalateByTier('high', b.role?.perms.tier ?? 'P4'),
        message: `Pod Identity association${b.assoc.associationId === undefined ? '' : ` ${b.assoc.associationId}`} on cluster ${cluster.name} gives ${roleArn} to ${b.sa.namespace}/${b.sa.name}, but that ${missing} does not exist: whoever creates it obtains the role${whoSays(who)}.`,
        resources: [{ kind: 'ServiceAccount', cluster: cluster.name, namespace: b.sa.namespace, name: b.sa.name }, ...(b.role === undefined ? [] : [roleRef(b.role)])],
        evidence: { cluster: cluster.name, via: 'pod-identity', associationId: b.assoc.associationId ?? null, associationArn: b.assoc.associationArn ?? null, roleArn: b.assoc.roleArn ?? null, namespaceExists, serviceAccountExists: false, namespacesInferred: !cluster.namespacesKnown, creators: cap(who), rbacInput: hasRbac, tier: b.role?.perms.tier ?? null },
        key: `podid|${cluster.name}|${b.sa.namespace}:${b.sa.name}|${b.assoc.roleArn ?? ''}`,
      })
    }
    return out
  },
}
