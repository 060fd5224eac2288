/** EKS Pod Identity in the auditor: association inputs, inference from pod env, and the rules that use them. */
import { rmSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { runAudit } from '../../src/audit/audit.js'
import type { Finding } from '../../src/audit/finding.js'
import { buildGraph } from '../../src/audit/graph.js'
import { identityOf } from '../../src/audit/lib/workload-identity.js'
import { loadFiles } from '../../src/audit/load/files.js'
import { readAssociationRecords, splitJsonValues } from '../../src/eks/association-records.js'
import { auditCommand } from '../../src/cli/audit.js'
import { NOW, memoryIo } from './helpers.js'
import { CLUSTER_ARN, K8S, roleArn, writeEstate } from './pod-identity-estate.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function audit(o: Parameters<typeof writeEstate>[0] = {}): Promise<{ findings: Finding[]; graph: ReturnType<typeof buildGraph> }> {
  const { dir, flags } = writeEstate(o)
  dirs.push(dir)
  const inv = await loadFiles({ kubernetes: flags.kubernetes, iam: flags.iam, eksClusters: flags.eksCluster, oidcProviders: flags.oidcProviders, podIdentityAssociations: flags.podIdentityAssociations ?? [] })
  const graph = buildGraph(inv)
  return { graph, findings: runAudit(graph, { now: NOW }).findings }
}

const of = (fs: Finding[], rule: string): Finding[] => fs.filter((f) => f.ruleId === rule)
const label = (f: Finding): string => {
  const r = f.resources[0]
  return r === undefined ? '' : r.arn ?? `${r.namespace ?? ''}/${r.name}`
}

describe('association input', () => {
  it('reads list summaries and describe output concatenated in one file, completing summaries by id', async () => {
    const { graph } = await audit()
    const assocs = graph.inventory.iam.podIdentityAssociations
    expect(assocs).toHaveLength(8)
    expect(assocs.find((a) => a.serviceAccount === 'cart')).toMatchObject({ cluster: 'prod', namespace: 'shop', roleArn: roleArn('podid-app'), associationId: 'a-cart0000000000000', inferred: false })
    expect(graph.saByKey.get('prod/shop/cart')?.podIdentity?.[0]?.role?.obj.name).toBe('podid-app')
    expect(graph.roleByArn.get('111122223333:podid-app')?.associations.map((b) => b.sa.name).sort()).toEqual(['aws-node', 'cart', 'idle'])
  })

  it('accepts arrays and bare objects, and names what it skips', () => {
    const problems: string[] = []
    const records = readAssociationRecords(
      splitJsonValues('[{"association":{"clusterName":"c","namespace":"n","serviceAccount":"s","roleArn":"r"}}, {"associations":[{"associationArn":"arn:aws:eks:us-east-1:111122223333:podidentityassociation/c2/a-x","namespace":"n","serviceAccount":"t"}]}] {"namespace":"x"} 7'),
      (p, m) => problems.push(`${p} ${m}`),
    )
    expect(records.map((r) => `${r.clusterName}/${r.namespace}/${r.serviceAccount}`)).toEqual(['c/n/s', 'c2/n/t'])
    expect(problems).toHaveLength(2)
    expect(problems[0]).toMatch(/^\/1 .*needs clusterName/)
    expect(() => splitJsonValues('{"a":1} {"b":')).toThrow(/offset 8/)
  })

  it('a malformed association file is a usage error (exit 2) naming the file', async () => {
    const { dir, flags } = writeEstate()
    dirs.push(dir)
    const io = memoryIo()
    const code = await auditCommand({ ...flags, podIdentityAssociations: [`${dir}/auth.json`, '/nonexistent/a.json'], format: 'json', failOn: 'none', progress: false }, io)
    expect(code).toBe(2)
    expect(io.err).toContain('/nonexistent/a.json')
  })

  it('infers associations from pod env only when no association input exists, and marks them inferred', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'agent-user', namespace: 'shop' },
      spec: {
        containers: [{ name: 'app', image: 'x', env: [{ name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: 'http://169.254.170.23/v1/credentials' }, { name: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', value: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token' }] }],
        volumes: [{ name: 'eks-pod-identity-token', projected: { sources: [{ serviceAccountToken: { audience: 'pods.eks.amazonaws.com', expirationSeconds: 86400, path: 'eks-pod-identity-token' } }] } }],
      },
    }
    const k8s = { ...K8S, items: [...K8S.items, pod] }
    const inferred = await audit({ associations: false, k8s })
    const b = inferred.graph.saByKey.get('prod/shop/default')?.podIdentity ?? []
    expect(b.map((x) => x.assoc.inferred)).toEqual([true])
    const w = inferred.graph.inventory.k8s.workloads.find((x) => x.name === 'agent-user')
    expect(w === undefined ? undefined : identityOf(inferred.graph, w).kind).toBe('PODID')
    const r21 = of(inferred.findings, 'IRSA-K8S-001').find((f) => f.evidence.via === 'pod-identity-association')
    expect(r21?.message).toContain('inferred from pod environment')
    expect(of(inferred.findings, 'IRSA-K8S-004').map(label)).toContain('shop/default')
    // With the export, the export is authoritative: nothing inferred.
    const given = await audit({ k8s })
    expect((given.graph.saByKey.get('prod/shop/default')?.podIdentity ?? []).map((x) => x.assoc.inferred)).toEqual([false])
  })
})

describe('rules with Pod Identity associations', () => {
  it('R20: an associated service account no workload uses', async () => {
    const { findings } = await audit()
    const r20 = of(findings, 'IRSA-LIFE-004')
    expect(r20.map(label)).toContain('shop/idle')
    expect(r20.find((f) => label(f) === 'shop/idle')?.message).toContain('(Pod Identity association)')
    expect(r20.map(label)).not.toContain('shop/cart')
  })

  it('R21: the default service account with an association, escalated by the role tier', async () => {
    const { findings } = await audit()
    const f = of(findings, 'IRSA-K8S-001').find((x) => label(x) === 'shop/default')
    expect(f).toMatchObject({ severity: 'critical', evidence: { via: 'pod-identity-association', roleArn: roleArn('podid-admin'), tier: 'P0' } })
  })

  it('R22/R23/R24: association-bound service accounts are AWS-bound identities', async () => {
    const { findings } = await audit()
    expect(of(findings, 'IRSA-K8S-002').map(label)).toContain('shop/cart')
    const r23 = of(findings, 'IRSA-K8S-003').find((f) => label(f) === roleArn('podid-app'))
    expect(r23?.evidence.podIdentity).toEqual(['kube-system/aws-node', 'shop/cart', 'shop/idle'])
    expect(of(findings, 'IRSA-K8S-004').map(label)).toEqual(expect.arrayContaining(['shop/cart', 'shop/drift']))
    // aws-node sets automountServiceAccountToken: false.
    expect(of(findings, 'IRSA-K8S-004').map(label)).not.toContain('kube-system/aws-node')
  })

  it('R28: aws-node with a Pod Identity association does not run on the node role', async () => {
    const withAssoc = await audit()
    expect(of(withAssoc.findings, 'IRSA-NODE-002').map(label)).not.toContain('kube-system/aws-node')
    const without = await audit({ associations: false })
    expect(of(without.findings, 'IRSA-NODE-002').map(label)).toContain('kube-system/aws-node')
  })

  it('R27/R36: a hostNetwork pod with Pod Identity still reaches the node role; an associated SA needs ownership labels', async () => {
    const hostnet = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hostnet', namespace: 'shop' }, spec: { serviceAccountName: 'cart', hostNetwork: true, containers: [{ name: 'c', image: 'x' }] } }
    const unlabelled = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'idle', namespace: 'shop' } }
    const k8s = { ...K8S, items: [...K8S.items.filter((o) => (o as { metadata: { name: string } }).metadata.name !== 'idle'), hostnet, unlabelled] }
    const withAssoc = await audit({ k8s })
    // Its SDK picks the Pod Identity role, but the host network reaches IMDS all the same.
    expect(of(withAssoc.findings, 'IRSA-NODE-001').find((f) => label(f) === 'shop/hostnet')?.evidence.identity).toBe('PODID')
    expect(of(withAssoc.findings, 'IRSA-GOV-001').map(label)).toContain('shop/idle')
    const without = await audit({ k8s, associations: false })
    expect(of(without.findings, 'IRSA-NODE-001').map(label)).toContain('shop/hostnet')
    expect(of(without.findings, 'IRSA-GOV-001').map(label)).not.toContain('shop/idle')
  })

  it('R18: an association naming a role that does not exist', async () => {
    const { findings } = await audit()
    const f = of(findings, 'IRSA-LIFE-002').find((x) => x.resources[0]?.kind === 'PodIdentityAssociation')
    expect(f).toMatchObject({ severity: 'medium', evidence: { roleArn: roleArn('ghost'), via: 'Pod Identity association' } })
  })

  it('R19: associations whose role trust does not let pods.eks.amazonaws.com assume it and tag the session (engine-evaluated)', async () => {
    const { findings } = await audit()
    const r19 = of(findings, 'IRSA-LIFE-003').filter((f) => f.evidence.via === 'pod-identity-association')
    const byRole = new Map(r19.map((f) => [f.resources[1]?.arn, f]))
    expect(byRole.get(roleArn('podid-no-tag'))?.evidence.denied).toEqual(['sts:TagSession'])
    expect(byRole.get(roleArn('irsa-trust-only'))?.message).toContain('does not admit pods.eks.amazonaws.com at all')
    // podid-app is scoped to this cluster's account and ARN and allows both actions: no finding.
    expect(byRole.has(roleArn('podid-app'))).toBe(false)
    expect(byRole.has(roleArn('podid-admin'))).toBe(false)
    // A trust scoped to another cluster's ARN is drift too: the engine, not string matching, decides.
    const { dir, flags } = writeEstate()
    dirs.push(dir)
    const inv = await loadFiles({ kubernetes: flags.kubernetes, iam: flags.iam, eksClusters: flags.eksCluster, oidcProviders: flags.oidcProviders, podIdentityAssociations: flags.podIdentityAssociations ?? [] })
    const app = inv.iam.roles.find((r) => r.name === 'podid-app')
    const doc = JSON.parse(JSON.stringify(app?.trustDocument)) as { Statement: { Condition: { StringEquals: Record<string, string> } }[] }
    ;(doc.Statement[0] as { Condition: { StringEquals: Record<string, string> } }).Condition.StringEquals['aws:SourceArn'] = 'arn:aws:eks:us-east-1:111122223333:cluster/staging'
    inv.iam.roles[inv.iam.roles.indexOf(app as (typeof inv.iam.roles)[number])] = { ...(app as (typeof inv.iam.roles)[number]), trustDocument: doc }
    const drifted = runAudit(buildGraph(inv), { now: NOW }).findings.filter((f) => f.ruleId === 'IRSA-LIFE-003' && f.resources[1]?.arn === roleArn('podid-app'))
    expect(drifted.length).toBe(3)
    expect(drifted[0]?.evidence.denied).toEqual(['sts:AssumeRole', 'sts:TagSession'])
  })

  it('R16: eks:CreatePodIdentityAssociation with iam:PassRole to pods.eks.amazonaws.com reaches an admin role: critical', async () => {
    const { findings } = await audit()
    const f = of(findings, 'IRSA-PERM-006').find((x) => label(x) === roleArn('assoc-creator'))
    expect(f?.severity).toBe('critical')
    expect(f?.evidence.adminTargets).toEqual([roleArn('podid-admin')])
    expect(f?.message).toContain('CreatePodIdentityAssociation+PassRole')
  })

  it('R16 agrees with the EKS API on iam:AssociatedResourceArn: PassRole scoped to the audited cluster still reaches the admin role, scoped to another cluster it does not', async () => {
    const { dir, flags } = writeEstate()
    dirs.push(dir)
    const scoped = async (clusterArn: string): Promise<Finding | undefined> => {
      const inv = await loadFiles({ kubernetes: flags.kubernetes, iam: flags.iam, eksClusters: flags.eksCluster, oidcProviders: flags.oidcProviders, podIdentityAssociations: flags.podIdentityAssociations ?? [] })
      const i = inv.iam.roles.findIndex((r) => r.name === 'assoc-creator')
      const creator = inv.iam.roles[i] as (typeof inv.iam.roles)[number]
      const document = {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'eks:CreatePodIdentityAssociation', Resource: CLUSTER_ARN },
          { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: { StringEquals: { 'iam:PassedToService': 'pods.eks.amazonaws.com' }, ArnLike: { 'iam:AssociatedResourceARN': clusterArn } } },
        ],
      }
      inv.iam.roles[i] = { ...creator, inlinePolicies: [{ name: 'scoped', document }], attachedPolicyArns: [] }
      return of(runAudit(buildGraph(inv), { now: NOW }).findings, 'IRSA-PERM-006').find((x) => label(x) === roleArn('assoc-creator'))
    }
    const here = await scoped(CLUSTER_ARN)
    expect(here?.severity).toBe('critical')
    expect(here?.evidence.adminTargets).toEqual([roleArn('podid-admin')])
    expect(await scoped('arn:aws:eks:us-east-1:111122223333:cluster/elsewhere')).toBeUndefined()
  })

  it('R24/R34 identityOf: a Pod Identity association takes precedence over the IRSA annotation, AWS_ROLE_ARN in the pod over both', async () => {
    const { graph } = await audit()
    const cart = graph.inventory.k8s.workloads.find((w) => w.name === 'cart')
    const web = graph.inventory.k8s.workloads.find((w) => w.name === 'web')
    expect(cart === undefined ? undefined : identityOf(graph, cart)).toMatchObject({ kind: 'PODID', arn: roleArn('podid-app') })
    expect(web === undefined ? undefined : identityOf(graph, web)).toMatchObject({ kind: 'IRSA', arn: roleArn('web') })
  })
})
