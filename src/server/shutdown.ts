/**
 * Graceful shutdown for one replica: stop accepting, turn away requests that arrive on open
 * keep-alive connections (a retryable 503, `Connection: close`), let requests in flight finish up
 * to a deadline, write the summaries of counted denials, then close the store — which writes out the
 * group-committed decision log — so every decision a client was answered for is stored.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AwsError } from '../aws/aws-error.js'
import { errorBody } from './query-api.js'
import type { Runtime } from '../core/runtime.js'

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000
/** Routes still answered while draining: probes and metrics. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics'])

/**
 * While draining: every answer closes its connection, and a request that arrives now (not one in
 * flight) gets 503 + Retry-After, in AWS's XML on the Query API, so SDKs retry on another replica.
 */
export function drainGate(app: FastifyInstance): void {
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done) => {
    if (!app.lifecycle.draining || PROBES.has(req.routeOptions.url ?? '')) {
      done()
      return
    }
    const e = new AwsError('ServiceUnavailable', 'The server is shutting down. Please retry.', { retryAfter: 1 })
    reply.code(503).header('retry-after', '1').header('connection', 'close').header('x-amzn-RequestId', req.id)
    if (req.routeOptions.url === '/') void reply.header('content-type', 'text/xml').send(errorBody(e, 'sts', req.id))
    else void reply.send({ error: { code: e.code, message: e.message } })
  })
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (app.lifecycle.draining) reply.header('connection', 'close')
    done(null, payload)
  })
}

export interface ShutdownResult {
  /** false when the deadline passed and open connections were cut. */
  readonly drained: boolean
}

/**
 * Drain and close: readiness fails at once, the listener closes, in-flight requests get up to
 * `timeoutMs` to finish (then their connections are cut), and the store is closed last.
 */
export async function closeGracefully(app: FastifyInstance, rt: Runtime, timeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS): Promise<ShutdownResult> {
  app.lifecycle.draining = true
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  const closed = app.close().then(() => 'closed' as const)
  const first = await Promise.race([closed, deadline])
  clearTimeout(timer)
  if (first === 'timeout') {
    app.server.closeAllConnections()
    await closed
  }
  try {
    await rt.flushDecisions() // the summary rows of denials still being counted
  } finally {
    await rt.store.close()
  }
  return { drained: first === 'closed' }
}
