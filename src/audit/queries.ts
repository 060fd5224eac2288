/** `irsa who-can --role ARN` and `irsa what-can --service-account NS/NAME`, answered from the graph. */
import type { AuditGraph, RoleNode, Scope } from './graph.js'
import { findRole, saKey } from './graph.js'
import type { Grant, Tier } from './permissions.js'
import { TIER_LABEL } from './permissions.js'
import type { IdentityStatement } from './lib/policy-doc.js'
import { isSystemSubject, subjectId } from './rbac.js'

export interface WhoCanAnswer {
  readonly role: string
  readonly found: boolean
  readonly tier: Tier | undefined
  readonly issuers: readonly { readonly issuer: string; readonly cluster: string | undefined; readonly scope: Scope }[]
  readonly serviceAccounts: readonly { readonly cluster: string; readonly namespace: string; readonly name: string; readonly annotated: boolean; readonly admitted: boolean }[]
  readonly pods: readonly { readonly cluster: string; readonly namespace: string; readonly kind: string; readonly name: string; readonly serviceAccount: string }[]
  readonly subjects: readonly { readonly subject: string; readonly how: readonly string[]; readonly clusterAdmin: boolean; readonly system: boolean }[]
  /** Subjects that exist only in the future: dangling exact subjects and wildcard scopes. */
  readonly claimable: readonly string[]
}

export function whoCan(graph: AuditGraph, arn: string): WhoCanAnswer {
  const role = findRole(graph, arn)
  if (role === undefined) return { role: arn, found: false, tier: undefined, issuers: [], serviceAccounts: [], pods: [], subjects: [], claimable: [] }
  const sas = new Map<string, { cluster: string; namespace: string; name: string; annotated: boolean; admitted: boolean }>()
  for (const sa of role.annotatedBy) sas.set(saKey(sa.cluster, sa.namespace, sa.name), { cluster: sa.cluster, namespace: sa.namespace, name: sa.name, annotated: true, admitted: sa.assumable.includes(role) })
  for (const r of role.reach) for (const sa of r.admitted) {
    const k = saKey(sa.cluster, sa.namespace, sa.name)
    sas.set(k, { cluster: sa.cluster, namespace: sa.namespace, name: sa.name, annotated: sas.get(k)?.annotated ?? false, admitted: true })
  }
  const pods: WhoCanAnswer['pods'][number][] = []
  for (const s of sas.values()) {
    const node = graph.saByKey.get(saKey(s.cluster, s.namespace, s.name))
    for (const w of node?.workloads ?? []) pods.push({ cluster: w.cluster, namespace: w.namespace, kind: w.kind, name: w.name, serviceAccount: s.name })
  }
  for (const w of role.envRefs) if (!pods.some((p) => p.name === w.name && p.namespace === w.namespace && p.kind === w.kind)) pods.push({ cluster: w.cluster, namespace: w.namespace, kind: w.kind, name: w.name, serviceAccount: w.pod.serviceAccountName })
  const subjects = new Map<string, { subject: string; how: Set<string>; clusterAdmin: boolean; system: boolean }>()
  for (const s of sas.values()) {
    if (!s.admitted) continue
    const grants = [
      ...graph.rbac.who(s.cluster, s.namespace, 'create-pods').map((g) => ({ g, how: `create pods in ${s.namespace}` })),
      ...graph.rbac.who(s.cluster, s.namespace, 'create-token', s.name).map((g) => ({ g, how: `create token for ${s.namespace}/${s.name}` })),
      ...graph.rbac.who(s.cluster, s.namespace, 'impersonate-serviceaccounts', s.name).map((g) => ({ g, how: `impersonate ${s.namespace}/${s.name}` })),
      ...graph.rbac.who(s.cluster, s.namespace, 'update-serviceaccounts').map((g) => ({ g, how: `update service accounts in ${s.namespace}` })),
    ]
    for (const { g, how } of grants) {
      const id = subjectId(g.subject)
      const e = subjects.get(id) ?? { subject: id, how: new Set<string>(), clusterAdmin: graph.rbac.isClusterAdmin(s.cluster, g.subject), system: isSystemSubject(g.subject) }
      e.how.add(`${how} via ${g.binding} (${g.role})`)
      subjects.set(id, e)
    }
  }
  const claimable: string[] = []
  for (const r of role.reach) {
    for (const e of r.exactSubs) if (e.admitted && (!e.namespaceExists || !e.serviceAccountExists)) claimable.push(`system:serviceaccount:${e.namespace}:${e.name} (does not exist)`)
    if (r.scope === 'CLUSTER') claimable.push(`any service account on ${r.host}`)
    if (r.scope === 'ANYNS') claimable.push(`${r.anyNamespaceNames.join(', ')} in any namespace on ${r.host}`)
    if (r.scope === 'NS') claimable.push(`any service account in ${r.namespaces.join(', ')} on ${r.host}`)
  }
  return {
    role: role.obj.arn,
    found: true,
    tier: role.perms.tier,
    issuers: role.reach.map((r) => ({ issuer: r.host, cluster: r.cluster?.name, scope: r.scope })),
    serviceAccounts: [...sas.values()].sort((a, b) => `${a.cluster}/${a.namespace}/${a.name}`.localeCompare(`${b.cluster}/${b.namespace}/${b.name}`)),
    pods: pods.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`)),
    subjects: [...subjects.values()].map((s) => ({ subject: s.subject, how: [...s.how].sort(), clusterAdmin: s.clusterAdmin, system: s.system })).sort((a, b) => a.subject.localeCompare(b.subject)),
    claimable,
  }
}

export interface WhatCanRole {
  readonly arn: string
  readonly via: readonly string[]
  readonly found: boolean
  readonly tier: Tier | undefined
  readonly tierLabel: string | undefined
  /** Sensitive actions allowed unconstrained, with the statements that grant them. */
  readonly sensitive: readonly { readonly category: string; readonly action: string; readonly statements: readonly string[] }[]
  /** Every Allow statement of the role's policies. */
  readonly statements: readonly IdentityStatement[]
  readonly unknownPolicies: readonly string[]
}

export interface WhatCanAnswer {
  readonly serviceAccount: string
  readonly cluster: string | undefined
  readonly exists: boolean
  readonly roles: readonly WhatCanRole[]
}

function refs(g: Grant): string[] {
  return g.statements.map((s) => `${s.policy}[${s.index}]${s.sid === undefined ? '' : ` ${s.sid}`}`)
}

export function whatCan(graph: AuditGraph, ref: string, cluster?: string): WhatCanAnswer {
  const [ns, name] = ref.includes('/') ? [ref.slice(0, ref.indexOf('/')), ref.slice(ref.indexOf('/') + 1)] : ['default', ref]
  const sa = graph.serviceAccounts.find((s) => s.namespace === ns && s.name === name && (cluster === undefined || s.cluster === cluster)) ?? graph.saByKey.get(saKey(cluster ?? [...graph.clusters.keys()][0] ?? 'default', ns as string, name as string))
  const roles = new Map<string, { node: RoleNode | undefined; via: Set<string>; arn: string }>()
  if (sa?.roleArn !== undefined) roles.set(sa.roleArn, { node: findRole(graph, sa.roleArn), via: new Set(['annotation']), arn: sa.roleArn })
  for (const r of sa?.assumable ?? []) {
    const e = roles.get(r.obj.arn) ?? { node: r, via: new Set<string>(), arn: r.obj.arn }
    e.via.add('trust admits it')
    roles.set(r.obj.arn, e)
  }
  const out: WhatCanRole[] = []
  for (const { node, via, arn } of roles.values()) {
    if (node === undefined) {
      out.push({ arn, via: [...via], found: false, tier: undefined, tierLabel: undefined, sensitive: [], statements: [], unknownPolicies: [] })
      continue
    }
    const p = node.perms
    const sensitive: WhatCanRole['sensitive'][number][] = []
    for (const a of p.admin) for (const g of a.grants) sensitive.push({ category: `admin (${a.method})`, action: g.action, statements: refs(g) })
    if (p.admin.length > 0 && p.admin.every((a) => a.grants.length === 0)) sensitive.push({ category: `admin (${p.admin[0]?.method ?? ''})`, action: '*', statements: [] })
    for (const e of p.escalation) for (const g of e.grants) sensitive.push({ category: `escalation (${e.method})`, action: g.action, statements: refs(g) })
    for (const g of p.chaining) sensitive.push({ category: 'role chaining', action: g.action, statements: refs(g) })
    for (const m of p.controlPlane) for (const g of m.grants) sensitive.push({ category: `workload-identity control plane (${m.method})`, action: g.action, statements: refs(g) })
    for (const g of p.credentials) sensitive.push({ category: 'credentials', action: g.action, statements: refs(g) })
    for (const g of p.exposure) sensitive.push({ category: 'resource exposure', action: g.action, statements: refs(g) })
    for (const g of p.data) sensitive.push({ category: 'data access', action: g.action, statements: refs(g) })
    out.push({ arn: node.obj.arn, via: [...via], found: true, tier: p.tier, tierLabel: TIER_LABEL[p.tier], sensitive, statements: p.statements.filter((s) => s.effect === 'Allow' || s.effect === 'Deny'), unknownPolicies: p.unknownPolicies })
  }
  return { serviceAccount: `${ns}/${name}`, cluster: sa?.cluster, exists: sa?.obj !== undefined, roles: out }
}
