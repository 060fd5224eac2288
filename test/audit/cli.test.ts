import { describe, expect, it } from 'vitest'
import { auditCommand, rulesCommand, whatCanCommand, whoCanCommand } from '../../src/cli/audit.js'
import type { AuditFlags } from '../../src/cli/audit.js'
import { ESTATE_FLAGS, arn, memoryIo } from './helpers.js'

const base: AuditFlags = { ...ESTATE_FLAGS, format: 'json', failOn: 'high', progress: false }

describe('irsa audit (CLI)', () => {
  it('exits 1 when findings are at or above --fail-on, 0 otherwise', async () => {
    expect(await auditCommand(base, memoryIo())).toBe(1)
    expect(await auditCommand({ ...base, failOn: 'none' }, memoryIo())).toBe(0)
    expect(await auditCommand({ ...base, rules: ['IRSA-TRUST-002'], failOn: 'high' }, memoryIo())).toBe(0)
    expect(await auditCommand({ ...base, rules: ['IRSA-TRUST-002'], failOn: 'medium' }, memoryIo())).toBe(1)
  })

  it('exits 2 on bad input: missing or malformed IAM export, nothing to audit, bad suppressions', async () => {
    const io = memoryIo({ '/tmp/not-json.json': '{nope' })
    expect(await auditCommand({ ...base, iam: ['/nonexistent/auth.json'] }, io)).toBe(2)
    expect(io.err).toContain('/nonexistent/auth.json')
    expect(await auditCommand({ format: 'text', failOn: 'high', progress: false }, memoryIo())).toBe(2)
    const io2 = memoryIo({ 's.yaml': 'suppressions:\n  - rule: IRSA-TRUST-003\n    expires: 2030-01-01\n' })
    expect(await auditCommand({ ...base, suppressions: 's.yaml' }, io2)).toBe(2)
    expect(io2.err).toContain('needs a reason')
  })

  it('suppressions need a reason and an expiry; expired ones re-fire with a warning', async () => {
    const supp = (expires: string): string =>
      `suppressions:\n  - rule: "IRSA-*"\n    resource: "*"\n    reason: accepted risk, ticket SEC-1\n    expires: ${expires}\n    owner: platform\n`
    const live = memoryIo({ 's.yaml': supp('2025-12-31') })
    expect(await auditCommand({ ...base, suppressions: 's.yaml' }, live)).toBe(0)
    const doc = JSON.parse(live.out) as { findings: { suppressed?: { reason: string } }[] }
    expect(doc.findings.every((f) => f.suppressed?.reason === 'accepted risk, ticket SEC-1')).toBe(true)
    const expired = memoryIo({ 's.yaml': supp('2025-05-31') })
    expect(await auditCommand({ ...base, suppressions: 's.yaml' }, expired)).toBe(1)
    expect(expired.err).toContain('suppression expired on 2025-05-31')
    const noExpiry = memoryIo({ 's.json': JSON.stringify([{ rule: 'R03', reason: 'x' }]) })
    expect(await auditCommand({ ...base, suppressions: 's.json' }, noExpiry)).toBe(2)
    expect(noExpiry.err).toContain('needs an expiry')
  })

  it('a baseline makes CI fail only on new findings', async () => {
    const io = memoryIo()
    expect(await auditCommand({ ...base, writeBaseline: 'baseline.json' }, io)).toBe(1)
    const baseline = io.written['baseline.json'] as string
    expect(JSON.parse(baseline)).toMatchObject({ version: 1 })
    const again = memoryIo({ 'baseline.json': baseline })
    expect(await auditCommand({ ...base, baseline: 'baseline.json' }, again)).toBe(0)
    const partial = JSON.parse(baseline) as { version: 1; fingerprints: string[] }
    const fewer = memoryIo({ 'b2.json': JSON.stringify({ version: 1, fingerprints: partial.fingerprints.slice(1) }) })
    const all = JSON.parse(io.out) as { findings: { fingerprint: string; severity: string }[] }
    const dropped = all.findings.find((f) => f.fingerprint === partial.fingerprints[0])
    const code = await auditCommand({ ...base, baseline: 'b2.json' }, fewer)
    expect(code).toBe(dropped !== undefined && ['high', 'critical'].includes(dropped.severity) ? 1 : 0)
    expect(await auditCommand({ ...base, baseline: 'bad.json' }, memoryIo({ 'bad.json': '{"fingerprints": 3}' }))).toBe(2)
  })

  it('writes SARIF and HTML to --output', async () => {
    const io = memoryIo()
    await auditCommand({ ...base, format: 'sarif', output: 'out.sarif' }, io)
    expect(JSON.parse(io.written['out.sarif'] as string)).toMatchObject({ version: '2.1.0' })
    await auditCommand({ ...base, format: 'html', output: 'out.html' }, io)
    expect(io.written['out.html']).toMatch(/^<!doctype html>/)
  })

  it('audit rules lists the catalogue', () => {
    const io = memoryIo()
    expect(rulesCommand('json', io)).toBe(0)
    const rules = JSON.parse(io.out) as { id: string; ref: string; severity: string; remediation: string; mappings: { nhi: string[] } }[]
    expect(rules).toHaveLength(36)
    expect(new Set(rules.map((r) => r.id)).size).toBe(36)
    expect(rules[0]).toMatchObject({ id: 'IRSA-TRUST-001', ref: 'R01' })
    for (const r of rules) expect(r.mappings.nhi.length).toBeGreaterThan(0)
  })

  it('who-can lists service accounts, pods and RBAC subjects', async () => {
    const io = memoryIo()
    expect(await whoCanCommand({ ...ESTATE_FLAGS, role: arn('sandbox-ns'), format: 'json', progress: false }, io)).toBe(0)
    const a = JSON.parse(io.out) as { serviceAccounts: { name: string; annotated: boolean }[]; pods: { name: string }[]; subjects: { subject: string; clusterAdmin: boolean; system: boolean }[]; tier: string }
    expect(a.serviceAccounts.map((s) => `${s.name}:${s.annotated}`)).toEqual(['default:false', 'runner:true'])
    expect(a.pods.map((p) => p.name)).toEqual(['runner'])
    expect(a.subjects.filter((s) => !s.clusterAdmin && !s.system).map((s) => s.subject)).toEqual(['Group:sandbox-devs'])
    expect(a.subjects.filter((s) => s.clusterAdmin).map((s) => s.subject)).toEqual(['Group:system:masters', 'User:alice'])
  })

  it('what-can shows effective permissions with the statements that grant them', async () => {
    const io = memoryIo()
    expect(await whatCanCommand({ ...ESTATE_FLAGS, serviceAccount: 'sandbox/default', format: 'json', progress: false }, io)).toBe(0)
    const a = JSON.parse(io.out) as { roles: { arn: string; via: string[]; tier: string }[] }
    expect(a.roles.map((r) => `${r.arn} ${r.via.join(',')} ${r.tier}`).sort()).toEqual([`${arn('sandbox-ns')} trust admits it P3`, `${arn('wildcard-sub')} trust admits it P3`])
    const text = memoryIo()
    await whatCanCommand({ ...ESTATE_FLAGS, serviceAccount: 'ops/admin-bot', format: 'text', progress: false }, text)
    expect(text.out).toContain('tier P0')
    expect(text.out).toContain('AdministratorAccess[0]')
  })
})
