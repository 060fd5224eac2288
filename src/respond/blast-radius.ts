/**
 * The blast radius of a workload, answered by the auditor: an audit inventory built from the
 * identity plane's own state (roles, their policies and OIDC providers from the store; this server's
 * issuer as the one cluster's issuer; service accounts from the bindings plus the ones under
 * investigation), then the auditor's graph (engine-evaluated trust reach, permission tiers) and its
 * `what-can` / `who-can` queries. Nothing here re-implements trust or permission analysis.
 */
import { buildGraph, saKey } from '../audit/graph.js'
import type { AuditGraph } from '../audit/graph.js'
import { CLUSTER, storeInventory } from '../audit/load/store.js'
import { TIER_LABEL } from '../audit/permissions.js'
import type { Tier } from '../audit/permissions.js'
import { whatCan, whoCan } from '../audit/queries.js'
import type { WhatCanRole, WhoCanAnswer } from '../audit/queries.js'
import type { Runtime } from '../core/runtime.js'
import type { ServiceAccountRef } from '../model/service-account-ref.js'
import { STS_AUDIENCE } from '../model/aws-names.js'

/** One role the workload can obtain, with its effective permissions (from the auditor's `what-can`). */
export interface ReachableRole extends WhatCanRole {
  /** Whether the trust policy admits the service account now (false: annotated only, or contained). */
  readonly admitted: boolean
}

export interface ServiceAccountBlastRadius {
  readonly serviceAccount: string
  readonly subject: string
  /** The role its binding (annotation) names, if any. */
  readonly boundRole: string | undefined
  readonly roles: readonly ReachableRole[]
  /** Role ARNs by privilege tier, P0 (admin-equivalent) first. */
  readonly byTier: Readonly<Partial<Record<Tier, readonly string[]>>>
  /** The highest tier among the roles it can obtain now. */
  readonly highestTier: Tier | undefined
}

export interface RoleBlastRadius {
  readonly role: string
  readonly found: boolean
  readonly tier: Tier | undefined
  readonly tierLabel: string | undefined
  readonly permissions: ReachableRole | undefined
  /** Who can obtain it (the auditor's `who-can`). */
  readonly whoCan: WhoCanAnswer
}

const TIERS: readonly Tier[] = ['P0', 'P1', 'P2', 'P3', 'P4']

/** `cluster`: the audit graph's name of the account's cluster (the store's own cluster by default). */
export function serviceAccountBlastRadius(graph: AuditGraph, sa: ServiceAccountRef, cluster: string = CLUSTER): ServiceAccountBlastRadius {
  const answer = whatCan(graph, `${sa.namespace}/${sa.name}`, cluster)
  const node = graph.saByKey.get(saKey(cluster, sa.namespace, sa.name))
  const admittedArns = new Set((node?.assumable ?? []).map((r) => r.obj.arn))
  const roles: ReachableRole[] = answer.roles
    .map((r) => ({ ...r, admitted: admittedArns.has(r.arn) }))
    .sort((a, b) => TIERS.indexOf(a.tier ?? 'P4') - TIERS.indexOf(b.tier ?? 'P4') || a.arn.localeCompare(b.arn))
  const byTier: Partial<Record<Tier, string[]>> = {}
  for (const r of roles) {
    if (r.tier === undefined) continue
    ;(byTier[r.tier] ??= []).push(r.arn)
  }
  const reachable = roles.filter((r) => r.admitted && r.tier !== undefined)
  return {
    serviceAccount: `${sa.namespace}/${sa.name}`,
    subject: `system:serviceaccount:${sa.namespace}:${sa.name}`,
    boundRole: node?.roleArn,
    roles,
    byTier,
    highestTier: reachable.length === 0 ? undefined : reachable[0]?.tier,
  }
}

export function roleBlastRadius(graph: AuditGraph, arn: string): RoleBlastRadius {
  const who = whoCan(graph, arn)
  const node = graph.roles.find((r) => r.obj.arn === arn)
  let permissions: ReachableRole | undefined
  if (node !== undefined) {
    // The role's permissions as `what-can` reports them, through any service account that reaches it.
    const p = node.perms
    const probe = whatCanForRole(graph, arn)
    permissions = probe ?? { arn, via: [], found: true, tier: p.tier, tierLabel: TIER_LABEL[p.tier], sensitive: [], statements: p.statements, unknownPolicies: p.unknownPolicies, admitted: false }
  }
  return { role: arn, found: who.found, tier: who.tier, tierLabel: who.tier === undefined ? undefined : TIER_LABEL[who.tier], permissions, whoCan: who }
}

/** `what-can`'s view of one role, asked through a made-up service account annotated with it. */
function whatCanForRole(graph: AuditGraph, arn: string): ReachableRole | undefined {
  const node = graph.roles.find((r) => r.obj.arn === arn)
  if (node === undefined) return undefined
  const fake = graph.probe
  const key = saKey(CLUSTER, fake.namespace, fake.serviceAccount)
  const had = graph.saByKey.get(key)
  graph.saByKey.set(key, {
    cluster: CLUSTER,
    namespace: fake.namespace,
    name: fake.serviceAccount,
    obj: undefined,
    roleArn: arn,
    audience: STS_AUDIENCE,
    workloads: [],
    controllers: new Set(),
    appNames: new Set(),
    assumable: [],
    rbacBindings: [],
    podIdentity: [],
  })
  try {
    const r = whatCan(graph, `${fake.namespace}/${fake.serviceAccount}`, CLUSTER).roles.find((x) => x.arn === arn)
    return r === undefined ? undefined : { ...r, via: [], admitted: false }
  } finally {
    if (had === undefined) graph.saByKey.delete(key)
    else graph.saByKey.set(key, had)
  }
}

/** Build the graph for an investigation. */
export async function investigationGraph(rt: Runtime, serviceAccounts: readonly ServiceAccountRef[]): Promise<AuditGraph> {
  return buildGraph(await storeInventory(rt, serviceAccounts))
}
