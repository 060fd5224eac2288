/** The cytoscape browser bundle, read once from node_modules (served at /ui/assets/, inlined in reports). */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

let cached: string | undefined

export function cytoscapeBundle(): string {
  cached ??= readFileSync(createRequire(import.meta.url).resolve('cytoscape/dist/cytoscape.min.js'), 'utf8')
  return cached
}
