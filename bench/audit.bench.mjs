// Large-estate benchmark for `irsa audit`: a seeded generator writes a realistic estate (kubectl -o json
// Lists and an authorization-details export) to a temp directory, then the built auditor audits it.
// Target: 100,000 pods, 20,000 service accounts, 10,000 roles in under 20 s and under 2 GB peak RSS.
// Run: npm run build && node --expose-gc bench/audit.bench.mjs [--pods N] [--service-accounts N] [--roles N] [--seed N] [--keep]
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

const args = process.argv.slice(2)
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : dflt
}
const PODS = arg('pods', 100_000)
const SAS = arg('service-accounts', 20_000)
const ROLES = arg('roles', 10_000)
const SEED = arg('seed', 42)
const ACCT = '111122223333'
const ISS = 'oidc.eks.us-east-1.amazonaws.com/id/0BE4C0D539D4633E53DE1B71E0A3B1C2'
const PROV = `arn:aws:iam::${ACCT}:oidc-provider/${ISS}`

/** mulberry32: small, seeded, reproducible. */
function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function generateEstate(dir, { pods = PODS, serviceAccounts = SAS, roles = ROLES, seed = SEED } = {}) {
  const rand = rng(seed)
  const pick = (n) => Math.floor(rand() * n)
  const nsCount = Math.max(1, Math.round(serviceAccounts / 40))
  const ns = Array.from({ length: nsCount }, (_, i) => `team-${String(i).padStart(4, '0')}`)
  mkdirSync(join(dir, 'k8s'), { recursive: true })
  const list = (items) => ({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items })
  writeFileSync(join(dir, 'k8s/namespaces.json'), JSON.stringify(list(ns.map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n, labels: { env: pick(2) ? 'prod' : 'dev' } } })))))
  // Service accounts: the first `roles` are annotated, one role each (a few planted shares and breaks).
  const sas = []
  const roleDocs = []
  const planted = { wildcard: 0, missingAud: 0, admin: 0, broken: 0, shared: 0 }
  for (let i = 0; i < serviceAccounts; i++) {
    const n = ns[i % nsCount]
    const name = i < nsCount ? 'default' : `svc-${i}`
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: n, labels: { 'app.kubernetes.io/name': name } } }
    if (i >= nsCount && i - nsCount < roles) {
      const r = i - nsCount
      const roleName = `app-${r}`
      sa.metadata.annotations = { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${ACCT}:role/${rand() < 0.002 ? `missing-${r}` : roleName}` }
      if (sa.metadata.annotations['eks.amazonaws.com/role-arn'].includes('missing-')) planted.broken++
      const roll = rand()
      let cond = { StringEquals: { [`${ISS}:sub`]: `system:serviceaccount:${n}:${name}`, [`${ISS}:aud`]: 'sts.amazonaws.com' } }
      if (roll < 0.005) {
        cond = { StringLike: { [`${ISS}:sub`]: `system:serviceaccount:${n}:*` }, StringEquals: { [`${ISS}:aud`]: 'sts.amazonaws.com' } }
        planted.wildcard++
      } else if (roll < 0.01) {
        cond = { StringEquals: { [`${ISS}:sub`]: `system:serviceaccount:${n}:${name}` } }
        planted.missingAud++
      }
      const actions = rand() < 0.003 ? (planted.admin++, ['*']) : ['s3:GetObject', 's3:PutObject']
      roleDocs.push({
        Path: '/',
        RoleName: roleName,
        RoleId: `AROA${String(r).padStart(12, '0')}`,
        Arn: `arn:aws:iam::${ACCT}:role/${roleName}`,
        CreateDate: '2024-01-01T00:00:00Z',
        AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: PROV }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: cond }] })),
        InstanceProfileList: [],
        RolePolicyList: [{ PolicyName: 'app', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: actions[0] === '*' ? '*' : `arn:aws:s3:::bucket-${r}/*` }] } }],
        AttachedManagedPolicies: pick(10) === 0 ? [{ PolicyName: 'shared-read', PolicyArn: `arn:aws:iam::${ACCT}:policy/shared-read` }] : [],
        Tags: [{ Key: 'owner', Value: `team-${r % 50}` }, { Key: 'app', Value: roleName }, { Key: 'env', Value: 'prod' }],
        RoleLastUsed: { LastUsedDate: '2025-05-01T00:00:00Z', Region: 'us-east-1' },
      })
    }
    sas.push(sa)
  }
  writeFileSync(join(dir, 'k8s/serviceaccounts.json'), JSON.stringify(list(sas)))
  // Deployments (one per annotated SA plus some on default) and their pods.
  const deployments = []
  const podItems = []
  const users = sas.filter((s) => s.metadata.annotations !== undefined)
  const perDeploy = Math.max(1, Math.floor(pods / Math.max(1, users.length)))
  for (const sa of users) {
    const name = sa.metadata.name
    const n = sa.metadata.namespace
    const labels = { 'app.kubernetes.io/name': name }
    deployments.push({ roleArn: sa.metadata.annotations['eks.amazonaws.com/role-arn'], apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: n, labels }, spec: { replicas: perDeploy, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { serviceAccountName: name, automountServiceAccountToken: false, containers: [{ name: 'app', image: `registry.example.com/${name}:1` }] } } } })
  }
  let p = 0
  while (podItems.length < pods) {
    const d = deployments[p % deployments.length]
    const k = Math.floor(p / deployments.length)
    const name = d.metadata.name
    podItems.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${name}-6d4cf56db6-${k.toString(36).padStart(5, '0')}`, namespace: d.metadata.namespace, labels: d.spec.template.metadata.labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-6d4cf56db6`, uid: 'x', controller: true }] },
      spec: {
        serviceAccountName: name,
        automountServiceAccountToken: false,
        nodeName: `ip-10-0-${pick(250)}-${pick(250)}.ec2.internal`,
        containers: [{ name: 'app', image: `registry.example.com/${name}:1`, env: [{ name: 'AWS_ROLE_ARN', value: d.roleArn }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' }] }],
        volumes: [{ name: 'aws-iam-token', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }] } }],
      },
    })
    p++
  }
  writeFileSync(join(dir, 'k8s/deployments.json'), JSON.stringify(list(deployments.map(({ roleArn: _r, ...d }) => d))))
  // Pods in chunks of 20,000 per file, as a sharded export would be.
  for (let i = 0; i < podItems.length; i += 20_000) writeFileSync(join(dir, `k8s/pods-${i / 20_000}.json`), JSON.stringify(list(podItems.slice(i, i + 20_000))))
  // RBAC: a namespace-admin RoleBinding per namespace and a cluster-admin.
  const rbac = [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cluster-admin' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'cluster-admin' }, roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'system:masters' }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'edit' }, rules: [{ apiGroups: ['', 'apps', 'batch'], resources: ['pods', 'deployments', 'jobs', 'serviceaccounts'], verbs: ['create', 'update', 'patch', 'delete', 'get', 'list'] }] },
    ...ns.map((n) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'devs', namespace: n }, roleRef: { kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'Group', name: `${n}-devs` }] })),
  ]
  writeFileSync(join(dir, 'k8s/rbac.json'), JSON.stringify(list(rbac)))
  mkdirSync(join(dir, 'aws'), { recursive: true })
  const policies = [{ PolicyName: 'shared-read', Arn: `arn:aws:iam::${ACCT}:policy/shared-read`, DefaultVersionId: 'v1', PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['cloudwatch:PutMetricData', 'logs:CreateLogStream'], Resource: '*' }] })) }] }]
  writeFileSync(join(dir, 'aws/authorization-details.json'), JSON.stringify({ UserDetailList: [], GroupDetailList: [], RoleDetailList: roleDocs, Policies: policies }))
  writeFileSync(join(dir, 'aws/eks-cluster.json'), JSON.stringify({ cluster: { name: 'bench', arn: `arn:aws:eks:us-east-1:${ACCT}:cluster/bench`, identity: { oidc: { issuer: `https://${ISS}` } } } }))
  writeFileSync(join(dir, 'aws/oidc-providers.json'), JSON.stringify({ OpenIDConnectProviderList: [{ Arn: PROV }] }))
  return { pods: podItems.length, serviceAccounts: sas.length, roles: roleDocs.length, namespaces: nsCount, planted }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'irsa-audit-bench-'))
  try {
    const t0 = performance.now()
    const shape = generateEstate(dir)
    const genMs = performance.now() - t0
    globalThis.gc?.()
    const before = process.memoryUsage().rss
    let peak = before
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss)
    }, 20)
    const { auditCommand } = await import('../dist/cli/audit.js')
    let out = ''
    const io = {
      stdout: (s) => {
        out += s
      },
      stderr: (s) => process.stderr.write(s),
      isTTY: process.stderr.isTTY === true,
      now: () => new Date('2025-06-01T00:00:00Z'),
      writeFile: async () => {},
      readFile: async () => '',
    }
    const t1 = performance.now()
    const code = await auditCommand(
      {
        kubernetes: [join(dir, 'k8s')],
        iam: [join(dir, 'aws/authorization-details.json')],
        eksCluster: [join(dir, 'aws/eks-cluster.json')],
        oidcProviders: [join(dir, 'aws/oidc-providers.json')],
        format: 'json',
        failOn: 'none',
        progress: true,
      },
      io,
    )
    const auditMs = performance.now() - t1
    clearInterval(sampler)
    peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024)
    const report = JSON.parse(out)
    const byRule = {}
    for (const f of report.findings) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1
    const result = {
      estate: shape,
      generateSeconds: +(genMs / 1000).toFixed(2),
      auditSeconds: +(auditMs / 1000).toFixed(2),
      peakRssMB: Math.round(peak / 1024 / 1024),
      exitCode: code,
      findings: report.findings.length,
      bySeverity: report.summary.bySeverity,
      byRule,
      target: { seconds: 20, peakRssMB: 2048 },
      ok: auditMs < 20_000 && peak < 2 * 1024 ** 3,
    }
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    if (!result.ok) process.exitCode = 1
  } finally {
    if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true })
    else process.stderr.write(`estate kept in ${dir}\n`)
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
