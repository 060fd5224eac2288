/** `irsa audit migrate`: the pure plan, and the command (text and --format json) through the built CLI. */
import { execFile } from 'node:child_process'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { buildGraph } from '../../src/audit/graph.js'
import { loadFiles } from '../../src/audit/load/files.js'
import { planMigration } from '../../src/audit/migrate.js'
import type { MigrationItem, MigrationPlan } from '../../src/audit/migrate.js'
import { migrateCommand } from '../../src/cli/audit-migrate.js'
import { memoryIo } from './helpers.js'
import { ACCT, CLUSTER_ARN, EKS_CLUSTER, OTHER, roleArn, writeEstate } from './pod-identity-estate.js'

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const run = promisify(execFile)
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function plan(o: { associations?: boolean; issuers?: string[]; clusterFile?: unknown } = {}): Promise<MigrationPlan> {
  const { dir, flags } = writeEstate(o.associations === false ? { associations: false } : {})
  dirs.push(dir)
  if (o.clusterFile !== undefined) writeFileSync(flags.eksCluster[0] as string, JSON.stringify(o.clusterFile))
  const inv = await loadFiles({ kubernetes: flags.kubernetes, iam: flags.iam, eksClusters: flags.eksCluster, oidcProviders: flags.oidcProviders, podIdentityAssociations: flags.podIdentityAssociations ?? [] })
  return planMigration(buildGraph(inv), { podIdentityIssuers: o.issuers ?? [] })
}

const item = (p: MigrationPlan, ns: string, sa: string): MigrationItem | undefined => p.items.find((i) => i.namespace === ns && i.serviceAccount === sa)

describe('planMigration', () => {
  it('an exact IRSA binding is ready: trust statement derived from the sub condition, checked with the engine, and the association to create', async () => {
    const p = await plan()
    const web = item(p, 'shop', 'web')
    expect(web?.status).toBe('ready')
    expect(web?.trustStatement).toEqual({
      Sid: 'AllowEksAuthToAssumeRoleForPodIdentity',
      Effect: 'Allow',
      Principal: { Service: 'pods.eks.amazonaws.com' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: { StringEquals: { 'aws:SourceAccount': ACCT, 'aws:SourceArn': CLUSTER_ARN, 'aws:RequestTag/kubernetes-namespace': 'shop', 'aws:RequestTag/kubernetes-service-account': 'web' } },
    })
    expect(web?.trustVerified).toBe(true)
    expect(web?.createAssociations).toEqual([{ clusterName: 'prod', namespace: 'shop', serviceAccount: 'web', roleArn: roleArn('web') }])
    expect(web?.policyKeys).toEqual([])
  })

  it('names permission policies that use IRSA-only keys, with the session-tag equivalent', async () => {
    const tagger = item(await plan(), 'shop', 'tagger')
    expect(tagger?.status).toBe('ready')
    expect(tagger?.policyKeys).toEqual([expect.objectContaining({ policy: 'subkeys/own-prefix', where: 'variable', key: expect.stringMatching(/:sub\}$/) as string, replacement: expect.stringContaining('aws:PrincipalTag/kubernetes-service-account') as string })])
  })

  it('already-migrated service accounts are done', async () => {
    const moved = item(await plan(), 'shop', 'moved')
    expect(moved).toMatchObject({ status: 'done', association: { associationId: 'a-moved00000000000', sameRole: true } })
    // Without the association export the same binding is still to do.
    expect(item(await plan({ associations: false }), 'shop', 'moved')?.status).toBe('ready')
  })

  it('what cannot move, and why: cross-account, wildcard trust (one association per SA), Windows, non-EKS issuer', async () => {
    const p = await plan()
    expect(item(p, 'shop', 'xacct')?.blockers.map((b) => b.code)).toEqual(['role-missing', 'cross-account'])
    expect(item(p, 'shop', 'xacct')?.blockers[1]?.message).toContain(`role account ${OTHER}, cluster account ${ACCT}`)
    const wild = item(p, 'batch', 'a')
    expect(wild?.status).toBe('blocked')
    expect(wild?.blockers.map((b) => b.code)).toEqual(['wildcard-trust'])
    expect(wild?.createAssociations.map((a) => `${a.namespace}/${a.serviceAccount}`)).toEqual(['batch/a', 'batch/b'])
    expect(wild?.trustStatement?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCT, 'aws:SourceArn': CLUSTER_ARN, 'aws:RequestTag/kubernetes-namespace': 'batch' },
      StringLike: { 'aws:RequestTag/kubernetes-service-account': '*' },
    })
    expect(item(p, 'win', 'winsvc')?.blockers.map((b) => b.code)).toEqual(['windows'])
    expect(p.summary).toEqual({ total: 6, done: 1, ready: 2, blocked: 3 })

    const selfHosted = { cluster: { ...EKS_CLUSTER.cluster, identity: { oidc: { issuer: 'https://irsa.example.test:7788' } } } }
    const q = await plan({ clusterFile: selfHosted })
    expect(item(q, 'shop', 'web')?.blockers.map((b) => b.code)).toEqual(['non-eks-cluster'])
    // irsa's own server serves the Pod Identity API: its cluster counts as capable.
    const r = await plan({ clusterFile: selfHosted, issuers: ['https://irsa.example.test:7788/'] })
    expect(item(r, 'shop', 'web')?.blockers).toEqual([])
  })
})

describe('irsa audit migrate (command)', () => {
  it('--format json and text, exit 0; bad input exits 2', async () => {
    const { dir, flags } = writeEstate()
    dirs.push(dir)
    const json = memoryIo()
    expect(await migrateCommand({ ...flags, format: 'json', progress: false }, json)).toBe(0)
    const doc = JSON.parse(json.out) as MigrationPlan
    expect(doc.schema).toBe('irsa-migrate/v1')
    expect(doc.summary.total).toBe(6)
    const text = memoryIo()
    expect(await migrateCommand({ ...flags, format: 'text', progress: false }, text)).toBe(0)
    expect(text.out).toMatch(/^STATUS +CLUSTER +SERVICE ACCOUNT +ROLE +DETAIL\n/)
    expect(text.out).toContain(`aws eks create-pod-identity-association --cluster-name prod --namespace shop --service-account web --role-arn ${roleArn('web')}`)
    expect(text.out).not.toContain('\x1b[')
    const colour = Object.assign(memoryIo(), { isTTY: true })
    expect(await migrateCommand({ ...flags, format: 'text', progress: false }, colour)).toBe(0)
    expect(colour.out).toContain('\x1b[36mready')
    const bad = memoryIo()
    expect(await migrateCommand({ ...flags, iam: ['/nonexistent/auth.json'], format: 'json', progress: false }, bad)).toBe(2)
    expect(bad.err).toContain('/nonexistent/auth.json')
  })

  it('runs as `irsa audit migrate` from the built CLI', async () => {
    if (!existsSync(join(CLI, '..', 'audit-migrate.js'))) throw new Error('dist/cli/audit-migrate.js is missing: run `npm run build` first')
    const { dir, flags } = writeEstate()
    dirs.push(dir)
    const args = [CLI, 'audit', 'migrate', '--kubernetes', ...flags.kubernetes, '--iam', ...flags.iam, '--eks-cluster', ...flags.eksCluster, '--oidc-providers', ...flags.oidcProviders, '--pod-identity-associations', ...(flags.podIdentityAssociations ?? []), '--no-progress']
    const json = await run(process.execPath, [...args, '--format', 'json'], { env: { ...process.env, NO_COLOR: '1' } })
    expect((JSON.parse(json.stdout) as MigrationPlan).summary).toEqual({ total: 6, done: 1, ready: 2, blocked: 3 })
    const text = await run(process.execPath, args, { env: { ...process.env, NO_COLOR: '1' } })
    expect(text.stdout).toContain('6 IRSA binding(s): 1 migrated, 2 ready, 3 blocked.')
    expect(text.stdout).toContain('cannot move: the trust admits several service accounts through a wildcard')
  })
})
