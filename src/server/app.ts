/**
 * The fastify app factory: one process serves the OIDC documents, the STS and IAM Query APIs at
 * `/`, and `/healthz`. `buildApp` only assembles; `serve.ts` listens.
 */
import Fastify, { LogController } from 'fastify'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { AwsError } from '../aws/aws-error.js'
import { bindingsRoutes } from './bindings.js'
import { eksRoutes } from './eks.js'
import { podIdentityAgentRoutes } from './pod-identity-agent.js'
import { oidcRoutes } from './oidc.js'
import { errorBody, queryApi } from './query-api.js'
import type { Runtime } from '../core/runtime.js'
import { uiRoutes } from './ui.js'
import { storeWebhookPlugin } from '../webhook/sa-source-store.js'
import { healthRoutes } from './health.js'
import { createLogger, requestLogging } from './logging.js'
import { createMetrics, metricsRoutes } from './metrics.js'
import { drainGate } from './shutdown.js'
import { hostGuard } from './host-guard.js'
import { gatewayRoutes } from './gateway.js'
import type { GatewayOptions } from './gateway.js'

export interface AppOptions {
  /** Log requests (never bodies or headers that carry secrets). */
  readonly logger?: boolean
  /** The logger to use (irsa serve's, from logging.ts); takes precedence over `logger`. */
  readonly log?: Logger
  /** When set, GET /metrics requires `Authorization: Bearer <metricsToken>`. */
  readonly metricsToken?: string
  /** POST /mutate requires `Authorization: Bearer <webhookToken>`; unset, it is refused. */
  readonly webhookToken?: string
  /** The listen address: on loopback, requests must name a loopback host or the issuer's (host-guard.ts). */
  readonly bindHost?: string
  /** More host names the loopback guard accepts. */
  readonly allowedHosts?: readonly string[]
  /** Enforce irsa's credentials on other AWS services and forward to this backend (gateway.ts). */
  readonly gateway?: GatewayOptions
}

export async function buildApp(rt: Runtime, options: AppOptions = {}): Promise<FastifyInstance> {
  const log = options.log ?? (options.logger ? createLogger({ level: 'info', format: 'json' }) : undefined)
  const app = Fastify({
    ...(log === undefined ? { logger: false } : { loggerInstance: log as FastifyBaseLogger }),
    // One id per request, the x-amzn-RequestId of its answer and the reqId of its log lines.
    genReqId: () => rt.random.uuid(),
    logController: new LogController({ disableRequestLogging: true }), // logging.ts logs one line per request
    return503OnClosing: false,
    bodyLimit: 1024 * 1024,
    trustProxy: false,
  })
  // Keep the raw bytes: SigV4 signs the body exactly as sent. Parameters are parsed by the Query API.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode ?? 500
    const e =
      status === 413
        ? new AwsError('ValidationError', 'Request body too large', { status: 413 })
        : status < 500
          ? new AwsError('MalformedQueryString', err.message, { status })
          : new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.')
    if (status >= 500) req.log.error({ err }, 'internal failure')
    return reply.code(e.status).header('content-type', 'text/xml').send(errorBody(e, 'sts', req.id))
  })
  if (options.bindHost !== undefined) hostGuard(app, { bindHost: options.bindHost, issuer: rt.issuer, ...(options.allowedHosts === undefined ? {} : { allowedHosts: options.allowedHosts }) })
  app.get('/healthz', async () => ({ status: 'ok', issuer: rt.issuer, account: rt.account, store: rt.store.kind }))
  app.decorate('lifecycle', { draining: false })
  metricsRoutes(app, rt, createMetrics(rt), options.metricsToken === undefined ? {} : { token: options.metricsToken })
  healthRoutes(app, rt)
  drainGate(app)
  if (options.gateway !== undefined) gatewayRoutes(app, rt, options.gateway)
  if (log !== undefined) requestLogging(app)
  await oidcRoutes(app, rt)
  await queryApi(app, rt)
  // POST /mutate: the admission webhook, service accounts from the store's bindings; bearer token only
  await app.register(storeWebhookPlugin(rt, options.webhookToken === undefined ? {} : { token: options.webhookToken }))
  await bindingsRoutes(app, rt)
  await eksRoutes(app, rt) // EKS pod identity associations and EKS Auth (rest-json)
  await podIdentityAgentRoutes(app, rt) // GET /v1/credentials: the Pod Identity agent
  await uiRoutes(app, rt) // /ui: the read-only web dashboard and its JSON and event stream
  return app
}
