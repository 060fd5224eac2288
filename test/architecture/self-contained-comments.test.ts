// Comments in src/ must stand on their own: they say what the code relies on (an AWS behaviour, a
// public AWS or OpenID document), never point into design notes that are not in this repository
// (`specs/…`, `../shared`, `sts.md §2.2`, `spec §5`). docs/ pages of this repository are fine.
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const SRC = join(ROOT, 'src')

/** What counts as pointing outside the repository, each with the reason a reader gets. */
const OUTSIDE: readonly { readonly pattern: RegExp; readonly what: string }[] = [
  { pattern: /\bspecs\//, what: 'a specs/ path' },
  { pattern: /\.\.\/shared\b|\bshared\/specs\b/, what: 'the ../shared folder' },
  { pattern: /§/, what: 'a § section reference' },
  {
    pattern: /(?<![\w/-])(?:sts|policy|audit|pod-identity-webhook|conventions|gateway|incident-response|design)\.md\b/,
    what: 'a design document outside docs/',
  },
]

/**
 * Files another change is rewriting (their headers still cite the design notes). Each must still hold
 * such a reference: once it no longer does, this test fails until its entry is removed here, so the
 * list only shrinks.
 */
const PENDING_REWRITE = new Set<string>([])

function references(text: string): string[] {
  const out: string[] = []
  text.split('\n').forEach((line, i) => {
    for (const o of OUTSIDE) if (o.pattern.test(line)) out.push(`${i + 1}: ${o.what}: ${line.trim()}`)
  })
  return out
}

const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter((f) => /\.[cm]?ts$/.test(f))
  .map((f) => join(SRC, f))
  .sort()

describe('comments in src/ stand on their own', () => {
  it('recognises the references it bans, and not docs/ pages or ordinary text', () => {
    expect(references('// see specs/sts.md §2.2')).toHaveLength(2)
    expect(references(' * (spec §5 `tier`)')).toHaveLength(1)
    expect(references("const SCHEMA = '../../../shared/schemas/x.json'")).toHaveLength(1)
    expect(references(' * the header form (sts.md, 4.2)')).toHaveLength(1)
    expect(references(' * (see docs/gateway.md and docs/policy-semantics.md)')).toEqual([])
    expect(references(" readonly path: '/spec/containers/0'")).toEqual([])
  })

  it('reads every source file', () => {
    expect(files.length).toBeGreaterThan(250)
  })

  it('no file under src/ cites specs/, ../shared or a § section', () => {
    const found = files
      .map((f) => relative(ROOT, f))
      .filter((f) => !PENDING_REWRITE.has(f))
      .flatMap((f) => references(readFileSync(join(ROOT, f), 'utf8')).map((r) => `${f}:${r}`))
    expect(found).toEqual([])
  })

  it('the files being rewritten elsewhere are still pending (remove an entry once its file is clean)', () => {
    const clean = [...PENDING_REWRITE].filter((f) => references(readFileSync(join(ROOT, f), 'utf8')).length === 0)
    expect(clean).toEqual([])
  })
})
