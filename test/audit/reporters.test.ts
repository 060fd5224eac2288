import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ajvDraft04 from 'ajv-draft-04'
import ajvFormats from 'ajv-formats'
import { describe, expect, it } from 'vitest'
import { renderHtml } from '../../src/ui/report.js'
import { auditReportView } from '../../src/ui/report-view.js'
import { renderJson } from '../../src/audit/reporters/json.js'
import { renderSarif } from '../../src/audit/reporters/sarif.js'
import { renderText } from '../../src/audit/reporters/text.js'
import { auditEstate } from './helpers.js'

/** The official SARIF 2.1.0 schema, from the shared folder beside this repository (as CI lays it out). */
const SCHEMA_PATH = fileURLToPath(new URL('../../../shared/schemas/sarif-schema-2.1.0.json', import.meta.url))
const meta = { version: '0.1.0', generatedAt: '2025-06-01T00:00:00.000Z' }

/** Full validation against the official schema (draft-04) with ajv; formats checked too. */
function schemaValidator(): (doc: unknown) => string[] {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>
  // Both packages are CommonJS with a `default` export: NodeNext sees the module object.
  const Ajv04 = ajvDraft04.default
  const addFormats = ajvFormats.default
  const ajv = new Ajv04({ allErrors: true, strict: false })
  addFormats(ajv)
  const validate = ajv.compile(schema)
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`))
}

describe('reporters', () => {
  it('SARIF 2.1.0: key structure by hand, and the official schema when a validator is available', async () => {
    const { result } = await auditEstate()
    const doc = JSON.parse(renderSarif(result, meta)) as {
      version: string
      runs: { tool: { driver: { name: string; rules: { id: string; properties: Record<string, unknown>; defaultConfiguration: { level: string } }[] } }; results: { ruleId: string; ruleIndex: number; level: string; message: { text: string }; locations: { logicalLocations: { fullyQualifiedName: string }[] }[]; partialFingerprints: Record<string, string> }[] }[]
    }
    expect(doc.version).toBe('2.1.0')
    expect(doc.runs).toHaveLength(1)
    const run = doc.runs[0]!
    expect(run.tool.driver.rules).toHaveLength(36)
    for (const r of run.tool.driver.rules) {
      expect(r.properties['security-severity']).toMatch(/^\d+\.\d$/)
      expect(['error', 'warning', 'note']).toContain(r.defaultConfiguration.level)
    }
    expect(run.results.length).toBe(result.findings.length)
    for (const r of run.results) {
      expect(run.tool.driver.rules[r.ruleIndex]?.id).toBe(r.ruleId)
      expect(['error', 'warning', 'note']).toContain(r.level)
      expect(r.message.text.length).toBeGreaterThan(0)
      expect(r.locations[0]?.logicalLocations.length).toBeGreaterThan(0)
      expect(r.partialFingerprints['irsaAudit/v1']).toMatch(/^[0-9a-f]{64}$/)
    }
    const critical = run.results.find((r) => r.ruleId === 'IRSA-PERM-001')
    expect(critical?.level).toBe('error')
    const validate = schemaValidator()
    expect(validate(doc)).toEqual([])
    // The validator is live: a broken document is refused.
    expect(validate({ ...doc, version: '2.0.0' }).length).toBeGreaterThan(0)
  })

  it('JSON: versioned schema, rule id, severity and resources by ARN and namespace/name', async () => {
    const { result } = await auditEstate()
    const doc = JSON.parse(renderJson(result, meta)) as { schema: string; findings: { ruleId: string; ref: string; severity: string; resources: { arn?: string; namespace?: string; name: string }[]; fingerprint: string }[]; summary: { bySeverity: Record<string, number> } }
    expect(doc.schema).toBe('irsa-audit/v1')
    expect(doc.findings.length).toBe(result.findings.length)
    const ghost = doc.findings.find((f) => f.ruleId === 'IRSA-LIFE-002')
    expect(ghost?.ref).toBe('R18')
    expect(ghost?.resources[0]).toMatchObject({ kind: 'ServiceAccount', namespace: 'web', name: 'ghost' })
    expect(ghost?.resources[1]?.arn).toBe('arn:aws:iam::111122223333:role/does-not-exist')
    expect(doc.summary.bySeverity.critical).toBe(2)
  })

  it('HTML: one self-contained file with findings and the graph, no network', async () => {
    const { result, graph } = await auditEstate()
    const html = renderHtml(auditReportView(result, graph, meta.generatedAt), meta)
    // The graph is drawn by cytoscape, inlined (its licence comments name URLs; nothing loads them).
    expect(html).toContain('<div id="graph"')
    expect(html).toContain('<script type="application/json" id="graph-data">')
    expect(html).toContain('IRSA-PERM-001')
    expect(html).not.toMatch(/<script[^>]*src=|<link[^>]*href=|@import|src="http/i)
    const withoutLibrary = html.replace(/<script id="cytoscape-lib">[\s\S]*?<\/script>/, '')
    expect(withoutLibrary.length).toBeLessThan(html.length - 100_000)
    expect(withoutLibrary).not.toMatch(/url\(/i)
    expect(withoutLibrary).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/)
  })

  it('text: grouped by severity, colour only when asked', async () => {
    const { result } = await auditEstate()
    const plain = renderText(result, { color: false })
    expect(plain.indexOf('CRITICAL (2)')).toBeLessThan(plain.indexOf('HIGH ('))
    expect(plain).not.toContain('\x1b[')
    expect(renderText(result, { color: true })).toContain('\x1b[')
  })
})
