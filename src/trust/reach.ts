/**
 * Trust reach: which web-identity subjects a role's trust policy admits, per OIDC issuer, decided by
 * the policy engine on probe subjects (./probes.ts) and on the subjects the caller knows. The one
 * analysis the auditor, the webhook guardrail, the dashboard and investigations share, so they agree
 * on every policy. Pure: the trust comes compiled, and subjects and namespaces are passed in.
 *
 * For each issuer it answers: is every subject admitted (CLUSTER), a name in any namespace (ANYNS),
 * any name in some namespaces (NS), subjects matching a wildcard pattern nobody listed (PATTERN), only
 * listed subjects (EXACT), or none; which exact subjects are admitted; whether `aud` is constrained
 * and to what; and the statements that decided.
 */
import type { CompiledPolicy, CompiledStatement } from '../policy/compile.js'
import type { StatementRef } from '../policy/decision.js'
import { evaluate } from '../policy/evaluate.js'
import type { ContextValue } from '../policy/request.js'
import { matchWildcard } from '../policy/wildcard.js'
import { podIdentityReach } from './pod-identity.js'
import type { PodIdentityQuery, PodIdentityReach } from './pod-identity.js'
import type { ProbeNames } from './probes.js'
import { STS_AUDIENCE } from '../model/aws-names.js'
import { apiServerAudiences } from './api-server-audience.js'
import { DEFAULT_PROBE, anyNamespaceProbe, clusterProbe, namespaceProbe, patternProbe } from './probes.js'
import type { TrustIssuer } from './statements.js'
import { WEB_IDENTITY, clausesOn, coversAction, isPositive, statementRef, trustIssuers } from './statements.js'
import type { Subject } from './subject.js'
import { hasWild, saSubject, splitSub } from './subject.js'

export type Scope = 'CLUSTER' | 'ANYNS' | 'NS' | 'PATTERN' | 'EXACT' | 'NONE'
/** Scopes that admit subjects nobody listed (including ones created later). */
export const WIDE_SCOPES: ReadonlySet<Scope> = new Set<Scope>(['CLUSTER', 'ANYNS', 'NS', 'PATTERN'])

/** Known service accounts, indexed so that only those a written `sub` value could match are evaluated. */
export interface SubjectPool<S extends Subject> {
  readonly all: readonly S[]
  inNamespace(namespace: string): readonly S[]
  named(name: string): readonly S[]
}

export function subjectPool<S extends Subject>(subjects: readonly S[]): SubjectPool<S> {
  const byNs = new Map<string, S[]>()
  const byName = new Map<string, S[]>()
  const add = (m: Map<string, S[]>, k: string, s: S): void => {
    const list = m.get(k)
    if (list === undefined) m.set(k, [s])
    else list.push(s)
  }
  for (const s of subjects) {
    add(byNs, s.namespace, s)
    add(byName, s.name, s)
  }
  return { all: subjects, inNamespace: (ns) => byNs.get(ns) ?? [], named: (n) => byName.get(n) ?? [] }
}

export interface TrustReachInput<S extends Subject = Subject> {
  readonly trust: CompiledPolicy
  readonly roleArn: string
  /** The issuers to analyse; by default those the trust names (`trustIssuers`). */
  readonly issuers?: readonly TrustIssuer[]
  /** Audiences to try besides the issuer's (for an issuer whose accepted audiences are unknown). */
  readonly audiences?: readonly string[]
  readonly probe?: ProbeNames
  /** Existing service accounts to test; only those a written `sub` value could match are evaluated. */
  readonly subjects?: SubjectPool<S>
  /** Existing namespaces: a namespace wildcard is probed in each it matches. */
  readonly namespaces?: Iterable<string>
  /** Also decide Pod Identity for this association (and the account's made-up cluster). */
  readonly podIdentity?: PodIdentityQuery
}

export interface ExactSubject {
  readonly subject: string
  /** For service-account subjects. */
  readonly namespace: string | undefined
  readonly name: string | undefined
  readonly admitted: boolean
}

export interface Admission<S> {
  readonly subject: S
  /** The audience it was admitted with. */
  readonly audience: string
  readonly statements: readonly StatementRef[]
}

export interface AudienceReach {
  /** Whether a made-up audience is rejected for an admitted subject (undefined when nothing is admitted). */
  readonly constrained: boolean | undefined
  /** Audience values the issuer's statements require (positive conditions on `<issuer>:aud`). */
  readonly values: readonly string[]
  /** The audiences tried for the probes. */
  readonly tried: readonly string[]
  /**
   * Audiences other than `sts.amazonaws.com` the trust admits a token with, for a subject it admits:
   * of those written in its positive `aud` conditions and the cluster API server's (`apiServerAudiences`).
   * A made-up audience stands for a wildcard value. Whether the provider's client IDs accept them is
   * the caller's to judge (STS also requires the token's audience to be one of them).
   */
  readonly accepted: readonly string[]
}

export interface IssuerReach<S extends Subject = Subject> {
  readonly issuer: TrustIssuer
  /** Allow statements that name the issuer for web identity. */
  readonly statements: readonly StatementRef[]
  readonly scope: Scope
  /** Names admitted in any namespace (ANYNS). */
  readonly anyNamespaceNames: readonly string[]
  /** Namespaces where any name is admitted (NS). */
  readonly namespaces: readonly string[]
  /** Positive `sub` values with `*` or `?`, as written. */
  readonly wildcards: readonly string[]
  /** Those wildcards that admit a subject nobody listed. */
  readonly patterns: readonly string[]
  /** Positive `sub` values without wildcards, and whether each is admitted. */
  readonly exact: readonly ExactSubject[]
  /** Known subjects admitted. */
  readonly admitted: readonly Admission<S>[]
  /** The statements that admitted the widest probe (or the first admitted subject). */
  readonly deciding: readonly StatementRef[]
  /** Whether the deciding statements (else the issuer's) carry a positive condition on `<issuer>:sub`. */
  readonly positiveSub: boolean
  readonly aud: AudienceReach
  /** The probe subject the engine admitted for the scope (CLUSTER, ANYNS, NS, PATTERN). */
  readonly evidence: string | undefined
}

export interface TrustReach<S extends Subject = Subject> {
  readonly issuers: readonly IssuerReach<S>[]
  readonly podIdentity: PodIdentityReach
}

/** The engine's decision on one web-identity request: the allowing statements, or undefined. */
export function admitsWebIdentity(trust: CompiledPolicy, roleArn: string, issuer: TrustIssuer, sub: string, aud: string): readonly StatementRef[] | undefined {
  const context: Record<string, ContextValue> = { [`${issuer.host}:sub`]: sub }
  if (aud !== '') context[`${issuer.host}:aud`] = aud
  const d = evaluate({ principal: issuer.providerArn, principalType: 'Federated', action: WEB_IDENTITY, resource: roleArn, context }, { resource: [trust] })
  return d.decision === 'Allow' ? d.statements : undefined
}

/**
 * The audiences other than STS's that the trust admits for one of the given subjects (tried in
 * order; the first few suffice): the written positive `aud` values (a wildcard one by a made-up
 * audience it matches) and the API server's audiences. The engine decides each.
 */
function acceptedAudiences(trust: CompiledPolicy, roleArn: string, issuer: TrustIssuer, written: readonly string[], subjects: readonly (string | undefined)[], probe: ProbeNames): string[] {
  const candidates = uniq([...written.map((v) => (hasWild(v) ? patternProbe(probe, v) : v)), ...apiServerAudiences(issuer.host)]).filter((a) => a !== STS_AUDIENCE)
  const subs = uniq(subjects.filter((s): s is string => s !== undefined)).slice(0, 8)
  return candidates.filter((a) => subs.some((sub) => admitsWebIdentity(trust, roleArn, issuer, sub, a) !== undefined))
}

export function analyzeTrust<S extends Subject = Subject>(input: TrustReachInput<S>): TrustReach<S> {
  const issuers = input.issuers ?? trustIssuers(input.trust, input.roleArn)
  return {
    issuers: issuers.map((i) => issuerReach(input, i)),
    podIdentity: podIdentityReach(input.trust, input.roleArn, input.podIdentity),
  }
}

function uniq(list: readonly string[]): string[] {
  return [...new Set(list)]
}

function namesIssuer(st: CompiledStatement, issuer: TrustIssuer): boolean {
  const p = st.principal
  if (p === undefined) return false
  if (p.named.federated.includes(issuer.providerArn)) return true
  const key = issuer.host.toLowerCase()
  return p.named.any && st.conditions.some((c) => c.lowerKey === `${key}:sub` || c.lowerKey === `${key}:aud`)
}

/** Scopes from the narrowest to the widest (NONE admits nobody). */
export const SCOPE_ORDER: readonly Scope[] = ['NONE', 'EXACT', 'PATTERN', 'NS', 'ANYNS', 'CLUSTER']

/**
 * Each Allow statement that names the issuer for web identity, as a trust of its own: that statement
 * with the trust's Deny statements (which still carve it). Analysing each with `issuerReach` says what
 * every statement admits by itself, so a caller can compare a statement with the union.
 */
export function statementTrusts(trust: CompiledPolicy, issuer: TrustIssuer): { readonly statement: StatementRef; readonly trust: CompiledPolicy }[] {
  const denies = trust.statements.filter((st) => st.effect === 'Deny')
  return trust.statements
    .filter((st) => st.effect === 'Allow' && namesIssuer(st, issuer) && coversAction(st, WEB_IDENTITY))
    .map((st) => ({ statement: statementRef(trust, st), trust: { ...trust, statements: [st, ...denies] } }))
}

export function issuerReach<S extends Subject>(input: TrustReachInput<S>, issuer: TrustIssuer): IssuerReach<S> {
  const { trust, roleArn } = input
  const probe = input.probe ?? DEFAULT_PROBE
  const own = trust.statements.filter((st) => st.effect === 'Allow' && namesIssuer(st, issuer))
  const subClauses = own.flatMap((st) => clausesOn(st, `${issuer.host}:sub`))
  const positiveValues = subClauses.filter(isPositive).flatMap((c) => c.values)
  const writtenAud = own.flatMap((st) => clausesOn(st, `${issuer.host}:aud`)).filter(isPositive).flatMap((c) => c.values)
  const audiences =
    issuer.audiences !== undefined && issuer.audiences.length > 0
      ? uniq(issuer.audiences)
      : uniq([STS_AUDIENCE, ...writtenAud.map((v) => (hasWild(v) ? patternProbe(probe, v) : v)), ...(input.audiences ?? [])])
  const decide = (sub: string, auds: readonly string[]): { audience: string; statements: readonly StatementRef[] } | undefined => {
    for (const a of auds) {
      const s = admitsWebIdentity(trust, roleArn, issuer, sub, a)
      if (s !== undefined) return { audience: a, statements: s }
    }
    return undefined
  }
  // A service account can request a token for any audience; the provider, when known, accepts only its own.
  const known = issuer.audiences !== undefined && issuer.audiences.length > 0
  const subjectAudiences = (s: Subject): readonly string[] => (known || s.audience === undefined || audiences.includes(s.audience) ? audiences : [s.audience, ...audiences])

  const wildcards = uniq(positiveValues.filter(hasWild))
  const literal = uniq(positiveValues.filter((v) => !hasWild(v)))
  // Conditions other than positive ones on `sub` (or none) can admit anything: test every known subject.
  const unusual = subClauses.length === 0 || subClauses.some((c) => !isPositive(c))
  const carving = unusual || trust.statements.some((st) => st.effect === 'Deny')
  const pool = input.subjects
  const knownNamespaces = [...(input.namespaces ?? [])]

  let deciding: readonly StatementRef[] = []
  const note = (s: readonly StatementRef[]): void => {
    if (deciding.length === 0) deciding = s
  }
  let scope: Scope = 'NONE'
  let evidence: string | undefined
  const admitted: Admission<S>[] = []
  const anyNs: string[] = []
  const nsScopes: string[] = []
  const patterns: string[] = []
  /** An admitted subject on which to try the made-up audience. */
  let audSubject: string | undefined
  let wideSub: string | undefined

  const cluster = decide(clusterProbe(probe), audiences)
  if (cluster !== undefined) {
    scope = 'CLUSTER'
    evidence = clusterProbe(probe)
    deciding = cluster.statements
    audSubject = evidence
    for (const s of pool?.all ?? []) {
      const d = carving ? decide(saSubject(s.namespace, s.name), subjectAudiences(s)) : cluster
      if (d !== undefined) admitted.push({ subject: s, audience: d.audience, statements: d.statements })
    }
  } else {
    const candidates = new Set<S>()
    if (pool !== undefined) {
      if (unusual) for (const s of pool.all) candidates.add(s)
      else {
        for (const v of positiveValues) {
          const p = splitSub(v)
          const from = p === undefined ? (hasWild(v) ? pool.all : []) : !hasWild(p.ns) ? pool.inNamespace(p.ns) : !hasWild(p.name) ? pool.named(p.name) : pool.all
          for (const s of from) if (matchWildcard(v, saSubject(s.namespace, s.name))) candidates.add(s)
        }
      }
    }
    for (const s of candidates) {
      const d = decide(saSubject(s.namespace, s.name), subjectAudiences(s))
      if (d === undefined) continue
      admitted.push({ subject: s, audience: d.audience, statements: d.statements })
      note(d.statements)
      audSubject ??= saSubject(s.namespace, s.name)
    }
    // A name in any namespace: `default`, names written after a namespace wildcard, names admitted.
    const names = new Set<string>(['default'])
    for (const v of positiveValues) {
      const p = splitSub(v)
      if (p !== undefined && hasWild(p.ns) && !hasWild(p.name)) names.add(p.name)
    }
    for (const a of admitted) names.add(a.subject.name)
    for (const n of names) {
      const d = decide(anyNamespaceProbe(probe, n), audiences)
      if (d === undefined) continue
      anyNs.push(n)
      note(d.statements)
      evidence ??= anyNamespaceProbe(probe, n)
    }
    // Any name in a namespace: namespaces written (or matching a namespace wildcard), and those of admitted subjects.
    const namespaces = new Set<string>()
    for (const v of positiveValues) {
      const p = splitSub(v)
      if (p === undefined) continue
      if (!hasWild(p.ns)) namespaces.add(p.ns)
      else for (const ns of knownNamespaces) if (matchWildcard(p.ns, ns)) namespaces.add(ns)
    }
    for (const a of admitted) namespaces.add(a.subject.namespace)
    let nsEvidence: string | undefined
    for (const ns of namespaces) {
      const d = decide(namespaceProbe(probe, ns), audiences)
      if (d === undefined) continue
      nsScopes.push(ns)
      note(d.statements)
      nsEvidence ??= namespaceProbe(probe, ns)
    }
    // Any other wildcard: a subject the pattern matches that nobody listed.
    let patternEvidence: string | undefined
    for (const w of wildcards) {
      const sub = patternProbe(probe, w)
      if (literal.includes(sub)) continue
      const d = decide(sub, audiences)
      if (d === undefined) continue
      patterns.push(w)
      note(d.statements)
      patternEvidence ??= sub
    }
    if (anyNs.length > 0) scope = 'ANYNS'
    else if (nsScopes.length > 0) {
      scope = 'NS'
      evidence = nsEvidence
    } else if (patterns.length > 0) {
      scope = 'PATTERN'
      evidence = patternEvidence
    }
    wideSub = nsEvidence ?? (anyNs[0] === undefined ? patternEvidence : anyNamespaceProbe(probe, anyNs[0]))
  }
  const exact: ExactSubject[] = []
  for (const v of literal) {
    const d = decide(v, audiences)
    if (d !== undefined) {
      note(d.statements)
      audSubject ??= v
    }
    const p = splitSub(v)
    exact.push({ subject: v, namespace: p?.ns, name: p?.name, admitted: d !== undefined })
  }
  audSubject ??= wideSub
  if (scope === 'NONE' && (admitted.length > 0 || exact.some((e) => e.admitted))) scope = 'EXACT'
  const constrained = audSubject === undefined ? undefined : admitsWebIdentity(trust, roleArn, issuer, audSubject, probe.audience) === undefined
  const accepted = acceptedAudiences(trust, roleArn, issuer, writtenAud, [audSubject, evidence, ...literal, clusterProbe(probe)], probe)
  const decidingIdx = new Set(deciding.map((s) => s.index))
  const decidingStmts = own.filter((st) => decidingIdx.has(st.index))
  const positiveSub = (decidingStmts.length > 0 ? decidingStmts : own).some((st) => clausesOn(st, `${issuer.host}:sub`).some(isPositive))
  return {
    issuer,
    statements: own.map((st) => statementRef(trust, st)),
    scope,
    anyNamespaceNames: anyNs,
    namespaces: nsScopes,
    wildcards,
    patterns,
    exact,
    admitted,
    deciding,
    positiveSub,
    aud: { constrained, values: uniq(writtenAud), tried: audiences, accepted },
    evidence,
  }
}
