/**
 * The fastify app factory: one process serves the OIDC documents, the STS and IAM Query APIs at
 * `/`, and `/healthz`. `buildApp` only assembles; `serve.ts` listens.
 */
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { AwsError } from '../aws/aws-error.js'
import { bindingsRoutes } from './bindings.js'
import { oidcRoutes } from './oidc.js'
import { errorBody, queryApi } from './query-api.js'
import type { Runtime } from './runtime.js'
import { storeWebhookPlugin } from '../webhook/sa-source-store.js'

export interface AppOptions {
  /** Log requests (never bodies or headers that carry secrets). */
  readonly logger?: boolean
}

export async function buildApp(rt: Runtime, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger
      ? { level: 'info', redact: ['req.headers.authorization', 'req.headers["x-amz-security-token"]'] }
      : false,
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
    return reply.code(e.status).header('content-type', 'text/xml').send(errorBody(e, 'sts', rt.random.uuid()))
  })
  app.get('/healthz', async () => ({ status: 'ok', issuer: rt.issuer, account: rt.account, store: rt.store.kind }))
  await oidcRoutes(app, rt)
  await queryApi(app, rt)
  await app.register(storeWebhookPlugin(rt)) // POST /mutate: the admission webhook, service accounts from the store's bindings
  await bindingsRoutes(app, rt)
  return app
}
