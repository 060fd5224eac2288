import type { FindingDraft, Rule } from '../finding.js'
import type { RoleNode, StatementReach } from '../graph.js'
import { cap } from '../lib/evidence-cap.js'
import { roleRef, saName } from '../refs.js'
import { SCOPE_ORDER } from '../../trust/reach.js'

const rank = (s: StatementReach): number => SCOPE_ORDER.indexOf(s.reach.scope)
const label = (s: StatementReach): string => (s.statement.sid === undefined ? `statement ${s.statement.index}` : `statement ${s.statement.index} (${s.statement.sid})`)

/** What one statement admits by itself, as the trust analyzer says. */
function admits(s: StatementReach): Record<string, unknown> {
  const r = s.reach
  return {
    statement: s.statement.index,
    ...(s.statement.sid === undefined ? {} : { sid: s.statement.sid }),
    issuer: r.host,
    scope: r.scope,
    ...(r.namespaces.length > 0 ? { namespaces: r.namespaces } : {}),
    ...(r.anyNamespaceNames.length > 0 ? { anyNamespaceNames: r.anyNamespaceNames } : {}),
    ...(r.patterns.length > 0 ? { patterns: r.patterns } : {}),
    subjects: r.exactSubs.filter((e) => e.admitted).map((e) => `system:serviceaccount:${e.namespace}:${e.name}`),
    admittedServiceAccounts: cap(r.admitted.map(saName)),
  }
}

/**
 * Statements that make the union of a trust's web-identity statements broader than its narrowest
 * one: a wider scope than the narrowest statement, or an issuer the narrowest statements do not name.
 */
function broadening(role: RoleNode): { narrowest: StatementReach[]; wider: StatementReach[]; otherIssuer: StatementReach[] } | undefined {
  const live = role.statementReach.filter((s) => s.reach.scope !== 'NONE')
  if (live.length < 2) return undefined
  const min = Math.min(...live.map(rank))
  const narrowest = live.filter((s) => rank(s) === min)
  const hosts = new Set(narrowest.map((s) => s.reach.host))
  const wider = live.filter((s) => rank(s) > min)
  const otherIssuer = live.filter((s) => rank(s) === min && !hosts.has(s.reach.host))
  // Statements of the narrowest scope on other issuers: only broadening when the narrowest share one issuer.
  return { narrowest, wider, otherIssuer: hosts.size === 1 ? otherIssuer : [] }
}

export const r06: Rule = {
  meta: {
    ref: 'R06',
    id: 'IRSA-TRUST-006',
    title: 'Role trusted by several clusters or issuers',
    severity: 'medium',
    layer: 'IAM',
    rationale: 'A role trusted by several issuers is one identity shared across clusters; blue/green upgrades leave old issuers trusted, and the same namespace/name in any of them obtains the role. A statement broader than its neighbours silently widens a trust that reads as pinned.',
    remediation: 'Use one role per cluster (or per environment), remove issuers of retired clusters from the trust policy, and delete (or narrow) trust statements broader than the exact subjects the role is meant for.',
    mappings: { nhi: ['NHI8', 'NHI9'], csf: ['PR.IR-01', 'PR.AA-05'], zt: ['ZT3'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const role of graph.roles) {
      const b = broadening(role)
      const hosts = [...new Set(role.oidcStatements.flatMap((s) => s.providers.map((p) => p.host)))].sort()
      if (hosts.length >= 2) {
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
          evidence: { issuers: hosts, clusters, environments: [...envs], ...(b === undefined || b.otherIssuer.length === 0 ? {} : { broadeningStatements: b.otherIssuer.map(admits) }) },
          key: `${role.obj.arn}|${hosts.join(',')}`,
        })
      }
      // A statement wider than the narrowest: the union admits more than the pinned statement says.
      if (b === undefined || b.wider.length === 0) continue
      const wider = [...b.wider, ...b.otherIssuer]
      out.push({
        severity: 'medium',
        message: `${role.obj.arn} trust is broader than its narrowest statement: ${b.narrowest.map(label).join(', ')} admit${b.narrowest.length === 1 ? 's' : ''} ${b.narrowest[0]?.reach.scope === 'EXACT' ? 'only listed subjects' : `scope ${b.narrowest[0]?.reach.scope ?? ''}`}, but ${wider.map((s) => `${label(s)} admits ${s.reach.scope === 'EXACT' ? 'subjects' : `scope ${s.reach.scope}`} on ${s.reach.host}`).join('; ')}.`,
        resources: [roleRef(role)],
        evidence: { narrowest: b.narrowest.map(admits), broadening: wider.map(admits) },
        key: `${role.obj.arn}|union|${wider.map((s) => s.statement.index).join(',')}`,
      })
    }
    return out
  },
}
