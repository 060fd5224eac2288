// Dashboard authentication over real HTTP (no browser): 401s, the token-in-URL sign-in and its
// redirect, cookie flags and contents, the login form, and the session MAC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { safeEqual } from '../../src/core/safe-equal.js'
import { checkAdmin, checkToken, makeSession, SESSION_SECONDS, verifySession } from '../../src/ui/auth.js'
import { ADMIN, UI_TOKEN, get, seedEstate, startUiServer } from './helpers.js'
import type { UiTestServer } from './helpers.js'

function cookieOf(res: Response): string {
  const c = res.headers.getSetCookie()
  expect(c).toHaveLength(1)
  return c[0] as string
}

function form(fields: Record<string, string>): { method: string; body: string; headers: Record<string, string>; redirect: 'manual' } {
  return { method: 'POST', body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' }
}

describe('dashboard auth', () => {
  let s: UiTestServer
  beforeAll(async () => {
    s = await startUiServer({ uiToken: UI_TOKEN })
    await seedEstate(s)
  })
  afterAll(async () => {
    await s?.close()
  })

  it('answers 401 JSON to API and stream calls without credentials, and redirects pages to the login form', async () => {
    for (const path of ['/ui/api/identities', '/ui/api/graph', '/ui/api/findings', '/ui/api/roles/wide-open', '/ui/api/decisions', '/ui/api/decisions/stream']) {
      const res = await get(`${s.url}${path}`)
      expect(res.status, path).toBe(401)
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('Unauthorized')
    }
    expect((await get(`${s.url}/ui/api/identities`, { authorization: 'Bearer wrong-token' })).status).toBe(401)
    expect((await get(`${s.url}/ui/api/identities`, { authorization: `Bearer ${ADMIN.secretAccessKey}` })).status).toBe(401)
    const page = await get(`${s.url}/ui/graph`)
    expect(page.status).toBe(303)
    expect(page.headers.get('location')).toBe('/ui/login?next=%2Fui%2Fgraph')
    const login = await get(`${s.url}/ui/login`)
    expect(login.status).toBe(200)
    const html = await login.text()
    expect(html).toContain('<form method="post" action="/ui/login">')
    expect(html).toContain('<label for="token">')
    expect(login.headers.get('content-security-policy')).toMatch(/script-src 'self'/)
    expect(login.headers.get('content-security-policy')).not.toContain('unsafe-inline')
    expect(login.headers.get('x-frame-options')).toBe('DENY')
    expect(login.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('accepts Authorization: Bearer <ui token> for the JSON endpoints', async () => {
    const res = await get(`${s.url}/ui/api/identities`, { authorization: `Bearer ${UI_TOKEN}` })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const ids = (await res.json()) as { counts: Record<string, number>; namespaces: { name: string }[] }
    expect(ids.namespaces.map((n) => n.name)).toEqual(['batch', 'payments', 'team-a', 'team-b', 'web'])
    expect(ids.counts.broken).toBe(2)
  })

  it('/ui/?token=T sets an HttpOnly SameSite=Strict session cookie and redirects the token out of the URL', async () => {
    const res = await get(`${s.url}/ui/graph?token=${UI_TOKEN}&x=1`)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/ui/graph?x=1')
    const cookie = cookieOf(res)
    expect(cookie).toMatch(/^irsa_ui=v1\.\d+\.token\.[^;]+; Path=\/ui; HttpOnly; SameSite=Strict; Max-Age=43200$/)
    expect(cookie).not.toContain(UI_TOKEN)
    expect(cookie).not.toContain(ADMIN.secretAccessKey)
    const session = cookie.split(';')[0] as string
    const page = await get(`${s.url}/ui/graph?x=1`, { cookie: session })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('id="graph-data"')
    expect((await get(`${s.url}/ui/api/findings`, { cookie: session })).status).toBe(200)
    // A tampered session is refused.
    const tampered = session.replace(/\.token\./, '.admin.')
    expect((await get(`${s.url}/ui/api/findings`, { cookie: tampered })).status).toBe(401)
    // A wrong token in the URL signs nobody in.
    const wrong = await get(`${s.url}/ui/?token=not-the-token`)
    expect(wrong.status).toBe(401)
    expect(wrong.headers.getSetCookie()).toEqual([])
    expect(await wrong.text()).toContain('That dashboard token is not valid.')
  })

  it('the login form accepts the token or the admin key pair, refuses anything else and cross-site posts', async () => {
    const ok = await fetch(`${s.url}/ui/login`, form({ accessKeyId: ADMIN.accessKeyId, secretAccessKey: ADMIN.secretAccessKey, next: '/ui/findings' }))
    expect(ok.status).toBe(303)
    expect(ok.headers.get('location')).toBe('/ui/findings')
    expect(cookieOf(ok)).toMatch(/^irsa_ui=v1\.\d+\.admin\./)
    const byToken = await fetch(`${s.url}/ui/login`, form({ token: UI_TOKEN, next: 'https://evil.example/' }))
    expect(byToken.status).toBe(303)
    expect(byToken.headers.get('location')).toBe('/ui/')
    const bads: Record<string, string>[] = [
      { accessKeyId: ADMIN.accessKeyId, secretAccessKey: `${ADMIN.secretAccessKey}x` },
      { accessKeyId: 'AKIAWRONGWRONGWRONG1', secretAccessKey: ADMIN.secretAccessKey },
      { accessKeyId: ADMIN.accessKeyId, secretAccessKey: '' },
      { token: 'x' },
    ]
    for (const bad of bads) {
      const res = await fetch(`${s.url}/ui/login`, form(bad))
      expect(res.status).toBe(401)
      expect(res.headers.getSetCookie()).toEqual([])
      expect(await res.text()).toContain('Those credentials are not valid.')
    }
    const cross = await fetch(`${s.url}/ui/login`, { ...form({ token: UI_TOKEN }), headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' } })
    expect(cross.status).toBe(403)
    const garbled = await fetch(`${s.url}/ui/login`, { ...form({ token: UI_TOKEN }), headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'not a url' } })
    expect(garbled.status).toBe(403)
    const out = await fetch(`${s.url}/ui/logout`, { method: 'POST', redirect: 'manual' })
    expect(cookieOf(out)).toMatch(/^irsa_ui=; Path=\/ui; HttpOnly; SameSite=Strict; Max-Age=0$/)
  })

  it('compares secrets in constant time over digests: any length, no throw, both halves checked', () => {
    const cfg = { token: UI_TOKEN, admin: ADMIN }
    // crypto.timingSafeEqual throws on unequal lengths; the digest path never does.
    expect(safeEqual('a', 'a much longer secret')).toBe(false)
    expect(safeEqual('', '')).toBe(true)
    expect(checkToken(cfg, `${UI_TOKEN}x`)).toBe(false)
    expect(checkToken(cfg, UI_TOKEN)).toBe(true)
    expect(checkToken({ token: undefined, admin: ADMIN }, '')).toBe(false)
    expect(checkAdmin(cfg, ADMIN.accessKeyId, ADMIN.secretAccessKey)).toBe(true)
    expect(checkAdmin(cfg, ADMIN.accessKeyId, undefined)).toBe(false)
    expect(checkAdmin(cfg, 'AKIA', ADMIN.secretAccessKey)).toBe(false)
  })

  it('sessions are MAC’d, expire, and end when the token changes; replicas with the same credentials accept them', () => {
    const cfg = { token: UI_TOKEN, admin: ADMIN }
    const now = 1_900_000_000
    const v = makeSession(cfg, 'token', now, 'nonce-1')
    expect(v).not.toContain(UI_TOKEN)
    expect(verifySession({ token: UI_TOKEN, admin: { ...ADMIN } }, v, now + 10)).toBe('token')
    expect(verifySession(cfg, v, now + SESSION_SECONDS)).toBeUndefined()
    expect(verifySession({ token: 'another-token', admin: ADMIN }, v, now)).toBeUndefined()
    expect(verifySession({ token: undefined, admin: ADMIN }, v, now)).toBeUndefined()
    expect(verifySession({ token: UI_TOKEN, admin: { ...ADMIN, secretAccessKey: 'other' } }, v, now)).toBeUndefined()
    expect(verifySession(cfg, `${v}x`, now)).toBeUndefined()
  })

  it('streams decisions as server-sent events, filtered, and closing the server ends open streams', async () => {
    const other = await startUiServer({ uiToken: UI_TOKEN })
    try {
      await seedEstate(other)
      const res = await fetch(`${other.url}/ui/api/decisions/stream?outcome=Deny`, { headers: { authorization: `Bearer ${UI_TOKEN}` } })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      expect(res.headers.get('x-frame-options')).toBe('DENY')
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      const decoder = new TextDecoder()
      let text = ''
      expect(await other.assume('payments-reader', 'payments', 'reader')).toBe('OK')
      expect(await other.assume('frontend-role', 'web', 'frontend')).toBe('AccessDenied')
      while (!text.includes('event: decision')) {
        const chunk = await reader.read()
        if (chunk.done) break
        text += decoder.decode(chunk.value, { stream: true })
      }
      const event = /id: (\d+)\nevent: decision\ndata: (.*)\n\n/.exec(text)
      expect(event).not.toBeNull()
      const d = JSON.parse(event?.[2] as string) as { outcome: string; roleArn: string; reason: string; statements: string[] }
      expect(d).toMatchObject({ outcome: 'Deny', roleArn: other.roleArn('frontend-role') })
      expect(d.statements).toEqual(['trust[1] DenyFrontend (Deny)'])
      // No Allow was sent: the Deny came after the Allow and is the first event.
      expect(text).not.toContain('"outcome":"Allow"')
      const closing = other.close()
      // The stream ends (the server does not wait for the client to hang up).
      while (!(await reader.read()).done);
      await closing
    } catch (e) {
      await other.close().catch(() => undefined)
      throw e
    }
  })

  it('serves the assets publicly with the security headers', async () => {
    const js = await get(`${s.url}/ui/assets/app.js`)
    expect(js.status).toBe(200)
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(js.headers.get('x-content-type-options')).toBe('nosniff')
    const cy = await get(`${s.url}/ui/assets/cytoscape.min.js`)
    expect((await cy.text()).length).toBeGreaterThan(100_000)
    expect((await get(`${s.url}/ui/nope`)).status).toBe(404)
  })
})

describe('irsa serve --demo', () => {
  it('prints the dashboard URL with a generated token that signs in', async () => {
    const s = await startUiServer({ demo: true })
    try {
      const line = s.lines.find((l) => l.includes('dashboard'))
      const m = /dashboard\s+(http:\/\/127\.0\.0\.1:\d+\/ui\/\?token=([A-Za-z0-9_-]{32}))\s/.exec(line ?? '')
      expect(m, line).not.toBeNull()
      const res = await get(m?.[1] as string)
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe('/ui/')
      const session = (res.headers.getSetCookie()[0] as string).split(';')[0] as string
      const ids = (await (await get(`${s.url}/ui/api/identities`, { cookie: session })).json()) as { namespaces: { name: string; serviceAccounts: { name: string; bindings: { status: string }[] }[] }[] }
      expect(ids.namespaces[0]?.name).toBe('demo')
      expect(ids.namespaces[0]?.serviceAccounts[0]?.bindings[0]?.status).toBe('working')
    } finally {
      await s.close()
    }
  })

  it('prints the URL without the token when one was given', async () => {
    const s = await startUiServer({ uiToken: UI_TOKEN })
    try {
      const line = s.lines.find((l) => l.includes('dashboard')) ?? ''
      expect(line).toMatch(/dashboard\s+http:\/\/127\.0\.0\.1:\d+\/ui\/\s/)
      expect(line).not.toContain(UI_TOKEN)
    } finally {
      await s.close()
    }
  })
})
