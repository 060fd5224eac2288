import type { FindingDraft, Rule } from '../finding.js'
import { coversAction } from '../lib/trust-doc.js'
import { roleRef } from '../refs.js'

const SCOPING = ['aws:sourceaccount', 'aws:sourcearn', 'aws:sourceorgid', 'aws:requesttag/eks-cluster-arn', 'aws:requesttag/eks-cluster-name']

export const r29: Rule = {
  meta: {
    ref: 'R29',
    id: 'IRSA-PODID-001',
    title: 'Unscoped Pod Identity trust',
    severity: 'medium',
    layer: 'IAM',
    rationale: 'A pods.eks.amazonaws.com trust without source or request-tag conditions can be bound by anyone holding eks:CreatePodIdentityAssociation and iam:PassRole, on any cluster of the account (confused deputy).',
    remediation: 'Add aws:SourceAccount and aws:SourceArn (the cluster ARN), or aws:RequestTag/eks-cluster-arn with kubernetes-namespace and kubernetes-service-account; allow sts:TagSession for ABAC.',
    mappings: { nhi: ['NHI6', 'NHI5'], csf: ['PR.AA-05'], zt: ['ZT4'] },
    bindingEffect: 'over-broad',
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const role of graph.roles) {
      for (const s of role.podIdStatements) {
        const keys = new Set(s.conditions.map((c) => c.key))
        const scoped = SCOPING.some((k) => keys.has(k)) || (keys.has('aws:requesttag/kubernetes-namespace') && keys.has('aws:requesttag/kubernetes-service-account'))
        const tagSession = coversAction(s.actions, s.notActions, 'sts:TagSession')
        if (scoped && tagSession) continue
        out.push({
          severity: scoped ? 'info' : 'medium',
          message: scoped
            ? `${role.obj.arn} Pod Identity trust (statement ${s.index}) does not allow sts:TagSession: session-tag ABAC is impossible.`
            : `${role.obj.arn} Pod Identity trust (statement ${s.index}) has no source or cluster condition: any cluster of the account can bind it.`,
          resources: [roleRef(role)],
          evidence: { statement: s.index, conditionKeys: [...keys], tagSession },
          key: `${role.obj.arn}|${s.index}|${scoped ? 'tag' : 'scope'}`,
        })
      }
    }
    return out
  },
}
