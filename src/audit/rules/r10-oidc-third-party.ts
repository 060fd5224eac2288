import type { FindingDraft, Rule, Severity } from '../finding.js'
import { issuerClass } from '../lib/trust-doc.js'

export const r10: Rule = {
  meta: {
    ref: 'R10',
    id: 'IRSA-OIDC-002',
    title: 'Third-party, multi-tenant or self-hosted issuer trusted',
    severity: 'info',
    layer: 'IAM',
    rationale: 'Non-EKS issuers carry other risks: multi-tenant CI issuers sign tokens for anyone, self-hosted discovery documents on S3 or CloudFront can be taken over when the bucket is deleted, vendor issuers are third-party NHIs to inventory.',
    remediation: 'For multi-tenant issuers, require exact sub conditions; for self-hosted issuers, verify bucket ownership and protect it from deletion; keep vendor issuers in the third-party inventory.',
    mappings: { nhi: ['NHI3', 'NHI6'], csf: ['ID.AM-04', 'PR.AA-04'], zt: ['ZT6'] },
  },
  check({ graph }) {
    const out: FindingDraft[] = []
    const hosts = new Map<string, { arn: string; roles: Set<string> }>()
    for (const p of graph.inventory.iam.providers ?? []) hosts.set(p.host, { arn: p.arn, roles: new Set() })
    for (const r of graph.roles) for (const s of r.oidcStatements) for (const p of s.providers) {
      if (issuerClass(p.host) === 'eks') continue
      const e = hosts.get(p.host) ?? { arn: p.arn, roles: new Set<string>() }
      e.roles.add(r.obj.arn)
      hosts.set(p.host, e)
    }
    for (const [host, entry] of hosts) {
      const cls = issuerClass(host)
      if (cls === 'eks') continue
      const e = { arn: entry.arn, roles: [...entry.roles] }
      const sev: Severity = cls === 'self-hosted' ? 'medium' : cls === 'multi-tenant' ? 'low' : 'info'
      out.push({
        severity: sev,
        message: `${cls === 'multi-tenant' ? 'Multi-tenant CI' : cls === 'self-hosted' ? 'Self-hosted (S3/CloudFront)' : 'Third-party'} issuer ${host} is trusted${e.roles.length > 0 ? ` by ${e.roles.length} role(s)` : ''}.`,
        resources: [{ kind: 'OIDCProvider', arn: e.arn, name: host }],
        evidence: { issuer: host, class: cls, roles: e.roles },
        key: host,
      })
    }
    return out
  },
}
