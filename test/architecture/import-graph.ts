// Reads every import under a source directory (static, type-only, `export … from`, dynamic
// `import()` and `require`) with the TypeScript scanner, and checks the graph of top-level folders
// against the layers declared in layers.json.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, normalize, relative, sep } from 'node:path'
import ts from 'typescript'

export interface Layers {
  readonly layers: readonly { readonly name: string; readonly nodes: readonly string[] }[]
}

/** One import that crosses from one node (top-level folder, or file directly in src/) to another. */
export interface Edge {
  readonly from: string
  readonly to: string
  /** `src/iam/actions/roles.ts:4` */
  readonly at: string
  readonly specifier: string
}

export function readLayers(file: string): Layers {
  return JSON.parse(readFileSync(file, 'utf8')) as Layers
}

/** `iam` for src/iam/actions/roles.ts, `errors.ts` for src/errors.ts. */
export function nodeOf(srcDir: string, file: string): string {
  const parts = relative(srcDir, file).split(sep)
  return parts[0] as string
}

export function sourceFiles(srcDir: string): string[] {
  return readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|mts|cts)$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => join(srcDir, f))
    .sort()
}

/** Resolve a relative specifier as NodeNext does for our sources (`./x.js` is `./x.ts`). */
function resolveSpecifier(file: string, specifier: string): string {
  const target = normalize(join(dirname(file), specifier))
  const ts = target.replace(/\.(m|c)?js$/, '.$1ts')
  return existsSync(ts) ? ts : target
}

/** Every import between different nodes, and every relative import that leaves srcDir. */
export function crossImports(srcDir: string): { edges: Edge[]; escapes: Edge[] } {
  const edges: Edge[] = []
  const escapes: Edge[] = []
  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(file, 'utf8')
    const from = nodeOf(srcDir, file)
    for (const imp of ts.preProcessFile(text, true, true).importedFiles) {
      if (!imp.fileName.startsWith('.')) continue
      const target = resolveSpecifier(file, imp.fileName)
      const line = text.slice(0, imp.pos).split('\n').length
      const at = `${relative(join(srcDir, '..'), file).split(sep).join('/')}:${line}`
      if (relative(srcDir, target).startsWith('..')) {
        escapes.push({ from, to: target, at, specifier: imp.fileName })
        continue
      }
      const to = nodeOf(srcDir, target)
      if (to !== from) edges.push({ from, to, at, specifier: imp.fileName })
    }
  }
  return { edges, escapes }
}

/** Strongly connected components with more than one node (Tarjan): each is an import cycle. */
export function cycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, Set<string>>()
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, new Set())
    next.get(e.from)?.add(e.to)
    if (!next.has(e.to)) next.set(e.to, new Set())
  }
  let counter = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const out: string[][] = []
  const visit = (v: string): void => {
    index.set(v, counter)
    low.set(v, counter++)
    stack.push(v)
    onStack.add(v)
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number))
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = []
      let w: string | undefined
      do {
        w = stack.pop() as string
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1) out.push(component.sort())
    }
  }
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v)
  return out
}

/** Edges that do not point to a strictly lower layer, and nodes the layers do not place. */
export function layerViolations(edges: readonly Edge[], nodes: Iterable<string>, layers: Layers): string[] {
  const rank = new Map<string, number>()
  layers.layers.forEach((l, i) => l.nodes.forEach((n) => rank.set(n, i)))
  const problems: string[] = []
  for (const n of nodes) if (!rank.has(n)) problems.push(`src/${n} is not placed in any layer of layers.json`)
  for (const e of edges) {
    const a = rank.get(e.from)
    const b = rank.get(e.to)
    if (a === undefined || b === undefined || b < a) continue
    const where = b === a ? `a peer in layer "${layers.layers[a]?.name}"` : `layer "${layers.layers[b]?.name}", above "${layers.layers[a]?.name}"`
    problems.push(`${e.at}: ${e.from} imports ${e.to} (${where}) via '${e.specifier}'`)
  }
  return problems
}
