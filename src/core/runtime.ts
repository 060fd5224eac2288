/**
 * The identity plane's shared state in one process: the store, the account and issuer, signing and
 * sealing keys (cached briefly, re-read on an unknown key id so replicas agree, at most once a second:
 * see forced-reread.ts), key sources for token verification, and a compiled-policy cache keyed by
 * content.
 */
import { IrsaError } from '../errors.js'
import type { CompiledPolicy } from '../policy/compile.js'
import { compilePolicy } from '../policy/compile.js'
import type { PolicyKind } from '../policy/kind.js'
import type { DecisionRecord } from '../store/decision-log.js'
import type { Store } from '../store/store.js'
import { openSession } from './session-token.js'
import type { OpenSessionResult, SealingKey, SessionClaims } from './session-token.js'
import { sealSession } from './session-token.js'
import { canonicalIssuer, issuerHostPath } from '../tokens/issuer-url.js'
import { activeKey, publishedKeys } from '../tokens/key-ring.js'
import { localKeySource } from '../tokens/local-key-source.js'
import { createRemoteKeySource } from '../tokens/remote-key-source.js'
import type { FetchJson, KeyCacheEvent, RemoteKeySource } from '../tokens/remote-key-source.js'
import { parseSigningKey } from '../tokens/signing-key.js'
import type { SigningKey } from '../tokens/signing-key.js'
import type { GetVerificationKey } from '../tokens/verify-web-identity-token.js'
import type { Clock, Random } from './clock.js'
import { DenialSummary } from './denial-summary.js'
import type { DenialSummaryOptions } from './denial-summary.js'
import { rateLimitedReread } from './forced-reread.js'

export interface AdminCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
}

export interface RuntimeOptions {
  readonly store: Store
  readonly account: string
  readonly region: string
  readonly partition?: string
  /** This server's own issuer URL. */
  readonly issuer: string
  readonly clock: Clock
  readonly random: Random
  readonly admin: AdminCredentials
  /** How long a retired signing key stays published (the longest token lifetime); default 2 days. */
  readonly maxTokenLifetimeSeconds?: number
  /** Fetches external issuers' discovery documents and JWKS. */
  readonly fetchJson?: FetchJson
  /** How long key lists are trusted before re-reading the store; default 5 s. */
  readonly keyCacheMs?: number
  /** Repeated identical denials are counted into summary rows (denial-summary.ts); these bound it. */
  readonly denialSummary?: DenialSummaryOptions
  /** Minimum time between two store re-reads forced by an unknown key id (per key list); default 1 s. */
  readonly forcedKeyReadIntervalMs?: number
  /** Hosts an external issuer's `jwks_uri` may name besides the issuer's own (`--allow-jwks-host`). */
  readonly allowJwksHosts?: readonly string[]
}

interface Cached<T> {
  value: T
  at: number
}

export class Runtime {
  readonly store: Store
  readonly account: string
  readonly region: string
  readonly partition: string
  readonly issuer: string
  readonly clock: Clock
  readonly random: Random
  readonly admin: AdminCredentials
  readonly maxTokenLifetimeSeconds: number
  private readonly keyCacheMs: number
  private signing: Cached<SigningKey[]> | undefined
  private sealing: Cached<(SealingKey & { retiredAt: number | undefined; createdAt: number })[]> | undefined
  private readonly remote: RemoteKeySource | undefined
  private readonly local: GetVerificationKey
  private readonly policies = new Map<string, CompiledPolicy>()
  private readonly decisionObservers = new Set<(d: DecisionRecord) => void>()
  private readonly denials: DenialSummary
  private denialTimer: NodeJS.Timeout | undefined
  private readonly keyCacheObservers = new Set<(e: KeyCacheEvent) => void>()
  /** Store re-reads forced by an unknown signing kid / sealing key id: at most one per interval each. */
  private readonly forceSigningRead: () => Promise<SigningKey[]>
  private readonly forceSealingRead: () => Promise<(SealingKey & { retiredAt: number | undefined; createdAt: number })[]>

  constructor(o: RuntimeOptions) {
    this.store = o.store
    this.account = o.account
    this.region = o.region
    this.partition = o.partition ?? 'aws'
    this.issuer = canonicalIssuer(o.issuer)
    this.clock = o.clock
    this.random = o.random
    this.admin = o.admin
    this.maxTokenLifetimeSeconds = o.maxTokenLifetimeSeconds ?? 2 * 86400
    this.keyCacheMs = o.keyCacheMs ?? 5000
    this.remote =
      o.fetchJson === undefined
        ? undefined
        : createRemoteKeySource({
            fetchJson: o.fetchJson,
            now: () => Math.floor(this.clock.now() / 1000),
            allowJwksHosts: o.allowJwksHosts ?? [],
            observe: (e) => this.keyCacheObservers.forEach((f) => f(e)),
          })
    this.local = localKeySource(() => this.publishedSync())
    this.denials = new DenialSummary(o.denialSummary)
    const reread = { now: () => this.clock.now(), ...(o.forcedKeyReadIntervalMs === undefined ? {} : { intervalMs: o.forcedKeyReadIntervalMs }) }
    this.forceSigningRead = rateLimitedReread(() => this.signingKeys(true), reread)
    this.forceSealingRead = rateLimitedReread(() => this.sealingKeys(true), reread)
  }

  nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000)
  }

  /** The ARN of this server's own issuer as an IAM OIDC provider. */
  get ownProviderArn(): string {
    return `arn:${this.partition}:iam::${this.account}:oidc-provider/${issuerHostPath(this.issuer)}`
  }

  async signingKeys(force = false): Promise<SigningKey[]> {
    const now = this.clock.now()
    if (force || this.signing === undefined || now - this.signing.at > this.keyCacheMs) {
      const rows = await this.store.listSigningKeys()
      const value = rows.map((r) =>
        parseSigningKey({
          kid: r.kid,
          alg: r.alg,
          privateJwk: JSON.parse(r.privateJwk) as unknown,
          publicJwk: JSON.parse(r.publicJwk) as unknown,
          createdAt: r.createdAt,
          ...(r.retiredAt === undefined ? {} : { retiredAt: r.retiredAt }),
        }),
      )
      this.signing = { value, at: now }
    }
    return this.signing.value
  }

  private published: { keys: SigningKey[]; from: SigningKey[] | undefined; at: number } = { keys: [], from: undefined, at: 0 }

  /** The published keys, recomputed when the key list changes or a second has passed. */
  private publishedSync(): SigningKey[] {
    const now = this.nowSeconds()
    const from = this.signing?.value
    if (this.published.from !== from || this.published.at !== now) {
      this.published = { keys: publishedKeys(from ?? [], now, this.maxTokenLifetimeSeconds), from, at: now }
    }
    return this.published.keys
  }

  async publishedSigningKeys(): Promise<SigningKey[]> {
    return publishedKeys(await this.signingKeys(), this.nowSeconds(), this.maxTokenLifetimeSeconds)
  }

  async activeSigningKey(): Promise<SigningKey> {
    const key = activeKey(await this.signingKeys())
    if (key === undefined) throw new IrsaError('ERR_STATE_UNINITIALISED', 'No active signing key: the store was not initialised')
    return key
  }

  /** Verification keys for a provider: irsa's own issuer from the key ring, others fetched. */
  keySource(providerUrl: string): GetVerificationKey {
    if (issuerHostPath(providerUrl) === issuerHostPath(this.issuer)) {
      return async (provider, header, token) => {
        if (header.kid !== undefined && !this.publishedSync().some((k) => k.kid === header.kid)) await this.forceSigningRead()
        else if (this.signing === undefined) await this.signingKeys()
        return this.local(provider, header, token)
      }
    }
    const remote = this.remote
    if (remote === undefined) {
      return () => Promise.reject(new IrsaError('ERR_TOKEN_FETCH', 'This server does not fetch external issuers'))
    }
    return remote.getKey
  }

  private async sealingKeys(force = false): Promise<(SealingKey & { retiredAt: number | undefined; createdAt: number })[]> {
    const now = this.clock.now()
    if (force || this.sealing === undefined || now - this.sealing.at > this.keyCacheMs) {
      const rows = await this.store.listSealingKeys()
      this.sealing = { value: rows.map((r) => ({ id: r.id, secret: r.secret, retiredAt: r.retiredAt, createdAt: r.createdAt })), at: now }
    }
    return this.sealing.value
  }

  async seal(claims: SessionClaims): Promise<string> {
    const keys = await this.sealingKeys()
    const current = keys.filter((k) => k.retiredAt === undefined).sort((a, b) => b.createdAt - a.createdAt)[0]
    if (current === undefined) throw new IrsaError('ERR_STATE_UNINITIALISED', 'No active sealing key: the store was not initialised')
    return sealSession(claims, current, (n) => this.random.bytes(n))
  }

  /**
   * Open a sealed session token; an unknown key id re-reads the store (another replica rotated), at
   * most once a second however many requests carry unknown ids.
   */
  async openSession(token: string): Promise<OpenSessionResult> {
    let keys = await this.sealingKeys()
    const find = (id: string): Uint8Array | undefined => keys.find((k) => k.id === id)?.secret
    const first = openSession(token, find)
    if (first.ok || first.reason !== 'unknown-key') return first
    keys = await this.forceSealingRead()
    return openSession(token, find)
  }

  /** Compile a policy document once per (kind, text). Throws IrsaError for malformed documents. */
  compiled(kind: PolicyKind, document: string): CompiledPolicy {
    const key = `${kind}\u0000${document}`
    let p = this.policies.get(key)
    if (p === undefined) {
      p = compilePolicy(document, { kind })
      if (this.policies.size > 5000) this.policies.clear()
      this.policies.set(key, p)
    }
    return p
  }

  /**
   * Record a decision. Allows (and errors) are written before this returns, so an exchange is
   * answered only once its decision is committed. A denial repeating one already written several
   * times in its window is counted instead; its summary row is written when the window closes
   * (a timer, armed only while something is counted), or by flushDecisions.
   */
  async log(d: Omit<DecisionRecord, 'at'>): Promise<void> {
    const record = { at: this.clock.now(), ...d }
    const write = this.denials.admit(record)
    if (this.denials.hasClosed) await this.flushDecisions(false) // a window closed: its summary goes first
    if (write) await this.store.appendDecision(record)
    else this.armDenialTimer()
    for (const f of this.decisionObservers) f(record)
  }

  /** Write the summary rows of counted denials: every window when `all` (shutdown), else those closed by now. */
  async flushDecisions(all = true): Promise<void> {
    const rows = this.denials.take(this.clock.now(), all)
    for (let i = 0; i < rows.length; i++) {
      try {
        await this.store.appendDecision(rows[i] as DecisionRecord)
      } catch (e) {
        this.denials.restore(rows.slice(i))
        throw e
      }
    }
    if (!this.denials.pending && this.denialTimer !== undefined) {
      clearTimeout(this.denialTimer)
      this.denialTimer = undefined
    }
  }

  private armDenialTimer(): void {
    if (this.denialTimer !== undefined) return
    const tick = Math.max(50, Math.min(this.denials.windowMs / 4, 5000))
    const run = (): void => {
      this.denialTimer = undefined
      // A failed write keeps its rows for the next tick (or the shutdown flush).
      void this.flushDecisions(false)
        .catch(() => undefined)
        .finally(() => {
          if (this.denials.pending && this.denialTimer === undefined) this.denialTimer = setTimeout(run, tick).unref()
        })
    }
    this.denialTimer = setTimeout(run, tick).unref()
  }

  /** Be told of each decision once it is in the log (metrics); returns the unsubscribe function. */
  observeDecisions(f: (d: DecisionRecord) => void): () => void {
    this.decisionObservers.add(f)
    return () => this.decisionObservers.delete(f)
  }

  /** Be told of external-issuer key cache hits, misses and fetch errors; returns the unsubscribe function. */
  observeKeyCache(f: (e: KeyCacheEvent) => void): () => void {
    this.keyCacheObservers.add(f)
    return () => this.keyCacheObservers.delete(f)
  }
}
