/**
 * One evaluation case in the CLI's JSON Lines contract:
 * `{"name", "request": {principal, principalType?, action, resource, resourceAccount?, context?},
 *   "policies": {identity?, resource?, trust?, boundary?, session?, scp?, rcp?}}` → a decision line.
 * A policy document may be an object or a JSON string. `scp`/`rcp` list the documents attached at
 * one level; an element that is itself a list is a further level (each level needs an Allow).
 */
import { IrsaError } from '../errors.js'
import type { CompiledPolicy } from './compile.js'
import { compilePolicy } from './compile.js'
import type { DecisionOutcome, DecisionReason, StatementRef } from './decision.js'
import { evaluate } from './evaluate.js'
import type { PolicySet } from './evaluate.js'
import type { PolicyKind } from './kind.js'
import type { EvalRequest } from './request.js'

export type CaseResult =
  | {
      readonly name: unknown
      readonly decision: DecisionOutcome
      readonly reason: DecisionReason
      readonly statements: readonly StatementRef[]
      readonly explanation: string
    }
  | { readonly name: unknown; readonly error: string }

const POLICY_KEYS = new Set(['identity', 'resource', 'trust', 'boundary', 'session', 'scp', 'rcp'])

/** Evaluate one parsed case; never throws for bad input, which becomes `{ name, error }`. */
export function runCase(input: unknown, cache?: Map<string, CompiledPolicy>): CaseResult {
  const name = input !== null && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>).name : undefined
  try {
    const { request, policies } = readCase(input, cache)
    const d = evaluate(request, policies)
    return { name, decision: d.decision, reason: d.reason, statements: d.statements, explanation: d.explanation }
  } catch (e) {
    if (e instanceof IrsaError) return { name, error: e.path ? `${e.message} (at ${e.path})` : e.message }
    throw e
  }
}

function readCase(input: unknown, cache: Map<string, CompiledPolicy> | undefined): { request: EvalRequest; policies: PolicySet } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new IrsaError('ERR_CASE_SHAPE', 'each line must be a JSON object with "request" and "policies"')
  }
  const c = input as Record<string, unknown>
  const request = c.request
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw new IrsaError('ERR_CASE_SHAPE', '"request" must be an object')
  }
  const r = request as Record<string, unknown>
  for (const k of ['principal', 'action', 'resource'] as const) {
    if (typeof r[k] !== 'string') throw new IrsaError('ERR_CASE_SHAPE', `"request.${k}" must be a string`)
  }
  const raw = c.policies ?? {}
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new IrsaError('ERR_CASE_SHAPE', '"policies" must be an object')
  const pol = raw as Record<string, unknown>
  for (const k of Object.keys(pol)) {
    if (!POLICY_KEYS.has(k)) throw new IrsaError('ERR_CASE_SHAPE', `unknown policy kind "${k}" in "policies"`)
  }
  const list = (kind: PolicyKind, key: string): CompiledPolicy[] | undefined => {
    const v = pol[key]
    if (v === undefined) return undefined
    if (!Array.isArray(v)) throw new IrsaError('ERR_CASE_SHAPE', `"policies.${key}" must be a list of policy documents`)
    return v.map((doc: unknown, i) => compileCached(doc, kind, `${key}[${i}]`, cache))
  }
  const levels = (kind: PolicyKind): CompiledPolicy[][] | undefined => {
    const v = pol[kind]
    if (v === undefined) return undefined
    if (!Array.isArray(v)) throw new IrsaError('ERR_CASE_SHAPE', `"policies.${kind}" must be a list of policy documents`)
    const direct: CompiledPolicy[] = []
    const nested: CompiledPolicy[][] = []
    v.forEach((doc: unknown, i) => {
      if (Array.isArray(doc)) nested.push(doc.map((d: unknown, j) => compileCached(d, kind, `${kind}[${i}][${j}]`, cache)))
      else direct.push(compileCached(doc, kind, `${kind}[${i}]`, cache))
    })
    return direct.length > 0 || nested.length === 0 ? [direct, ...nested] : nested
  }
  const resource = list('resource', 'resource')
  const trust = list('trust', 'trust')
  const policies: PolicySet = {
    identity: list('identity', 'identity'),
    resource: resource || trust ? [...(resource ?? []), ...(trust ?? [])] : undefined,
    boundary: list('boundary', 'boundary'),
    session: list('session', 'session'),
    scp: levels('scp'),
    rcp: levels('rcp'),
  }
  return { request: r as unknown as EvalRequest, policies }
}

function compileCached(doc: unknown, kind: PolicyKind, name: string, cache: Map<string, CompiledPolicy> | undefined): CompiledPolicy {
  if (cache === undefined) return compilePolicy(doc, { kind, name })
  const key = `${kind}\u0000${name}\u0000${typeof doc === 'string' ? doc : JSON.stringify(doc)}`
  let hit = cache.get(key)
  if (hit === undefined) {
    hit = compilePolicy(doc, { kind, name })
    if (cache.size > 10_000) cache.clear()
    cache.set(key, hit)
  }
  return hit
}
