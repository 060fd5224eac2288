/**
 * `irsa audit migrate`: for every IRSA binding (a service account annotated with a role, or a pod
 * with AWS_ROLE_ARN), can it move to EKS Pod Identity, and what does it take? The trust statement to
 * add (derived from the OIDC statement's `sub` condition, checked with the policy engine), the
 * association to create, and the permission-policy keys that only exist under IRSA; or why it
 * cannot move. Pure: a graph in, a plan (data) out.
 */
import { compilePolicy } from '../policy/compile.js'
import { matchWildcard } from '../policy/wildcard.js'
import type { AuditGraph, RoleNode, SaNode } from './graph.js'
import { associationsOf, findRole, roleArnFromEnv, roleKey, saKey } from './graph.js'
import { readIdentityStatements } from './lib/policy-doc.js'
import { podIdentityAdmits } from '../trust/pod-identity.js'
import { EKS_ISSUER, SA_PREFIX, claimConditions, hasWild, splitSub } from './lib/trust-doc.js'
import type { WorkloadObj } from './model.js'
import { managedPolicyName } from './permissions.js'
import { POD_IDENTITY_SERVICE } from '../model/aws-names.js'

export const MIGRATE_SCHEMA_ID = 'irsa-migrate/v1'

export type MigrationStatus = 'done' | 'ready' | 'blocked'

export const BLOCKERS = {
  'cross-account': "the role is in another account than the cluster: Pod Identity assumes roles in the cluster's account only (chain with targetRoleArn)",
  'non-eks-cluster': 'the cluster issuer is not an EKS OIDC issuer: there is no EKS Pod Identity API to create associations in',
  'wildcard-trust': 'the trust admits several service accounts through a wildcard: Pod Identity needs one association per service account',
  'role-missing': 'the role is not in the IAM export',
  windows: 'pods run on Windows nodes (nodeSelector kubernetes.io/os: windows): the Pod Identity agent runs on Linux nodes only',
  fargate: 'pods run on Fargate: EKS Pod Identity is not available there',
  'cluster-unknown': 'the cluster issuer is unknown (give --eks-cluster or --cluster-issuer)',
} as const
export type Blocker = keyof typeof BLOCKERS

export interface PolicyKeyUse {
  readonly policy: string
  readonly statement: number
  /** The IRSA-only key or variable as written. */
  readonly key: string
  readonly where: 'condition' | 'variable'
  /** The Pod Identity session-tag equivalent. */
  readonly replacement: string
}

export interface MigrationItem {
  readonly cluster: string
  readonly namespace: string
  readonly serviceAccount: string
  readonly roleArn: string
  /** How the binding is made: the SA annotation, or AWS_ROLE_ARN in the named workloads. */
  readonly via: 'annotation' | 'env'
  readonly workloads: readonly string[]
  readonly status: MigrationStatus
  readonly blockers: readonly { readonly code: Blocker; readonly message: string }[]
  /** For done: the association that exists. */
  readonly association?: { readonly associationId: string | undefined; readonly roleArn: string | undefined; readonly sameRole: boolean }
  /** For ready (and blocked, when it can be computed): the trust statement to add to the role. */
  readonly trustStatement?: Readonly<Record<string, unknown>>
  /** Whether the policy engine admits EKS Auth for this SA with the trust statement added. */
  readonly trustVerified?: boolean
  /** The association(s) to create; one per service account for wildcard trusts. */
  readonly createAssociations: readonly { readonly clusterName: string; readonly namespace: string; readonly serviceAccount: string; readonly roleArn: string }[]
  readonly policyKeys: readonly PolicyKeyUse[]
  readonly notes: readonly string[]
}

export interface MigrationPlan {
  readonly schema: typeof MIGRATE_SCHEMA_ID
  readonly summary: { readonly total: number; readonly done: number; readonly ready: number; readonly blocked: number }
  readonly items: readonly MigrationItem[]
}

export interface MigrateOptions {
  /** Issuer hosts (host/path, no scheme) of clusters that serve the EKS Pod Identity API though not EKS (e.g. `irsa serve`). */
  readonly podIdentityIssuers?: readonly string[]
}

const ISSUER_KEY = /^(.+):(sub|aud|amr)$/i

/** `${<host>:sub}`-style variables in a policy's strings. */
function variables(v: unknown, out: string[]): void {
  if (typeof v === 'string') for (const m of v.matchAll(/\$\{([^}]+)\}/g)) out.push(m[1] as string)
  else if (Array.isArray(v)) for (const x of v) variables(x, out)
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) variables(x, out)
}

function replacementFor(claim: string): string {
  return claim === 'sub'
    ? 'aws:PrincipalTag/kubernetes-namespace + aws:PrincipalTag/kubernetes-service-account (and aws:PrincipalTag/eks-cluster-arn)'
    : claim === 'aud'
      ? 'none needed (the Pod Identity audience is fixed); scope with aws:PrincipalTag/eks-cluster-arn'
      : 'aws:PrincipalTag/eks-cluster-arn'
}

/** Identity-policy uses of `<issuer>:sub|aud|amr` keys or variables: they are never set in a Pod Identity session. */
function policyKeys(role: RoleNode, graph: AuditGraph): PolicyKeyUse[] {
  const hosts = new Set((graph.inventory.iam.providers ?? []).map((p) => p.host.toLowerCase()))
  for (const s of role.oidcStatements) for (const p of s.providers) hosts.add(p.host.toLowerCase())
  const isIssuerKey = (k: string): RegExpExecArray | null => {
    const m = ISSUER_KEY.exec(k)
    return m !== null && (hosts.has((m[1] as string).toLowerCase()) || EKS_ISSUER.test(m[1] as string)) ? m : null
  }
  const docs: { name: string; doc: unknown }[] = [
    ...role.obj.inlinePolicies.map((p) => ({ name: `${role.obj.name}/${p.name}`, doc: p.document })),
    ...role.obj.attachedPolicyArns.map((a) => ({ name: managedPolicyName(a), doc: graph.inventory.iam.policies.get(a)?.document })),
  ]
  const out: PolicyKeyUse[] = []
  for (const { name, doc } of docs) {
    const raw = (doc as { Statement?: unknown } | undefined)?.Statement
    const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]
    readIdentityStatements(doc, name).forEach((s, i) => {
      for (const k of s.conditionKeys) {
        const m = isIssuerKey(k)
        if (m !== null) out.push({ policy: name, statement: s.index, key: k, where: 'condition', replacement: replacementFor((m[2] as string).toLowerCase()) })
      }
      const vars: string[] = []
      variables(list[i], vars)
      for (const v of vars) {
        const m = isIssuerKey(v)
        if (m !== null) out.push({ policy: name, statement: s.index, key: `\${${v}}`, where: 'variable', replacement: replacementFor((m[2] as string).toLowerCase()) })
      }
    })
  }
  return out
}

interface Binding {
  readonly cluster: string
  readonly namespace: string
  readonly serviceAccount: string
  readonly roleArn: string
  via: 'annotation' | 'env'
  readonly workloads: WorkloadObj[]
}

function collectBindings(graph: AuditGraph): Binding[] {
  const byKey = new Map<string, Binding>()
  for (const sa of graph.serviceAccounts) {
    if (sa.roleArn === undefined) continue
    byKey.set(`${saKey(sa.cluster, sa.namespace, sa.name)}|${sa.roleArn}`, { cluster: sa.cluster, namespace: sa.namespace, serviceAccount: sa.name, roleArn: sa.roleArn, via: 'annotation', workloads: [...sa.workloads] })
  }
  for (const w of graph.inventory.k8s.workloads) {
    const arn = roleArnFromEnv(w)
    if (arn === undefined) continue
    const key = `${saKey(w.cluster, w.namespace, w.pod.serviceAccountName)}|${arn}`
    const b = byKey.get(key)
    if (b === undefined) byKey.set(key, { cluster: w.cluster, namespace: w.namespace, serviceAccount: w.pod.serviceAccountName, roleArn: arn, via: 'env', workloads: [w] })
    else if (!b.workloads.includes(w)) b.workloads.push(w)
  }
  return [...byKey.values()].sort((a, b) => `${a.cluster}/${a.namespace}/${a.serviceAccount}`.localeCompare(`${b.cluster}/${b.namespace}/${b.serviceAccount}`))
}

/** Tag conditions equivalent to the OIDC `sub` values that admit this SA (exact values → StringEquals, patterns → StringLike). */
function tagConditions(role: RoleNode | undefined, host: string | undefined, ns: string, name: string): { equals: Record<string, string[]>; like: Record<string, string[]>; fromSub: boolean } {
  const equals: Record<string, string[]> = {}
  const like: Record<string, string[]> = {}
  const add = (target: Record<string, string[]>, k: string, v: string): void => {
    const list = (target[k] ??= [])
    if (!list.includes(v)) list.push(v)
  }
  const subject = `${SA_PREFIX}${ns}:${name}`
  let fromSub = false
  if (role !== undefined && host !== undefined) {
    for (const s of role.oidcStatements) {
      for (const c of claimConditions(s, host, 'sub')) {
        if (!c.positive) continue
        for (const v of c.values) {
          const p = splitSub(v)
          if (p === undefined || !(c.like ? matchWildcard(v, subject) : v === subject)) continue
          fromSub = true
          add(c.like && hasWild(p.ns) ? like : equals, 'aws:RequestTag/kubernetes-namespace', p.ns)
          add(c.like && hasWild(p.name) ? like : equals, 'aws:RequestTag/kubernetes-service-account', p.name)
        }
      }
    }
  }
  if (!fromSub) {
    equals['aws:RequestTag/kubernetes-namespace'] = [ns]
    equals['aws:RequestTag/kubernetes-service-account'] = [name]
  }
  return { equals, like, fromSub }
}

const one = (v: string[]): string | string[] => (v.length === 1 ? (v[0] as string) : v)

export function planMigration(graph: AuditGraph, options: MigrateOptions = {}): MigrationPlan {
  const capable = new Set((options.podIdentityIssuers ?? []).map((h) => h.replace(/^https?:\/\//i, '').replace(/\/+$/, '').toLowerCase()))
  const items: MigrationItem[] = []
  for (const b of collectBindings(graph)) {
    const sa: SaNode | undefined = graph.saByKey.get(saKey(b.cluster, b.namespace, b.serviceAccount))
    const cluster = graph.clusters.get(b.cluster)
    const role = findRole(graph, b.roleArn)
    const roleAccount = roleKey(b.roleArn)?.split(':')[0]
    const blockers: { code: Blocker; message: string }[] = []
    const notes: string[] = []
    const block = (code: Blocker, extra = ''): void => {
      blockers.push({ code, message: `${BLOCKERS[code]}${extra}` })
    }
    const base = { cluster: b.cluster, namespace: b.namespace, serviceAccount: b.serviceAccount, roleArn: b.roleArn, via: b.via, workloads: b.workloads.map((w) => `${w.kind}/${w.name}`).sort() }
    const existing = sa === undefined ? undefined : associationsOf(sa).find((a) => !a.assoc.inferred)
    if (existing !== undefined) {
      const sameRole = existing.assoc.roleArn === undefined || roleKey(existing.assoc.roleArn) === roleKey(b.roleArn)
      if (!sameRole) notes.push(`the association names ${existing.assoc.roleArn ?? '?'}, not the annotated role: Pod Identity takes precedence, so the pods already use the association's role`)
      notes.push('remove the eks.amazonaws.com/role-arn annotation (and the OIDC trust statement once no cluster uses it)')
      items.push({ ...base, status: 'done', blockers: [], association: { associationId: existing.assoc.associationId, roleArn: existing.assoc.roleArn, sameRole }, createAssociations: [], policyKeys: [], notes })
      continue
    }
    const host = cluster?.issuerHost
    const clusterObj = cluster?.obj
    const clusterAccount = clusterObj?.accountId
    if (host === undefined) block('cluster-unknown')
    else if (!EKS_ISSUER.test(host) && !capable.has(host.toLowerCase())) block('non-eks-cluster', ` (${host})`)
    else if (!EKS_ISSUER.test(host)) notes.push(`${host} is not an EKS issuer but serves the EKS Pod Identity API (irsa serve)`)
    if (role === undefined) block('role-missing')
    const acct = clusterAccount ?? roleAccount
    if (clusterAccount === undefined) notes.push(`the cluster account is unknown (give --eks-cluster): assumed to be the role's account ${roleAccount ?? '?'}`)
    else if (roleAccount !== undefined && roleAccount !== clusterAccount) block('cross-account', ` (role account ${roleAccount}, cluster account ${clusterAccount})`)
    if (b.workloads.some((w) => w.pod.nodeSelector['kubernetes.io/os'] === 'windows' || w.pod.nodeSelector['beta.kubernetes.io/os'] === 'windows')) block('windows')
    if (b.workloads.some((w) => w.podLabels['eks.amazonaws.com/fargate-profile'] !== undefined || w.pod.nodeName?.startsWith('fargate-') === true)) block('fargate')
    // Which service accounts the trust hands this role to on this issuer: more than one means one association each.
    const reach = role?.reach.find((r) => host !== undefined && r.host.toLowerCase() === host.toLowerCase())
    const admitted = new Set<string>([`${b.namespace}/${b.serviceAccount}`])
    if (reach !== undefined && reach.scope !== 'EXACT' && reach.scope !== 'NONE') {
      for (const s of reach.admitted) admitted.add(`${s.namespace}/${s.name}`)
      block('wildcard-trust', ` (scope ${reach.scope}${reach.wildcardSubs.length > 0 ? `: ${reach.wildcardSubs.join(', ')}` : ''}; ${admitted.size} existing service account(s))`)
    }
    const partition = role?.obj.partition ?? 'aws'
    const region = /^oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com/i.exec(host ?? '')?.[1] ?? 'us-east-1'
    const clusterArn = clusterObj?.arn ?? `arn:${partition}:eks:${region}:${acct ?? '111122223333'}:cluster/${b.cluster}`
    if (clusterObj?.arn === undefined) notes.push(`the cluster ARN is not in the inputs: aws:SourceArn uses ${clusterArn}; check it`)
    const tags = tagConditions(role, host, b.namespace, b.serviceAccount)
    if (!tags.fromSub) notes.push('the OIDC trust has no sub value naming this service account: the request-tag conditions name it exactly')
    const condition: Record<string, Record<string, string | string[]>> = {
      StringEquals: { 'aws:SourceAccount': acct ?? '', 'aws:SourceArn': clusterArn, ...Object.fromEntries(Object.entries(tags.equals).map(([k, v]) => [k, one(v)])) },
    }
    if (Object.keys(tags.like).length > 0) condition.StringLike = Object.fromEntries(Object.entries(tags.like).map(([k, v]) => [k, one(v)]))
    const trustStatement = { Sid: 'AllowEksAuthToAssumeRoleForPodIdentity', Effect: 'Allow', Principal: { Service: POD_IDENTITY_SERVICE }, Action: ['sts:AssumeRole', 'sts:TagSession'], Condition: condition }
    // Check with the engine: the role's trust plus the new statement admits EKS Auth for this SA.
    let trustVerified: boolean | undefined
    if (role !== undefined && acct !== undefined) {
      const doc = role.obj.trustDocument as { Version?: string; Statement?: unknown } | undefined
      const current = doc?.Statement === undefined ? [] : Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]
      try {
        const trust = compilePolicy({ Version: '2012-10-17', Statement: [...(current as unknown[]), trustStatement] }, { kind: 'trust', name: `${role.obj.name} trust (migrated)` })
        trustVerified = podIdentityAdmits(trust, role.obj.arn, { account: acct, clusterArn, clusterName: b.cluster, namespace: b.namespace, serviceAccount: b.serviceAccount }).admitted
        if (!trustVerified) notes.push('the role trust denies EKS Auth even with the statement added (an explicit Deny?): review it')
      } catch (e) {
        notes.push(`the role trust does not compile: ${(e as Error).message}`)
      }
    }
    const createAssociations = [...admitted].sort().map((k) => ({ clusterName: b.cluster, namespace: k.slice(0, k.indexOf('/')), serviceAccount: k.slice(k.indexOf('/') + 1), roleArn: b.roleArn }))
    items.push({
      ...base,
      status: blockers.length === 0 ? 'ready' : 'blocked',
      blockers,
      trustStatement,
      ...(trustVerified === undefined ? {} : { trustVerified }),
      createAssociations,
      policyKeys: role === undefined ? [] : policyKeys(role, graph),
      notes,
    })
  }
  const count = (s: MigrationStatus): number => items.filter((i) => i.status === s).length
  return { schema: MIGRATE_SCHEMA_ID, summary: { total: items.length, done: count('done'), ready: count('ready'), blocked: count('blocked') }, items }
}
