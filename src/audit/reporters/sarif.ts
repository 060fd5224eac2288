/**
 * SARIF 2.1.0 (OASIS). Rules carry `properties.security-severity` (9.0/7.0/4.0/2.0/0.0) and
 * framework tags; results point at the input file when known and at a logical location (IAM ARN
 * or `k8s://cluster/namespace/Kind/name`) always. Suppressed findings carry `suppressions`;
 * baseline state is `unchanged` for baselined findings and `new` otherwise.
 */
import type { AuditResult } from '../audit.js'
import type { Finding, ResourceRef, RuleMeta, Severity } from '../finding.js'

const LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' }
const SCORE: Readonly<Record<Severity, string>> = { critical: '9.0', high: '7.0', medium: '4.0', low: '2.0', info: '0.0' }

function logicalName(r: ResourceRef): string {
  if (r.arn !== undefined) return r.arn
  return `k8s://${r.cluster ?? 'default'}/${r.namespace === undefined ? '' : `${r.namespace}/`}${r.kind}/${r.name}`
}

function fileUri(path: string): string {
  return path.split('/').map((s) => encodeURIComponent(s)).join('/')
}

function rule(m: RuleMeta): Record<string, unknown> {
  return {
    id: m.id,
    name: m.title.replace(/[^A-Za-z0-9]+(.)?/g, (_x: string, c: string | undefined) => (c ?? '').toUpperCase()).replace(/^./, (c) => c.toUpperCase()),
    shortDescription: { text: m.title },
    fullDescription: { text: m.rationale },
    help: { text: m.remediation, markdown: `**Remediation:** ${m.remediation}\n\nCatalogue ${m.ref}. OWASP NHI: ${m.mappings.nhi.join(', ')}; NIST CSF 2.0: ${m.mappings.csf.join(', ')}; SP 800-207: ${m.mappings.zt.join(', ')}.` },
    defaultConfiguration: { level: LEVEL[m.severity] },
    properties: {
      'security-severity': SCORE[m.severity],
      precision: 'high',
      tags: ['security', m.ref, ...m.mappings.nhi, ...m.mappings.csf, ...m.mappings.zt],
    },
  }
}

function result(f: Finding, ruleIndex: number): Record<string, unknown> {
  const withFile = f.resources.find((r) => r.file !== undefined && !r.file.startsWith('('))
  const location: Record<string, unknown> = {
    logicalLocations: f.resources.slice(0, 10).map((r) => ({ fullyQualifiedName: logicalName(r), name: r.name, kind: 'resource' })),
  }
  if (withFile?.file !== undefined) location.physicalLocation = { artifactLocation: { uri: fileUri(withFile.file) } }
  const out: Record<string, unknown> = {
    ruleId: f.ruleId,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [location],
    partialFingerprints: { 'irsaAudit/v1': f.fingerprint },
    baselineState: f.baseline === true ? 'unchanged' : 'new',
    properties: { severity: f.severity, 'security-severity': SCORE[f.severity], resources: f.resources, evidence: f.evidence },
  }
  if (f.suppressed !== undefined) out.suppressions = [{ kind: 'external', status: 'accepted', justification: `${f.suppressed.reason} (expires ${f.suppressed.expires})` }]
  return out
}

export function renderSarif(res: AuditResult, meta: { version: string }): string {
  const rules = res.rules
  const index = new Map(rules.map((r, i) => [r.id, i]))
  const doc = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'irsa-audit', version: meta.version, semanticVersion: meta.version, informationUri: 'https://github.com/irsa/irsa', rules: rules.map(rule) } },
        results: res.findings.map((f) => result(f, index.get(f.ruleId) ?? -1)),
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: res.warnings.slice(0, 1000).map((w) => ({
              level: 'warning',
              message: { text: `${w.file}${w.object === undefined ? '' : ` (${w.object})`}: ${w.message}` },
            })),
          },
        ],
      },
    ],
  }
  return `${JSON.stringify(doc, null, 2)}\n`
}
