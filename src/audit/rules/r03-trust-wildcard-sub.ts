import type { FindingDraft, Rule, Severity } from '../finding.js'
import { escalateByTier } from '../finding.js'
import { cap } from '../lib/evidence-cap.js'
import type { SingleApplication } from '../lib/single-app-namespace.js'
import { SINGLE_APP_LABEL, singleApplication } from '../lib/single-app-namespace.js'
import { roleRef, saName } from '../refs.js'

export const r03: Rule = {
  meta: {
    ref: 'R03',
    id: 'IRSA-TRUST-003',
    title: 'Wildcard sub admits more than one workload',
    severity: 'high',
    layer: 'IAM',
    rationale: 'A StringLike sub with * or ? admits every service account the pattern matches, including ones created later: the whole cluster, a name in every namespace (*:default), or a whole namespace.',
    remediation: 'Replace the pattern with StringEquals on the exact subjects (system:serviceaccount:<namespace>:<name>), one role per application.',
    mappings: { nhi: ['NHI6', 'NHI5'], csf: ['PR.AA-05', 'PR.AA-02'], zt: ['ZT3'] },
    bindingEffect: 'over-broad',
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    for (const role of graph.roles) {
      for (const r of role.reach) {
        let base: Severity
        let what: string
        let singleApp: SingleApplication[] | undefined
        if (r.scope === 'CLUSTER' && r.positiveSub) {
          base = 'high'
          what = 'any service account in any namespace'
        } else if (r.scope === 'ANYNS') {
          base = 'high'
          what = `${r.anyNamespaceNames.map((n) => `"${n}"`).join(', ')} in every namespace`
        } else if (r.scope === 'NS') {
          // A namespace that holds one application only: the wildcard admits that application's identities (and future ones there).
          const cluster = r.cluster
          const single = cluster === undefined ? [] : r.namespaces.map((ns) => singleApplication(graph, cluster.name, ns))
          singleApp = single.length > 0 && single.every((x) => x !== undefined) ? (single as SingleApplication[]) : undefined
          base = singleApp === undefined ? 'medium' : 'low'
          what = `any service account in namespace${r.namespaces.length === 1 ? '' : 's'} ${r.namespaces.join(', ')}${singleApp === undefined ? '' : ` (single-application: ${singleApp.map((x) => `${x.namespace} holds ${x.application ?? 'one application'}${x.basis === 'label' ? ` (labelled ${SINGLE_APP_LABEL})` : ''}`).join(', ')})`}`
        } else if (r.scope === 'PATTERN') {
          base = 'medium'
          what = `subjects nobody listed that match ${r.patterns.join(', ')}`
        } else continue
        out.push({
          severity: escalateByTier(base, role.perms.tier),
          message: `${role.obj.arn} trust on ${r.host} uses a wildcard sub (${r.wildcardSubs.join(', ') || 'pattern'}) that admits ${what}; ${r.admitted.length} existing service account(s) match.`,
          resources: [roleRef(role)],
          evidence: {
            issuer: r.host,
            scope: r.scope,
            patterns: r.wildcardSubs,
            namespaces: r.namespaces,
            anyNamespaceNames: r.anyNamespaceNames,
            admittingPatterns: r.patterns,
            matchingServiceAccounts: cap(r.admitted.map(saName)),
            matchingCount: r.admitted.length,
            statements: r.admittingStatements.map((s) => s.index),
            tier: role.perms.tier,
            ...(singleApp === undefined ? {} : { singleApplication: singleApp }),
          },
          key: `${role.obj.arn}|${r.host}|${r.scope}`,
        })
      }
    }
    return out
  },
}
