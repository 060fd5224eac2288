/**
 * Helpers around a generated `PolicyCase`: run it through irsa's engine, walk its statements and
 * condition entries (for classifying disagreements), and print it as a ready-to-paste JSON case.
 */
import { compilePolicy } from '../../src/policy/compile.js'
import type { CompiledPolicy } from '../../src/policy/compile.js'
import { evaluate } from '../../src/policy/evaluate.js'
import type { Decision } from '../../src/policy/decision.js'
import type { CasePolicies, PolicyCase, PolicyDoc, StatementDoc } from './arbitraries.js'
import type { OracleContextValue, OraclePolicies } from './iam-simulate-oracle.js'

export interface OurPolicySet {
  identity?: CompiledPolicy[]
  resource?: CompiledPolicy[]
  boundary?: CompiledPolicy[]
  session?: CompiledPolicy[]
  scp?: CompiledPolicy[][]
  rcp?: CompiledPolicy[][]
}

/** Compile every policy of a case with irsa (throws IrsaError on a document irsa rejects). */
export function compileCase(p: CasePolicies): OurPolicySet {
  const set: OurPolicySet = {}
  if (p.identity) set.identity = p.identity.map((d, i) => compilePolicy(d, { kind: 'identity', name: `identity${i}` }))
  if (p.resource) set.resource = [compilePolicy(p.resource, { kind: p.resourceKind ?? 'resource', name: 'resource' })]
  if (p.boundary) set.boundary = p.boundary.map((d, i) => compilePolicy(d, { kind: 'boundary', name: `boundary${i}` }))
  if (p.session) set.session = [compilePolicy(p.session, { kind: 'session', name: 'session' })]
  if (p.scp) set.scp = p.scp.map((lvl, i) => lvl.map((d, j) => compilePolicy(d, { kind: 'scp', name: `scp${i}.${j}` })))
  if (p.rcp) set.rcp = p.rcp.map((lvl, i) => lvl.map((d, j) => compilePolicy(d, { kind: 'rcp', name: `rcp${i}.${j}` })))
  return set
}

/** irsa's decision for a case; a compile error is reported as its code (a disagreement by itself). */
export function ourDecision(c: PolicyCase): { outcome: string; decision?: Decision } {
  let set: OurPolicySet
  try {
    set = compileCase(c.policies)
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : 'Error'
    return { outcome: `CompileError(${code}: ${e instanceof Error ? e.message : String(e)})` }
  }
  const decision = evaluate(c.request, set)
  return { outcome: decision.decision, decision }
}

/** The oracle's view of a case's policies. */
export function oraclePolicies(p: CasePolicies): OraclePolicies {
  return {
    ...(p.identity ? { identity: p.identity } : {}),
    ...(p.resource ? { resource: p.resource } : {}),
    ...(p.boundary ? { boundary: p.boundary } : {}),
    ...(p.session ? { session: p.session } : {}),
    ...(p.scp ? { scp: p.scp } : {}),
    ...(p.rcp ? { rcp: p.rcp } : {}),
  }
}

// ---------------------------------------------------------------------------------------------------
// Walking a case
// ---------------------------------------------------------------------------------------------------

export interface StatementSite {
  readonly kind: string
  readonly version: string | undefined
  readonly statement: StatementDoc
}

export function* statementsOf(p: CasePolicies): Generator<StatementSite> {
  const each = function* (kind: string, docs: readonly PolicyDoc[] | undefined): Generator<StatementSite> {
    for (const d of docs ?? []) for (const s of d.Statement) yield { kind, version: d.Version, statement: s }
  }
  yield* each('identity', p.identity)
  yield* each(p.resourceKind ?? 'resource', p.resource ? [p.resource] : undefined)
  yield* each('boundary', p.boundary)
  yield* each('session', p.session ? [p.session] : undefined)
  yield* each('scp', p.scp?.flat())
  yield* each('rcp', p.rcp?.flat())
}

export interface ConditionSite extends StatementSite {
  /** The operator as written. */
  readonly op: string
  readonly set: 'ForAllValues' | 'ForAnyValue' | undefined
  /** Base operator, lower-cased, without `IfExists`. */
  readonly base: string
  readonly ifExists: boolean
  readonly key: string
  readonly values: readonly string[]
}

export function* conditionsOf(p: CasePolicies): Generator<ConditionSite> {
  for (const site of statementsOf(p)) {
    const cond = site.statement.Condition
    if (typeof cond !== 'object' || cond === null) continue
    for (const [op, block] of Object.entries(cond as Record<string, unknown>)) {
      const colon = op.indexOf(':')
      const prefix = colon < 0 ? '' : op.slice(0, colon).toLowerCase()
      const set = prefix === 'forallvalues' ? 'ForAllValues' : prefix === 'foranyvalue' ? 'ForAnyValue' : undefined
      let base = op.slice(colon + 1).toLowerCase()
      const ifExists = base.endsWith('ifexists')
      if (ifExists) base = base.slice(0, -'ifexists'.length)
      for (const [key, v] of Object.entries(block as Record<string, unknown>)) {
        const values = (Array.isArray(v) ? v : [v]).map((x: unknown) => String(x))
        yield { ...site, op, set, base, ifExists, key, values }
      }
    }
  }
}

/** A context value by case-insensitive key name. */
export function contextValue(c: PolicyCase, key: string): OracleContextValue | undefined {
  const want = key.toLowerCase()
  for (const [k, v] of Object.entries(c.request.context ?? {})) if (k.toLowerCase() === want) return v
  return undefined
}

/** The `${…}` variable names (without defaults) used in a string. */
export function variablesIn(s: string): { name: string; hasDefault: boolean }[] {
  const out: { name: string; hasDefault: boolean }[] = []
  for (const m of s.matchAll(/\$\{([^}]*)\}/g)) {
    const body = m[1] ?? ''
    if (body === '*' || body === '?' || body === '$') continue
    const comma = body.indexOf(',')
    out.push({ name: (comma < 0 ? body : body.slice(0, comma)).trim(), hasDefault: comma >= 0 })
  }
  return out
}

/** Every string in a statement's Resource / NotResource / Condition values. */
export function statementStrings(s: StatementDoc): string[] {
  const out: string[] = []
  const add = (v: unknown): void => {
    if (typeof v === 'string') out.push(v)
    else if (Array.isArray(v)) v.forEach(add)
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(add)
  }
  add(s.Resource)
  add(s.NotResource)
  add(s.Condition)
  return out
}

/** A case as JSON ready to paste into a hand-written test. */
export function caseJson(c: PolicyCase, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...extra, request: c.request, policies: c.policies }, null, 2)
}

/**
 * Greedy JSON reduction of a failing case: repeatedly delete object keys and array elements anywhere
 * in the case (request fields included, except the four a request needs) while `stillFails` holds.
 * fast-check's own shrinking is weak through `chain`; this makes the printed case minimal.
 */
export function minimiseCase(c: PolicyCase, stillFails: (c: PolicyCase) => boolean): PolicyCase {
  const KEEP = new Set(['request.principal', 'request.principalType', 'request.action', 'request.resource', 'request', 'policies', 'policies.resourceKind'])
  let best = structuredClone(c)
  let progress = true
  while (progress) {
    progress = false
    for (const path of paths(best)) {
      if (KEEP.has(path.join('.'))) continue
      const candidate = structuredClone(best)
      if (!removeAt(candidate, path)) continue
      let fails = false
      try {
        fails = stillFails(candidate)
      } catch {
        fails = false
      }
      if (fails) {
        best = candidate
        progress = true
        break
      }
    }
  }
  return best
}

type Path = (string | number)[]

function paths(root: unknown): Path[] {
  const out: Path[] = []
  const walk = (v: unknown, at: Path): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push([...at, i])
        walk(x, [...at, i])
      })
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        out.push([...at, k])
        walk(x, [...at, k])
      }
    }
  }
  walk(root, [])
  return out
}

function removeAt(root: unknown, path: Path): boolean {
  let node: unknown = root
  for (const step of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return false
    node = (node as Record<string | number, unknown>)[step]
  }
  const last = path[path.length - 1]
  if (Array.isArray(node) && typeof last === 'number') {
    // Never empty a list: an empty policy list means "present, allows nothing" to irsa but "absent"
    // to the oracle adapter; delete the whole key instead.
    if (node.length <= 1) return false
    node.splice(last, 1)
    return true
  }
  if (typeof node === 'object' && node !== null && typeof last === 'string') {
    delete (node as Record<string, unknown>)[last]
    return true
  }
  return false
}
