/**
 * The web dashboard at `/ui`: read-only, server-rendered pages (identities, trust graph, role
 * detail, live decisions, findings), their JSON under `/ui/api/*`, the decision log as server-sent
 * events (the store is polled, so decisions made by any replica appear), and the static assets.
 *
 * Authentication (src/ui/auth.ts): `Authorization: Bearer <ui token>`, or the session cookie set by
 * the login form or by `/ui/?token=<ui token>` (which then redirects to strip the token from the
 * URL). Unauthenticated pages redirect to the login page; API and stream calls get 401 JSON.
 * Every response carries a CSP without 'unsafe-inline', X-Frame-Options DENY and nosniff.
 */
import { gzipSync } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isIrsaError } from '../errors.js'
import type { DecisionRecord } from '../store/decision-log.js'
import { APP_CSS } from '../ui/assets/app-css.js'
import { APP_JS } from '../ui/assets/app-js.js'
import { cytoscapeBundle } from '../ui/assets/cytoscape.js'
import { checkAdmin, checkToken, clearedCookie, makeSession, requestPrincipal, safeNext, sessionCookie } from '../ui/auth.js'
import type { UiAuthConfig, UiPrincipal } from '../ui/auth.js'
import { identities, matchesDecision, roleByName, roleDetail, serverAudit, trustGraph, uiDecision } from '../ui/data.js'
import type { DecisionFilter } from '../ui/data.js'
import { escapeHtml } from '../ui/html.js'
import { UI_CSP, serverPage } from '../ui/layout.js'
import type { PageId } from '../ui/layout.js'
import { UI_BASE, serverLinks } from '../ui/links.js'
import { renderDecisions } from '../ui/views/decisions.js'
import { renderFindings } from '../ui/views/findings.js'
import { renderIdentities } from '../ui/views/identities.js'
import { renderLogin } from '../ui/views/login.js'
import { renderRole } from '../ui/views/role.js'
import { renderTrustGraph } from '../ui/views/trust-graph.js'
import type { Runtime } from '../core/runtime.js'

export interface UiOptions {
  /** The UI token (`irsa serve --ui-token`, IRSA_UI_TOKEN); without one only the admin credentials sign in. */
  readonly token?: string
  /** How often the event stream polls the store for new decisions; default 1000 ms. */
  readonly pollMs?: number
}

const options = new WeakMap<Runtime, UiOptions>()

/** Set the dashboard's options for a runtime before `buildApp` (serve.ts does, from --ui-token). */
export function configureUi(rt: Runtime, o: UiOptions): void {
  options.set(rt, o)
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': UI_CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
}

const MAX_PARAM = 256

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length <= MAX_PARAM ? v : undefined
}

function decisionFilter(q: Record<string, unknown>): DecisionFilter {
  const outcome = str(q.outcome)
  return {
    ...(outcome === 'Allow' || outcome === 'Deny' || outcome === 'Error' ? { outcome } : {}),
    ...(str(q.role) ? { role: str(q.role) } : {}),
    ...(str(q.namespace) ? { namespace: str(q.namespace) } : {}),
  }
}

function filterQuery(f: DecisionFilter, after: number): string {
  const p = new URLSearchParams()
  if (f.outcome !== undefined) p.set('outcome', f.outcome)
  if (f.role !== undefined) p.set('role', f.role)
  if (f.namespace !== undefined) p.set('namespace', f.namespace)
  p.set('after', String(after))
  return p.toString()
}

function pathOf(req: FastifyRequest): string {
  const url = req.raw.url ?? '/'
  const q = url.indexOf('?')
  return q < 0 ? url : url.slice(0, q)
}

/** The decisions to show: newest `limit` of the log (optionally by outcome), then filtered. */
async function recentDecisions(rt: Runtime, f: DecisionFilter, limit: number): Promise<DecisionRecord[]> {
  const rows = await rt.store.listDecisions({ limit: 2000, ...(f.outcome === undefined ? {} : { outcome: f.outcome }) })
  return rows.filter((d) => matchesDecision(d, f)).slice(-limit)
}

export async function uiRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const streams = new Set<() => void>()
  app.addHook('preClose', (done) => {
    for (const end of streams) end()
    done()
  })
  await app.register(
    async (scope) => {
      const o = (): UiOptions => options.get(rt) ?? {}
      const cfg = (): UiAuthConfig => ({ token: o().token, admin: rt.admin })
      const secure = (req: FastifyRequest): boolean => req.protocol === 'https'

      scope.addHook('onSend', async (_req, reply, payload) => {
        for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v)
        if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
        return payload
      })
      scope.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
        const unavailable = isIrsaError(err, 'ERR_STORE_UNAVAILABLE')
        const status = unavailable ? 503 : err.statusCode !== undefined && err.statusCode < 500 ? err.statusCode : 500
        if (status >= 500 && !unavailable) req.log.error({ err }, 'dashboard failure')
        const message = unavailable ? 'The store cannot be reached right now; retry shortly.' : status < 500 ? err.message : 'The dashboard failed to render this view.'
        if (unavailable) reply.header('retry-after', '5')
        if (pathOf(req).startsWith(`${UI_BASE}/api/`)) return reply.code(status).send({ error: { code: unavailable ? 'ServiceUnavailable' : status < 500 ? 'BadRequest' : 'InternalFailure', message } })
        return reply.code(status).type('text/html; charset=utf-8').send(serverPage({ title: 'Error', active: 'identities', body: `<h1>Error</h1><p class="error">${escapeHtml(message)}</p>`, signedIn: false }))
      })
      scope.setNotFoundHandler((req, reply) => {
        if (pathOf(req).startsWith(`${UI_BASE}/api/`)) return reply.code(404).send({ error: { code: 'NotFound', message: 'No such dashboard endpoint' } })
        return reply.code(404).type('text/html; charset=utf-8').send(serverPage({ title: 'Not found', active: 'identities', body: '<h1>Not found</h1><p>No such page. <a href="/ui/">Back to the dashboard</a>.</p>', signedIn: false }))
      })

      const who = (req: FastifyRequest): UiPrincipal | undefined => requestPrincipal(cfg(), { authorization: req.headers.authorization, cookie: req.headers.cookie }, rt.nowSeconds())

      const startSession = (req: FastifyRequest, reply: FastifyReply, via: UiPrincipal): void => {
        reply.header('set-cookie', sessionCookie(makeSession(cfg(), via, rt.nowSeconds(), rt.random.uuid()), secure(req)))
      }

      /** A page: `?token=` signs in and redirects without it; no session redirects to the login page. */
      const page = (active: PageId, render: (req: FastifyRequest) => Promise<{ title: string; body: string; graph?: boolean } | undefined>) => {
        return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
          const url = new URL(req.raw.url ?? '/', 'http://localhost')
          const token = url.searchParams.get('token')
          if (token !== null) {
            url.searchParams.delete('token')
            const rest = `${url.pathname}${url.search}`
            if (!checkToken(cfg(), token)) {
              return reply.code(401).type('text/html; charset=utf-8').send(serverPage({ title: 'Sign in', active: 'login', signedIn: false, body: renderLogin({ next: safeNext(rest), error: 'That dashboard token is not valid.', tokenEnabled: cfg().token !== undefined }) }))
            }
            startSession(req, reply, 'token')
            return reply.code(303).header('location', safeNext(rest)).send()
          }
          if (who(req) === undefined) return reply.code(303).header('location', `${UI_BASE}/login?next=${encodeURIComponent(`${url.pathname}${url.search}`)}`).send()
          const r = await render(req)
          if (r === undefined) {
            reply.callNotFound()
            return reply
          }
          return reply.type('text/html; charset=utf-8').send(serverPage({ title: r.title, active, body: r.body, ...(r.graph === true ? { graph: true } : {}) }))
        }
      }

      /** An API call: 401 JSON without credentials. */
      const api = (handler: (req: FastifyRequest) => Promise<unknown>) => {
        return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
          if (who(req) === undefined) return reply.code(401).header('www-authenticate', 'Bearer realm="irsa-ui"').send({ error: { code: 'Unauthorized', message: 'Sign in to the dashboard or send Authorization: Bearer <ui token>' } })
          const body = await handler(req)
          if (body === undefined) return reply.code(404).send({ error: { code: 'NotFound', message: 'No such object' } })
          return reply.send(body)
        }
      }

      // Assets: public (no secrets), cacheable briefly, gzipped once when the client accepts it.
      const asset = (type: string, body: () => string) => {
        let gz: Buffer | undefined
        return async (req: FastifyRequest, reply: FastifyReply) => {
          reply.header('cache-control', 'public, max-age=300').header('vary', 'accept-encoding').type(type)
          if (!/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.send(body())
          gz ??= gzipSync(body())
          return reply.header('content-encoding', 'gzip').send(gz)
        }
      }
      scope.get('/assets/app.css', asset('text/css; charset=utf-8', () => APP_CSS))
      scope.get('/assets/app.js', asset('text/javascript; charset=utf-8', () => APP_JS))
      scope.get('/assets/cytoscape.min.js', asset('text/javascript; charset=utf-8', cytoscapeBundle))

      // Sign in and out.
      scope.get('/login', async (req, reply) => {
        const next = safeNext(str((req.query as Record<string, unknown>).next))
        if (who(req) !== undefined) return reply.code(303).header('location', next).send()
        return reply.type('text/html; charset=utf-8').send(serverPage({ title: 'Sign in', active: 'login', signedIn: false, body: renderLogin({ next, tokenEnabled: cfg().token !== undefined }) }))
      })
      scope.post('/login', async (req, reply) => {
        const origin = req.headers.origin
        if (origin !== undefined && origin !== 'null' && URL.parse(origin)?.host !== req.headers.host) return reply.code(403).type('text/plain').send('Cross-site sign-in refused')
        const form = new URLSearchParams(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '')
        const next = safeNext(form.get('next') ?? undefined)
        const token = form.get('token') ?? ''
        const c = cfg()
        const via: UiPrincipal | undefined =
          token !== '' ? (checkToken(c, token) ? 'token' : undefined) : checkAdmin(c, form.get('accessKeyId') ?? undefined, form.get('secretAccessKey') ?? undefined) ? 'admin' : undefined
        if (via === undefined) {
          return reply.code(401).type('text/html; charset=utf-8').send(serverPage({ title: 'Sign in', active: 'login', signedIn: false, body: renderLogin({ next, error: 'Those credentials are not valid.', tokenEnabled: c.token !== undefined }) }))
        }
        startSession(req, reply, via)
        return reply.code(303).header('location', next).send()
      })
      scope.post('/logout', async (req, reply) => reply.code(303).header('set-cookie', clearedCookie(secure(req))).header('location', `${UI_BASE}/login`).send())

      // Pages.
      scope.get(
        '/',
        page('identities', async () => {
          const a = await serverAudit(rt)
          return { title: 'Identities', body: renderIdentities(identities(a), serverLinks) }
        }),
      )
      scope.get(
        '/graph',
        page('graph', async () => ({ title: 'Trust graph', body: renderTrustGraph(trustGraph(await serverAudit(rt)), serverLinks), graph: true })),
      )
      scope.get(
        '/roles/:name',
        page('role', async (req) => {
          const a = await serverAudit(rt)
          const node = roleByName(a, (req.params as { name: string }).name)
          const d = node === undefined ? undefined : roleDetail(a, node.obj.arn)
          return d === undefined ? undefined : { title: `Role ${d.name}`, body: renderRole(d, serverLinks) }
        }),
      )
      scope.get(
        '/findings',
        page('findings', async () => ({ title: 'Findings', body: renderFindings((await serverAudit(rt)).result, serverLinks) })),
      )
      scope.get(
        '/decisions',
        page('decisions', async (req) => {
          const f = decisionFilter(req.query as Record<string, unknown>)
          const latest = (await rt.store.listDecisions({ limit: 1 }))[0]?.id ?? 0
          const rows = await recentDecisions(rt, f, 200)
          return { title: 'Live decisions', body: renderDecisions(rows.map(uiDecision), f, `${UI_BASE}/api/decisions/stream?${filterQuery(f, latest)}`) }
        }),
      )

      // JSON.
      scope.get('/api/identities', api(async () => identities(await serverAudit(rt))))
      scope.get('/api/graph', api(async () => trustGraph(await serverAudit(rt))))
      scope.get(
        '/api/findings',
        api(async () => {
          const r = (await serverAudit(rt)).result
          return { findings: r.findings, stats: r.stats, warnings: r.warnings }
        }),
      )
      scope.get(
        '/api/roles/:name',
        api(async (req) => {
          const a = await serverAudit(rt)
          const node = roleByName(a, (req.params as { name: string }).name)
          return node === undefined ? undefined : roleDetail(a, node.obj.arn)
        }),
      )
      scope.get(
        '/api/decisions',
        api(async (req) => {
          const q = req.query as Record<string, unknown>
          const limit = Math.min(Math.max(Number(str(q.limit) ?? 200) || 200, 1), 1000)
          return { decisions: (await recentDecisions(rt, decisionFilter(q), limit)).map(uiDecision) }
        }),
      )

      // The decision log as server-sent events: polls the store, sends decisions newer than `after`
      // (or Last-Event-ID on a reconnect) that match the filter.
      const PAGE = 500
      scope.get('/api/decisions/stream', async (req, reply) => {
        if (who(req) === undefined) return reply.code(401).header('www-authenticate', 'Bearer realm="irsa-ui"').send({ error: { code: 'Unauthorized', message: 'Sign in to the dashboard first' } })
        const q = req.query as Record<string, unknown>
        const f = decisionFilter(q)
        const lastEventId = req.headers['last-event-id']
        const start = Number(typeof lastEventId === 'string' ? lastEventId : (str(q.after) ?? 'NaN'))
        let lastId = Number.isSafeInteger(start) && start >= 0 ? start : ((await rt.store.listDecisions({ limit: 1 }))[0]?.id ?? 0)
        reply.hijack()
        const raw = reply.raw
        raw.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' })
        raw.write('retry: 2000\n\n')
        let open = true
        let timer: NodeJS.Timeout | undefined
        let beats = 0
        const end = (): void => {
          if (!open) return
          open = false
          if (timer !== undefined) clearTimeout(timer)
          streams.delete(end)
          raw.end()
        }
        streams.add(end)
        raw.on('close', end)
        const poll = async (): Promise<void> => {
          try {
            // Page through everything after the cursor, oldest first, so a burst is never skipped.
            for (;;) {
              const rows = await rt.store.listDecisions({ afterId: lastId, limit: PAGE, ...(f.outcome === undefined ? {} : { outcome: f.outcome }) })
              for (const d of rows) {
                if (!open || d.id === undefined || d.id <= lastId) continue
                lastId = d.id
                if (matchesDecision(d, f)) raw.write(`id: ${d.id}\nevent: decision\ndata: ${JSON.stringify(uiDecision(d))}\n\n`)
              }
              if (!open || rows.length < PAGE) break
            }
            if (open && ++beats % 15 === 0) raw.write(': keep-alive\n\n')
          } catch (e) {
            if (!isIrsaError(e, 'ERR_STORE_UNAVAILABLE')) req.log.error({ err: e }, 'decision stream poll failed')
          }
          if (open) timer = setTimeout(() => void poll(), o().pollMs ?? 1000)
        }
        void poll()
        return reply
      })
    },
    { prefix: UI_BASE },
  )
}

export interface UiSetup {
  readonly token: string | undefined
  /** True when the token was generated here (`--demo` without one): print it once, in the URL. */
  readonly generated: boolean
}

/** Configure the dashboard for `irsa serve`: the given token, or a generated one for `--demo`. */
export function setupUi(rt: Runtime, o: { token: string | undefined; demo: boolean }): UiSetup {
  const given = o.token === undefined || o.token === '' ? undefined : o.token
  const token = given ?? (o.demo ? Buffer.from(rt.random.bytes(24)).toString('base64url') : undefined)
  configureUi(rt, token === undefined ? {} : { token })
  return { token, generated: given === undefined && token !== undefined }
}

/** The `irsa serve` banner line for the dashboard. */
export function uiBanner(url: string, ui: UiSetup): string {
  const link = `${url}${UI_BASE}/${ui.generated && ui.token !== undefined ? `?token=${ui.token}` : ''}`
  return `  dashboard     ${link}   (sign in with ${ui.token === undefined ? '' : 'the UI token or '}the admin credentials)`
}
