import type { FindingDraft, Rule } from '../finding.js'
import { SA_PREFIX } from '../lib/trust-doc.js'
import { roleRef } from '../refs.js'
import { STS_AUDIENCE } from '../../model/aws-names.js'

export const r05: Rule = {
  meta: {
    ref: 'R05',
    id: 'IRSA-TRUST-005',
    title: 'Condition key does not match its principal or claim',
    severity: 'medium',
    layer: 'IAM',
    rationale: 'A condition on another issuer\'s key, or a sub value under the aud key, leaves the intended claim unchecked: the statement either admits nothing or admits more than written.',
    remediation: 'Prefix condition keys with the exact issuer host/path of the statement\'s Federated principal, put system:serviceaccount:… values under :sub and sts.amazonaws.com under :aud, and give each provider of a Federated list its own conditions.',
    mappings: { nhi: ['NHI6'], csf: ['PR.AA-04'], zt: ['ZT6'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const role of graph.roles) {
      const problems: { statement: number; problem: string }[] = []
      for (const s of role.statements) {
        if (s.providers.length === 0) continue
        const hosts = new Set(s.providers.map((p) => p.host.toLowerCase()))
        const subHosts = new Set<string>()
        for (const c of s.conditions) {
          if (c.host === undefined || (c.claim !== 'sub' && c.claim !== 'aud')) continue
          if (!hosts.has(c.host)) problems.push({ statement: s.index, problem: `condition key ${c.key} does not match the statement's provider${hosts.size === 1 ? '' : 's'} ${[...hosts].join(', ')}` })
          if (c.claim === 'sub') subHosts.add(c.host)
          if (c.claim === 'aud' && c.values.some((v) => v.startsWith(SA_PREFIX))) problems.push({ statement: s.index, problem: `a service-account subject is compared with ${c.key} (sub and aud swapped)` })
          if (c.claim === 'sub' && c.values.some((v) => v === STS_AUDIENCE)) problems.push({ statement: s.index, problem: `${STS_AUDIENCE} is compared with ${c.key} (sub and aud swapped)` })
        }
        if (hosts.size > 1 && [...hosts].some((h) => !subHosts.has(h)) && subHosts.size > 0) {
          problems.push({ statement: s.index, problem: `${hosts.size} providers but sub conditions for ${[...hosts].filter((h) => subHosts.has(h)).length}` })
        }
      }
      if (problems.length === 0) continue
      out.push({
        severity: 'medium',
        message: `${role.obj.arn} trust policy: ${problems.map((p) => `statement ${p.statement}: ${p.problem}`).join('; ')}.`,
        resources: [roleRef(role)],
        evidence: { problems },
        key: `${role.obj.arn}|${problems.map((p) => `${p.statement}:${p.problem}`).sort().join(',')}`,
      })
    }
    return out
  },
}
