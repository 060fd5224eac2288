/**
 * Whether a role trust lets EKS Auth assume the role for one Pod Identity association: the policy
 * engine decides `sts:AssumeRole` (and `sts:TagSession`, unless session tags are disabled) for the
 * service principal pods.eks.amazonaws.com with the context EKS Auth presents (specs/sts.md §6.4):
 * aws:SourceAccount, aws:SourceArn (the cluster ARN) and the six transitive session tags as
 * aws:RequestTag/… with aws:TagKeys.
 */
import type { CompiledPolicy } from '../../policy/compile.js'
import type { StatementRef } from '../../policy/decision.js'
import { evaluate } from '../../policy/evaluate.js'

export const POD_IDENTITY_PRINCIPAL = 'pods.eks.amazonaws.com'
export const SESSION_TAG_KEYS = ['eks-cluster-arn', 'eks-cluster-name', 'kubernetes-namespace', 'kubernetes-service-account', 'kubernetes-pod-name', 'kubernetes-pod-uid'] as const

export interface PodIdentitySubject {
  readonly roleArn: string
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

export function podIdentityContext(s: PodIdentitySubject): Record<string, string | readonly string[]> {
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

export function podIdentityAdmits(trust: CompiledPolicy, s: PodIdentitySubject): PodIdentityAdmission {
  const context = podIdentityContext(s)
  const decide = (action: string): readonly StatementRef[] | undefined => {
    const d = evaluate({ principal: POD_IDENTITY_PRINCIPAL, principalType: 'Service', action, resource: s.roleArn, context }, { resource: [trust] })
    return d.decision === 'Allow' ? d.statements : undefined
  }
  const assumeRole = decide('sts:AssumeRole')
  const tagSessionNeeded = s.disableSessionTags !== true
  const tagSession = tagSessionNeeded ? decide('sts:TagSession') : undefined
  return { assumeRole, tagSession, tagSessionNeeded, admitted: assumeRole !== undefined && (!tagSessionNeeded || tagSession !== undefined), context }
}
