/**
 * RBAC reach: who can create pods (or pod controllers), mint `serviceaccounts/token`, create or update
 * ServiceAccounts, impersonate them, or create namespaces — per cluster and namespace. Role and
 * ClusterRole rules are resolved with aggregation and wildcards; ClusterRoleBindings reach every
 * namespace.
 */
import type { K8sInventory, PolicyRule, RbacSubject } from './model.js'

export type RbacCapability = 'create-pods' | 'create-token' | 'create-serviceaccounts' | 'update-serviceaccounts' | 'impersonate-serviceaccounts' | 'create-namespaces' | 'bind-roles'

export interface RbacGrant {
  readonly subject: RbacSubject
  /** `Kind name` of the binding and of the role it refers to. */
  readonly binding: string
  readonly role: string
  /** The namespace the grant applies to, or `*` for cluster-wide. */
  readonly scope: string
  /** Non-empty when the grant is limited to these object names (e.g. token for one SA). */
  readonly resourceNames: readonly string[]
}

interface Perm {
  readonly group: string
  readonly resource: string
  readonly verbs: readonly string[]
}

const PERMS: Readonly<Record<RbacCapability, readonly Perm[]>> = {
  'create-pods': [
    { group: '', resource: 'pods', verbs: ['create'] },
    { group: 'apps', resource: 'deployments', verbs: ['create'] },
    { group: 'apps', resource: 'replicasets', verbs: ['create'] },
    { group: 'apps', resource: 'statefulsets', verbs: ['create'] },
    { group: 'apps', resource: 'daemonsets', verbs: ['create'] },
    { group: 'batch', resource: 'jobs', verbs: ['create'] },
    { group: 'batch', resource: 'cronjobs', verbs: ['create'] },
    { group: '', resource: 'replicationcontrollers', verbs: ['create'] },
  ],
  'create-token': [{ group: '', resource: 'serviceaccounts/token', verbs: ['create'] }],
  'create-serviceaccounts': [{ group: '', resource: 'serviceaccounts', verbs: ['create'] }],
  'update-serviceaccounts': [{ group: '', resource: 'serviceaccounts', verbs: ['update', 'patch'] }],
  'impersonate-serviceaccounts': [{ group: '', resource: 'serviceaccounts', verbs: ['impersonate'] }],
  'create-namespaces': [{ group: '', resource: 'namespaces', verbs: ['create'] }],
  'bind-roles': [
    { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', verbs: ['bind', 'escalate'] },
    { group: 'rbac.authorization.k8s.io', resource: 'roles', verbs: ['bind', 'escalate'] },
  ],
}

function resourceMatches(pattern: string, resource: string): boolean {
  if (pattern === '*' || pattern === resource) return true
  const [pr, ps] = pattern.split('/')
  const [rr, rs] = resource.split('/')
  if (ps === undefined || rs === undefined) return false
  return (pr === '*' || pr === rr) && (ps === '*' || ps === rs)
}

/** Whether `rule` grants `verb` on group/resource; returns the resourceNames restriction, or undefined. */
export function ruleGrants(rule: PolicyRule, group: string, resource: string, verb: string): readonly string[] | undefined {
  if (!rule.verbs.some((v) => v === '*' || v.toLowerCase() === verb)) return undefined
  if (!rule.apiGroups.some((g) => g === '*' || g === group)) return undefined
  if (!rule.resources.some((r) => resourceMatches(r, resource))) return undefined
  return rule.resourceNames
}

function isAdminRule(rule: PolicyRule): boolean {
  return rule.verbs.includes('*') && rule.apiGroups.includes('*') && rule.resources.includes('*') && rule.resourceNames.length === 0
}

interface ResolvedBinding {
  readonly cluster: string
  readonly scope: string
  readonly name: string
  readonly role: string
  readonly subjects: readonly RbacSubject[]
  readonly rules: readonly PolicyRule[]
}

export function subjectId(s: RbacSubject): string {
  return s.kind === 'ServiceAccount' ? `system:serviceaccount:${s.namespace ?? ''}:${s.name}` : `${s.kind}:${s.name}`
}

/** Control-plane principals that run the cluster: excluded from "who can" findings, still listed by who-can. */
export function isSystemSubject(s: RbacSubject): boolean {
  if (s.kind === 'ServiceAccount') return s.namespace === 'kube-system'
  if (s.name === 'system:masters' || s.name === 'system:nodes' || s.name.startsWith('system:node:')) return true
  if (s.kind === 'User' && s.name.startsWith('system:') && !s.name.startsWith('system:serviceaccount:')) return true
  if (s.kind === 'Group' && s.name.startsWith('system:') && !['system:authenticated', 'system:unauthenticated'].includes(s.name) && !s.name.startsWith('system:serviceaccounts')) return true
  return false
}

export class RbacIndex {
  private readonly byCluster = new Map<string, { ns: Map<string, ResolvedBinding[]>; cluster: ResolvedBinding[] }>()
  private readonly cache = new Map<string, RbacGrant[]>()
  private readonly admins = new Map<string, Set<string>>()

  constructor(k8s: K8sInventory) {
    const clusterRoles = new Map<string, { rules: PolicyRule[]; labels: Readonly<Record<string, string>>; selectors: readonly Readonly<Record<string, string>>[] }>()
    const roles = new Map<string, PolicyRule[]>()
    for (const r of k8s.roles) {
      if (r.kind === 'ClusterRole') clusterRoles.set(`${r.cluster}/${r.name}`, { rules: [...r.rules], labels: r.labels, selectors: r.aggregationSelectors })
      else roles.set(`${r.cluster}/${r.namespace}/${r.name}`, [...r.rules])
    }
    // Aggregation: a ClusterRole with selectors also holds the rules of every ClusterRole they select.
    const aggregated = new Map<string, PolicyRule[]>()
    const resolve = (key: string, seen: Set<string>): PolicyRule[] => {
      const hit = aggregated.get(key)
      if (hit !== undefined) return hit
      const cr = clusterRoles.get(key)
      if (cr === undefined) return []
      const out = [...cr.rules]
      if (cr.selectors.length > 0) {
        const cluster = key.slice(0, key.indexOf('/'))
        for (const [k, other] of clusterRoles) {
          if (k === key || seen.has(k) || !k.startsWith(`${cluster}/`)) continue
          if (cr.selectors.some((sel) => Object.keys(sel).length > 0 && Object.entries(sel).every(([lk, lv]) => other.labels[lk] === lv))) {
            out.push(...resolve(k, new Set([...seen, key])))
          }
        }
      }
      aggregated.set(key, out)
      return out
    }
    for (const b of k8s.bindings) {
      const rules =
        b.roleRef.kind === 'ClusterRole' ? resolve(`${b.cluster}/${b.roleRef.name}`, new Set()) : (roles.get(`${b.cluster}/${b.namespace}/${b.roleRef.name}`) ?? [])
      let entry = this.byCluster.get(b.cluster)
      if (entry === undefined) {
        entry = { ns: new Map(), cluster: [] }
        this.byCluster.set(b.cluster, entry)
      }
      const rb: ResolvedBinding = {
        cluster: b.cluster,
        scope: b.kind === 'ClusterRoleBinding' ? '*' : b.namespace,
        name: `${b.kind} ${b.kind === 'RoleBinding' ? `${b.namespace}/` : ''}${b.name}`,
        role: `${b.roleRef.kind} ${b.roleRef.name}`,
        subjects: b.subjects,
        rules,
      }
      if (rb.scope === '*') {
        entry.cluster.push(rb)
        if (rules.some(isAdminRule)) {
          const set = this.admins.get(b.cluster) ?? new Set<string>()
          for (const s of b.subjects) set.add(subjectId(s))
          this.admins.set(b.cluster, set)
        }
      } else {
        const list = entry.ns.get(rb.scope) ?? []
        list.push(rb)
        entry.ns.set(rb.scope, list)
      }
    }
  }

  /** Subjects holding cluster-wide `*` on `*` (cluster-admin equivalents). */
  isClusterAdmin(cluster: string, s: RbacSubject): boolean {
    return this.admins.get(cluster)?.has(subjectId(s)) ?? false
  }

  /**
   * Grants of `cap` in `namespace` (`*` asks for cluster-scoped grants only, e.g. namespaces).
   * With `objectName`, grants limited by resourceNames to other objects are dropped.
   */
  who(cluster: string, namespace: string, cap: RbacCapability, objectName?: string): RbacGrant[] {
    const key = `${cluster}\u0000${namespace}\u0000${cap}`
    let grants = this.cache.get(key)
    if (grants === undefined) {
      grants = []
      const entry = this.byCluster.get(cluster)
      if (entry !== undefined) {
        const bindings = namespace === '*' ? entry.cluster : [...entry.cluster, ...(entry.ns.get(namespace) ?? [])]
        for (const b of bindings) {
          let found = false
          let unrestricted = false
          const restricted: string[] = []
          for (const rule of b.rules) {
            for (const p of PERMS[cap]) {
              for (const verb of p.verbs) {
                const rn = ruleGrants(rule, p.group, p.resource, verb)
                if (rn === undefined) continue
                found = true
                if (rn.length === 0) unrestricted = true
                else restricted.push(...rn)
              }
            }
          }
          if (!found) continue
          const names = unrestricted ? [] : restricted
          for (const subject of b.subjects) grants.push({ subject, binding: b.name, role: b.role, scope: b.scope, resourceNames: names })
        }
      }
      this.cache.set(key, grants)
    }
    return objectName === undefined ? grants : grants.filter((g) => g.resourceNames.length === 0 || g.resourceNames.includes(objectName))
  }

  private saBindings: Map<string, string[]> | undefined

  /** All RoleBindings/ClusterRoleBindings naming this ServiceAccount (or its groups) as a subject. */
  bindingsOf(cluster: string, namespace: string, name: string): string[] {
    if (this.saBindings === undefined) {
      const index = new Map<string, string[]>()
      const add = (k: string, b: string): void => {
        const l = index.get(k)
        if (l === undefined) index.set(k, [b])
        else if (!l.includes(b)) l.push(b)
      }
      for (const [c, entry] of this.byCluster) {
        for (const b of [...entry.cluster, ...[...entry.ns.values()].flat()]) {
          for (const s of b.subjects) {
            if (s.kind === 'ServiceAccount') add(`${c}\u0000sa\u0000${s.namespace ?? b.scope}\u0000${s.name}`, b.name)
            else if (s.kind === 'Group' && s.name === 'system:serviceaccounts') add(`${c}\u0000all`, b.name)
            else if (s.kind === 'Group' && s.name.startsWith('system:serviceaccounts:')) add(`${c}\u0000ns\u0000${s.name.slice('system:serviceaccounts:'.length)}`, b.name)
          }
        }
      }
      this.saBindings = index
    }
    const i = this.saBindings
    return [...(i.get(`${cluster}\u0000sa\u0000${namespace}\u0000${name}`) ?? []), ...(i.get(`${cluster}\u0000all`) ?? []), ...(i.get(`${cluster}\u0000ns\u0000${namespace}`) ?? [])]
  }
}
