import type { FindingDraft, Rule } from '../finding.js'
import { workloadRoles } from '../lib/workloads.js'
import { mayWrite, servicePrefix } from '../lib/policy-doc.js'
import { roleRef } from '../refs.js'

export const r15: Rule = {
  meta: {
    ref: 'R15',
    id: 'IRSA-PERM-005',
    title: 'Breadth: wildcards or many services',
    severity: 'medium',
    layer: 'IAM',
    rationale: 'Service wildcards, NotAction allows, write actions on Resource "*" and policies spanning many services grant far more than one workload needs, and grow silently as AWS adds actions.',
    remediation: 'List the actions the workload calls and the resources it touches; split roles that span unrelated services.',
    mappings: { nhi: ['NHI5'], csf: ['PR.AA-05'], zt: ['ZT3'] },
    bindingEffect: 'over-broad',
  },
  check({ graph, options }) {
    const out: FindingDraft[] = []
    for (const role of workloadRoles(graph)) {
      if (role.perms.tier === 'P0') continue
      const problems: string[] = []
      const services = new Set<string>()
      for (const s of role.perms.statements) {
        if (s.effect !== 'Allow') continue
        const where = `${s.policy}[${s.index}]`
        if (s.notActions.length > 0) problems.push(`${where}: Allow with NotAction`)
        for (const a of s.actions) {
          services.add(servicePrefix(a))
          if (a === '*' || /^[^:]+:\*$/.test(a)) problems.push(`${where}: wildcard action ${a}`)
        }
        if (!s.hasCondition && s.resources.includes('*')) {
          const writes = s.actions.filter((a) => mayWrite(a) && a !== '*' && !/^[^:]+:\*$/.test(a))
          if (writes.length > 0) problems.push(`${where}: write actions on Resource "*" (${writes.join(', ')})`)
        }
      }
      services.delete('*')
      if (services.size > options.maxServices) problems.push(`${services.size} services (${[...services].sort().join(', ')}) > ${options.maxServices}`)
      if (problems.length === 0) continue
      out.push({
        severity: 'medium',
        message: `Workload role ${role.obj.arn} is broad: ${problems.join('; ')}.`,
        resources: [roleRef(role)],
        evidence: { problems, services: [...services].sort() },
        key: `${role.obj.arn}|${[...problems].sort().join('|')}`,
      })
    }
    return out
  },
}
