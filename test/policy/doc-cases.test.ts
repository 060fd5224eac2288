/**
 * Replays the documentation-derived policy corpus in test/policy/cases/*.json through the engine's
 * case contract (`runCase`). Every case states the decision AWS's documentation gives and where it
 * says so (`ref`); a failure names the file and the case.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCase } from '../../src/policy/case.js'

type Expected = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny'

interface CorpusCase {
  readonly name: string
  readonly request: Record<string, unknown>
  readonly policies?: Record<string, unknown>
  readonly expected?: Expected
  readonly expectError?: boolean
  readonly ref: string
  readonly note?: string
}

const casesDir = join(dirname(fileURLToPath(import.meta.url)), 'cases')
const files = readdirSync(casesDir)
  .filter((f) => f.endsWith('.json'))
  .sort()

const suites: Array<[string, CorpusCase[]]> = files.map((file) => {
  const parsed: unknown = JSON.parse(readFileSync(join(casesDir, file), 'utf8'))
  if (!Array.isArray(parsed)) throw new Error(`${file}: expected a JSON array of cases`)
  return [file, parsed as CorpusCase[]]
})

describe('doc-derived policy corpus', () => {
  it('has case files', () => {
    expect(files.length).toBeGreaterThan(0)
  })

  it('has globally unique case names', () => {
    const seen = new Map<string, string>()
    const duplicates: string[] = []
    for (const [file, cases] of suites) {
      for (const c of cases) {
        const earlier = seen.get(c.name)
        if (earlier !== undefined) duplicates.push(`${c.name} (${earlier} and ${file})`)
        else seen.set(c.name, file)
      }
    }
    expect(duplicates).toEqual([])
  })

  it('gives every case a name, a ref and exactly one expectation', () => {
    const bad: string[] = []
    for (const [file, cases] of suites) {
      for (const c of cases) {
        const hasName = typeof c.name === 'string' && c.name.length > 0
        const hasRef = typeof c.ref === 'string' && c.ref.trim().length > 0
        const hasDecision = c.expected === 'Allow' || c.expected === 'ExplicitDeny' || c.expected === 'ImplicitDeny'
        const hasError = c.expectError === true
        if (!hasName || !hasRef || hasDecision === hasError) bad.push(`${file}: ${String(c.name)}`)
      }
    }
    expect(bad).toEqual([])
  })
})

describe.each(suites)('%s', (_file, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = runCase(c)
    if (c.expectError === true) {
      expect(result, `expected an error (ref: ${c.ref})`).toHaveProperty('error')
      return
    }
    if ('error' in result) {
      expect.fail(`engine error: ${result.error} (expected ${String(c.expected)}; ref: ${c.ref})`)
    }
    expect(result.decision, `reason: ${result.reason}; ref: ${c.ref}${c.note ? `; note: ${c.note}` : ''}`).toBe(c.expected)
  })
})
