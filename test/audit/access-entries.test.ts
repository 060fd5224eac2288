/** R28 through EKS access entries and the aws-auth ConfigMap: a node or workload role with cluster-admin-like access is found the same way. */
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runAudit } from '../../src/audit/audit.js'
import type { Finding } from '../../src/audit/finding.js'
import { buildGraph } from '../../src/audit/graph.js'
import { loadAccessEntries } from '../../src/audit/load/access-entries.js'
import { loadFiles } from '../../src/audit/load/files.js'
import type { AuditWarning } from '../../src/audit/model.js'
import { emptyIam } from '../../src/audit/model.js'
import { auditCommand } from '../../src/cli/audit.js'
import { NOW, memoryIo } from './helpers.js'
import { ACCT, K8S, role, roleArn, writeEstate } from './pod-identity-estate.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const ec2Trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }
const workerPolicies = { AttachedManagedPolicies: ['AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryReadOnly'].map((n) => ({ PolicyName: n, PolicyArn: `arn:aws:iam::aws:policy/${n}` })) }
const ROLES = [role('nodes', ec2Trust, workerPolicies), role('nodes-clean', ec2Trust, workerPolicies)]
const CLUSTER_ADMIN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy'
const VIEW = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy'

const describeEntry = (principal: string, type: string, groups: string[] = []): unknown => ({
  accessEntry: { clusterName: 'prod', principalArn: principal, kubernetesGroups: groups, accessEntryArn: `arn:aws:eks:us-east-1:${ACCT}:access-entry/prod/role/${ACCT}/${principal.split('/').pop() ?? ''}/0000`, createdAt: '2025-01-01T00:00:00+00:00', modifiedAt: '2025-01-01T00:00:00+00:00', tags: {}, username: type === 'STANDARD' ? principal : 'system:node:{{EC2PrivateDNSName}}', type },
})
const policies = (principal: string, ...arns: string[]): unknown => ({ clusterName: 'prod', principalArn: principal, associatedAccessPolicies: arns.map((policyArn) => ({ policyArn, accessScope: { type: 'cluster', namespaces: [] }, associatedAt: '2025-01-01T00:00:00+00:00', modifiedAt: '2025-01-01T00:00:00+00:00' })) })

const awsAuth = (mapRoles: string): unknown => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'aws-auth', namespace: 'kube-system' }, data: { mapRoles } })

async function audit(o: { entries?: unknown[]; k8sExtra?: unknown[] }): Promise<Finding[]> {
  const { dir, flags } = writeEstate({ roles: ROLES, k8s: { ...K8S, items: [...K8S.items, ...(o.k8sExtra ?? [])] } })
  dirs.push(dir)
  const entries = join(dir, 'access-entries.json')
  writeFileSync(entries, (o.entries ?? []).map((v) => JSON.stringify(v, null, 4)).join('\n'))
  const inv = await loadFiles({ kubernetes: flags.kubernetes, iam: flags.iam, eksClusters: flags.eksCluster, oidcProviders: flags.oidcProviders, podIdentityAssociations: flags.podIdentityAssociations ?? [], accessEntries: o.entries === undefined ? [] : [entries] })
  return runAudit(buildGraph(inv), { now: NOW }).findings.filter((f) => f.ruleId === 'IRSA-NODE-002' && f.evidence.access !== undefined)
}

const summary = (fs: Finding[]): string[] => fs.map((f) => `${f.severity} ${f.resources[0]?.arn ?? ''} node=${String(f.evidence.nodeRole)} workload=${String(f.evidence.workloadRole)} ${String(f.evidence.access)}`).sort()

describe('R28: cluster-admin-like access for node and workload roles', () => {
  it('finds a node role and a workload role with cluster admin through access entries', async () => {
    const fs = await audit({
      entries: [describeEntry(roleArn('nodes'), 'EC2_LINUX'), policies(roleArn('nodes'), CLUSTER_ADMIN), describeEntry(roleArn('web'), 'STANDARD'), policies(roleArn('web'), VIEW, CLUSTER_ADMIN), describeEntry(roleArn('nodes-clean'), 'EC2_LINUX'), describeEntry(roleArn('subkeys'), 'STANDARD'), policies(roleArn('subkeys'), VIEW)],
    })
    expect(summary(fs)).toEqual([
      `high ${roleArn('nodes')} node=true workload=false access policy AmazonEKSClusterAdminPolicy (cluster scope)`,
      `high ${roleArn('web')} node=false workload=true access policy AmazonEKSClusterAdminPolicy (cluster scope)`,
    ])
    const web = fs.find((f) => f.resources[0]?.arn === roleArn('web')) as Finding
    expect(web.evidence).toMatchObject({ via: 'access-entry', cluster: 'prod' })
    expect(web.evidence.assumers).toEqual(expect.arrayContaining(['shop/web']))
    expect(web.message).toContain('through an EKS access entry')
  })

  it('finds the same through the aws-auth ConfigMap (system:masters, or a group RBAC binds to cluster-admin)', async () => {
    const mapRoles = [
      `- rolearn: ${roleArn('nodes')}\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes, system:masters]`,
      `- rolearn: ${roleArn('web')}\n  username: web\n  groups: [platform-admins]`,
      `- rolearn: ${roleArn('nodes-clean')}\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes]`,
      `- rolearn: ${roleArn('subkeys')}\n  username: tagger\n  groups: [viewers]`,
    ].join('\n')
    const crb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'platform-admins' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'platform-admins', apiGroup: 'rbac.authorization.k8s.io' }] }
    const clusterAdmin = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cluster-admin' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }
    const fs = await audit({ k8sExtra: [awsAuth(mapRoles), crb, clusterAdmin] })
    expect(summary(fs)).toEqual([
      `high ${roleArn('nodes')} node=true workload=false group system:masters`,
      `high ${roleArn('web')} node=false workload=true group platform-admins, bound to cluster-admin`,
    ])
    expect(fs.every((f) => f.evidence.via === 'aws-auth')).toBe(true)
  })

  it('an access entry of a node type makes its role a node role for the baseline check', async () => {
    const fs = await audit({ entries: [describeEntry(roleArn('podid-admin'), 'EC2_LINUX')] })
    expect(fs).toEqual([])
    const { dir, flags } = writeEstate({ roles: ROLES })
    dirs.push(dir)
    const file = join(dir, 'entries.json')
    writeFileSync(file, JSON.stringify(describeEntry(roleArn('podid-admin'), 'EC2_LINUX')))
    const inv = await loadFiles({ kubernetes: flags.kubernetes, iam: flags.iam, eksClusters: flags.eksCluster, oidcProviders: flags.oidcProviders, accessEntries: [file] })
    const baseline = runAudit(buildGraph(inv), { now: NOW }).findings.filter((f) => f.ruleId === 'IRSA-NODE-002' && f.resources[0]?.arn === roleArn('podid-admin'))
    expect(baseline.map((f) => f.message)).toEqual([expect.stringContaining('beyond the EKS baseline: AdministratorAccess')])
  })
})

describe('access entry input', () => {
  it('merges describe-access-entry and list-associated-access-policies; list-access-entries takes the cluster= prefix; names what it skips', () => {
    const iam = emptyIam()
    const warnings: AuditWarning[] = []
    loadAccessEntries([policies(roleArn('a'), CLUSTER_ADMIN), describeEntry(roleArn('a'), 'STANDARD', ['ops']), { nothing: true }, { accessEntry: { principalArn: roleArn('b') } }], 'e.json', iam, warnings)
    loadAccessEntries([{ accessEntries: [roleArn('c')] }], 'list.json', iam, warnings)
    loadAccessEntries([{ accessEntries: [roleArn('c')] }], 'list.json', iam, warnings, 'prod')
    expect(iam.accessEntries).toEqual([
      expect.objectContaining({ cluster: 'prod', principalArn: roleArn('a'), type: 'STANDARD', kubernetesGroups: ['ops'], accessPolicies: [{ policyArn: CLUSTER_ADMIN, scope: 'cluster', namespaces: [] }] }),
      expect.objectContaining({ cluster: 'prod', principalArn: roleArn('c'), type: undefined }),
    ])
    expect(warnings.map((w) => `${w.file} ${w.object ?? ''}: ${w.message}`)).toEqual([
      expect.stringMatching(/^e\.json doc 3: not aws eks describe-access-entry/),
      expect.stringMatching(/^e\.json doc 4: accessEntry without clusterName/),
      expect.stringMatching(/^list\.json : list-access-entries output names no cluster/),
    ])
  })

  it('--eks-access-entries reads files from the command line; an unreadable one is a usage error', async () => {
    const { dir, flags } = writeEstate({ roles: ROLES })
    dirs.push(dir)
    const file = join(dir, 'entries.json')
    writeFileSync(file, [describeEntry(roleArn('web'), 'STANDARD'), policies(roleArn('web'), CLUSTER_ADMIN)].map((v) => JSON.stringify(v)).join('\n'))
    const io = memoryIo()
    await auditCommand({ ...flags, eksAccessEntries: [file], format: 'json', failOn: 'none', progress: false }, io)
    const out = JSON.parse(io.out) as { findings: Finding[] }
    expect(out.findings.filter((f) => f.ruleId === 'IRSA-NODE-002' && f.evidence.via === 'access-entry').map((f) => f.resources[0]?.arn)).toEqual([roleArn('web')])
    const bad = memoryIo()
    expect(await auditCommand({ ...flags, eksAccessEntries: ['/nonexistent/entries.json'], format: 'json', failOn: 'none', progress: false }, bad)).toBe(2)
    expect(bad.err).toContain('/nonexistent/entries.json')
  })
})
