import type { FindingDraft, Rule } from '../finding.js'
import { hasWild } from '../lib/trust-doc.js'
import { roleRef } from '../refs.js'

export const r04: Rule = {
  meta: {
    ref: 'R04',
    id: 'IRSA-TRUST-004',
    title: 'Unsafe or invalid trust grammar',
    severity: 'medium',
    layer: 'IAM',
    rationale: 'Negated operators, IfExists, ForAllValues on single-valued claims, wildcards under a non-Like operator, Allow with NotPrincipal and OIDC principals with non-web-identity actions either broaden admission or do not mean what they say.',
    remediation: 'Use plain StringEquals (or StringLike only when a wildcard is intended) on <issuer>:sub and <issuer>:aud, Principal (never NotPrincipal) with Allow, and Action sts:AssumeRoleWithWebIdentity for OIDC principals.',
    mappings: { nhi: ['NHI6'], csf: ['PR.PS-01', 'PR.AA-04'], zt: ['ZT6'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const role of graph.roles) {
      const problems: { statement: number; problem: string }[] = []
      for (const s of role.statements) {
        if (s.effect === 'Allow' && s.notPrincipal) problems.push({ statement: s.index, problem: 'Allow with NotPrincipal' })
        if (s.providers.length === 0) continue
        const bad = s.actions.filter((a) => ['*', 'sts:*', 'sts:assumerole'].includes(a.toLowerCase()))
        if (bad.length > 0) problems.push({ statement: s.index, problem: `OIDC principal with action ${bad.join(', ')} (mismatched action for principal)` })
        for (const c of s.conditions) {
          if (c.claim !== 'sub' && c.claim !== 'aud') continue
          const key = `${c.host ?? ''}:${c.claim}`
          if (c.negated) problems.push({ statement: s.index, problem: `negated operator ${c.operator} on ${key}` })
          if (c.op?.ifExists === true) problems.push({ statement: s.index, problem: `IfExists operator ${c.operator} on ${key}` })
          if (c.op?.set === 'ForAllValues') problems.push({ statement: s.index, problem: `ForAllValues qualifier on single-valued ${key} (true when the key is absent)` })
          if (!c.like && c.values.some(hasWild)) problems.push({ statement: s.index, problem: `wildcard with non-Like operator ${c.operator} on ${key}` })
          if (c.op === undefined) problems.push({ statement: s.index, problem: `unknown operator ${c.operator} on ${key}` })
        }
      }
      if (problems.length === 0) continue
      const broad = role.reach.some((r) => r.scope === 'CLUSTER' || r.scope === 'ANYNS')
      out.push({
        severity: broad ? 'high' : 'medium',
        message: `${role.obj.arn} trust policy: ${problems.map((p) => `statement ${p.statement}: ${p.problem}`).join('; ')}.`,
        resources: [roleRef(role)],
        evidence: { problems, broadensAdmission: broad },
        key: `${role.obj.arn}|${problems.map((p) => `${p.statement}:${p.problem}`).sort().join(',')}`,
      })
    }
    return out
  },
}
