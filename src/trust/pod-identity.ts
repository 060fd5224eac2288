/**
 * Whether a role trust lets EKS Auth assume the role for Pod Identity: the policy engine decides
 * `sts:AssumeRole` (and `sts:TagSession`, unless session tags are disabled) for the service
 * principal pods.eks.amazonaws.com with the context EKS Auth presents: aws:SourceAccount,
 * aws:SourceArn (the cluster ARN) and the six transitive session tags as aws:RequestTag/… with
 * aws:TagKeys. Decided for one association, and for a made-up cluster, namespace and service account
 * of the role's account (admitted: the trust is not scoped to a cluster or a workload).
 */
import type { CompiledPolicy } from '../policy/compile.js'
import type { StatementRef } from '../policy/decision.js'
import { evaluate } from '../policy/evaluate.js'
import { DEFAULT_PROBE } from './probes.js'
import { serviceStatements, statementRef } from './statements.js'
import { POD_IDENTITY_SERVICE } from '../model/aws-names.js'

export const SESSION_TAG_KEYS = ['eks-cluster-arn', 'eks-cluster-name', 'kubernetes-namespace', 'kubernetes-service-account', 'kubernetes-pod-name', 'kubernetes-pod-uid'] as const

/** One Pod Identity association as EKS Auth presents it. */
export interface PodIdentityQuery {
  /** The cluster's account (the role's when unknown). */
  readonly account: string
  readonly clusterArn: string
  readonly clusterName: string
  readonly namespace: string
  readonly serviceAccount: string
  readonly disableSessionTags?: boolean
}

export interface PodIdentityAdmission {
  /** Statements that allowed sts:AssumeRole, undefined when denied. */
  readonly assumeRole: readonly StatementRef[] | undefined
  /** Statements that allowed sts:TagSession; undefined when denied or not needed. */
  readonly tagSession: readonly StatementRef[] | undefined
  readonly tagSessionNeeded: boolean
  readonly admitted: boolean
  /** The context the decision used (for evidence). */
  readonly context: Readonly<Record<string, string | readonly string[]>>
}

export interface PodIdentityReach {
  /** Allow statements naming pods.eks.amazonaws.com for sts:AssumeRole. */
  readonly statements: readonly StatementRef[]
  /** Whether one of them allows sts:TagSession too. */
  readonly tagSession: boolean
  /** The condition clauses of those statements, as written: what scopes the trust. */
  readonly conditions: readonly { readonly statement: number; readonly operator: string; readonly key: string; readonly values: readonly string[] }[]
  /** Whether EKS Auth may assume the role (and tag the session) for a made-up cluster and workload of the account. */
  readonly unscoped: boolean
  /** The decision for the association asked about. */
  readonly association: PodIdentityAdmission | undefined
}

export function podIdentityContext(s: PodIdentityQuery): Record<string, string | readonly string[]> {
  const ctx: Record<string, string | readonly string[]> = {
    'aws:SourceAccount': s.account,
    'aws:SourceArn': s.clusterArn,
  }
  if (s.disableSessionTags !== true) {
    const tags: Record<(typeof SESSION_TAG_KEYS)[number], string> = {
      'eks-cluster-arn': s.clusterArn,
      'eks-cluster-name': s.clusterName,
      'kubernetes-namespace': s.namespace,
      'kubernetes-service-account': s.serviceAccount,
      'kubernetes-pod-name': 'zz-irsa-audit-pod',
      'kubernetes-pod-uid': '00000000-0000-4000-8000-000000000000',
    }
    for (const [k, v] of Object.entries(tags)) ctx[`aws:RequestTag/${k}`] = v
    ctx['aws:TagKeys'] = [...SESSION_TAG_KEYS]
  }
  return ctx
}

export function podIdentityAdmits(trust: CompiledPolicy, roleArn: string, s: PodIdentityQuery): PodIdentityAdmission {
  const context = podIdentityContext(s)
  const decide = (action: string): readonly StatementRef[] | undefined => {
    const d = evaluate({ principal: POD_IDENTITY_SERVICE, principalType: 'Service', action, resource: roleArn, context }, { resource: [trust] })
    return d.decision === 'Allow' ? d.statements : undefined
  }
  const assumeRole = decide('sts:AssumeRole')
  const tagSessionNeeded = s.disableSessionTags !== true
  const tagSession = tagSessionNeeded ? decide('sts:TagSession') : undefined
  return { assumeRole, tagSession, tagSessionNeeded, admitted: assumeRole !== undefined && (!tagSessionNeeded || tagSession !== undefined), context }
}

/** A cluster and workload nobody has, in the role's account. */
export function podIdentityProbe(roleArn: string): PodIdentityQuery {
  const m = /^arn:([^:]+):iam::(\d{12}):/.exec(roleArn)
  const partition = m?.[1] ?? 'aws'
  const account = m?.[2] ?? '000000000000'
  const clusterName = 'zz-irsa-audit-cluster'
  return { account, clusterArn: `arn:${partition}:eks:us-east-1:${account}:cluster/${clusterName}`, clusterName, namespace: DEFAULT_PROBE.namespace, serviceAccount: DEFAULT_PROBE.serviceAccount }
}

export function podIdentityReach(trust: CompiledPolicy, roleArn: string, query?: PodIdentityQuery): PodIdentityReach {
  const assume = serviceStatements(trust, POD_IDENTITY_SERVICE, 'sts:AssumeRole')
  const tag = new Set(serviceStatements(trust, POD_IDENTITY_SERVICE, 'sts:TagSession'))
  return {
    statements: assume.map((st) => statementRef(trust, st)),
    tagSession: assume.some((st) => tag.has(st)),
    conditions: assume.flatMap((st) => st.conditions.map((c) => ({ statement: st.index, operator: c.operator.raw, key: c.key, values: c.values }))),
    unscoped: assume.length > 0 && podIdentityAdmits(trust, roleArn, podIdentityProbe(roleArn)).admitted,
    association: query === undefined ? undefined : podIdentityAdmits(trust, roleArn, query),
  }
}
