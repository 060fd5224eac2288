/**
 * DNS-rebinding protection for a server bound to loopback. A web page can make a browser send
 * requests to 127.0.0.1 under its own host name (a name that first resolved elsewhere, then to
 * 127.0.0.1); the browser then lets the page read the answers. Such a request still carries the
 * page's `Host`. So when the listener is on a loopback address, a request whose `Host` is neither a
 * loopback name or address nor the issuer's host (nor one the operator allowed) is refused before
 * routing, except for the public, read-only routes: the OIDC documents (meant to be fetched by
 * anyone) and the health probes. A request without `Host` is not a browser's and passes.
 *
 * Refused as the route's clients expect: AWS XML on the Query API (`/`), a Kubernetes Status on
 * `/mutate`, JSON elsewhere; always 403 AccessDenied.
 */
import { isIP } from 'node:net'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AwsError } from '../aws/aws-error.js'
import { DISCOVERY_PATH, JWKS_PATH } from '../tokens/discovery.js'
import { errorBody } from './query-api.js'
import { kubernetesStatus } from '../webhook/bearer-auth.js'

/** Whether `host` (a host name or address, without port or brackets) is a loopback one. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '')
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (isIP(h) === 4) return h.startsWith('127.')
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h)
  return false
}

/** The host name of a `Host` header value (`name:port`, `[v6]:port`), lower-cased; undefined when it is not one. */
export function hostName(header: string): string | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/@]+))(?::\d{1,5})?$/.exec(header.trim())
  if (m === null) return undefined
  return (m[1] ?? m[2] ?? '').toLowerCase().replace(/\.$/, '')
}

export interface HostGuardOptions {
  /** The address the server listens on; no guard unless it is a loopback one. */
  readonly bindHost: string
  /** The issuer URL: its host is always accepted (a proxy in front passes it through). */
  readonly issuer: string
  /** More host names to accept (`--allowed-host`). */
  readonly allowedHosts?: readonly string[]
}

/** Install the guard on `app` when the listener is on loopback; returns whether it did. */
export function hostGuard(app: FastifyInstance, o: HostGuardOptions): boolean {
  const bind = o.bindHost.replace(/^\[|\]$/g, '')
  if (!isLoopbackHost(bind)) return false
  const issuerHost = new URL(o.issuer).hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const allowed = new Set([issuerHost, ...(o.allowedHosts ?? []).map((h) => h.toLowerCase())])
  const issuerPath = new URL(o.issuer).pathname.replace(/\/+$/, '')
  const open = new Set([issuerPath + DISCOVERY_PATH, issuerPath + JWKS_PATH, '/healthz', '/readyz'])
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done) => {
    const header = req.headers.host
    const path = (req.raw.url ?? '/').split('?')[0] ?? '/'
    if (header === undefined || open.has(path)) {
      done()
      return
    }
    const name = hostName(header)
    if (name !== undefined && (isLoopbackHost(name) || allowed.has(name))) {
      done()
      return
    }
    const message = `The Host header does not name this server: a server listening on loopback answers only requests to a loopback host or to ${issuerHost} (DNS rebinding protection; add names with --allowed-host).`
    const e = new AwsError('AccessDenied', message)
    reply.code(403).header('x-amzn-RequestId', req.id)
    if (path === '/') void reply.header('content-type', 'text/xml').send(errorBody(e, 'sts', req.id))
    else if (path === '/mutate') void reply.type('application/json').send(kubernetesStatus(403, 'Forbidden', message))
    else void reply.header('x-amzn-ErrorType', e.code).type('application/json').send({ message })
  })
  return true
}
