// The layering of src/ (layers.json, docs/architecture.md) checked on every import, type-only and
// dynamic ones included, so the rule cannot rot: no cycle between top-level folders, server/ only
// under cli/, nothing imports cli/, the policy engine imports nothing else from src, and every
// import points to a lower layer.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { crossImports, cycles, layerViolations, readLayers, sourceFiles, nodeOf } from './import-graph.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const SRC = join(ROOT, 'src')
const layers = readLayers(join(ROOT, 'layers.json'))
const { edges, escapes } = crossImports(SRC)
const nodes = new Set(sourceFiles(SRC).map((f) => nodeOf(SRC, f)))
const layerOf = (node: string): string | undefined => layers.layers.find((l) => l.nodes.includes(node))?.name
const show = (list: readonly { at: string; specifier: string; from: string; to: string }[]): string[] => list.map((e) => `${e.at}: ${e.from} → ${e.to} ('${e.specifier}')`)

describe('import layering of src/', () => {
  it('reads a real graph', () => {
    // Guards against a scanner that silently finds nothing (every check below would then pass).
    expect(edges.length).toBeGreaterThan(300)
    expect(edges.some((e) => e.from === 'server' && e.to === 'core')).toBe(true)
  })

  it('has no cycle between top-level folders', () => {
    const found = cycles(edges).map((c) => ({ cycle: c, via: show(edges.filter((e) => c.includes(e.from) && c.includes(e.to))) }))
    expect(found).toEqual([])
  })

  it('imports server/ only from server/ and cli/', () => {
    expect(show(edges.filter((e) => e.to === 'server' && e.from !== 'cli'))).toEqual([])
  })

  it('imports cli/ from nowhere else', () => {
    expect(show(edges.filter((e) => e.to === 'cli'))).toEqual([])
  })

  it('keeps the policy engine free of the rest of src (errors.ts only)', () => {
    expect(show(edges.filter((e) => e.from === 'policy' && e.to !== 'errors.ts'))).toEqual([])
  })

  it('points every import at a lower layer of layers.json, and places every folder', () => {
    expect(layerViolations(edges, nodes, layers)).toEqual([])
  })

  it('never reaches outside src/ with a relative import', () => {
    expect(show(escapes)).toEqual([])
  })

  it('catches a cycle and an upward import, including type-only and dynamic imports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'irsa-layers-'))
    try {
      const file = (path: string, text: string): void => {
        mkdirSync(dirname(join(dir, path)), { recursive: true })
        writeFileSync(join(dir, path), text)
      }
      file('core/runtime.ts', "import type { Route } from '../server/route.js'\nexport type Runtime = Route\n")
      file('server/route.ts', "export type Route = string\nexport const load = () => import('../core/runtime.js')\n")
      file('policy/x.ts', "export { y } from '../store/y.js'\n")
      file('store/y.ts', 'export const y = 1\n')
      const g = crossImports(dir)
      expect(cycles(g.edges)).toEqual([['core', 'server']])
      expect(layerViolations(g.edges, ['core', 'server', 'policy', 'store', 'stray'], layers)).toEqual([
        'src/stray is not placed in any layer of layers.json',
        `${dir.split('/').pop()}/core/runtime.ts:1: core imports server (layer "${layerOf('server')}", above "${layerOf('core')}") via '../server/route.js'`,
        `${dir.split('/').pop()}/policy/x.ts:1: policy imports store (layer "${layerOf('store')}", above "${layerOf('policy')}") via '../store/y.js'`,
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
