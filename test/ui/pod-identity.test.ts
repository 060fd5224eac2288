// EKS Pod Identity associations on the dashboard, through its JSON API (the data the pages and the
// graph are drawn from): a real server, roles made through the IAM API, associations through the
// EKS association code, credentials asked for through the Pod Identity agent endpoint.
import { DeleteRoleCommand, DeleteRolePolicyCommand } from '@aws-sdk/client-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UiDecision, UiGraph, UiIdentities, UiRoleDetail } from '../../src/ui/data.js'
import { UI_TOKEN, get, seedEstate, seedPodIdentity, startUiServer } from './helpers.js'
import type { UiTestServer } from './helpers.js'

let s: UiTestServer
let ids: Record<string, string>

async function api<T>(path: string): Promise<T> {
  const res = await get(`${s.url}/ui/api/${path}`, { authorization: `Bearer ${UI_TOKEN}` })
  expect(res.status).toBe(200)
  return (await res.json()) as T
}

function rows(i: UiIdentities): { key: string; how: string; status: string; reasons: string; associationId: string | undefined }[] {
  return i.namespaces.flatMap((ns) =>
    ns.serviceAccounts.flatMap((sa) => sa.bindings.map((b) => ({ key: `${ns.name}/${sa.name} → ${b.roleName}`, how: b.via, status: b.status, reasons: b.reasons.join(' '), associationId: b.associationId }))),
  )
}

beforeAll(async () => {
  s = await startUiServer({ uiToken: UI_TOKEN })
  await seedEstate(s)
  ids = await seedPodIdentity(s)
}, 60_000)
afterAll(async () => s?.close())

describe('Pod Identity associations on the dashboard', () => {
  it('identities: one row per association, judged by the auditor (TagSession missing is broken)', async () => {
    const pod = rows(await api<UiIdentities>('identities')).filter((r) => r.how === 'pod-identity')
    expect(Object.fromEntries(pod.map((r) => [r.key, r.status]))).toEqual({
      'jobs/pod-job → dual-role': 'over-broad',
      'pods/pod-reader → pod-reader': 'working',
      'pods/pod-untagged → pod-untagged': 'broken',
    })
    const reader = pod.find((r) => r.key === 'pods/pod-reader → pod-reader')
    expect(reader?.associationId).toBe(ids['pods/pod-reader'])
    expect(reader?.reasons).toContain('pods.eks.amazonaws.com assume the role and tag the session')
    const untagged = pod.find((r) => r.key === 'pods/pod-untagged → pod-untagged')
    expect(untagged?.reasons).toContain('IRSA-LIFE-003')
    expect(untagged?.reasons).toContain('sts:TagSession')
    // The same role used through IRSA by another service account: shared, over-broad on both rows.
    expect(pod.find((r) => r.key === 'jobs/pod-job → dual-role')?.reasons).toContain('IRSA-K8S-003')
    expect(rows(await api<UiIdentities>('identities')).find((r) => r.key === 'jobs/irsa-job → dual-role')).toMatchObject({ how: 'binding', status: 'over-broad' })
  })

  it('the verdicts match EKS Auth: the working association gets credentials, the broken one is denied', async () => {
    expect(await s.podCredentials('pods', 'pod-reader')).toBe(200)
    expect(await s.podCredentials('pods', 'pod-untagged')).not.toBe(200)
  })

  it('graph: an edge per association (broken ones distinct), roles linked to the Pod Identity principal, dual use is shared', async () => {
    const g = await api<UiGraph>('graph')
    const edge = (sa: string, role: string): string | undefined => g.edges.find((e) => e.source === `sa:irsa/${sa}` && e.target === `role:${s.roleArn(role)}` && e.id.endsWith('#pod-identity'))?.kind
    expect(edge('pods/pod-reader', 'pod-reader')).toBe('pod-identity')
    expect(edge('pods/pod-untagged', 'pod-untagged')).toBe('pod-identity-broken')
    expect(edge('jobs/pod-job', 'dual-role')).toBe('pod-identity')
    expect(g.edges.find((e) => e.source === 'sa:irsa/jobs/irsa-job' && e.target === `role:${s.roleArn('dual-role')}`)?.kind).toBe('bound')
    const service = g.nodes.find((n) => n.kind === 'service')
    expect(service?.label).toBe('Pod Identity (pods.eks.amazonaws.com)')
    const trusting = g.edges.filter((e) => e.target === service?.id && e.kind === 'trusts').map((e) => e.source).sort()
    expect(trusting).toEqual(['dual-role', 'pod-reader', 'pod-untagged'].map((r) => `role:${s.roleArn(r)}`))
    const node = (role: string): UiGraph['nodes'][number] | undefined => g.nodes.find((n) => n.id === `role:${s.roleArn(role)}`)
    expect(node('dual-role')?.shared).toBe(true)
    expect(node('pod-reader')?.shared).toBe(false)
    // The rendered page carries the same data and the legend for it.
    const page = await (await get(`${s.url}/ui/graph`, { authorization: `Bearer ${UI_TOKEN}` })).text()
    expect(page).toContain('sw-podid')
    expect(page).toContain('3 Pod Identity association(s)')
  })

  it('role detail lists the associations that use the role', async () => {
    const d = await api<UiRoleDetail>('roles/pod-untagged')
    expect(d.associations).toEqual([
      expect.objectContaining({ cluster: 'irsa', namespace: 'pods', serviceAccount: 'pod-untagged', associationId: ids['pods/pod-untagged'], status: 'broken' }),
    ])
    expect(d.associations[0]?.associationArn).toMatch(/:podidentityassociation\/irsa\/a-[a-z0-9]{17}$/)
    expect((await api<UiRoleDetail>('roles/pod-reader')).associations.map((a) => `${a.namespace}/${a.serviceAccount} ${a.status}`)).toEqual(['pods/pod-reader working'])
    const page = await (await get(`${s.url}/ui/roles/pod-untagged`, { authorization: `Bearer ${UI_TOKEN}` })).text()
    expect(page).toContain(`data-association="${ids['pods/pod-untagged']}"`)
    expect(page).toContain('Pod Identity associations (1)')
  })

  it('a role deleted under its association makes it broken (R18), with a missing-role node in the graph', async () => {
    await s.iam.send(new DeleteRolePolicyCommand({ RoleName: 'pod-reader', PolicyName: 'pod-reader-policy' }))
    await s.iam.send(new DeleteRoleCommand({ RoleName: 'pod-reader' }))
    const reader = rows(await api<UiIdentities>('identities')).find((r) => r.key === 'pods/pod-reader → pod-reader')
    expect(reader).toMatchObject({ how: 'pod-identity', status: 'broken' })
    expect(reader?.reasons).toContain('IRSA-LIFE-002')
    const g = await api<UiGraph>('graph')
    expect(g.nodes.find((n) => n.id === `role:${s.roleArn('pod-reader')}`)?.kind).toBe('missing-role')
    expect(g.edges.find((e) => e.source === 'sa:irsa/pods/pod-reader')?.kind).toBe('pod-identity-broken')
  })

  it('live decisions: AssumeRoleForPodIdentity decisions filter by role and namespace', async () => {
    expect(await s.podCredentials('jobs', 'pod-job')).toBe(200)
    const byRole = (await api<{ decisions: UiDecision[] }>('decisions?role=dual-role')).decisions.filter((d) => d.action === 'eks-auth:AssumeRoleForPodIdentity')
    expect(byRole.map((d) => `${d.outcome} ${d.namespace}/${d.serviceAccount}`)).toEqual(['Allow jobs/pod-job'])
    const byNs = (await api<{ decisions: UiDecision[] }>('decisions?namespace=pods')).decisions.filter((d) => d.action === 'eks-auth:AssumeRoleForPodIdentity')
    expect(byNs.map((d) => `${d.outcome} ${d.serviceAccount}`)).toEqual(['Allow pod-reader', 'Deny pod-untagged'])
    expect(byNs.every((d) => d.namespace === 'pods')).toBe(true)
    const denied = (await api<{ decisions: UiDecision[] }>('decisions?namespace=pods&outcome=Deny&role=pod-untagged')).decisions
    expect(denied.map((d) => d.action)).toEqual(['eks-auth:AssumeRoleForPodIdentity'])
    expect(denied[0]?.reason).toContain('sts:TagSession')
  })
})
