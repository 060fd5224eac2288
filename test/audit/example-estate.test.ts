/**
 * examples/estate/ audited with the built CLI (`npm run build` first), as the README's "A first audit"
 * shows it: its findings are pinned (rule, severity, resources) so the example cannot rot, and the
 * well-configured controls stay clean.
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const ESTATE = fileURLToPath(new URL('../../examples/estate/', import.meta.url))
const PINNED = fileURLToPath(new URL('./fixtures/example-estate/findings.json', import.meta.url))
const ARGS = ['audit', '--kubernetes', 'kubernetes.json', '--iam', 'authorization-details.json', '--eks-cluster', 'eks-cluster.json', '--oidc-providers', 'oidc-providers.json', 'oidc-provider.json', '--pod-identity-associations', 'pod-identity-associations.json', '--no-progress']

interface Resource {
  readonly kind: string
  readonly arn?: string
  readonly namespace?: string
  readonly name: string
}
interface Finding {
  readonly ruleId: string
  readonly severity: string
  readonly resources: readonly Resource[]
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!existsSync(CLI)) throw new Error('dist/cli/main.js is missing: run `npm run build` first')
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ESTATE, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1
      resolve({ code, stdout, stderr })
    })
  })
}

const resourceName = (r: Resource): string => r.arn ?? `${r.kind} ${r.namespace ?? ''}/${r.name}`
const pin = (f: Finding): { rule: string; severity: string; resources: string[] } => ({ rule: f.ruleId, severity: f.severity, resources: f.resources.map(resourceName) })
const order = (a: ReturnType<typeof pin>, b: ReturnType<typeof pin>): number => JSON.stringify(a).localeCompare(JSON.stringify(b))

describe('examples/estate: a first audit', () => {
  it('finds exactly the planted problems (pinned), exits 1 on a high finding and loads without warnings', async () => {
    const { code, stdout, stderr } = await cli([...ARGS, '--format', 'json'])
    expect(stderr).toBe('')
    expect(code).toBe(1)
    const report = JSON.parse(stdout) as { findings: Finding[]; warnings: unknown[] }
    expect(report.warnings).toEqual([])
    const pinned = JSON.parse(readFileSync(PINNED, 'utf8')) as ReturnType<typeof pin>[]
    expect(report.findings.map(pin).sort(order)).toEqual([...pinned].sort(order))
  })

  it('gives the well-scoped controls no finding: payments/reader (IRSA) and checkout/api (Pod Identity)', async () => {
    const report = JSON.parse((await cli([...ARGS, '--format', 'json'])).stdout) as { findings: Finding[] }
    const clean = ['arn:aws:iam::111122223333:role/payments-reader', 'arn:aws:iam::111122223333:role/checkout-api', 'ServiceAccount payments/reader', 'ServiceAccount checkout/api']
    const touching = report.findings.filter((f) => f.resources.some((r) => clean.includes(resourceName(r))))
    expect(touching.map(pin)).toEqual([])
  })

  it('renders the text summary the README shows, and a self-contained HTML report', async () => {
    const text = await cli(ARGS)
    expect(text.stdout).toContain('Audited 1 cluster(s), 6 namespace(s), 15 service account(s), 17 workload object(s), 7 role(s) (7 workload roles): 1 critical, 1 high, 7 medium, 5 low, 0 info.')
    const html = await cli([...ARGS, '--format', 'html'])
    expect(html.stdout).toMatch(/^<!doctype html>/i)
    expect(html.stdout).toContain('payments-settlement')
    expect(html.stdout).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/i)
  })
})
