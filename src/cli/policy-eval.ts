/**
 * `irsa policy eval`: JSON Lines in (stdin or --cases FILE), one decision line out per input line,
 * in order. A malformed line yields `{"name": …, "error": "…"}` and the run goes on.
 */
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import type { CompiledPolicy } from '../policy/compile.js'
import { runCase } from '../policy/case.js'
import type { CaseResult } from '../policy/case.js'

export interface PolicyEvalOptions {
  readonly format: 'json' | 'text'
  /** Also print the deciding statements and explanation (json always carries them). */
  readonly explain?: boolean
}

export interface PolicyEvalSummary {
  readonly cases: number
  readonly errors: number
  readonly outcomes: Readonly<Record<string, number>>
}

export async function policyEvalCommand(input: Readable, output: Writable, options: PolicyEvalOptions): Promise<PolicyEvalSummary> {
  const lines = createInterface({ input, crlfDelay: Infinity })
  const cache = new Map<string, CompiledPolicy>()
  const outcomes: Record<string, number> = {}
  let cases = 0
  let errors = 0
  let buffered = ''
  const flush = async (): Promise<void> => {
    if (buffered === '') return
    const chunk = buffered
    buffered = ''
    if (!output.write(chunk)) await new Promise<void>((resolve) => output.once('drain', resolve))
  }
  for await (const line of lines) {
    if (line.trim() === '') continue
    cases++
    const result = evalLine(line, cache)
    if ('error' in result) errors++
    else outcomes[result.decision] = (outcomes[result.decision] ?? 0) + 1
    buffered += format(result, options) + '\n'
    if (buffered.length > 64 * 1024) await flush()
  }
  await flush()
  return { cases, errors, outcomes }
}

function evalLine(line: string, cache: Map<string, CompiledPolicy>): CaseResult {
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch (e) {
    return { name: null, error: `line is not valid JSON: ${(e as Error).message}` }
  }
  return runCase(parsed, cache)
}

function format(r: CaseResult, o: PolicyEvalOptions): string {
  if (o.format === 'json') return JSON.stringify({ ...r, name: r.name ?? null })
  const name = typeof r.name === 'string' ? r.name : JSON.stringify(r.name ?? null)
  if ('error' in r) return `${name}\terror\t${r.error}`
  const head = `${name}\t${r.decision}\t${r.reason}`
  if (!o.explain) return head
  const by = r.statements.map((s) => `${s.policy}#${s.sid ?? s.index} (${s.effect})`).join(', ')
  return `${head}\t${r.explanation}${by ? ` Statements: ${by}.` : ''}`
}
