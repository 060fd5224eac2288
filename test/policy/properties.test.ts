/**
 * Metamorphic properties of the policy engine (fast-check, fixed seed, bounded runs), plus the
 * wildcard matcher checked against a reference dynamic-programming matcher written here.
 */
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { compileWildcard, matchWildcard } from '../../src/policy/wildcard.js'
import type { CasePolicies, GenKind, PolicyCase, PolicyDoc, StatementDoc } from '../support/arbitraries.js'
import {
  ACCT,
  ACTION_PATTERNS,
  REQUEST_ACTIONS,
  REQUEST_RESOURCES,
  RESOURCE_PATTERNS,
  ROOT_ACCT,
  SESSION_APP,
  USER_ALICE,
  policyCaseArb,
  recase,
  statementArb,
} from '../support/arbitraries.js'
import { caseJson, ourDecision } from '../support/policy-case.js'

const SEED = 424242
const RUNS = 400

const params = { seed: SEED, numRuns: RUNS }

function outcome(c: PolicyCase): string {
  return ourDecision(c).outcome
}

const clone = <T>(v: T): T => structuredClone(v)

// ---------------------------------------------------------------------------------------------------
// Decision properties
// ---------------------------------------------------------------------------------------------------

type DenyKind = 'identity' | 'resource' | 'boundary' | 'session' | 'scp' | 'rcp'

/** The kinds whose policies apply to this request's caller (so a matching Deny there must decide). */
function applicableKinds(c: PolicyCase): DenyKind[] {
  const t = c.request.principalType ?? 'AWS'
  const kinds: DenyKind[] = ['resource', 'rcp']
  if (t === 'AWS') {
    kinds.push('scp')
    if (c.request.principal !== ROOT_ACCT && c.request.principal !== ACCT) kinds.push('identity', 'boundary')
    if (c.request.principal === SESSION_APP) kinds.push('session')
  }
  return kinds
}

/** Add one statement to the policies of a kind (to its first policy, or as a new policy). */
function withStatement(c: PolicyCase, kind: DenyKind, st: StatementDoc): PolicyCase {
  const out = clone(c)
  const p: CasePolicies = out.policies
  const fresh = (): PolicyDoc => ({ Version: '2012-10-17', Statement: [st] })
  const push = (list: PolicyDoc[] | undefined): PolicyDoc[] => {
    if (list === undefined || list.length === 0) return [fresh()]
    ;(list[0] as PolicyDoc).Statement.push(st)
    return list
  }
  switch (kind) {
    case 'identity':
      p.identity = push(p.identity)
      break
    case 'boundary':
      p.boundary = push(p.boundary)
      break
    case 'session':
      p.session = push(p.session ? [p.session] : undefined)[0]
      break
    case 'resource':
      if (p.resource) p.resource.Statement.push(st)
      else {
        p.resource = fresh()
        p.resourceKind = 'resource'
      }
      break
    case 'scp':
      p.scp = p.scp === undefined || p.scp.length === 0 ? [[fresh()]] : p.scp.map((lvl, i) => (i === 0 ? [...lvl, fresh()] : lvl))
      break
    case 'rcp':
      p.rcp = p.rcp === undefined || p.rcp.length === 0 ? [[fresh()]] : p.rcp.map((lvl, i) => (i === 0 ? [...lvl, fresh()] : lvl))
      break
  }
  return out
}

function denyFor(c: PolicyCase, kind: DenyKind, exact: boolean): StatementDoc {
  const trust = kind === 'resource' && c.policies.resourceKind === 'trust'
  return {
    Effect: 'Deny',
    ...(kind === 'resource' || kind === 'rcp' ? { Principal: '*' } : {}),
    Action: exact ? c.request.action : '*',
    ...(trust ? {} : { Resource: exact ? c.request.resource : '*' }),
  }
}

function shuffled<T>(xs: readonly T[], keys: readonly number[]): T[] {
  return xs
    .map((x, i) => ({ x, k: keys[i % Math.max(1, keys.length)] ?? 0, i }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((e) => e.x)
}

function shuffleCase(c: PolicyCase, keys: readonly number[]): PolicyCase {
  const out = clone(c)
  const doc = (d: PolicyDoc): PolicyDoc => ({ ...d, Statement: shuffled(d.Statement, keys) })
  const p = out.policies
  if (p.identity) p.identity = shuffled(p.identity, [...keys].reverse()).map(doc)
  if (p.resource) p.resource = doc(p.resource)
  if (p.boundary) p.boundary = p.boundary.map(doc)
  if (p.session) p.session = doc(p.session)
  if (p.scp) p.scp = p.scp.map((l) => shuffled(l, keys).map(doc))
  if (p.rcp) p.rcp = p.rcp.map((l) => shuffled(l, keys).map(doc))
  return out
}

describe('policy evaluation properties', () => {
  test('a matching explicit Deny added to any applicable kind yields ExplicitDeny', () => {
    fc.assert(
      fc.property(policyCaseArb, fc.nat(), fc.boolean(), (c, pick, exact) => {
        const kinds = applicableKinds(c)
        const kind = kinds[pick % kinds.length] as DenyKind
        const denied = withStatement(c, kind, denyFor(c, kind, exact))
        const got = outcome(denied)
        if (got !== 'ExplicitDeny') throw new Error(`Deny added to ${kind} gave ${got}:\n${caseJson(denied)}`)
      }),
      params,
    )
  })

  test('adding an Allow statement to an identity policy never turns Allow into a deny', () => {
    fc.assert(
      fc.property(policyCaseArb, statementArb('identity' satisfies GenKind), (c, st) => {
        if (outcome(c) !== 'Allow') return
        const allowSt = { ...st, Effect: 'Allow' }
        const after = withStatement(c, 'identity', allowSt)
        const got = outcome(after)
        if (got !== 'Allow') throw new Error(`Allow added to identity gave ${got}:\n${caseJson(after)}`)
      }),
      params,
    )
  })

  const NON_STS = REQUEST_ACTIONS.filter((a) => !a.startsWith('sts:'))
  const singleStatementCase = (st: StatementDoc, action: string, resource: string): PolicyCase => ({
    request: { principal: USER_ALICE, action, resource, resourceAccount: ACCT },
    policies: { identity: [{ Version: '2012-10-17', Statement: [st] }] },
  })

  test('NotAction is the complement of Action for the same pattern list', () => {
    fc.assert(
      fc.property(
        fc.subarray([...ACTION_PATTERNS], { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...NON_STS),
        fc.array(fc.boolean(), { maxLength: 5 }),
        fc.constantFrom(...REQUEST_RESOURCES),
        (patterns, action, mask, resource) => {
          const a = recase(action, mask)
          const viaAction = outcome(singleStatementCase({ Effect: 'Allow', Action: patterns, Resource: '*' }, a, resource))
          const viaNot = outcome(singleStatementCase({ Effect: 'Allow', NotAction: patterns, Resource: '*' }, a, resource))
          expect([viaAction, viaNot].filter((o) => o === 'Allow')).toHaveLength(1)
        },
      ),
      params,
    )
  })

  test('NotResource is the complement of Resource for the same pattern list', () => {
    const patterns = RESOURCE_PATTERNS.filter((r) => !r.includes('${'))
    fc.assert(
      fc.property(
        fc.subarray([...patterns], { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...NON_STS),
        fc.constantFrom(...REQUEST_RESOURCES),
        (list, action, resource) => {
          const viaResource = outcome(singleStatementCase({ Effect: 'Allow', Action: '*', Resource: list }, action, resource))
          const viaNot = outcome(singleStatementCase({ Effect: 'Allow', Action: '*', NotResource: list }, action, resource))
          expect([viaResource, viaNot].filter((o) => o === 'Allow')).toHaveLength(1)
        },
      ),
      params,
    )
  })

  test('statement and policy order is irrelevant', () => {
    fc.assert(
      fc.property(policyCaseArb, fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 6 }), (c, keys) => {
        const s = shuffleCase(c, keys)
        expect(outcome(s), caseJson(s)).toBe(outcome(c))
      }),
      params,
    )
  })

  test('action-name case is irrelevant', () => {
    fc.assert(
      fc.property(policyCaseArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }), (c, mask) => {
        const r: PolicyCase = { ...clone(c), request: { ...c.request, action: recase(c.request.action, mask) } }
        expect(outcome(r), caseJson(r)).toBe(outcome(c))
      }),
      params,
    )
  })
})

// ---------------------------------------------------------------------------------------------------
// Wildcard matcher
// ---------------------------------------------------------------------------------------------------

/** Reference glob matcher: memoised dynamic programming over (pattern index, value index). */
function referenceMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern
  const v = ignoreCase ? value.toLowerCase() : value
  const memo = new Map<number, boolean>()
  const go = (i: number, j: number): boolean => {
    const key = i * (v.length + 1) + j
    const hit = memo.get(key)
    if (hit !== undefined) return hit
    let r: boolean
    if (i === p.length) r = j === v.length
    else if (p[i] === '*') r = go(i + 1, j) || (j < v.length && go(i, j + 1))
    else if (j === v.length) r = false
    else if (p[i] === '?' || p[i] === v[j]) r = go(i + 1, j + 1)
    else r = false
    memo.set(key, r)
    return r
  }
  return go(0, 0)
}

describe('wildcard matcher', () => {
  const patternArb = fc.string({ unit: fc.constantFrom('a', 'b', '*', '?', '/', ':'), maxLength: 10 })
  const valueArb = fc.string({ unit: fc.constantFrom('a', 'b', '/', ':', '*', '?'), maxLength: 12 })

  test('agrees with a reference DP matcher on {a,b,*,?,/,:}', () => {
    fc.assert(
      fc.property(patternArb, valueArb, (pattern, value) => {
        const want = referenceMatch(pattern, value)
        expect(compileWildcard(pattern).test(value), `${JSON.stringify(pattern)} vs ${JSON.stringify(value)}`).toBe(want)
        expect(matchWildcard(pattern, value)).toBe(want)
      }),
      { seed: SEED, numRuns: 5000 },
    )
  })

  test('agrees with the reference when ignoring case', () => {
    const p = fc.string({ unit: fc.constantFrom('a', 'A', 'b', 'B', '*', '?', ':'), maxLength: 8 })
    const v = fc.string({ unit: fc.constantFrom('a', 'A', 'b', 'B', ':'), maxLength: 10 })
    fc.assert(
      fc.property(p, v, (pattern, value) => {
        const want = referenceMatch(pattern, value, true)
        expect(compileWildcard(pattern, { ignoreCase: true }).test(value), `${pattern} vs ${value}`).toBe(want)
        expect(matchWildcard(pattern, value, true)).toBe(want)
      }),
      { seed: SEED, numRuns: 3000 },
    )
  })

  test('12+ wildcards against a 40-character non-matching value completes', () => {
    const pattern = `${'*a'.repeat(14)}*b`
    const value = 'a'.repeat(40)
    const t0 = performance.now()
    const m = compileWildcard(pattern)
    let result = true
    for (let i = 0; i < 1000; i++) result = m.test(value)
    const elapsed = performance.now() - t0
    expect(result).toBe(false)
    expect(referenceMatch(pattern, value)).toBe(false)
    const t1 = performance.now()
    const q = matchWildcard('*?*?*?*?*?*?*?*?*?*?*?*?*:', 'ab/'.repeat(14))
    const elapsed2 = performance.now() - t1
    expect(q).toBe(false)
    // Printed only: timing is never asserted.
    console.log(`pathological glob: 1000 × ${pattern.length}-char pattern vs 40 chars in ${elapsed.toFixed(2)} ms; '?'-heavy once in ${elapsed2.toFixed(3)} ms`)
  })
})
