import type { FindingDraft, Rule, Severity } from '../finding.js'
import { maxSeverity } from '../finding.js'
import { workloadRoles } from '../lib/workloads.js'
import { roleRef } from '../refs.js'
import { POD_IDENTITY_SERVICE } from '../../model/aws-names.js'

export const r08: Rule = {
  meta: {
    ref: 'R08',
    id: 'IRSA-TRUST-008',
    title: 'Workload role also assumable by humans or other principals',
    severity: 'medium',
    layer: 'IAM',
    rationale: 'A workload identity that people, other accounts or other services can also assume loses accountability and widens who holds the workload\'s permissions; Principal "*" lets anyone try.',
    remediation: 'Keep workload roles for workloads only: remove AWS, SAML and other Service principals (and never use "*"); give humans their own roles.',
    mappings: { nhi: ['NHI10', 'NHI9'], csf: ['PR.AA-05', 'PR.AA-02'], zt: ['ZT3'] },
    bindingEffect: 'over-broad',
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const role of workloadRoles(graph)) {
      let sev: Severity | undefined
      const principals: string[] = []
      for (const s of role.statements) {
        if (s.effect !== 'Allow') continue
        if (s.principalStar) {
          sev = 'critical'
          principals.push('*')
          continue
        }
        for (const a of s.aws) {
          const acct = /^\d{12}$/.test(a) ? a : /^arn:aws[a-z-]*:(iam|sts)::(\d{12}):/.exec(a)?.[2]
          principals.push(a)
          sev = maxSeverity(sev ?? 'medium', acct !== undefined && acct !== role.obj.accountId ? 'medium' : 'medium')
        }
        for (const f of s.federated) if (f.includes(':saml-provider/')) {
          principals.push(f)
          sev = maxSeverity(sev ?? 'medium', 'medium')
        }
        for (const svc of s.services) if (svc !== POD_IDENTITY_SERVICE) {
          principals.push(svc)
          sev = maxSeverity(sev ?? 'medium', 'medium')
        }
      }
      if (sev === undefined) continue
      out.push({
        severity: sev,
        message: `Workload role ${role.obj.arn} can also be assumed by ${principals.join(', ')}.`,
        resources: [roleRef(role)],
        evidence: { principals },
        key: `${role.obj.arn}|${[...principals].sort().join(',')}`,
      })
    }
    return out
  },
}
