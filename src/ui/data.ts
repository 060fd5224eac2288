/**
 * The dashboard's data: what the views show, derived from the auditor's graph and result (the same
 * ones `irsa audit` builds), never re-analysed here. For `irsa serve` the graph comes from the
 * server's own state (`storeInventory`, the path `irsa investigate` uses); for the HTML report it is
 * the audit's graph. Pure apart from `serverAudit`, which reads the store.
 */
import { runAudit } from '../audit/audit.js'
import type { AuditResult } from '../audit/audit.js'
import type { Finding } from '../audit/finding.js'
import { associationsOf, buildGraph, findRole } from '../audit/graph.js'
import type { AuditGraph, PodIdentityBinding, RoleNode, SaNode, Scope } from '../audit/graph.js'
import { POD_IDENTITY_SERVICE } from '../model/aws-names.js'
import { WIDE_SCOPES } from '../trust/reach.js'
import type { IdentityStatement } from '../audit/lib/policy-doc.js'
import { TIER_LABEL, isAwsManaged, managedPolicyName } from '../audit/permissions.js'
import { bindingEffectOf } from '../audit/rules/catalogue.js'
import type { Tier } from '../audit/permissions.js'
import { whoCan } from '../audit/queries.js'
import type { WhoCanAnswer } from '../audit/queries.js'
import { storeInventory } from '../audit/load/store.js'
import { roleBlastRadius } from '../respond/blast-radius.js'
import type { Runtime } from '../core/runtime.js'
import type { DecisionRecord } from '../store/decision-log.js'
import { roleNameOf } from './html.js'

/** The auditor's view of one estate, as the dashboard renders it. */
export interface UiAudit {
  readonly graph: AuditGraph
  readonly result: AuditResult
  /** ISO time of the audit. */
  readonly generatedAt: string
}

export type BindingStatus = 'working' | 'broken' | 'over-broad'

export interface UiBinding {
  readonly roleArn: string
  readonly roleName: string
  readonly roleFound: boolean
  /**
   * `binding`: the service account is bound (annotated) to the role; `trust`: only the role's trust
   * admits it; `pod-identity`: an EKS Pod Identity association names the role for it.
   */
  readonly via: 'binding' | 'trust' | 'pod-identity'
  /** The Pod Identity association's id (via `pod-identity`). */
  readonly associationId?: string
  readonly status: BindingStatus
  /** Why the status is what it is, one sentence each. */
  readonly reasons: readonly string[]
  readonly tier: Tier | undefined
}

export interface UiServiceAccount {
  readonly cluster: string
  readonly namespace: string
  readonly name: string
  readonly bindings: readonly UiBinding[]
}

export interface UiNamespace {
  readonly cluster: string
  readonly name: string
  readonly serviceAccounts: readonly UiServiceAccount[]
}

export interface UiIdentities {
  readonly namespaces: readonly UiNamespace[]
  readonly counts: Readonly<Record<BindingStatus, number>>
}

export interface UiGraphNode {
  readonly id: string
  readonly label: string
  /** `service`: the Pod Identity service principal (pods.eks.amazonaws.com). */
  readonly kind: 'sa' | 'role' | 'missing-role' | 'provider' | 'service'
  readonly tier?: Tier
  /** Trust admits wildcard or unrestricted subjects. */
  readonly wildcard?: boolean
  /** Bound to or admitting service accounts of several namespaces (or several SAs). */
  readonly shared?: boolean
  readonly roleArn?: string
}

export interface UiGraphEdge {
  readonly id: string
  readonly source: string
  readonly target: string
  /**
   * bound: bound and admitted; broken: bound, not admitted (or role missing); admitted: trust only;
   * trusts: role → provider (or → the Pod Identity principal); pod-identity: a Pod Identity
   * association the trust admits; pod-identity-broken: an association EKS Auth cannot use.
   */
  readonly kind: 'bound' | 'broken' | 'admitted' | 'trusts' | 'pod-identity' | 'pod-identity-broken'
  readonly wide?: boolean
  readonly label?: string
}

export interface UiGraph {
  readonly nodes: readonly UiGraphNode[]
  readonly edges: readonly UiGraphEdge[]
}

export interface UiRoleDetail {
  readonly arn: string
  readonly name: string
  readonly found: boolean
  readonly tier: Tier | undefined
  readonly tierLabel: string | undefined
  readonly description: string | undefined
  readonly trustDocument: unknown
  readonly inline: readonly { readonly name: string; readonly document: unknown }[]
  readonly attached: readonly { readonly arn: string; readonly name: string; readonly document: unknown; readonly builtIn: boolean }[]
  readonly boundary: { readonly arn: string; readonly document: unknown } | undefined
  readonly reach: readonly { readonly issuer: string; readonly scope: Scope; readonly wildcardSubs: readonly string[] }[]
  /** The EKS Pod Identity associations naming this role, with each one's status. */
  readonly associations: readonly UiAssociation[]
  /** Sensitive actions allowed unconstrained, by category, with the statements that grant them (the auditor's `what-can`). */
  readonly sensitive: readonly { readonly category: string; readonly action: string; readonly statements: readonly string[] }[]
  readonly statements: readonly IdentityStatement[]
  readonly unknownPolicies: readonly string[]
  readonly whoCan: WhoCanAnswer
  readonly findings: readonly Finding[]
}

export interface UiAssociation {
  readonly cluster: string
  readonly namespace: string
  readonly serviceAccount: string
  readonly associationId: string | undefined
  readonly associationArn: string | undefined
  readonly status: BindingStatus
  readonly reasons: readonly string[]
}

/** Findings that count (not suppressed) by the role ARNs they name. */
export function findingsByArn(findings: readonly Finding[]): Map<string, Finding[]> {
  const out = new Map<string, Finding[]>()
  for (const f of findings) {
    if (f.suppressed !== undefined) continue
    for (const r of f.resources) {
      if (r.arn === undefined) continue
      const list = out.get(r.arn) ?? []
      if (!list.includes(f)) list.push(f)
      out.set(r.arn, list)
    }
  }
  return out
}

function overBroadReasons(role: RoleNode, byArn: ReadonlyMap<string, readonly Finding[]>): string[] {
  const reasons = (byArn.get(role.obj.arn) ?? []).filter((f) => bindingEffectOf(f.ruleId) === 'over-broad').map((f) => `${f.ruleId}: ${f.title}`)
  return [...new Set(reasons)]
}

function isWildcardTrust(role: RoleNode): boolean {
  return role.reach.some((r) => WIDE_SCOPES.has(r.scope) || r.wildcardSubs.length > 0)
}

function isShared(role: RoleNode): boolean {
  const associated = role.associations.map((b) => b.sa)
  const namespaces = new Set<string>()
  for (const sa of [...role.annotatedBy, ...associated, ...role.reach.flatMap((r) => r.admitted)]) namespaces.add(`${sa.cluster}/${sa.namespace}`)
  // Service accounts that use the role, by annotation (IRSA) or by a Pod Identity association.
  const users = new Set([...role.annotatedBy, ...associated])
  return namespaces.size > 1 || users.size > 1
}

/** The association's name in findings' resource references (as R18 and R19 write it). */
function associationName(b: PodIdentityBinding): string {
  return `${b.assoc.serviceAccount}${b.assoc.associationId === undefined ? '' : ` (${b.assoc.associationId})`}`
}

/**
 * Findings of `broken` rules (the role is missing, its trust does not admit EKS Auth) about each Pod Identity association, suppressed ones included (a suppression
 * accepts the risk; the association still gives the pod no credentials).
 */
export function associationFindings(findings: readonly Finding[]): Map<string, Finding[]> {
  const out = new Map<string, Finding[]>()
  for (const f of findings) {
    if (bindingEffectOf(f.ruleId) !== 'broken') continue
    for (const r of f.resources) {
      if (r.kind !== 'PodIdentityAssociation') continue
      const k = `${r.cluster ?? ''}/${r.namespace ?? ''}/${r.name}`
      out.set(k, [...(out.get(k) ?? []), f])
    }
  }
  return out
}

/**
 * One Pod Identity association's status, from the auditor's findings: broken when R18 or R19 says
 * the role is missing or its trust does not let pods.eks.amazonaws.com assume it (and tag the
 * session); over-broad under the same findings as an IRSA binding; else working. Undefined for an
 * association without a role (inferred from pod environments).
 */
export function associationStatus(
  b: PodIdentityBinding,
  byArn: ReadonlyMap<string, readonly Finding[]>,
  byAssociation: ReadonlyMap<string, readonly Finding[]>,
): { status: BindingStatus; reasons: string[] } | undefined {
  const arn = b.assoc.roleArn
  if (arn === undefined) return undefined
  const broken = (byAssociation.get(`${b.cluster}/${b.assoc.namespace}/${associationName(b)}`) ?? []).map((f) => `${f.ruleId}: ${f.message}`)
  if (b.role === undefined) return { status: 'broken', reasons: broken.length > 0 ? broken : [`The associated role ${arn} does not exist.`] }
  if (b.role.trust === undefined) return { status: 'broken', reasons: [...broken, 'The role\'s trust policy could not be parsed: EKS Auth cannot assume it.'] }
  if (broken.length > 0) return { status: 'broken', reasons: broken }
  const wide = overBroadReasons(b.role, byArn)
  if (wide.length > 0) return { status: 'over-broad', reasons: wide }
  return { status: 'working', reasons: [`The trust policy lets ${POD_IDENTITY_SERVICE} assume the role and tag the session for ${b.assoc.namespace}/${b.assoc.serviceAccount}.`] }
}

function bindingsOf(graph: AuditGraph, sa: SaNode, byArn: ReadonlyMap<string, readonly Finding[]>, byAssociation: ReadonlyMap<string, readonly Finding[]>): UiBinding[] {
  const out: UiBinding[] = []
  const subject = `system:serviceaccount:${sa.namespace}:${sa.name}`
  if (sa.roleArn !== undefined) {
    const role = findRole(graph, sa.roleArn)
    if (role === undefined) {
      out.push({ roleArn: sa.roleArn, roleName: roleNameOf(sa.roleArn), roleFound: false, via: 'binding', status: 'broken', reasons: ['The bound role does not exist.'], tier: undefined })
    } else if (!sa.assumable.includes(role)) {
      out.push({
        roleArn: role.obj.arn,
        roleName: role.obj.name,
        roleFound: true,
        via: 'binding',
        status: 'broken',
        reasons: [`The role's trust policy does not admit ${subject} (audience ${sa.audience}): AssumeRoleWithWebIdentity is denied.`],
        tier: role.perms.tier,
      })
    } else {
      const wide = overBroadReasons(role, byArn)
      out.push({
        roleArn: role.obj.arn,
        roleName: role.obj.name,
        roleFound: true,
        via: 'binding',
        status: wide.length > 0 ? 'over-broad' : 'working',
        reasons: wide.length > 0 ? wide : [`The trust policy admits ${subject}'s token (audience ${sa.audience}).`],
        tier: role.perms.tier,
      })
    }
  }
  for (const role of sa.assumable) {
    if (out.some((b) => b.roleArn === role.obj.arn)) continue
    const wide = overBroadReasons(role, byArn)
    out.push({
      roleArn: role.obj.arn,
      roleName: role.obj.name,
      roleFound: true,
      via: 'trust',
      status: wide.length > 0 ? 'over-broad' : 'working',
      reasons: [`Not bound, but the trust policy admits ${subject}.`, ...wide],
      tier: role.perms.tier,
    })
  }
  for (const b of associationsOf(sa)) {
    const st = associationStatus(b, byArn, byAssociation)
    if (st === undefined || b.assoc.roleArn === undefined) continue
    out.push({
      roleArn: b.role?.obj.arn ?? b.assoc.roleArn,
      roleName: b.role?.obj.name ?? roleNameOf(b.assoc.roleArn),
      roleFound: b.role !== undefined,
      via: 'pod-identity',
      ...(b.assoc.associationId === undefined ? {} : { associationId: b.assoc.associationId }),
      status: st.status,
      reasons: st.reasons,
      tier: b.role?.perms.tier,
    })
  }
  return out
}

/** Namespaces → service accounts → roles, with each binding's status. Service accounts without any role are left out. */
export function identities(a: UiAudit): UiIdentities {
  const byArn = findingsByArn(a.result.findings)
  const byAssociation = associationFindings(a.result.findings)
  const namespaces = new Map<string, { cluster: string; name: string; serviceAccounts: UiServiceAccount[] }>()
  const counts: Record<BindingStatus, number> = { working: 0, broken: 0, 'over-broad': 0 }
  // Service accounts named only by a Pod Identity association (no ServiceAccount object) count too.
  const sas = [...new Set([...a.graph.serviceAccounts, ...a.graph.podIdentity.map((p) => p.sa)])].sort((x, y) => `${x.cluster}/${x.namespace}/${x.name}`.localeCompare(`${y.cluster}/${y.namespace}/${y.name}`))
  for (const sa of sas) {
    const bindings = bindingsOf(a.graph, sa, byArn, byAssociation)
    if (bindings.length === 0) continue
    for (const b of bindings) counts[b.status]++
    const k = `${sa.cluster}/${sa.namespace}`
    const ns = namespaces.get(k) ?? { cluster: sa.cluster, name: sa.namespace, serviceAccounts: [] }
    ns.serviceAccounts.push({ cluster: sa.cluster, namespace: sa.namespace, name: sa.name, bindings })
    namespaces.set(k, ns)
  }
  return { namespaces: [...namespaces.values()], counts }
}

/**
 * Service accounts, roles and OIDC providers with the edges between them, wildcard trust and shared
 * roles flagged; Pod Identity associations as their own edges (service account → role), and roles
 * whose trust admits pods.eks.amazonaws.com linked to that principal.
 */
export function trustGraph(a: UiAudit, limit = 600): UiGraph {
  const byArn = findingsByArn(a.result.findings)
  const byAssociation = associationFindings(a.result.findings)
  const nodes = new Map<string, UiGraphNode>()
  const edges = new Map<string, UiGraphEdge>()
  const edge = (e: UiGraphEdge): void => {
    if (!edges.has(e.id)) edges.set(e.id, e)
  }
  const saId = (sa: SaNode): string => `sa:${sa.cluster}/${sa.namespace}/${sa.name}`
  const addSa = (sa: SaNode): string => {
    const id = saId(sa)
    if (!nodes.has(id)) nodes.set(id, { id, label: `${sa.namespace}/${sa.name}`, kind: 'sa' })
    return id
  }
  const podIdEdge = (b: PodIdentityBinding, roleId: string): void => {
    const st = associationStatus(b, byArn, byAssociation)
    if (st === undefined) return
    const s = addSa(b.sa)
    edge({ id: `${s}>${roleId}#pod-identity`, source: s, target: roleId, kind: st.status === 'broken' ? 'pod-identity-broken' : 'pod-identity', label: 'pod identity' })
  }
  const service = `service:${POD_IDENTITY_SERVICE}`
  const roles = a.graph.roles.filter((r) => r.workload || r.annotatedBy.length > 0 || r.associations.length > 0)
  for (const role of roles) {
    if (nodes.size >= limit) break
    const id = `role:${role.obj.arn}`
    nodes.set(id, { id, label: role.obj.name, kind: 'role', tier: role.perms.tier, wildcard: isWildcardTrust(role), shared: isShared(role), roleArn: role.obj.arn })
    for (const sa of role.annotatedBy) {
      const s = addSa(sa)
      edge({ id: `${s}>${id}`, source: s, target: id, kind: sa.assumable.includes(role) ? 'bound' : 'broken' })
    }
    for (const r of role.reach) {
      for (const sa of r.admitted.slice(0, 50)) {
        const s = addSa(sa)
        edge({ id: `${s}>${id}`, source: s, target: id, kind: 'admitted' })
      }
      const p = `provider:${r.providerArn}`
      if (!nodes.has(p)) nodes.set(p, { id: p, label: r.host, kind: 'provider' })
      edge({ id: `${id}>${p}`, source: id, target: p, kind: 'trusts', wide: WIDE_SCOPES.has(r.scope), label: r.scope.toLowerCase() })
    }
    for (const b of role.associations) podIdEdge(b, id)
    if ((role.podIdentity?.statements.length ?? 0) > 0) {
      if (!nodes.has(service)) nodes.set(service, { id: service, label: `Pod Identity (${POD_IDENTITY_SERVICE})`, kind: 'service' })
      edge({ id: `${id}>${service}`, source: id, target: service, kind: 'trusts', label: 'pod identity' })
    }
  }
  for (const b of a.graph.podIdentity) {
    if (b.role !== undefined || b.assoc.roleArn === undefined || nodes.size >= limit) continue
    const id = `role:${b.assoc.roleArn}`
    if (!nodes.has(id)) nodes.set(id, { id, label: `${roleNameOf(b.assoc.roleArn)} (missing)`, kind: 'missing-role', roleArn: b.assoc.roleArn })
    podIdEdge(b, id)
  }
  for (const sa of a.graph.serviceAccounts) {
    if (sa.roleArn === undefined || findRole(a.graph, sa.roleArn) !== undefined || nodes.size >= limit) continue
    const id = `role:${sa.roleArn}`
    if (!nodes.has(id)) nodes.set(id, { id, label: `${roleNameOf(sa.roleArn)} (missing)`, kind: 'missing-role', roleArn: sa.roleArn })
    const s = addSa(sa)
    edge({ id: `${s}>${id}`, source: s, target: id, kind: 'broken' })
  }
  for (const p of a.graph.inventory.iam.providers ?? []) {
    const id = `provider:${p.arn}`
    if (!nodes.has(id) && nodes.size < limit) nodes.set(id, { id, label: p.host, kind: 'provider' })
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()].filter((e) => nodes.has(e.source) && nodes.has(e.target)) }
}

/** One role in full: documents, effective permissions by tier with the granting statements, who can assume it, its findings. */
export function roleDetail(a: UiAudit, arn: string): UiRoleDetail | undefined {
  const node = findRole(a.graph, arn)
  if (node === undefined) return undefined
  const role = node.obj
  const policies = a.graph.inventory.iam.policies
  const blast = roleBlastRadius(a.graph, role.arn)
  const byArn = findingsByArn(a.result.findings)
  const byAssociation = associationFindings(a.result.findings)
  return {
    arn: role.arn,
    name: role.name,
    found: true,
    tier: node.perms.tier,
    tierLabel: TIER_LABEL[node.perms.tier],
    description: role.tags.description,
    trustDocument: role.trustDocument,
    inline: role.inlinePolicies.map((p) => ({ name: p.name, document: p.document })),
    attached: role.attachedPolicyArns.map((p) => ({ arn: p, name: managedPolicyName(p), document: policies.get(p)?.document, builtIn: policies.get(p) === undefined && isAwsManaged(p) })),
    boundary: role.boundaryArn === undefined ? undefined : { arn: role.boundaryArn, document: policies.get(role.boundaryArn)?.document },
    reach: node.reach.map((r) => ({ issuer: r.host, scope: r.scope, wildcardSubs: r.wildcardSubs })),
    associations: node.associations.flatMap((b) => {
      const st = associationStatus(b, byArn, byAssociation)
      return st === undefined
        ? []
        : [{ cluster: b.cluster, namespace: b.assoc.namespace, serviceAccount: b.assoc.serviceAccount, associationId: b.assoc.associationId, associationArn: b.assoc.associationArn, status: st.status, reasons: st.reasons }]
    }),
    sensitive: blast.permissions?.sensitive ?? [],
    statements: node.perms.statements,
    unknownPolicies: node.perms.unknownPolicies,
    whoCan: whoCan(a.graph, role.arn),
    findings: byArn.get(role.arn) ?? [],
  }
}

/** Find a role by name (or ARN) in the audit graph. */
export function roleByName(a: UiAudit, name: string): RoleNode | undefined {
  return a.graph.roles.find((r) => r.obj.name === name || r.obj.arn === name) ?? a.graph.roles.find((r) => r.obj.name.toLowerCase() === name.toLowerCase())
}

/** The roles worth a detail section in a report: workload roles, bound roles and Pod Identity-associated roles. */
export function reportRoles(a: UiAudit, limit = 200): RoleNode[] {
  return a.graph.roles.filter((r) => r.workload || r.annotatedBy.length > 0 || r.associations.length > 0).slice(0, limit)
}

export interface DecisionFilter {
  readonly outcome?: DecisionRecord['outcome']
  /** Role name or ARN substring, case-insensitive. */
  readonly role?: string
  readonly namespace?: string
}

export function matchesDecision(d: DecisionRecord, f: DecisionFilter): boolean {
  if (f.outcome !== undefined && d.outcome !== f.outcome) return false
  if (f.role !== undefined && f.role !== '' && !(d.roleArn ?? '').toLowerCase().includes(f.role.toLowerCase())) return false
  if (f.namespace !== undefined && f.namespace !== '' && d.namespace !== f.namespace) return false
  return true
}

/** A decision as the dashboard shows it: the record plus the deciding statements in words. Never a token or a secret (the log holds none). */
export interface UiDecision {
  readonly id: number | undefined
  readonly at: string
  readonly action: string
  readonly outcome: DecisionRecord['outcome']
  readonly code: string | undefined
  readonly roleArn: string | undefined
  readonly subject: string | undefined
  readonly namespace: string | undefined
  readonly serviceAccount: string | undefined
  readonly principal: string | undefined
  readonly sessionName: string | undefined
  readonly reason: string | undefined
  /** e.g. `trust policy[0] AllowDemo (Allow)`. */
  readonly statements: readonly string[]
}

export function uiDecision(d: DecisionRecord): UiDecision {
  const raw = d.detail?.statements
  const statements = Array.isArray(raw)
    ? raw.map((s) => {
        const r = s as { policy?: unknown; index?: unknown; sid?: unknown; effect?: unknown }
        return `${String(r.policy ?? '?')}[${String(r.index ?? '?')}]${typeof r.sid === 'string' ? ` ${r.sid}` : ''}${typeof r.effect === 'string' ? ` (${r.effect})` : ''}`
      })
    : []
  return {
    id: d.id,
    at: new Date(d.at).toISOString(),
    action: d.action,
    outcome: d.outcome,
    code: d.code,
    roleArn: d.roleArn,
    subject: d.subject,
    namespace: d.namespace,
    serviceAccount: d.serviceAccount,
    principal: d.principal,
    sessionName: d.sessionName,
    reason: d.reason,
    statements,
  }
}

/** Audit the server's own state: store roles, policies, providers and bindings as the audit inventory. */
export async function serverAudit(rt: Runtime): Promise<UiAudit> {
  const inv = await storeInventory(rt)
  const graph = buildGraph(inv)
  const now = new Date(rt.clock.now())
  return { graph, result: runAudit(graph, { now }), generatedAt: now.toISOString() }
}
