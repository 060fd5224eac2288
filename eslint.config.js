// Lint: typescript-eslint's type-aware recommended rules over src, test and bench.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'
import { readFileSync } from 'node:fs'

// Layering (docs/architecture.md): each top-level folder of src/ (and each file directly in it) may
// import only from the layers below its own in layers.json. One no-restricted-imports block per
// folder names what it may not reach; test/architecture/imports.test.ts checks the same table on
// every import, dynamic ones included, and fails on any cycle.
const { layers } = JSON.parse(readFileSync(new URL('./layers.json', import.meta.url), 'utf8'))
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const WHY = {
  server: 'server/ is the HTTP edge: only cli/ may import it. Move what you need into core/ or the service folder.',
  cli: 'cli/ is the top: nothing imports it.',
}
/** no-restricted-imports patterns forbidding `node`'s imports of every peer and higher layer. */
function layerPatterns(node) {
  const own = layers.findIndex((l) => l.nodes.includes(node))
  const isFile = node.endsWith('.ts')
  return layers.slice(own).flatMap((l) =>
    l.nodes
      .filter((other) => other !== node)
      .map((other) => {
        const target = other.endsWith('.ts') ? `${escape(other.slice(0, -3))}\\.js$` : `${escape(other)}/`
        return {
          regex: isFile ? `^\\./${target}` : `^(\\.\\./)+${target}`,
          message: WHY[other] ?? `src/${node} (layer "${layers[own].name}") may not import src/${other} (layer "${l.name}"): imports point down the layers of layers.json.`,
        }
      }),
  )
}
const filesOf = (node) => (node.endsWith('.ts') ? [`src/${node}`] : [`src/${node}/**/*.ts`])

/** A pure folder: its layer rule plus no I/O imports, no Date.now and no Math.random. */
function pureBlock(node, what) {
  return {
    files: filesOf(node),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:fs*', 'node:net', 'node:http*', 'node:child_process', 'fs', 'http', 'https', 'net'], message: `${what} does no I/O: pass it in.` },
            ...layerPatterns(node),
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Pass the clock in.' },
        { object: 'Math', property: 'random', message: 'Pass randomness in.' },
      ],
    },
  }
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-results/', '.irsa/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "ExportAllDeclaration",
          message: 'Use named exports: export * hides the public surface.',
        },
      ],
      eqeqeq: ['error', 'always'],
    },
  },
  // One block per folder; the pure folders' own blocks below add their I/O ban to the same rule.
  ...layers
    .flatMap((l) => l.nodes)
    .filter((node) => node !== 'policy' && node !== 'gateway')
    .map((node) => ({ files: filesOf(node), rules: { 'no-restricted-imports': ['error', { patterns: layerPatterns(node) }] } })),
  // The pure core never touches the clock, network or disk: those are passed in. The policy engine
  // imports nothing else from src but the error table (errors.ts): every other folder is a peer or above.
  pureBlock('policy', 'The policy engine'),
  // The gateway's request mapping is pure as well: requests, lookups and the IAM catalog are passed in.
  pureBlock('gateway', 'The gateway mapping'),
)
