/** Rules completed to their documented scope: R03's single-application namespace, R06's statement union, R33's dangling Pod Identity association. */
import { rmSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import type { Finding } from '../../src/audit/finding.js'
import { ACCT, ISSUER_HOST, K8S, PROVIDER, assoc, deployment, oidcTrust, role, roleArn, sa, auditWrittenEstate } from './pod-identity-estate.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const audit = (o: Parameters<typeof auditWrittenEstate>[1] = {}): Promise<Finding[]> => auditWrittenEstate(dirs, o)

const byRole = (fs: Finding[], rule: string, name: string): Finding[] => fs.filter((f) => f.ruleId === rule && f.resources.some((r) => r.arn === roleArn(name)))
const items = (extra: unknown[]): unknown => ({ ...K8S, items: [...K8S.items, ...extra] })
const read = { PolicyName: 'read', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::shop-assets/*' }] } }
const OTHER_HOST = 'oidc.eks.eu-west-1.amazonaws.com/id/FEDCBA9876543210FEDCBA9876543210'
const OTHER_PROVIDER = `arn:aws:iam::${ACCT}:oidc-provider/${OTHER_HOST}`

/** A trust of several web-identity statements, each `[provider, host, operator, sub]`. */
const multiTrust = (...stmts: [string, string, string, string][]): unknown => ({
  Version: '2012-10-17',
  Statement: stmts.map(([provider, host, op, sub], i) => ({
    Sid: `S${i}`,
    Effect: 'Allow',
    Principal: { Federated: provider },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: op === 'StringEquals' ? { StringEquals: { [`${host}:sub`]: sub, [`${host}:aud`]: 'sts.amazonaws.com' } } : { [op]: { [`${host}:sub`]: sub }, StringEquals: { [`${host}:aud`]: 'sts.amazonaws.com' } },
  })),
})

describe('R06: a statement union broader than the narrowest statement', () => {
  it('reports the statement that admits the whole namespace next to one pinned to payments:api', async () => {
    const roles = [
      role('payments-api', multiTrust([PROVIDER, ISSUER_HOST, 'StringEquals', 'system:serviceaccount:payments:api'], [PROVIDER, ISSUER_HOST, 'StringLike', 'system:serviceaccount:payments:*']), { RolePolicyList: [read] }),
      role('payments-pinned', multiTrust([PROVIDER, ISSUER_HOST, 'StringEquals', 'system:serviceaccount:payments:api'], [PROVIDER, ISSUER_HOST, 'StringEquals', 'system:serviceaccount:payments:worker']), { RolePolicyList: [read] }),
    ]
    const k8s = items([sa('payments', 'api'), sa('payments', 'worker'), sa('payments', 'batch')])
    const fs = await audit({ roles, k8s })
    const union = byRole(fs, 'IRSA-TRUST-006', 'payments-api')
    expect(union).toHaveLength(1)
    const f = union[0] as Finding
    expect(f.severity).toBe('medium')
    const ev = f.evidence as { narrowest: { statement: number; scope: string; subjects: string[] }[]; broadening: { statement: number; sid: string; scope: string; namespaces: string[]; admittedServiceAccounts: string[] }[] }
    expect(ev.narrowest).toEqual([expect.objectContaining({ statement: 0, scope: 'EXACT', subjects: ['system:serviceaccount:payments:api'] })])
    expect(ev.broadening).toEqual([expect.objectContaining({ statement: 1, sid: 'S1', scope: 'NS', namespaces: ['payments'] })])
    expect(ev.broadening[0]?.admittedServiceAccounts).toEqual(expect.arrayContaining(['payments/batch', 'payments/worker']))
    expect(f.message).toContain('statement 1 (S1) admits scope NS')
    // Two exact statements on one issuer: the union is just the listed subjects.
    expect(byRole(fs, 'IRSA-TRUST-006', 'payments-pinned')).toEqual([])
  })

  it('names a statement on another issuer as broadening, with the issuer-count finding', async () => {
    const roles = [
      role('payments-two-issuers', multiTrust([PROVIDER, ISSUER_HOST, 'StringEquals', 'system:serviceaccount:payments:api'], [OTHER_PROVIDER, OTHER_HOST, 'StringLike', 'system:serviceaccount:*:api']), { RolePolicyList: [read] }),
    ]
    const fs = byRole(await audit({ roles, k8s: items([sa('payments', 'api')]) }), 'IRSA-TRUST-006', 'payments-two-issuers')
    expect(fs).toHaveLength(2)
    const union = fs.find((f) => 'broadening' in f.evidence) as Finding
    expect((union.evidence as { broadening: { issuer: string; scope: string; anyNamespaceNames: string[] }[] }).broadening).toEqual([expect.objectContaining({ issuer: OTHER_HOST, scope: 'ANYNS', anyNamespaceNames: ['api'] })])
  })
})

describe('R03: a namespace wildcard on a single-application namespace', () => {
  const roles = [role('pay-ns', oidcTrust('system:serviceaccount:payments:*', 'StringLike'), { RolePolicyList: [read] }), role('shared-ns', oidcTrust('system:serviceaccount:tools:*', 'StringLike'), { RolePolicyList: [read] })]
  const k8s = items([
    // payments: two service accounts of one application (their pods say app.kubernetes.io/name=payments).
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: 'payments' } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'worker', namespace: 'payments' } },
    { ...(deployment('payments', 'api', 'api') as object), spec: { template: { metadata: { labels: { 'app.kubernetes.io/name': 'payments' } }, spec: { serviceAccountName: 'api', containers: [{ name: 'c', image: 'x' }] } } } },
    { ...(deployment('payments', 'worker', 'worker') as object), spec: { template: { metadata: { labels: { 'app.kubernetes.io/name': 'payments' } }, spec: { serviceAccountName: 'worker', containers: [{ name: 'c', image: 'x' }] } } } },
    // tools: two applications.
    sa('tools', 'grafana'),
    sa('tools', 'loki'),
  ])

  it('is low on a namespace of one application and medium on a shared one, with the evidence', async () => {
    const fs = await audit({ roles, k8s })
    const single = byRole(fs, 'IRSA-TRUST-003', 'pay-ns')
    expect(single.map((f) => f.severity)).toEqual(['low'])
    expect((single[0] as Finding).evidence.singleApplication).toEqual([{ namespace: 'payments', application: 'payments', basis: 'service-accounts' }])
    const shared = byRole(fs, 'IRSA-TRUST-003', 'shared-ns')
    expect(shared.map((f) => f.severity)).toEqual(['medium'])
    expect((shared[0] as Finding).evidence.singleApplication).toBeUndefined()
  })

  it('honours the irsa.dev/single-app namespace label, and still escalates by the role tier', async () => {
    const admin = { AttachedManagedPolicies: [{ PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }] }
    const labelled = items([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tools', labels: { 'irsa.dev/single-app': 'true' } } },
      sa('tools', 'grafana'),
      sa('tools', 'loki'),
    ])
    const fs = await audit({ roles: [roles[1], role('admin-ns', oidcTrust('system:serviceaccount:tools:*', 'StringLike'), admin)], k8s: labelled })
    const low = byRole(fs, 'IRSA-TRUST-003', 'shared-ns')
    expect(low.map((f) => f.severity)).toEqual(['low'])
    expect((low[0] as Finding).evidence.singleApplication).toEqual([{ namespace: 'tools', application: undefined, basis: 'label' }])
    expect(byRole(fs, 'IRSA-TRUST-003', 'admin-ns').map((f) => f.severity)).toEqual(['critical'])
  })
})

describe('R33: a Pod Identity association for a service account that does not exist', () => {
  const rbac = [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'sa-maker', namespace: 'shop' }, rules: [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['create'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'dev-sa-maker', namespace: 'shop' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'sa-maker' }, subjects: [{ kind: 'User', name: 'dev@example.com', apiGroup: 'rbac.authorization.k8s.io' }] },
  ]

  it('is claimable by whoever can create the service account, and says who', async () => {
    const more = [assoc('shop', 'reports', roleArn('podid-app'), 'a-reports000000000'), assoc('shop', 'cart', roleArn('podid-app'), 'a-cart2000000000000'), assoc('newns', 'ops', roleArn('podid-admin'), 'a-ops0000000000000')]
    const fs = await audit({ k8s: items(rbac), moreAssociations: more })
    const claim = fs.filter((f) => f.ruleId === 'IRSA-XL-003' && f.evidence.via === 'pod-identity')
    // The existing shop/cart is not claimable; shop/reports and the namespace newns are.
    expect(claim.map((f) => `${f.resources[0]?.namespace ?? ''}/${f.resources[0]?.name ?? ''}`).sort()).toEqual(['newns/ops', 'shop/reports'])
    const f = claim.find((x) => x.resources[0]?.name === 'reports') as Finding
    expect(f.resources[0]).toMatchObject({ kind: 'ServiceAccount', namespace: 'shop', name: 'reports' })
    expect(f.resources[1]?.arn).toBe(roleArn('podid-app'))
    // ↑tier: a P4 role caps the finding at medium; the admin role behind newns/ops makes it critical.
    expect(f.severity).toBe('medium')
    const ops = claim.find((x) => x.resources[0]?.name === 'ops') as Finding
    expect(ops.severity).toBe('critical')
    expect(ops.evidence).toMatchObject({ namespaceExists: false, creators: [] })
    expect(ops.message).toContain('only cluster admins can create it today')
    expect(f.evidence).toMatchObject({ associationId: 'a-reports000000000', namespaceExists: true, serviceAccountExists: false, creators: ['User:dev@example.com'], rbacInput: true })
    expect(f.message).toContain('dev@example.com')
  })
})
