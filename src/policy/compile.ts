/**
 * Compile a policy document once into matchers reused for every request: lower-cased action globs,
 * segment-wise resource patterns, a compiled principal, and condition clauses.
 */
import { IrsaError } from '../errors.js'
import type { CompiledClause } from './condition/condition.js'
import { compileCondition } from './condition/condition.js'
import { readPolicyText } from './document.js'
import type { PolicyKind } from './kind.js'
import { isPolicyKind } from './kind.js'
import type { ValuePattern } from './pattern.js'
import { compileArnPattern } from './pattern.js'
import type { CompiledPrincipal } from './principal.js'
import { compilePrincipal } from './principal.js'
import { compileWildcard } from './wildcard.js'
import type { Matcher } from './wildcard.js'

export interface CompiledStatement {
  readonly index: number
  readonly sid: string | undefined
  readonly effect: 'Allow' | 'Deny'
  readonly principal: CompiledPrincipal | undefined
  readonly notPrincipal: CompiledPrincipal | undefined
  /** Exactly one of actions / notActions is set. */
  readonly actions: readonly Matcher[] | undefined
  readonly notActions: readonly Matcher[] | undefined
  /** Neither is set for a statement without a Resource element (trust policies). */
  readonly resources: readonly ValuePattern[] | undefined
  readonly notResources: readonly ValuePattern[] | undefined
  readonly conditions: readonly CompiledClause[]
}

export interface CompiledPolicy {
  readonly kind: PolicyKind
  readonly name: string
  /** `2012-10-17` enables policy variables; `2008-10-17` (or no Version) reads `${…}` literally. */
  readonly version: '2012-10-17' | '2008-10-17'
  readonly statements: readonly CompiledStatement[]
}

export interface CompileOptions {
  readonly kind: PolicyKind
  /** Shown in decisions; defaults to the kind. */
  readonly name?: string
}

const TOP_KEYS = new Set(['Version', 'Id', 'Statement'])
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'])
const PRINCIPAL_KINDS: ReadonlySet<PolicyKind> = new Set(['resource', 'trust', 'rcp'])

/**
 * Compile a policy document given as an object or as JSON text. Throws IrsaError
 * (ERR_POLICY_JSON, ERR_POLICY_SHAPE, ERR_POLICY_OPERATOR) with a JSON-pointer path.
 */
export function compilePolicy(doc: unknown, options: CompileOptions): CompiledPolicy {
  if (!isPolicyKind(options.kind)) throw new TypeError(`unknown policy kind ${String(options.kind)}`)
  const value = typeof doc === 'string' ? readPolicyText(doc) : doc
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new IrsaError('ERR_POLICY_SHAPE', 'A policy document must be a JSON object', { path: '' })
  }
  const top = value as Record<string, unknown>
  for (const k of Object.keys(top)) {
    if (!TOP_KEYS.has(k)) throw new IrsaError('ERR_POLICY_SHAPE', `Unknown policy element "${k}"`, { path: `/${k}` })
  }
  const version = readVersion(top.Version)
  const raw = top.Statement
  if (raw === undefined) throw new IrsaError('ERR_POLICY_SHAPE', 'A policy must have a Statement', { path: '/Statement' })
  const list = Array.isArray(raw) ? raw : [raw]
  if (list.length === 0) throw new IrsaError('ERR_POLICY_SHAPE', 'Statement must not be empty', { path: '/Statement' })
  const statements = list.map((s: unknown, i) =>
    compileStatement(s, i, Array.isArray(raw) ? `/Statement/${i}` : '/Statement', options.kind, version === '2012-10-17'),
  )
  return { kind: options.kind, name: options.name ?? options.kind, version, statements }
}

function readVersion(v: unknown): CompiledPolicy['version'] {
  if (v === undefined || v === '2008-10-17') return '2008-10-17'
  if (v === '2012-10-17') return v
  throw new IrsaError('ERR_POLICY_SHAPE', `Version must be 2012-10-17 or 2008-10-17, not ${JSON.stringify(v)}`, { path: '/Version' })
}

function compileStatement(s: unknown, index: number, path: string, kind: PolicyKind, variables: boolean): CompiledStatement {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) {
    throw new IrsaError('ERR_POLICY_SHAPE', 'Each statement must be a JSON object', { path })
  }
  const st = s as Record<string, unknown>
  for (const k of Object.keys(st)) {
    if (!STATEMENT_KEYS.has(k)) throw new IrsaError('ERR_POLICY_SHAPE', `Unknown statement element "${k}"`, { path: `${path}/${k}` })
  }
  const sid = st.Sid
  if (sid !== undefined && typeof sid !== 'string') throw new IrsaError('ERR_POLICY_SHAPE', 'Sid must be a string', { path: `${path}/Sid` })
  const effect = st.Effect
  if (effect !== 'Allow' && effect !== 'Deny') {
    throw new IrsaError('ERR_POLICY_SHAPE', 'Effect must be "Allow" or "Deny"', { path: `${path}/Effect` })
  }
  both(st, 'Action', 'NotAction', path, true, 'Policy statement must contain actions.')
  both(st, 'Principal', 'NotPrincipal', path, false, '')
  const resourceRequired = kind !== 'resource' && kind !== 'trust'
  both(st, 'Resource', 'NotResource', path, resourceRequired, 'Policy statement must contain resources.')
  const hasPrincipal = st.Principal !== undefined || st.NotPrincipal !== undefined
  if (hasPrincipal && !PRINCIPAL_KINDS.has(kind)) {
    throw new IrsaError('ERR_POLICY_SHAPE', `Policy document should not specify a principal. (${kind} policy)`, { path: `${path}/Principal` })
  }
  const action = (el: string): Matcher[] | undefined =>
    st[el] === undefined ? undefined : strings(st[el], `${path}/${el}`).map((a) => compileWildcard(a, { ignoreCase: true }))
  const resource = (el: string): ValuePattern[] | undefined =>
    st[el] === undefined
      ? undefined
      : strings(st[el], `${path}/${el}`).map((r) => compileArnPattern(r, { variables, foldPrefix: true }))
  return {
    index,
    sid,
    effect,
    principal: st.Principal === undefined ? undefined : compilePrincipal(st.Principal, `${path}/Principal`),
    notPrincipal: st.NotPrincipal === undefined ? undefined : compilePrincipal(st.NotPrincipal, `${path}/NotPrincipal`),
    actions: action('Action'),
    notActions: action('NotAction'),
    resources: resource('Resource'),
    notResources: resource('NotResource'),
    conditions: st.Condition === undefined ? [] : compileCondition(st.Condition, variables, `${path}/Condition`),
  }
}

/** At most one of a pair (Action/NotAction, …); exactly one when required. */
function both(st: Record<string, unknown>, a: string, b: string, path: string, required: boolean, missing: string): void {
  if (st[a] !== undefined && st[b] !== undefined) {
    throw new IrsaError('ERR_POLICY_SHAPE', `A statement cannot have both ${a} and ${b}`, { path: `${path}/${b}` })
  }
  if (required && st[a] === undefined && st[b] === undefined) throw new IrsaError('ERR_POLICY_SHAPE', missing, { path })
}

function strings(v: unknown, path: string): string[] {
  const list = Array.isArray(v) ? v : [v]
  if (list.length === 0) throw new IrsaError('ERR_POLICY_SHAPE', 'An element list must not be empty', { path })
  for (const x of list) {
    if (typeof x !== 'string') throw new IrsaError('ERR_POLICY_SHAPE', 'Expected a string or a list of strings', { path })
  }
  return list as string[]
}
