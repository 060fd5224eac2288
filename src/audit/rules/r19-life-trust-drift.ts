import type { FindingDraft, ResourceRef, Rule } from '../finding.js'
import { findRole } from '../graph.js'
import type { PodIdentityBinding } from '../graph.js'
import { podIdentityAdmits } from '../../trust/pod-identity.js'
import { roleRef, saRef } from '../refs.js'
import { POD_IDENTITY_SERVICE } from '../../model/aws-names.js'

function associationRef(b: PodIdentityBinding): ResourceRef {
  const a = b.assoc
  return { kind: 'PodIdentityAssociation', cluster: b.cluster, namespace: a.namespace, name: `${a.serviceAccount}${a.associationId === undefined ? '' : ` (${a.associationId})`}`, file: a.source.file, ...(a.source.pointer === undefined ? {} : { pointer: a.source.pointer }) }
}

/** Pod Identity drift: the associated role's trust does not let EKS Auth assume it (and tag the session) for this association. */
function podIdentityDrift(b: PodIdentityBinding): FindingDraft | undefined {
  const role = b.role
  const a = b.assoc
  if (role === undefined || role.trust === undefined || a.roleArn === undefined) return undefined
  const key = `podid|${b.cluster}/${a.namespace}/${a.serviceAccount}|${role.obj.arn}`
  const subject = `${a.namespace}/${a.serviceAccount}`
  if (b.clusterAccount !== undefined && b.clusterAccount !== role.obj.accountId && a.targetRoleArn === undefined) {
    return {
      severity: 'low',
      message: `The Pod Identity association for ${subject} names ${role.obj.arn} in account ${role.obj.accountId}, but the cluster is in account ${b.clusterAccount}: EKS Pod Identity assumes roles in the cluster's account only (use targetRoleArn for role chaining).`,
      resources: [associationRef(b), roleRef(role)],
      evidence: { via: 'pod-identity-association', clusterAccount: b.clusterAccount, roleAccount: role.obj.accountId },
      key,
    }
  }
  const clusterArn = b.clusterArn
  const account = b.clusterAccount ?? role.obj.accountId
  const unknownArn = clusterArn === undefined
  const d = podIdentityAdmits(role.trust, role.obj.arn, {
    account,
    clusterArn: clusterArn ?? `arn:${role.obj.partition}:eks:us-east-1:${account}:cluster/${a.cluster}`,
    clusterName: a.cluster,
    namespace: a.namespace,
    serviceAccount: a.serviceAccount,
    disableSessionTags: a.disableSessionTags,
  })
  if (d.admitted) return undefined
  const missing = [...(d.assumeRole === undefined ? ['sts:AssumeRole'] : []), ...(d.tagSessionNeeded && d.tagSession === undefined ? ['sts:TagSession'] : [])]
  const noPodTrust = role.podIdStatements.length === 0
  return {
    // Without the cluster ARN a trust scoped by aws:SourceArn cannot be checked: say so, at info.
    severity: unknownArn && !noPodTrust ? 'info' : 'low',
    message: noPodTrust
      ? `The Pod Identity association for ${subject} names ${role.obj.arn}, whose trust does not admit ${POD_IDENTITY_SERVICE} at all: pods get no credentials.`
      : `The Pod Identity association for ${subject} names ${role.obj.arn}, but its trust does not allow ${missing.join(' and ')} for ${POD_IDENTITY_SERVICE} with this cluster's source and session tags${unknownArn ? ' (cluster ARN unknown: give --eks-cluster or describe-pod-identity-association output to verify)' : ''}.`,
    resources: [associationRef(b), roleRef(role)],
    evidence: { via: 'pod-identity-association', denied: missing, clusterArn: clusterArn ?? null, clusterArnKnown: !unknownArn, context: d.context, podIdentityTrust: !noPodTrust },
    key,
  }
}

export const r19: Rule = {
  meta: {
    ref: 'R19',
    id: 'IRSA-LIFE-003',
    title: 'Annotation/trust drift',
    severity: 'low',
    layer: 'X',
    rationale: 'The annotated (or Pod Identity-associated) role exists but its trust does not admit the service account on the cluster issuer, or does not let pods.eks.amazonaws.com assume it and tag the session: the pod gets no credentials, which invites widening the trust or moving permissions to the node role.',
    remediation: 'Add the exact subject (system:serviceaccount:<namespace>:<name>) and the cluster issuer to the role trust, or fix the annotation; for Pod Identity, allow sts:AssumeRole and sts:TagSession to Service pods.eks.amazonaws.com scoped by aws:SourceAccount and aws:SourceArn (the cluster ARN).',
    mappings: { nhi: ['NHI1'], csf: ['PR.PS-01', 'DE.CM-09'], zt: ['ZT5'] },
    bindingEffect: 'broken',
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const sa of graph.serviceAccounts) {
      if (sa.roleArn === undefined) continue
      const role = findRole(graph, sa.roleArn)
      const cluster = graph.clusters.get(sa.cluster)
      if (role === undefined || cluster?.issuerHost === undefined) continue
      if (role.oidcStatements.length === 0 && role.podIdStatements.length > 0) continue
      if (sa.assumable.includes(role)) continue
      const trusted = role.reach.some((r) => r.host.toLowerCase() === (cluster.issuerHost as string).toLowerCase())
      out.push({
        severity: 'low',
        message: `${sa.namespace}/${sa.name} is annotated with ${role.obj.arn}, but the role's trust ${trusted ? 'does not admit' : `does not trust the cluster issuer ${cluster.issuerHost} for`} system:serviceaccount:${sa.namespace}:${sa.name} (audience ${sa.audience}).`,
        resources: [saRef(sa), roleRef(role)],
        evidence: { issuer: cluster.issuerHost, issuerTrusted: trusted, subject: `system:serviceaccount:${sa.namespace}:${sa.name}`, audience: sa.audience, issuerInferred: cluster.inferred },
        key: `${sa.cluster}/${sa.namespace}/${sa.name}|${role.obj.arn}`,
      })
    }
    for (const b of graph.podIdentity) {
      const f = podIdentityDrift(b)
      if (f !== undefined) out.push(f)
    }
    return out
  },
}
