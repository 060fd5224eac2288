import type { FindingDraft, ResourceRef, Rule } from '../finding.js'
import { findRole, roleArnFromEnv } from '../graph.js'
import { saOf } from '../lib/workload-identity.js'
import { saRef, workloadRef } from '../refs.js'

const ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/.+$/

export const r18: Rule = {
  meta: {
    ref: 'R18',
    id: 'IRSA-LIFE-002',
    title: 'Annotation points to a non-existent role',
    severity: 'medium',
    layer: 'X',
    rationale: 'An annotation (or a Pod Identity association) naming a role that does not exist gives the pod no AWS identity today, and gives whoever creates a role of that name a ready-made binding.',
    remediation: 'Fix the eks.amazonaws.com/role-arn annotation (or AWS_ROLE_ARN, or the Pod Identity association\'s role) to the intended role, or remove it.',
    mappings: { nhi: ['NHI1'], csf: ['ID.AM-08', 'PR.PS-01'], zt: ['ZT5'] },
    bindingEffect: 'broken',
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    const accounts = graph.inventory.iam.accounts
    const report = (arn: string, res: ResourceRef, via: string, key: string): void => {
      const m = ARN.exec(arn)
      if (m === null) {
        out.push({ severity: 'medium', message: `${via} on ${res.namespace ?? ''}/${res.name} is not a role ARN: "${arn}".`, resources: [res], evidence: { roleArn: arn, via }, key })
        return
      }
      if (findRole(graph, arn) !== undefined) return
      const account = m[1] as string
      if (!accounts.has(account)) {
        out.push({ severity: 'info', message: `${via} on ${res.namespace ?? ''}/${res.name} names ${arn} in account ${account}, outside the audited export: cross-account, unverifiable.`, resources: [res, { kind: 'IAMRole', arn, name: arn.slice(arn.lastIndexOf('/') + 1) }], evidence: { roleArn: arn, via, crossAccount: true }, key })
        return
      }
      out.push({ severity: 'medium', message: `${via} on ${res.namespace ?? ''}/${res.name} names ${arn}, which does not exist in account ${account}.`, resources: [res, { kind: 'IAMRole', arn, name: arn.slice(arn.lastIndexOf('/') + 1) }], evidence: { roleArn: arn, via, crossAccount: false }, key })
    }
    for (const sa of graph.serviceAccounts) if (sa.roleArn !== undefined) report(sa.roleArn, saRef(sa), 'annotation eks.amazonaws.com/role-arn', `${sa.cluster}/${sa.namespace}/${sa.name}|${sa.roleArn}`)
    for (const b of graph.podIdentity) {
      if (b.assoc.roleArn === undefined) continue
      const res: ResourceRef = { kind: 'PodIdentityAssociation', cluster: b.cluster, namespace: b.assoc.namespace, name: `${b.assoc.serviceAccount}${b.assoc.associationId === undefined ? '' : ` (${b.assoc.associationId})`}`, file: b.assoc.source.file, ...(b.assoc.source.pointer === undefined ? {} : { pointer: b.assoc.source.pointer }) }
      report(b.assoc.roleArn, res, 'Pod Identity association', `podid|${b.cluster}/${b.assoc.namespace}/${b.assoc.serviceAccount}|${b.assoc.roleArn}`)
    }
    for (const w of graph.inventory.k8s.workloads) {
      const arn = roleArnFromEnv(w)
      if (arn === undefined || saOf(graph, w)?.roleArn === arn) continue
      report(arn, workloadRef(w), 'env AWS_ROLE_ARN', `${w.cluster}/${w.namespace}/${w.kind}/${w.name}|${arn}`)
    }
    return out
  },
}
