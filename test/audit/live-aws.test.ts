/** `irsa audit --from-aws` against a running `irsa serve`: the IAM side read live through the AWS SDK. */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer } from '../../src/cli/serve.js'
import type { Serving } from '../../src/cli/serve.js'
import { issuerHostPath } from '../../src/tokens/issuer-url.js'

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const ADMIN = { IRSA_ADMIN_ACCESS_KEY_ID: 'AKIARTX3GSDSAUDITLIV', IRSA_ADMIN_SECRET_ACCESS_KEY: 'audit/live/secret/key/000000000000000000' }
let serving: Serving
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'irsa-audit-live-'))
  serving = await startServer({ host: '127.0.0.1', port: 0, data: join(dir, 'state'), env: ADMIN, demo: true }, () => undefined)
  const rt = serving.rt
  const key = issuerHostPath(rt.issuer)
  // A planted misconfiguration: a role whose trust admits every service account of the cluster.
  await rt.store.createRole({
    arn: `arn:aws:iam::${rt.account}:role/wide-open`,
    account: rt.account,
    name: 'wide-open',
    path: '/',
    roleId: 'AROARTX3GSDSWIDEOPEN1',
    trustPolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Federated: rt.ownProviderArn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringLike: { [`${key}:sub`]: 'system:serviceaccount:*' } } }],
    }),
    description: undefined,
    maxSessionDuration: 3600,
    permissionsBoundaryArn: undefined,
    tags: [],
    createdAt: rt.nowSeconds(),
  })
  writeFileSync(
    join(dir, 'sa.json'),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: 'demo', annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${rt.account}:role/demo-app-reader` } } },
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'batch', namespace: 'jobs', annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${rt.account}:role/wide-open` } } },
      ],
    }),
  )
})

afterAll(async () => {
  await serving.close()
})

describe('irsa audit --from-aws', () => {
  it('reads roles and providers from a running irsa serve and reports the planted wildcard trust', async () => {
    // Asynchronous: the server runs in this process and must keep answering while the CLI runs.
    const r = await promisify(execFile)(
      process.execPath,
      [CLI, 'audit', '--from-aws', '--aws-endpoint', serving.url, '--kubernetes', join(dir, 'sa.json'), '--cluster-issuer', serving.rt.issuer, '--format', 'json', '--no-progress'],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, AWS_ACCESS_KEY_ID: ADMIN.IRSA_ADMIN_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: ADMIN.IRSA_ADMIN_SECRET_ACCESS_KEY, AWS_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } },
    )
    expect(r.stderr).not.toMatch(/Warning/)
    const doc = JSON.parse(r.stdout) as { summary: { roles: number }; findings: { ruleId: string; ref: string; severity: string; resources: { arn?: string; namespace?: string; name: string }[] }[] }
    // demo-app-reader, wide-open, and the demo's Pod Identity role (when the demo makes one).
    expect(doc.summary.roles).toBeGreaterThanOrEqual(2)
    const onWide = doc.findings.filter((f) => f.resources.some((x) => x.arn?.endsWith(':role/wide-open')))
    expect(onWide.map((f) => f.ref)).toContain('R03')
    const SERIOUS = new Set(['critical', 'high', 'medium'])
    const onDemo = doc.findings.filter((f) => SERIOUS.has(f.severity) && f.resources.some((x) => x.arn?.endsWith(':role/demo-app-reader') || (x.namespace === 'demo' && x.name === 'app')))
    expect(onDemo).toEqual([])
  })
})
