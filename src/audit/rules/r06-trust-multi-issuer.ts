import type { FindingDraft, Rule } from '../finding.js'
import { roleRef } from '../refs.js'

export const r06: Rule = {
  meta: {
    ref: 'R06',
    id: 'IRSA-TRUST-006',
    title: 'Role trusted by several clusters or issuers',
    severity: 'medium',
    layer: 'IAM',
    rationale: 'A role trusted by several issuers is one identity shared across clusters; blue/green upgrades leave old issuers trusted, and the same namespace/name in any of them obtains the role.',
    remediation: 'Use one role per cluster (or per environment), and remove issuers of retired clusters from the trust policy.',
    mappings: { nhi: ['NHI8', 'NHI9'], csf: ['PR.IR-01', 'PR.AA-05'], zt: ['ZT3'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const role of graph.roles) {
      const hosts = [...new Set(role.oidcStatements.flatMap((s) => s.providers.map((p) => p.host)))].sort()
      if (hosts.length < 2) continue
      const envs = new Set<string>()
      for (const r of role.reach) {
        const env = r.cluster?.env ?? r.provider?.tags.env ?? r.provider?.tags.environment
        if (env !== undefined) envs.add(env)
      }
      const clusters = role.reach.map((r) => r.cluster?.name).filter((c): c is string => c !== undefined)
      out.push({
        severity: envs.size > 1 ? 'high' : 'medium',
        message: `${role.obj.arn} is trusted by ${hosts.length} issuers (${hosts.join(', ')})${envs.size > 1 ? ` spanning environments ${[...envs].join(', ')}` : ''}.`,
        resources: [roleRef(role)],
        evidence: { issuers: hosts, clusters, environments: [...envs] },
        key: `${role.obj.arn}|${hosts.join(',')}`,
      })
    }
    return out
  },
}
