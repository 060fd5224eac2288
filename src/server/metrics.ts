/**
 * Prometheus metrics for one app, in its own registry (never prom-client's global one, so several
 * apps in one process keep separate counts): requests by route, Query action and status, latency
 * per action, decisions by action, outcome and code, the external-issuer key cache, signing keys
 * loaded, the store kind and the process's default metrics.
 *
 * Label values come from closed sets only: a route is fastify's route pattern (or `unmatched`), an
 * action is a name from the Query API's table (or `other`), a decision code is the store's code
 * column — never raw request input, so a caller cannot grow the series without bound.
 */
import { safeEqual } from '../core/safe-equal.js'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { IAM_ACTIONS } from '../iam/actions.js'
import type { DecisionRecord } from '../store/decision-log.js'
import type { KeyCacheEvent } from '../tokens/remote-key-source.js'
import type { Runtime } from '../core/runtime.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The Query API action of this request, set by the dispatcher once it is parsed. */
    irsaAction: string
  }
}

/** STS actions the Query API serves (IAM's come from IAM_ACTIONS). */
const STS_ACTIONS = ['AssumeRoleWithWebIdentity', 'GetCallerIdentity']
const KNOWN_ACTIONS: ReadonlySet<string> = new Set([...STS_ACTIONS, ...Object.keys(IAM_ACTIONS)])
/** An AWS error code or decision code label is at most this long and word characters only. */
const CODE = /^[A-Za-z][A-Za-z0-9.]{0,63}$/

export const METRICS_PATH = '/metrics'
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** The label an action name gets: itself when the Query API knows it, else `other`; `none` off `/`. */
export function actionLabel(action: string | undefined): string {
  if (action === undefined || action === '') return 'none'
  return KNOWN_ACTIONS.has(action) ? action : 'other'
}

export interface Metrics {
  readonly registry: Registry
  /** Count one finished HTTP request. */
  request(route: string, action: string, status: number, seconds: number): void
  /** Count one decision appended to the log. */
  decision(d: Pick<DecisionRecord, 'action' | 'outcome' | 'code'>): void
  /** The external-issuer key cache observer (pass to the remote key source). */
  keyCache(event: KeyCacheEvent): void
}

export function createMetrics(rt: Runtime, options: { prefix?: string; defaultMetrics?: boolean } = {}): Metrics {
  const prefix = options.prefix ?? 'irsa_'
  const registry = new Registry()
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix })
  const requests = new Counter({
    name: `${prefix}http_requests_total`,
    help: 'HTTP requests answered, by route pattern, Query API action and status code',
    labelNames: ['route', 'action', 'status'] as const,
    registers: [registry],
  })
  const latency = new Histogram({
    name: `${prefix}http_request_duration_seconds`,
    help: 'Time from request to response, by route pattern and Query API action',
    labelNames: ['route', 'action'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  })
  const decisions = new Counter({
    name: `${prefix}decisions_total`,
    help: 'Decisions appended to the decision log, by action, outcome and code (the reason class)',
    labelNames: ['action', 'outcome', 'code'] as const,
    registers: [registry],
  })
  const keyCache = new Counter({
    name: `${prefix}remote_key_cache_events_total`,
    help: 'External issuer (JWKS) key lookups: hit (served from cache), miss (fetched), fetch_error',
    labelNames: ['event'] as const,
    registers: [registry],
  })
  for (const event of ['hit', 'miss', 'fetch_error']) keyCache.inc({ event }, 0)
  let lastKeys = { total: 0, active: 0 }
  new Gauge({
    name: `${prefix}signing_keys_loaded`,
    help: 'Signing keys in the key ring this process has loaded, by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      try {
        const keys = await rt.signingKeys()
        lastKeys = { total: keys.length, active: keys.filter((k) => k.retiredAt === undefined).length }
      } catch {
        // The store is down: report what was last loaded (readiness says the rest).
      }
      this.set({ state: 'active' }, lastKeys.active)
      this.set({ state: 'retired' }, lastKeys.total - lastKeys.active)
    },
  })
  const store = new Gauge({
    name: `${prefix}store_info`,
    help: 'The store this process uses (always 1; the kind is the label)',
    labelNames: ['kind'] as const,
    registers: [registry],
  })
  store.set({ kind: rt.store.kind }, 1)

  return {
    registry,
    request(route, action, status, seconds) {
      requests.inc({ route, action, status: String(status) })
      latency.observe({ route, action }, seconds)
    },
    decision(d) {
      const code = d.code === undefined ? 'none' : CODE.test(d.code) ? d.code : 'other'
      const action = CODE.test(d.action.replace(':', '.')) ? d.action : 'other'
      decisions.inc({ action, outcome: d.outcome, code })
    },
    keyCache(event) {
      keyCache.inc({ event: event === 'fetch-error' ? 'fetch_error' : event })
    },
  }
}

/** Constant-time comparison of a presented bearer token with the configured one. */
function tokenMatches(header: string | undefined, token: string): boolean {
  return safeEqual(/^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '', token)
}

/**
 * Hook the metrics into an app: count every response (onResponse) and serve `GET /metrics`, open by
 * default or, with `token`, only to `Authorization: Bearer <token>`.
 */
export function metricsRoutes(app: FastifyInstance, rt: Runtime, metrics: Metrics, options: { token?: string } = {}): void {
  app.decorateRequest('irsaAction', '')
  app.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done) => {
    const route = req.routeOptions.url ?? 'unmatched'
    metrics.request(route, actionLabel(req.irsaAction), reply.statusCode, reply.elapsedTime / 1000)
    done()
  })
  const unsubscribe = rt.observeDecisions((d) => metrics.decision(d))
  const unobserve = rt.observeKeyCache((e) => metrics.keyCache(e))
  app.addHook('onClose', (_app, done) => {
    unsubscribe()
    unobserve()
    done()
  })
  const token = options.token
  app.get(METRICS_PATH, async (req, reply) => {
    if (token !== undefined && !tokenMatches(req.headers.authorization, token)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="irsa-metrics"').send({ error: { code: 'Unauthorized', message: 'A bearer token is required for /metrics' } })
    }
    const body = await metrics.registry.metrics()
    return reply.code(200).header('content-type', metrics.registry.contentType).send(body)
  })
}
