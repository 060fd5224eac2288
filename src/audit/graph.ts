/**
 * The audit graph: workload → pod → service account → annotated role; role → the service accounts
 * its trust admits (evaluated with the engine, per cluster issuer, with probe subjects for wildcard
 * reach); namespace → who can create pods, service accounts or tokens there (RBAC); role → effective
 * permissions and tier. Pure: built from an Inventory, no I/O.
 */
import { compilePolicy } from '../policy/compile.js'
import type { CompiledPolicy } from '../policy/compile.js'
import type { StatementRef } from '../policy/decision.js'
import { podIdentityReach } from '../trust/pod-identity.js'
import type { PodIdentityReach } from '../trust/pod-identity.js'
import type { ProbeNames } from '../trust/probes.js'
import { DEFAULT_PROBE } from '../trust/probes.js'
import { issuerReach as analyzeIssuer, statementTrusts, subjectPool } from '../trust/reach.js'
import type { Scope, SubjectPool } from '../trust/reach.js'
import type { TrustIssuer } from '../trust/statements.js'
import { trustIssuers } from '../trust/statements.js'
import type { TrustStatement } from './lib/trust-doc.js'
import { EKS_ISSUER, readTrustStatements } from './lib/trust-doc.js'
import type { ClusterObj, IamRoleObj, Inventory, OidcProviderObj, PodIdentityAssociationObj, ServiceAccountObj, WorkloadObj } from './model.js'
import { clusterArnOfAssociationArn } from '../eks/association-records.js'
import { PolicyLibrary, rolePermissions } from './permissions.js'
import type { RolePermissions, Tier } from './permissions.js'
import { RbacIndex } from './rbac.js'
import { POD_IDENTITY_SERVICE, STS_AUDIENCE } from '../model/aws-names.js'

export const ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn'
export const AUDIENCE_ANNOTATION = 'eks.amazonaws.com/audience'
export type { Scope }
/** The EKS Pod Identity Agent's link-local addresses (169.254.170.23 and fd00:ec2::23, as EKS documents them). */
const AGENT_HOSTS = new Set(['169.254.170.23', '[fd00:ec2::23]'])

/** Access entry types whose principal is a node's role (EKS adds them to system:nodes). */
export const NODE_ENTRY_TYPES: ReadonlySet<string> = new Set(['EC2_LINUX', 'EC2_WINDOWS', 'HYBRID_LINUX'])

/**
 * The graph cluster an EKS cluster name (an access entry's, an association's) stands for: the
 * cluster of that name, else the only cluster when the Kubernetes objects came without one.
 */
export function graphClusterNamed(clusters: ReadonlyMap<string, ClusterNode>, name: string): string {
  if (clusters.has(name) || clusters.size !== 1) return name
  return [...clusters.keys()][0] as string
}

export interface GraphOptions {
  /** Probe namespace and service account names: made up, so only a wildcard admits them. */
  readonly probeNamespace?: string
  readonly probeServiceAccount?: string
  readonly onProgress?: (done: number, total: number) => void
}

export interface ClusterNode {
  readonly name: string
  readonly issuerHost: string | undefined
  /** True when the issuer was inferred from the roles the cluster's service accounts name. */
  readonly inferred: boolean
  readonly obj: ClusterObj | undefined
  readonly env: string | undefined
  readonly namespaces: Set<string>
  /** Whether Namespace objects were loaded (else namespaces are inferred from other objects). */
  readonly namespacesKnown: boolean
  readonly serviceAccounts: SaNode[]
}

export interface SaNode {
  readonly cluster: string
  readonly namespace: string
  readonly name: string
  /** Undefined when only workloads reference it. */
  readonly obj: ServiceAccountObj | undefined
  readonly roleArn: string | undefined
  readonly audience: string
  readonly workloads: WorkloadObj[]
  readonly controllers: Set<string>
  readonly appNames: Set<string>
  /** Roles whose trust admits this SA (on its cluster's issuer). */
  readonly assumable: RoleNode[]
  readonly rbacBindings: string[]
  /** EKS Pod Identity associations of this SA (given or inferred). Read through `associationsOf`. */
  readonly podIdentity: PodIdentityBinding[]
}

/** An association placed in the graph: its cluster, service account and role. */
export interface PodIdentityBinding {
  readonly assoc: PodIdentityAssociationObj
  /** The graph cluster the association's clusterName maps to. */
  readonly cluster: string
  readonly sa: SaNode
  /** The role EKS assumes (`roleArn`), when it is in the export. */
  readonly role: RoleNode | undefined
  /** The cluster ARN: describe-cluster, else derived from the association ARN. */
  readonly clusterArn: string | undefined
  /** The cluster's account: from its ARN, else undefined. */
  readonly clusterAccount: string | undefined
  /** Workloads whose environment shows Pod Identity (the evidence for an inferred association). */
  readonly evidence: readonly WorkloadObj[]
}

export interface ExactSub {
  readonly namespace: string
  readonly name: string
  readonly namespaceExists: boolean
  readonly serviceAccountExists: boolean
  readonly admitted: boolean
}

export interface RoleIssuerReach {
  readonly host: string
  readonly providerArn: string
  readonly provider: OidcProviderObj | undefined
  readonly cluster: ClusterNode | undefined
  /** Allow web-identity statements naming this issuer. */
  readonly statements: readonly StatementRef[]
  readonly scope: Scope
  /** Names admitted in any namespace (scope ANYNS). */
  readonly anyNamespaceNames: readonly string[]
  /** Namespaces where any name is admitted (scope NS). */
  readonly namespaces: readonly string[]
  /** Existing SAs of the audited cluster the trust admits. */
  readonly admitted: readonly SaNode[]
  readonly exactSubs: readonly ExactSub[]
  /** `sub` values with `*`/`?`. */
  readonly wildcardSubs: readonly string[]
  /** Those of them that admit a subject nobody listed. */
  readonly patterns: readonly string[]
  /** Statements that admitted the probe (or the first admitted subject). */
  readonly admittingStatements: readonly StatementRef[]
  /** Whether the admitting statements carry a positive condition on `<host>:sub`. */
  readonly positiveSub: boolean
  /** Whether a made-up audience is admitted too (undefined when nothing is admitted). */
  readonly audUnrestricted: boolean | undefined
  /** Audiences other than sts.amazonaws.com the trust admits (written ones, the API server's). */
  readonly acceptedAudiences: readonly string[]
}

/** One Allow web-identity statement of a trust and what it admits by itself. */
export interface StatementReach {
  readonly statement: StatementRef
  readonly reach: RoleIssuerReach
}

export interface RoleNode {
  readonly obj: IamRoleObj
  readonly statements: readonly TrustStatement[]
  readonly trust: CompiledPolicy | undefined
  readonly oidcStatements: readonly TrustStatement[]
  readonly podIdStatements: readonly TrustStatement[]
  /** Whether this is a workload identity role (IRSA or Pod Identity trust). */
  readonly workload: boolean
  /** Per OIDC issuer the trust names: whom it admits (the trust analyzer's answer). */
  readonly reach: RoleIssuerReach[]
  /**
   * When the trust has several web-identity statements: each statement's reach on its own (with the
   * trust's Deny statements), the analyzer's answer for that statement alone.
   */
  readonly statementReach: StatementReach[]
  /** Whether and how the trust admits EKS Pod Identity (undefined when it does not compile). */
  readonly podIdentity: PodIdentityReach | undefined
  readonly perms: RolePermissions
  readonly annotatedBy: SaNode[]
  /** Workloads that set AWS_ROLE_ARN to this role. */
  readonly envRefs: WorkloadObj[]
  /** Pod Identity associations naming this role. */
  readonly associations: PodIdentityBinding[]
}

export interface AuditGraph {
  readonly inventory: Inventory
  readonly clusters: Map<string, ClusterNode>
  readonly roles: RoleNode[]
  readonly roleByArn: Map<string, RoleNode>
  readonly serviceAccounts: SaNode[]
  readonly saByKey: Map<string, SaNode>
  readonly rbac: RbacIndex
  readonly probe: ProbeNames
  readonly nodeRoles: Map<string, string[]>
  /** The service account each workload runs as. */
  readonly saOfWorkload: Map<WorkloadObj, SaNode>
  /** Every Pod Identity association, given or inferred. */
  readonly podIdentity: PodIdentityBinding[]
}

export function saKey(cluster: string, ns: string, name: string): string {
  return `${cluster}/${ns}/${name}`
}

/** Role ARN → `account:name` (paths ignored), the key annotations are matched on. */
export function roleKey(arn: string): string | undefined {
  const m = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn.trim())
  return m === null ? undefined : `${m[1] as string}:${m[2] as string}`
}

export function findRole(graph: AuditGraph, arn: string): RoleNode | undefined {
  const k = roleKey(arn)
  return k === undefined ? undefined : graph.roleByArn.get(k)
}

export function tierOf(role: RoleNode | undefined): Tier {
  return role?.perms.tier ?? 'P4'
}

function envValue(w: WorkloadObj, name: string): string | undefined {
  for (const c of w.pod.containers) for (const e of c.env) if (e.name === name && e.value !== undefined) return e.value
  return undefined
}

export function roleArnFromEnv(w: WorkloadObj): string | undefined {
  return envValue(w, 'AWS_ROLE_ARN')
}

/**
 * Whether a workload's environment shows EKS Pod Identity: AWS_CONTAINER_CREDENTIALS_FULL_URI at the
 * agent (169.254.170.23 or [fd00:ec2::23]), or any full URI next to a projected token with audience
 * pods.eks.amazonaws.com (an agent on a configured address).
 */
export function usesPodIdentityEnv(w: WorkloadObj): boolean {
  const uri = envValue(w, 'AWS_CONTAINER_CREDENTIALS_FULL_URI')
  if (uri === undefined) return false
  let host: string | undefined
  try {
    host = new URL(uri).host.replace(/:80$/, '')
  } catch {
    host = undefined
  }
  if (host !== undefined && AGENT_HOSTS.has(host)) return true
  return w.pod.projectedTokens.some((t) => t.audience === POD_IDENTITY_SERVICE)
}

/** Whether a service account has an AWS identity: an IRSA annotation or a Pod Identity association. */
export function awsBound(sa: SaNode): boolean {
  return sa.roleArn !== undefined || associationsOf(sa).length > 0
}

export function associationsOf(sa: SaNode): readonly PodIdentityBinding[] {
  return sa.podIdentity
}

/** The role ARNs a service account is bound to, with how: annotation and/or association. */
export function boundRoleArns(sa: SaNode): { arn: string; via: 'annotation' | 'pod-identity' }[] {
  const out: { arn: string; via: 'annotation' | 'pod-identity' }[] = []
  if (sa.roleArn !== undefined) out.push({ arn: sa.roleArn, via: 'annotation' })
  for (const b of associationsOf(sa)) if (b.assoc.roleArn !== undefined && !out.some((o) => o.arn === b.assoc.roleArn)) out.push({ arn: b.assoc.roleArn, via: 'pod-identity' })
  return out
}

/** The top-level controller of a workload: Pod → ReplicaSet → Deployment, Job → CronJob. */
function topController(w: WorkloadObj, byName: Map<string, WorkloadObj>): string {
  let cur: { kind: string; name: string } = { kind: w.kind, name: w.name }
  let owners = w.owners
  for (let i = 0; i < 4 && owners.length > 0; i++) {
    const o = owners[0] as { kind: string; name: string }
    cur = { kind: o.kind, name: o.name }
    const next = byName.get(`${w.cluster}/${w.namespace}/${o.kind}/${o.name}`)
    if (next !== undefined) owners = next.owners
    else {
      if (o.kind === 'ReplicaSet') cur = { kind: 'Deployment', name: o.name.replace(/-[a-z0-9]{5,10}$/, '') }
      else if (o.kind === 'Job' && /-\d{8,}$/.test(o.name)) cur = { kind: 'CronJob', name: o.name.replace(/-\d{8,}$/, '') }
      break
    }
  }
  return `${cur.kind}/${cur.name}`
}

export function buildGraph(inv: Inventory, options: GraphOptions = {}): AuditGraph {
  const probe: ProbeNames = { ...DEFAULT_PROBE, ...(options.probeNamespace === undefined ? {} : { namespace: options.probeNamespace }), ...(options.probeServiceAccount === undefined ? {} : { serviceAccount: options.probeServiceAccount }) }
  const warnings = inv.warnings
  const clusters = new Map<string, ClusterNode>()
  const clusterObjs = new Map(inv.iam.clusters.map((c) => [c.name, c]))
  const ensureCluster = (name: string): ClusterNode => {
    let c = clusters.get(name)
    if (c === undefined) {
      const obj = clusterObjs.get(name) ?? (clusterObjs.size === 1 && name === 'default' ? inv.iam.clusters[0] : undefined)
      c = { name, issuerHost: obj?.issuerHost, inferred: false, obj, env: obj?.env, namespaces: new Set(), namespacesKnown: false, serviceAccounts: [] }
      clusters.set(name, c)
    }
    return c
  }
  for (const c of inv.iam.clusters) ensureCluster(c.name)
  for (const n of inv.k8s.namespaces) {
    const c = ensureCluster(n.cluster)
    c.namespaces.add(n.name)
    if (!c.namespacesKnown) clusters.set(c.name, { ...c, namespacesKnown: true })
  }
  const saByKey = new Map<string, SaNode>()
  const serviceAccounts: SaNode[] = []
  const rbac = new RbacIndex(inv.k8s)
  const addSa = (cluster: string, ns: string, name: string, obj: ServiceAccountObj | undefined): SaNode => {
    const key = saKey(cluster, ns, name)
    let n = saByKey.get(key)
    if (n === undefined) {
      n = {
        cluster,
        namespace: ns,
        name,
        obj,
        roleArn: obj?.annotations[ROLE_ANNOTATION]?.trim() || undefined,
        audience: obj?.annotations[AUDIENCE_ANNOTATION] ?? STS_AUDIENCE,
        workloads: [],
        controllers: new Set(),
        appNames: new Set(),
        assumable: [],
        rbacBindings: rbac.bindingsOf(cluster, ns, name),
        podIdentity: [],
      }
      saByKey.set(key, n)
      if (obj !== undefined) {
        serviceAccounts.push(n)
        ensureCluster(cluster).serviceAccounts.push(n)
      }
    }
    return n
  }
  for (const sa of inv.k8s.serviceAccounts) {
    addSa(sa.cluster, sa.namespace, sa.name, sa)
    const c = ensureCluster(sa.cluster)
    if (!c.namespacesKnown) c.namespaces.add(sa.namespace)
  }
  const wByName = new Map<string, WorkloadObj>()
  for (const w of inv.k8s.workloads) wByName.set(`${w.cluster}/${w.namespace}/${w.kind}/${w.name}`, w)
  const saOfWorkload = new Map<WorkloadObj, SaNode>()
  for (const w of inv.k8s.workloads) {
    const c = ensureCluster(w.cluster)
    if (!c.namespacesKnown) c.namespaces.add(w.namespace)
    const sa = addSa(w.cluster, w.namespace, w.pod.serviceAccountName, undefined)
    saOfWorkload.set(w, sa)
    sa.workloads.push(w)
    sa.controllers.add(topController(w, wByName))
    const app = w.podLabels['app.kubernetes.io/name'] ?? w.labels['app.kubernetes.io/name']
    if (app !== undefined) sa.appNames.add(app)
  }

  // Roles.
  const lib = new PolicyLibrary(inv.iam.policies, warnings)
  const roleByArn = new Map<string, RoleNode>()
  const roles: RoleNode[] = []
  const clusterArns = inv.iam.clusters.map((c) => c.arn).filter((a): a is string => a !== undefined)
  const podIdRoleArns = inv.iam.roles.filter((r) => readTrustStatements(r.trustDocument).some((s) => s.isPodId)).map((r) => r.arn)
  const total = inv.iam.roles.length
  inv.iam.roles.forEach((r, i) => {
    const statements = readTrustStatements(r.trustDocument)
    let trust: CompiledPolicy | undefined
    if (r.trustDocument !== undefined) {
      try {
        trust = compilePolicy(r.trustDocument, { kind: 'trust', name: `${r.name} trust policy` })
      } catch (e) {
        warnings.push({ file: r.source.file, object: `${r.arn} AssumeRolePolicyDocument`, message: `trust policy does not compile: ${(e as Error).message}` })
      }
    }
    const oidc = statements.filter((s) => s.isOidc)
    const podId = statements.filter((s) => s.isPodId)
    const node: RoleNode = {
      obj: r,
      statements,
      trust,
      oidcStatements: oidc,
      podIdStatements: podId,
      workload: oidc.length + podId.length > 0,
      reach: [],
      statementReach: [],
      podIdentity: trust === undefined ? undefined : podIdentityReach(trust, r.arn),
      perms: rolePermissions(r, lib, warnings, clusterArns, podIdRoleArns),
      annotatedBy: [],
      envRefs: [],
      associations: [],
    }
    roles.push(node)
    const k = roleKey(r.arn)
    if (k !== undefined) roleByArn.set(k, node)
    if (i % 500 === 0) options.onProgress?.(i, total)
  })
  for (const sa of serviceAccounts) {
    if (sa.roleArn === undefined) continue
    const k = roleKey(sa.roleArn)
    const role = k === undefined ? undefined : roleByArn.get(k)
    role?.annotatedBy.push(sa)
  }
  for (const w of inv.k8s.workloads) {
    const arn = roleArnFromEnv(w)
    const k = arn === undefined ? undefined : roleKey(arn)
    const role = k === undefined ? undefined : roleByArn.get(k)
    role?.envRefs.push(w)
  }

  const podIdentity = placeAssociations(inv, clusters, ensureCluster, addSa, roleByArn)

  // Cluster issuers: given, or inferred from the EKS issuers the cluster's annotated roles trust.
  for (const [name, c] of clusters) {
    if (c.issuerHost !== undefined) continue
    const votes = new Map<string, number>()
    for (const sa of c.serviceAccounts) {
      const k = sa.roleArn === undefined ? undefined : roleKey(sa.roleArn)
      const role = k === undefined ? undefined : roleByArn.get(k)
      for (const s of role?.oidcStatements ?? []) for (const p of s.providers) if (EKS_ISSUER.test(p.host)) votes.set(p.host, (votes.get(p.host) ?? 0) + 1)
    }
    const best = [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]
    if (best !== undefined) {
      clusters.set(name, { ...c, issuerHost: best[0], inferred: true })
      warnings.push({ file: '(inputs)', object: `cluster ${name}`, message: `no cluster issuer given (--eks-cluster or --cluster-issuer); inferred ${best[0]} from the roles its service accounts name` })
    } else if (c.serviceAccounts.length > 0) {
      warnings.push({ file: '(inputs)', object: `cluster ${name}`, message: 'no cluster issuer given and none could be inferred; trust reach is computed for probes only' })
    }
  }
  const clusterByHost = new Map<string, ClusterNode>()
  for (const c of clusters.values()) if (c.issuerHost !== undefined) clusterByHost.set(c.issuerHost.toLowerCase(), c)
  const providerByArn = new Map((inv.iam.providers ?? []).map((p) => [p.arn, p]))
  // The trust analyzer tests a cluster's service accounts with their own audience when it is not the default.
  const pools = new Map<string, SubjectPool<SaNode>>()
  for (const c of clusters.values()) pools.set(c.name, subjectPool(c.serviceAccounts))

  for (const role of roles) {
    if (role.trust === undefined) continue
    for (const issuer of trustIssuers(role.trust, role.obj.arn)) {
      const cluster = clusterByHost.get(issuer.host.toLowerCase())
      const pool = cluster === undefined ? undefined : pools.get(cluster.name)
      role.reach.push(issuerReach(role, issuer, providerByArn.get(issuer.providerArn), cluster, probe, pool))
      if (role.oidcStatements.length < 2) continue
      for (const s of statementTrusts(role.trust, issuer)) role.statementReach.push({ statement: s.statement, reach: issuerReach(role, issuer, providerByArn.get(issuer.providerArn), cluster, probe, pool, s.trust) })
    }
    for (const r of role.reach) for (const sa of r.admitted) sa.assumable.push(role)
  }
  const nodeRoles = new Map<string, string[]>()
  const addNodeRole = (cluster: string, arn: string): void => {
    const list = nodeRoles.get(cluster) ?? []
    if (!list.includes(arn)) nodeRoles.set(cluster, [...list, arn])
  }
  for (const e of inv.k8s.awsAuthNodeRoles) addNodeRole(e.cluster, e.roleArn)
  // Access entries of a node type (EKS maps them into system:nodes, as aws-auth's system:nodes group does).
  for (const e of inv.iam.accessEntries) if (e.type !== undefined && NODE_ENTRY_TYPES.has(e.type)) addNodeRole(graphClusterNamed(clusters, e.cluster), e.principalArn)
  options.onProgress?.(total, total)
  return { inventory: inv, clusters, roles, roleByArn, serviceAccounts, saByKey, rbac, probe, nodeRoles, saOfWorkload, podIdentity }
}

/**
 * Place the Pod Identity associations on their service accounts and roles. An association's
 * clusterName maps to the graph cluster of that name, or to the only cluster when the Kubernetes
 * objects came without one. Without any association input, pods whose environment shows Pod
 * Identity give inferred associations (no role known).
 */
function placeAssociations(
  inv: Inventory,
  clusters: Map<string, ClusterNode>,
  ensureCluster: (name: string) => ClusterNode,
  addSa: (cluster: string, ns: string, name: string, obj: ServiceAccountObj | undefined) => SaNode,
  roleByArn: Map<string, RoleNode>,
): PodIdentityBinding[] {
  const out: PodIdentityBinding[] = []
  const graphCluster = (name: string): string => {
    const c = graphClusterNamed(clusters, name)
    return clusters.has(c) ? c : ensureCluster(name).name
  }
  const place = (assoc: PodIdentityAssociationObj, evidence: WorkloadObj[]): void => {
    const cluster = graphCluster(assoc.cluster)
    const node = clusters.get(cluster)
    const sa = addSa(cluster, assoc.namespace, assoc.serviceAccount, undefined)
    const k = assoc.roleArn === undefined ? undefined : roleKey(assoc.roleArn)
    const role = k === undefined ? undefined : roleByArn.get(k)
    const clusterArn = node?.obj?.arn ?? (assoc.associationArn === undefined ? undefined : clusterArnOfAssociationArn(assoc.associationArn))
    const b: PodIdentityBinding = {
      assoc,
      cluster,
      sa,
      role,
      clusterArn,
      clusterAccount: node?.obj?.accountId ?? clusterArn?.split(':')[4],
      evidence,
    }
    sa.podIdentity.push(b)
    role?.associations.push(b)
    out.push(b)
  }
  for (const a of inv.iam.podIdentityAssociations) place(a, [])
  if (!inv.iam.podIdentityLoaded) {
    const inferred = new Map<string, WorkloadObj[]>()
    for (const w of inv.k8s.workloads) {
      if (!usesPodIdentityEnv(w)) continue
      const key = `${w.cluster}\u0000${w.namespace}\u0000${w.pod.serviceAccountName}`
      inferred.set(key, [...(inferred.get(key) ?? []), w])
    }
    for (const ws of inferred.values()) {
      const w = ws[0] as WorkloadObj
      place(
        {
          cluster: w.cluster,
          namespace: w.namespace,
          serviceAccount: w.pod.serviceAccountName,
          roleArn: undefined,
          targetRoleArn: undefined,
          associationId: undefined,
          associationArn: undefined,
          disableSessionTags: false,
          inferred: true,
          source: w.source,
        },
        ws,
      )
    }
  }
  return out
}

/** One issuer's reach for a role, from the trust analyzer, placed on the audited cluster's service accounts. */
function issuerReach(
  role: RoleNode,
  issuer: TrustIssuer,
  provider: OidcProviderObj | undefined,
  cluster: ClusterNode | undefined,
  probe: ProbeNames,
  pool: SubjectPool<SaNode> | undefined,
  trust: CompiledPolicy = role.trust as CompiledPolicy,
): RoleIssuerReach {
  const withAudiences = provider?.clientIds !== undefined && provider.clientIds.length > 0 ? { ...issuer, audiences: provider.clientIds } : issuer
  const r = analyzeIssuer({ trust, roleArn: role.obj.arn, probe, ...(pool === undefined ? {} : { subjects: pool }), ...(cluster === undefined ? {} : { namespaces: cluster.namespaces }) }, withAudiences)
  const exactSubs: ExactSub[] = []
  for (const e of r.exact) {
    if (e.namespace === undefined || e.name === undefined) continue
    exactSubs.push({
      namespace: e.namespace,
      name: e.name,
      namespaceExists: cluster === undefined ? true : cluster.namespaces.has(e.namespace),
      serviceAccountExists: pool === undefined ? true : pool.inNamespace(e.namespace).some((sa) => sa.name === e.name),
      admitted: e.admitted,
    })
  }
  return {
    host: issuer.host,
    providerArn: issuer.providerArn,
    provider,
    cluster,
    statements: r.statements,
    scope: r.scope,
    anyNamespaceNames: r.anyNamespaceNames,
    namespaces: r.namespaces,
    admitted: r.admitted.map((a) => a.subject),
    exactSubs,
    wildcardSubs: r.wildcards,
    patterns: r.patterns,
    admittingStatements: r.deciding,
    positiveSub: r.positiveSub,
    audUnrestricted: r.aud.constrained === undefined ? undefined : !r.aud.constrained,
    acceptedAudiences: r.aud.accepted,
  }
}
