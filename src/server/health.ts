/**
 * Readiness: `GET /readyz` answers 200 only when this replica can serve — not draining for
 * shutdown, the store answers a cheap read within a deadline, and an active signing key is loaded —
 * else 503 with a JSON reason, so a load balancer stops sending it traffic. `/healthz` (app.ts) is
 * liveness only: it answers whenever the process does.
 */
import type { FastifyInstance } from 'fastify'
import type { Runtime } from '../core/runtime.js'

export const READYZ_PATH = '/readyz'
/** A store read slower than this counts as unreachable. */
export const READY_STORE_TIMEOUT_MS = 2000

/** Shared between the readiness check and graceful shutdown. */
export interface Lifecycle {
  /** Set when shutdown begins: readiness fails and new requests are turned away. */
  draining: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    readonly lifecycle: Lifecycle
  }
}

export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: 'draining' | 'store-unreachable' | 'no-signing-key'; readonly message: string }

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

export async function readiness(rt: Runtime, lifecycle: Lifecycle, timeoutMs = READY_STORE_TIMEOUT_MS): Promise<Readiness> {
  if (lifecycle.draining) return { ready: false, reason: 'draining', message: 'the server is shutting down' }
  try {
    // The Store has no ping: a one-row settings read is the cheapest call every backend has.
    await within(rt.store.getSetting('issuer'), timeoutMs)
  } catch {
    // Never echo the error: a driver message may name the database host or user.
    return { ready: false, reason: 'store-unreachable', message: `the ${rt.store.kind} store did not answer` }
  }
  try {
    const keys = await within(rt.signingKeys(), timeoutMs)
    if (!keys.some((k) => k.retiredAt === undefined)) return { ready: false, reason: 'no-signing-key', message: 'no active signing key is loaded' }
  } catch {
    return { ready: false, reason: 'no-signing-key', message: 'the signing keys could not be loaded' }
  }
  return { ready: true }
}

export function healthRoutes(app: FastifyInstance, rt: Runtime): void {
  app.get(READYZ_PATH, async (_req, reply) => {
    const r = await readiness(rt, app.lifecycle)
    reply.header('cache-control', 'no-store')
    return r.ready ? reply.code(200).send({ status: 'ready' }) : reply.code(503).send({ status: 'unavailable', reason: r.reason, message: r.message })
  })
}
