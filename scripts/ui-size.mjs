#!/usr/bin/env node
// Prints the dashboard's asset sizes (raw and gzip) and the first-load weight of its heaviest page
// (the trust graph), plus the size of an audit HTML report for the test estate. Reads dist/: run
// after `npm run build`. Exit 1 when dist/ is missing.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { gzipSync } from 'node:zlib'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
if (!existsSync(join(dist, 'ui', 'layout.js'))) {
  console.error('ui-size: dist/ui is missing; run `npm run build` first')
  process.exit(1)
}
const load = (p) => import(join(dist, p))
const { APP_JS } = await load('ui/assets/app-js.js')
const { APP_CSS } = await load('ui/assets/app-css.js')
const { cytoscapeBundle } = await load('ui/assets/cytoscape.js')
const { serverPage } = await load('ui/layout.js')

const kb = (n) => `${(n / 1024).toFixed(1).padStart(7)} KiB`
const row = (name, text) => {
  const raw = Buffer.byteLength(text)
  const gz = gzipSync(text).length
  console.log(`${name.padEnd(28)} ${kb(raw)}   gzip ${kb(gz)}`)
  return { raw, gz }
}

console.log('irsa dashboard assets')
const js = row('/ui/assets/app.js', APP_JS)
const css = row('/ui/assets/app.css', APP_CSS)
const cy = row('/ui/assets/cytoscape.min.js', cytoscapeBundle())
const shell = row('page shell (no data)', serverPage({ title: 'Trust graph', active: 'graph', body: '', graph: true }))
const total = { raw: js.raw + css.raw + cy.raw + shell.raw, gz: js.gz + css.gz + cy.gz + shell.gz }
console.log(`${'trust graph first load'.padEnd(28)} ${kb(total.raw)}   gzip ${kb(total.gz)}`)

const estate = join(root, 'test', 'audit', 'fixtures', 'estate')
if (existsSync(estate)) {
  const { loadFiles } = await load('audit/load/files.js')
  const { buildGraph } = await load('audit/graph.js')
  const { runAudit } = await load('audit/audit.js')
  const { renderHtml } = await load('ui/report.js')
  const { auditReportView } = await load('ui/report-view.js')
  const inv = await loadFiles({
    kubernetes: [join(estate, 'k8s')],
    iam: [join(estate, 'aws/authorization-details.json')],
    eksClusters: [join(estate, 'aws/eks-cluster.json')],
    oidcProviders: [join(estate, 'aws/oidc-providers.json')],
  })
  const graph = buildGraph(inv)
  const result = runAudit(graph, { now: new Date('2025-06-01T00:00:00Z') })
  row(`audit report (${result.findings.length} findings)`, renderHtml(auditReportView(result, graph, '2025-06-01T00:00:00.000Z'), { version: 'size', generatedAt: '2025-06-01T00:00:00.000Z' }))
}
