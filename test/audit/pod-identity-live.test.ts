/**
 * `--from-aws` with Pod Identity: associations read live from a running `irsa serve` through
 * @aws-sdk/client-eks (ListClusters → ListPodIdentityAssociations → DescribePodIdentityAssociation),
 * for `irsa audit` and `irsa audit migrate`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreatePodIdentityAssociationCommand, EKSClient } from '@aws-sdk/client-eks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MigrationPlan } from '../../src/audit/migrate.js'
import { auditCommand } from '../../src/cli/audit.js'
import { migrateCommand } from '../../src/cli/audit-migrate.js'
import { startServer } from '../../src/cli/serve.js'
import type { Serving } from '../../src/cli/serve.js'
import { memoryIo } from './helpers.js'

const ADMIN = { IRSA_ADMIN_ACCESS_KEY_ID: 'AKIAIRSAPODIDLIVE001', IRSA_ADMIN_SECRET_ACCESS_KEY: 'podIdLiveSecretKeypodIdLiveSecretKey0001' }
let serving: Serving
let dir: string

beforeAll(async () => {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: ADMIN.IRSA_ADMIN_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: ADMIN.IRSA_ADMIN_SECRET_ACCESS_KEY, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' })
  dir = mkdtempSync(join(tmpdir(), 'irsa-podid-live-'))
  serving = await startServer({ host: '127.0.0.1', port: 0, data: join(dir, 'state'), env: ADMIN, demo: true }, () => undefined)
  const rt = serving.rt
  const eks = new EKSClient({ endpoint: serving.url, region: rt.region })
  // demo-app-reader trusts only the OIDC issuer: associating it with Pod Identity is a broken binding.
  await eks.send(new CreatePodIdentityAssociationCommand({ clusterName: 'irsa', namespace: 'demo', serviceAccount: 'other', roleArn: `arn:aws:iam::${rt.account}:role/demo-app-reader` }))
  eks.destroy()
  writeFileSync(
    join(dir, 'sa.json'),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: 'demo', annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${rt.account}:role/demo-app-reader` } } },
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'other', namespace: 'demo' } },
      ],
    }),
  )
})

afterAll(async () => {
  await serving?.close()
  rmSync(dir, { recursive: true, force: true })
})

const flags = (): { kubernetes: string[]; clusterIssuer: string[]; fromAws: true; awsEndpoint: string; progress: false } => ({ kubernetes: [join(dir, 'sa.json')], clusterIssuer: [serving.rt.issuer], fromAws: true, awsEndpoint: serving.url, progress: false })

describe('--from-aws with EKS Pod Identity', () => {
  it('irsa audit reads the associations of every cluster and reports the broken binding (R19)', async () => {
    const io = memoryIo()
    expect(await auditCommand({ ...flags(), awsAllClusters: true, format: 'json', failOn: 'none' }, io)).toBe(0)
    const doc = JSON.parse(io.out) as { findings: { ref: string; message: string; evidence: Record<string, unknown>; resources: { kind: string; namespace?: string; name: string }[] }[]; warnings: unknown[] }
    const r19 = doc.findings.filter((f) => f.ref === 'R19' && f.evidence.via === 'pod-identity-association')
    expect(r19).toHaveLength(1)
    expect(r19[0]?.message).toContain('demo/other')
    expect(r19[0]?.message).toContain('does not admit pods.eks.amazonaws.com at all')
    expect(r19[0]?.resources[0]).toMatchObject({ kind: 'PodIdentityAssociation', namespace: 'demo' })
    expect(doc.warnings).toEqual([])
    // Without asking for associations, none are read.
    const none = memoryIo()
    await auditCommand({ ...flags(), format: 'json', failOn: 'none' }, none)
    expect((JSON.parse(none.out) as { findings: { evidence: Record<string, unknown> }[] }).findings.filter((f) => f.evidence.via === 'pod-identity-association')).toEqual([])
    // The EKS flags without --from-aws are a usage error.
    const usage = memoryIo()
    expect(await auditCommand({ kubernetes: flags().kubernetes, awsEksClusters: ['irsa'], format: 'json', failOn: 'none', progress: false }, usage)).toBe(2)
  })

  it('irsa audit migrate counts irsa serve as a Pod Identity-capable cluster (its issuer from /healthz)', async () => {
    const io = memoryIo()
    expect(await migrateCommand({ ...flags(), awsEksClusters: ['irsa'], format: 'json' }, io)).toBe(0)
    const plan = JSON.parse(io.out) as MigrationPlan
    const app = plan.items.find((i) => i.serviceAccount === 'app')
    expect(app?.status).toBe('ready')
    expect(app?.trustVerified).toBe(true)
    expect(app?.notes.join(' ')).toContain('serves the EKS Pod Identity API')
  })
})
