import { describe, expect, it } from 'vitest'
import { severityRank } from '../../src/audit/finding.js'
import type { Finding } from '../../src/audit/finding.js'
import { ACCT, arn, auditEstate } from './helpers.js'

const medPlus = (f: Finding): boolean => severityRank(f.severity) >= severityRank('medium')
const primary = (f: Finding): string => {
  const r = f.resources[0]
  return r === undefined ? '' : (r.arn ?? `${r.namespace ?? ''}/${r.name}`)
}

describe('hand-written estate (kubectl Lists, YAML multi-docs, authorization details)', () => {
  it('reports exactly the planted misconfigurations at medium or worse', async () => {
    const { result } = await auditEstate()
    const got = result.findings.filter(medPlus).map((f) => `${f.severity} ${f.ruleId} ${primary(f)}`).sort()
    expect(got).toEqual(
      [
        `critical IRSA-PERM-001 ${arn('admin-role')}`, // admin-equivalent role on a workload
        `critical IRSA-TRUST-008 ${arn('principal-star')}`, // Principal "*"
        `high IRSA-K8S-001 legacy/default`, // default SA with a role
        `high IRSA-TRUST-003 ${arn('wildcard-sub')}`, // wildcard sub: the whole cluster
        `high IRSA-XL-003 ${arn('dangling-sub')}`, // trust admits an SA that does not exist, in a namespace someone can create SAs in
        `high IRSA-XL-003 ${arn('sandbox-ns')}`,
        `high IRSA-XL-003 ${arn('wildcard-sub')}`,
        `medium IRSA-K8S-003 ${arn('sandbox-ns')}`,
        `medium IRSA-K8S-003 ${arn('shared-role')}`, // role shared across namespaces
        `medium IRSA-K8S-003 ${arn('wildcard-sub')}`,
        `medium IRSA-LIFE-002 web/ghost`, // broken binding: role does not exist
        `medium IRSA-PERM-004 ${arn('dangling-sub')}`,
        `medium IRSA-TRUST-002 ${arn('missing-aud')}`, // missing aud
        `medium IRSA-TRUST-003 ${arn('sandbox-ns')}`, // namespace wildcard
        `medium IRSA-TRUST-004 ${arn('forallvalues-sub')}`, // ForAllValues on sub
        `medium IRSA-XL-001 ${arn('sandbox-ns')}`,
        `medium IRSA-XL-001 ${arn('wildcard-sub')}`,
        `medium IRSA-XL-003 ${arn('drift-role')}`,
      ].sort(),
    )
  })

  it('gives the well-configured binding no medium-or-worse finding', async () => {
    const { result } = await auditEstate()
    const touching = result.findings.filter(
      (f) => medPlus(f) && f.resources.some((r) => r.arn === arn('payments-reader') || (r.namespace === 'payments' && r.name === 'payments-api')),
    )
    expect(touching).toEqual([])
  })

  it('flags the broken binding whose trust does not admit the service account (R19)', async () => {
    const { result } = await auditEstate()
    const drift = result.findings.filter((f) => f.ruleId === 'IRSA-LIFE-003')
    expect(drift.map((f) => f.resources.map((r) => r.arn ?? `${r.namespace}/${r.name}`))).toEqual([['team-a/drifted', arn('drift-role')]])
  })

  it('lists RBAC subjects who can obtain a role, excluding cluster admins, through aggregated ClusterRoles', async () => {
    const { result } = await auditEstate()
    const r32 = result.findings.find((f) => f.ruleId === 'IRSA-XL-002' && f.resources[0]?.arn === arn('sandbox-ns'))
    expect(r32?.evidence.subjects).toEqual([{ subject: 'Group:sandbox-devs', how: ['create pods in sandbox via RoleBinding sandbox/sandbox-devs (ClusterRole sandbox-editor)'] }])
    const all = result.findings.filter((f) => f.ruleId === 'IRSA-XL-002').flatMap((f) => f.resources.map((r) => r.name))
    expect(all).not.toContain('User:alice')
  })

  it('classifies privilege tiers with the engine', async () => {
    const { graph } = await auditEstate()
    const tier = (n: string): string | undefined => graph.roles.find((r) => r.obj.name === n)?.perms.tier
    expect(tier('admin-role')).toBe('P0')
    expect(tier('dangling-sub')).toBe('P2')
    expect(tier('wildcard-sub')).toBe('P3')
    expect(tier('payments-reader')).toBe('P4')
  })

  it('computes trust reach with probes per cluster issuer', async () => {
    const { graph } = await auditEstate()
    const reach = (n: string) => graph.roles.find((r) => r.obj.name === n)?.reach[0]
    expect(reach('wildcard-sub')?.scope).toBe('CLUSTER')
    expect(reach('sandbox-ns')?.scope).toBe('NS')
    expect(reach('sandbox-ns')?.admitted.map((s) => s.name).sort()).toEqual(['default', 'runner'])
    expect(reach('payments-reader')?.scope).toBe('EXACT')
    expect(reach('payments-reader')?.admitted.map((s) => `${s.namespace}/${s.name}`)).toEqual(['payments/payments-api'])
    expect(reach('missing-aud')?.audUnrestricted).toBe(true)
    expect(reach('payments-reader')?.audUnrestricted).toBe(false)
  })

  it('produces stable fingerprints and names resources by ARN and namespace/name', async () => {
    const a = (await auditEstate()).result.findings.map((f) => f.fingerprint)
    const b = (await auditEstate()).result.findings.map((f) => f.fingerprint)
    expect(a).toEqual(b)
    for (const f of (await auditEstate()).result.findings) {
      expect(f.fingerprint).toMatch(/^[0-9a-f]{64}$/)
      for (const r of f.resources) expect(r.arn !== undefined || r.name !== '').toBe(true)
      expect(f.mappings.nhi.length + f.mappings.csf.length + f.mappings.zt.length).toBeGreaterThan(0)
    }
    expect(ACCT).toHaveLength(12)
  })
})
