// The dashboard end to end: a real server with an estate made through its APIs, driven by a real
// Chromium through playwright-core. Every page's console errors and page errors are collected and
// must be empty; screenshots go to test-results/ (gitignored). Waits are on selectors and
// predicates, never on time.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { renderHtml } from '../../src/ui/report.js'
import { auditReportView } from '../../src/ui/report-view.js'
import { auditEstate } from '../audit/helpers.js'
import { ADMIN, UI_TOKEN, chromiumPath, seedEstate, seedPodIdentity, startUiServer } from './helpers.js'
import type { UiTestServer } from './helpers.js'

const RESULTS = resolve('test-results')

// The few browser globals the page functions below use (the project's TS lib has no DOM).
interface El {
  readonly id: string
  readonly textContent: string | null
  readonly offsetParent: unknown
  readonly cells: ArrayLike<{ readonly textContent: string | null }>
  getAttribute(name: string): string | null
  getBoundingClientRect(): { readonly left: number; readonly top: number }
}
declare const document: { readonly activeElement: El | null; readonly cookie: string; getElementById(id: string): El | null }
declare const window: unknown

interface IdentityRow {
  sa: string
  role: string
  status: string
  how: string
}

describe('dashboard in Chromium', () => {
  let s: UiTestServer
  let browser: Browser
  let context: BrowserContext
  const problems: string[] = []

  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true })
    const executablePath = chromiumPath()
    s = await startUiServer({ uiToken: UI_TOKEN })
    await seedEstate(s)
    await seedPodIdentity(s)
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] })
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    context.setDefaultTimeout(10_000)
    // Sign the shared context in through the login form, with the admin credentials.
    const page = await context.newPage()
    await page.goto(`${s.url}/ui/findings`)
    expect(page.url()).toBe(`${s.url}/ui/login?next=%2Fui%2Ffindings`)
    await page.fill('#access-key-id', ADMIN.accessKeyId)
    await page.fill('#secret-access-key', ADMIN.secretAccessKey)
    await Promise.all([page.waitForURL(`${s.url}/ui/findings`), page.click('button[type=submit]')])
    await page.close()
  }, 60_000)

  afterAll(async () => {
    await context?.close()
    await browser?.close()
    await s?.close()
  })

  afterEach(() => {
    const seen = problems.splice(0)
    expect(seen).toEqual([])
  })

  async function open(path: string, ctx: BrowserContext = context): Promise<Page> {
    const page = await ctx.newPage()
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()} (${page.url()})`)
    })
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message} (${page.url()})`))
    await page.goto(`${s.url}${path}`)
    return page
  }

  const identityRows = (page: Page, visibleOnly = false): Promise<IdentityRow[]> =>
    page.$$eval(
      '#identities-table tr[data-status]',
      (rows, only) =>
        rows
          .filter((r) => !only || (r as El).offsetParent !== null)
          .map((r) => ({ sa: r.getAttribute('data-sa') ?? '', role: r.getAttribute('data-role') ?? '', status: r.getAttribute('data-status') ?? '', how: (r as El).cells[2]?.textContent ?? '' })),
      visibleOnly,
    )

  it('signs in with ?token=, strips it from the URL, and shows each binding with its status', async () => {
    const fresh = await browser.newContext()
    fresh.setDefaultTimeout(10_000)
    const page = await open(`/ui/?token=${UI_TOKEN}`, fresh)
    expect(page.url()).toBe(`${s.url}/ui/`)
    await page.waitForSelector('#identities-table tr[data-status]')
    const bound = (await identityRows(page)).filter((r) => r.how === 'bound')
    const status = Object.fromEntries(bound.map((r) => [`${r.sa} → ${r.role}`, r.status]))
    expect(status).toEqual({
      'batch/worker → wide-open': 'over-broad',
      'jobs/irsa-job → dual-role': 'over-broad',
      'payments/reader → payments-reader': 'working',
      'team-a/app → shared-role': 'over-broad',
      'team-b/app → shared-role': 'over-broad',
      'web/frontend → frontend-role': 'broken',
      'web/ghost → does-not-exist': 'broken',
    })
    const frontend = await page.textContent('#identities-table tr[data-sa="web/frontend"][data-role="frontend-role"]')
    expect(frontend).toContain('does not admit system:serviceaccount:web:frontend')
    expect(await page.textContent('#identities-table tr[data-sa="batch/worker"][data-role="wide-open"]')).toContain('IRSA-TRUST-003')
    const cookies = await fresh.cookies()
    expect(cookies.find((c) => c.name === 'irsa_ui')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/ui' })
    expect(await page.evaluate(() => document.cookie)).toBe('')
    await page.screenshot({ path: join(RESULTS, 'ui-identities.png'), fullPage: true })
    await fresh.close()
  })

  it('search narrows the rows; every word must match', async () => {
    const page = await open('/ui/')
    await page.waitForSelector('#search')
    const all = (await identityRows(page)).length
    await page.fill('#search', 'broken')
    await page.waitForFunction(() => document.getElementById('search-status')?.textContent === '3 bindings shown')
    expect((await identityRows(page, true)).map((r) => `${r.sa} ${r.status}`).sort()).toEqual(['pods/pod-untagged broken', 'web/frontend broken', 'web/ghost broken'])
    await page.fill('#search', 'payments-reader working')
    await page.waitForFunction(() => document.getElementById('search-status')?.textContent === '1 binding shown')
    expect((await identityRows(page, true)).map((r) => r.sa)).toEqual(['payments/reader'])
    await page.fill('#search', '')
    await page.waitForFunction((n) => document.getElementById('search-status')?.textContent === `${n} bindings shown`, all)
    expect((await identityRows(page, true)).length).toBe(all)
    await page.close()
  })

  it('keyboard: the skip link reaches the content, arrows move between rows, Enter opens the role', async () => {
    const page = await open('/ui/')
    await page.waitForSelector('#identities-table')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    await page.keyboard.press('Enter')
    await page.waitForFunction(() => document.activeElement?.id === 'main')
    await page.focus('#identities-table tr[data-sa="batch/worker"][data-role="wide-open"]')
    await page.keyboard.press('ArrowDown')
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-sa'))).not.toBe(null)
    await page.keyboard.press('ArrowUp')
    expect(await page.evaluate(() => `${document.activeElement?.getAttribute('data-sa')} ${document.activeElement?.getAttribute('data-role')}`)).toBe('batch/worker wide-open')
    await Promise.all([page.waitForURL(`${s.url}/ui/roles/wide-open`), page.keyboard.press('Enter')])
    await page.waitForSelector('#role-h')
    expect(await page.textContent('#role-h')).toMatch(/Role wide-open P0 · admin-equivalent/)
    const text = (await page.textContent('main')) ?? ''
    expect(text).toContain('* (every action, every resource)')
    expect(text).toContain('granted by wide-open-policy[0] EverythingEverywhere')
    expect(text).toContain('"StringLike"')
    expect(text).toContain('system:serviceaccount:*:*')
    expect(text).toContain('Inline policy wide-open-policy')
    await page.screenshot({ path: join(RESULTS, 'ui-role.png'), fullPage: true })
    await page.close()
  })

  it('trust graph: cytoscape draws service accounts, roles and providers, wildcard and shared roles flagged', async () => {
    const page = await open('/ui/graph')
    await page.waitForSelector('#graph[data-ready="true"] canvas')
    const g = await page.evaluate(() => {
      const cy = (window as unknown as { irsaGraph: { nodes(sel?: string): { map<T>(f: (n: { data(k: string): string }) => T): T[] }; edges(sel?: string): { length: number } } }).irsaGraph
      const labels = (sel: string): string[] => cy.nodes(sel).map((n) => n.data('label')).sort()
      return { sa: labels('.sa'), wildcard: labels('.wildcard'), shared: labels('.shared'), missing: labels('.missing-role'), providers: labels('.provider').length, broken: cy.edges('.broken').length }
    })
    expect(g.sa).toEqual(['batch/worker', 'jobs/irsa-job', 'jobs/pod-job', 'payments/reader', 'pods/pod-reader', 'pods/pod-untagged', 'team-a/app', 'team-b/app', 'web/frontend', 'web/ghost'])
    expect(g.wildcard).toEqual(['frontend-role (P4)', 'wide-open (P0)'])
    expect(g.shared).toContain('shared-role (P3)')
    expect(g.shared).not.toContain('payments-reader (P4)')
    expect(g.missing).toEqual(['does-not-exist (missing)'])
    expect(g.providers).toBe(1)
    expect(g.broken).toBe(2)
    expect(await page.textContent('main')).toContain('Wildcard trust: frontend-role, wide-open.')
    await page.screenshot({ path: join(RESULTS, 'ui-graph.png') })
    // A click on a role opens it.
    const at = await page.evaluate(() => {
      const cy = (window as unknown as { irsaGraph: { nodes(s: string): { renderedPosition(): { x: number; y: number } } } }).irsaGraph
      const p = cy.nodes('[label = "shared-role (P3)"]').renderedPosition()
      const box = (document.getElementById('graph') as El).getBoundingClientRect()
      return { x: box.left + p.x, y: box.top + p.y }
    })
    await Promise.all([page.waitForURL(`${s.url}/ui/roles/shared-role`), page.mouse.click(at.x, at.y)])
    await page.waitForSelector('#role-h')
    await page.close()
  })

  it('Pod Identity associations: "pod identity" rows with their status, searchable; blue dashed edges to the role; listed on the role page', async () => {
    const page = await open('/ui/')
    await page.waitForSelector('#identities-table tr[data-status]')
    const pod = (await identityRows(page)).filter((r) => r.how.startsWith('pod identity'))
    expect(Object.fromEntries(pod.map((r) => [`${r.sa} → ${r.role}`, r.status]))).toEqual({
      'jobs/pod-job → dual-role': 'over-broad',
      'pods/pod-reader → pod-reader': 'working',
      'pods/pod-untagged → pod-untagged': 'broken',
    })
    expect(await page.textContent('#identities-table tr[data-sa="pods/pod-untagged"]')).toContain('sts:TagSession')
    await page.fill('#search', 'pod identity broken')
    await page.waitForFunction(() => document.getElementById('search-status')?.textContent === '1 binding shown')
    expect((await identityRows(page, true)).map((r) => `${r.sa} ${r.role}`)).toEqual(['pods/pod-untagged pod-untagged'])
    await page.screenshot({ path: join(RESULTS, 'ui-identities-pod-identity.png'), fullPage: true })
    await page.close()

    const graph = await open('/ui/graph')
    await graph.waitForSelector('#graph[data-ready="true"] canvas')
    const g = await graph.evaluate(() => {
      type Coll = { map<T>(f: (x: { data(k: string): string; style(k: string): string }) => T): T[] }
      const cy = (window as unknown as { irsaGraph: { nodes(sel: string): Coll; edges(sel: string): Coll } }).irsaGraph
      return {
        working: cy.edges('.pod-identity').map((e) => `${e.data('source')} ${e.style('line-style')} ${e.style('line-color')}`).sort(),
        broken: cy.edges('.pod-identity-broken').map((e) => `${e.data('source')} ${e.style('line-style')}`),
        service: cy.nodes('.service').map((n) => n.data('label')),
        shared: cy.nodes('.shared').map((n) => n.data('label')),
      }
    })
    expect(g.working).toEqual(['sa:irsa/jobs/pod-job dashed rgb(11,87,208)', 'sa:irsa/pods/pod-reader dashed rgb(11,87,208)'])
    expect(g.broken).toEqual(['sa:irsa/pods/pod-untagged dashed'])
    expect(g.service).toEqual(['Pod Identity (pods.eks.amazonaws.com)'])
    expect(g.shared).toContain('dual-role (P4)')
    expect(await graph.textContent('.legend')).toContain('Pod Identity association')
    await graph.screenshot({ path: join(RESULTS, 'ui-graph-pod-identity.png') })
    await graph.close()

    const role = await open('/ui/roles/pod-untagged')
    await role.waitForSelector('table.associations tr[data-association]')
    const row = (await role.textContent('table.associations tr[data-association]')) ?? ''
    expect(row).toContain('pods/pod-untagged')
    expect(row).toMatch(/a-[a-z0-9]{17}/)
    expect(row).toContain('broken')
    await role.close()
  })

  it('findings: the auditor on the server state, with framework mappings', async () => {
    const page = await open('/ui/findings')
    await page.waitForSelector('#findings-table tbody tr[data-rule]')
    const rules = await page.$$eval('#findings-table tbody tr[data-rule]', (rows) => rows.map((r) => r.getAttribute('data-rule')))
    expect(rules).toContain('IRSA-TRUST-003')
    expect(rules).toContain('IRSA-PERM-001')
    expect(rules).toContain('IRSA-LIFE-002')
    expect(await page.textContent('#findings-table')).toContain('OWASP NHI')
    await page.click('#findings-table tbody tr[data-rule="IRSA-PERM-001"] summary')
    expect(await page.isVisible('#findings-table tbody tr[data-rule="IRSA-PERM-001"] pre')).toBe(true)
    await page.screenshot({ path: join(RESULTS, 'ui-findings.png'), fullPage: true })
    await page.close()
  })

  it('live decisions: new decisions arrive over server-sent events; a denial shows its reason and deciding statement', async () => {
    const page = await open('/ui/decisions')
    await page.waitForFunction(() => document.getElementById('live-status')?.textContent === 'Live: connected')
    expect(await s.assume('payments-reader', 'payments', 'reader')).toBe('OK')
    const allow = page.locator('#decisions tbody tr.new-row[data-outcome="Allow"]', { hasText: 'role/payments-reader' })
    await allow.waitFor()
    expect(await allow.textContent()).toContain('system:serviceaccount:payments:reader')
    expect(await s.assume('frontend-role', 'web', 'frontend')).toBe('AccessDenied')
    const deny = page.locator('#decisions tbody tr.new-row[data-outcome="Deny"]', { hasText: 'role/frontend-role' })
    await deny.waitFor()
    const text = (await deny.textContent()) ?? ''
    expect(text).toContain('AccessDenied')
    expect(text).toContain('ExplicitDeny')
    expect(text).toContain('Deciding statement: trust[1] DenyFrontend (Deny)')
    await page.screenshot({ path: join(RESULTS, 'ui-decisions.png'), fullPage: true })

    // Filter by outcome and namespace: the page and the stream both honour it.
    await page.selectOption('#f-outcome', 'Deny')
    await page.fill('#f-namespace', 'web')
    await Promise.all([page.waitForURL(/outcome=Deny&role=&namespace=web$/), page.click('form.controls button[type=submit]')])
    await page.waitForFunction(() => document.getElementById('live-status')?.textContent === 'Live: connected')
    const outcomes = await page.$$eval('#decisions tbody tr[data-id]', (rows) => rows.map((r) => r.getAttribute('data-outcome')))
    expect(outcomes).toEqual(['Deny'])
    expect(await s.assume('payments-reader', 'payments', 'reader')).toBe('OK')
    expect(await s.assume('frontend-role', 'web', 'frontend')).toBe('AccessDenied')
    await page.locator('#decisions tbody tr.new-row[data-outcome="Deny"]').waitFor()
    expect(await page.$$eval('#decisions tbody tr[data-id]', (rows) => rows.map((r) => r.getAttribute('data-outcome')))).toEqual(['Deny', 'Deny'])
    await page.close()
  })

  it('the audit HTML report is one offline file rendered with the same views', async () => {
    const { result, graph } = await auditEstate()
    const file = join(RESULTS, 'ui-audit-report.html')
    const meta = { version: '0.1.0', generatedAt: '2025-06-01T00:00:00.000Z' }
    writeFileSync(file, renderHtml(auditReportView(result, graph, meta.generatedAt), meta))
    const page = await context.newPage()
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()} (report)`)
    })
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message} (report)`))
    const requests: string[] = []
    page.on('request', (r) => requests.push(r.url()))
    await page.goto(pathToFileURL(file).href)
    await page.waitForSelector('#graph[data-ready="true"] canvas')
    expect(await page.$$eval('#findings-table tbody tr[data-rule]', (r) => r.length)).toBe(result.findings.length)
    expect(await page.$$eval('#identities-table tr[data-status="broken"]', (r) => r.length)).toBeGreaterThan(0)
    await page.fill('#search', 'broken')
    await page.waitForFunction(() => /^\d+ bindings? shown$/.test(document.getElementById('search-status')?.textContent ?? ''))
    expect(requests.every((u) => u.startsWith('file:'))).toBe(true)
    await page.screenshot({ path: join(RESULTS, 'ui-report.png') })
    await page.close()
  })
})
