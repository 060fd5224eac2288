// A real irsa server on loopback with a small estate created through its real APIs (IAM through the
// AWS SDK, bindings through the SigV4-signed /irsa/v1/bindings endpoint), for the dashboard tests.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { startServer } from '../../src/cli/serve.js'
import type { Serving } from '../../src/cli/serve.js'
import { signedHeaders } from '../../src/aws/sigv4/sign.js'
import { createAssociation, operatorCaller } from '../../src/eks/associations.js'
import { ownCluster } from '../../src/eks/cluster.js'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'
import { issuerHostPath } from '../../src/tokens/issuer-url.js'

export const ADMIN = { accessKeyId: 'AKIAIRSAUIDASHBOARD1', secretAccessKey: 'uiDashboardSecretKeyuiDashboardSecretKey' }
export const UI_TOKEN = 'ui-test-token-3b9f0c2d7e41a856'

export interface UiTestServer {
  readonly serving: Serving
  readonly url: string
  readonly lines: readonly string[]
  readonly iam: IAMClient
  roleArn(name: string): string
  putBindings(bindings: readonly { namespace: string; serviceAccount: string; roleArn: string }[]): Promise<void>
  /** Exchange a projected token for NS/SA at STS for the role: 'OK' or the STS error code. */
  assume(roleName: string, namespace: string, serviceAccount: string): Promise<string>
  /** Ask the Pod Identity agent endpoint (EKS Auth AssumeRoleForPodIdentity) for a pod of NS/SA: the HTTP status. */
  podCredentials(namespace: string, serviceAccount: string): Promise<number>
  close(): Promise<void>
}

export async function startUiServer(o: { uiToken?: string; demo?: boolean } = {}): Promise<UiTestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'irsa-ui-'))
  const lines: string[] = []
  const serving = await startServer(
    {
      host: '127.0.0.1',
      port: 0,
      data: join(dir, 'data'),
      env: { IRSA_ADMIN_ACCESS_KEY_ID: ADMIN.accessKeyId, IRSA_ADMIN_SECRET_ACCESS_KEY: ADMIN.secretAccessKey },
      ...(o.uiToken === undefined ? {} : { uiToken: o.uiToken }),
      ...(o.demo === true ? { demo: true } : {}),
    },
    (line) => lines.push(line),
  )
  const iam = new IAMClient({ endpoint: serving.url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 })
  const sts = new STSClient({ endpoint: serving.url, region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 })
  const roleArn = (name: string): string => `arn:aws:iam::${serving.rt.account}:role/${name}`
  return {
    serving,
    url: serving.url,
    lines,
    iam,
    roleArn,
    async putBindings(bindings) {
      const url = new URL('/irsa/v1/bindings', serving.url)
      const body = JSON.stringify({ bindings })
      const headers = signedHeaders({ method: 'PUT', url, body, contentType: 'application/json', ...ADMIN, region: 'us-east-1', service: 'irsa' }, new Date())
      const res = await fetch(url, { method: 'PUT', headers, body })
      if (res.status !== 200) throw new Error(`PUT bindings: ${res.status} ${await res.text()}`)
    },
    async assume(roleName, namespace, serviceAccount) {
      const { token } = await issueServiceAccountToken(serving.rt, { namespace, serviceAccount, expirationSeconds: 3600 })
      try {
        await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn(roleName), RoleSessionName: `${serviceAccount}-ui-test`, WebIdentityToken: token }))
        return 'OK'
      } catch (e) {
        const err = e as { name: string; Code?: string }
        return err.Code ?? err.name.replace(/Exception$/, '')
      }
    },
    async podCredentials(namespace, serviceAccount) {
      const { token } = await issueServiceAccountToken(serving.rt, { namespace, serviceAccount, audience: ['pods.eks.amazonaws.com'], pod: `${serviceAccount}-pod`, expirationSeconds: 3600 })
      const res = await fetch(new URL('/v1/credentials', serving.url), { headers: { authorization: token } })
      await res.arrayBuffer()
      return res.status
    },
    async close() {
      iam.destroy()
      sts.destroy()
      await serving.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

function trustDoc(statements: readonly Record<string, unknown>[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements })
}

function oidc(s: UiTestServer, op: string, subs: string | readonly string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const rt = s.serving.rt
  const key = issuerHostPath(rt.issuer)
  return {
    Effect: 'Allow',
    Principal: { Federated: rt.ownProviderArn },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: op === 'StringEquals' ? { StringEquals: { [`${key}:sub`]: subs, [`${key}:aud`]: 'sts.amazonaws.com' } } : { [op]: { [`${key}:sub`]: subs }, StringEquals: { [`${key}:aud`]: 'sts.amazonaws.com' } },
    ...extra,
  }
}

/**
 * The demo estate:
 * - payments/reader → payments-reader: exact trust, read-only S3 (working);
 * - batch/worker → wide-open: trust `system:serviceaccount:*:*`, admin permissions (over-broad, wildcard);
 * - team-a/app and team-b/app → shared-role (shared across namespaces);
 * - web/frontend → frontend-role, whose trust denies it explicitly (broken);
 * - web/ghost → a role that does not exist (broken).
 */
export async function seedEstate(s: UiTestServer): Promise<void> {
  const rt = s.serving.rt
  const key = issuerHostPath(rt.issuer)
  const roles: { name: string; trust: string; policy: Record<string, unknown> }[] = [
    {
      name: 'payments-reader',
      trust: trustDoc([{ Sid: 'PaymentsReader', ...oidc(s, 'StringEquals', 'system:serviceaccount:payments:reader') }]),
      policy: { Sid: 'ReadPayments', Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::payments-archive/*' },
    },
    {
      name: 'wide-open',
      trust: trustDoc([{ Sid: 'AnyServiceAccount', ...oidc(s, 'StringLike', 'system:serviceaccount:*:*') }]),
      policy: { Sid: 'EverythingEverywhere', Effect: 'Allow', Action: '*', Resource: '*' },
    },
    {
      name: 'shared-role',
      trust: trustDoc([{ Sid: 'TwoTeams', ...oidc(s, 'StringEquals', ['system:serviceaccount:team-a:app', 'system:serviceaccount:team-b:app']) }]),
      policy: { Sid: 'QueueWrite', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: `arn:aws:sqs:us-east-1:${rt.account}:jobs` },
    },
    {
      name: 'frontend-role',
      trust: trustDoc([
        { Sid: 'WebServiceAccounts', ...oidc(s, 'StringLike', 'system:serviceaccount:web:*') },
        { Sid: 'DenyFrontend', Effect: 'Deny', Principal: { Federated: rt.ownProviderArn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${key}:sub`]: 'system:serviceaccount:web:frontend' } } },
      ]),
      policy: { Sid: 'ReadAssets', Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::web-assets/*' },
    },
  ]
  for (const r of roles) {
    await s.iam.send(new CreateRoleCommand({ RoleName: r.name, AssumeRolePolicyDocument: r.trust, Description: `ui test: ${r.name}` }))
    await s.iam.send(new PutRolePolicyCommand({ RoleName: r.name, PolicyName: `${r.name}-policy`, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [r.policy] }) }))
  }
  await s.putBindings([
    { namespace: 'payments', serviceAccount: 'reader', roleArn: s.roleArn('payments-reader') },
    { namespace: 'batch', serviceAccount: 'worker', roleArn: s.roleArn('wide-open') },
    { namespace: 'team-a', serviceAccount: 'app', roleArn: s.roleArn('shared-role') },
    { namespace: 'team-b', serviceAccount: 'app', roleArn: s.roleArn('shared-role') },
    { namespace: 'web', serviceAccount: 'frontend', roleArn: s.roleArn('frontend-role') },
    { namespace: 'web', serviceAccount: 'ghost', roleArn: s.roleArn('does-not-exist') },
  ])
}

/** The browser: IRSA_TEST_CHROMIUM, else Debian's /usr/bin/chromium. Missing is a failure, not a skip. */
export function chromiumPath(): string {
  const path = process.env.IRSA_TEST_CHROMIUM ?? '/usr/bin/chromium'
  if (!existsSync(path)) {
    throw new Error(`No Chromium at ${path}: install Debian's chromium (apt-get install chromium) or set IRSA_TEST_CHROMIUM to a Chromium executable. The dashboard tests need a real browser.`)
  }
  return path
}

/** fetch without following redirects. */
export function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers, redirect: 'manual' })
}

/**
 * EKS Pod Identity associations on the server's own cluster (made with the EKS association code):
 * - pods/pod-reader → pod-reader: trust lets pods.eks.amazonaws.com AssumeRole + TagSession, scoped to the cluster (working);
 * - pods/pod-untagged → pod-untagged: trust allows sts:AssumeRole only, no sts:TagSession (broken);
 * - jobs/irsa-job (IRSA binding) and jobs/pod-job (association) → dual-role: one role used both ways (shared).
 * Returns the association ids by `namespace/serviceAccount`.
 */
export async function seedPodIdentity(s: UiTestServer): Promise<Record<string, string>> {
  const rt = s.serving.rt
  const cluster = await ownCluster(rt)
  const podTrust = (actions: readonly string[]): Record<string, unknown> => ({
    Sid: 'EksPodIdentity',
    Effect: 'Allow',
    Principal: { Service: 'pods.eks.amazonaws.com' },
    Action: actions,
    Condition: { StringEquals: { 'aws:SourceAccount': rt.account }, ArnEquals: { 'aws:SourceArn': cluster.arn } },
  })
  const roles: { name: string; trust: string }[] = [
    { name: 'pod-reader', trust: trustDoc([podTrust(['sts:AssumeRole', 'sts:TagSession'])]) },
    { name: 'pod-untagged', trust: trustDoc([podTrust(['sts:AssumeRole'])]) },
    { name: 'dual-role', trust: trustDoc([podTrust(['sts:AssumeRole', 'sts:TagSession']), { Sid: 'IrsaJob', ...oidc(s, 'StringEquals', 'system:serviceaccount:jobs:irsa-job') }]) },
  ]
  for (const r of roles) {
    await s.iam.send(new CreateRoleCommand({ RoleName: r.name, AssumeRolePolicyDocument: r.trust, Description: `ui test: ${r.name}` }))
    const policy = { Version: '2012-10-17', Statement: [{ Sid: 'ReadReports', Effect: 'Allow', Action: ['s3:GetObject'], Resource: `arn:aws:s3:::${r.name}-reports/*` }] }
    await s.iam.send(new PutRolePolicyCommand({ RoleName: r.name, PolicyName: `${r.name}-policy`, PolicyDocument: JSON.stringify(policy) }))
  }
  await s.putBindings([{ namespace: 'jobs', serviceAccount: 'irsa-job', roleArn: s.roleArn('dual-role') }])
  const ids: Record<string, string> = {}
  for (const [namespace, serviceAccount, role] of [
    ['pods', 'pod-reader', 'pod-reader'],
    ['pods', 'pod-untagged', 'pod-untagged'],
    ['jobs', 'pod-job', 'dual-role'],
  ] as const) {
    const a = await createAssociation(rt, cluster.name, { namespace, serviceAccount, roleArn: s.roleArn(role) }, operatorCaller(rt))
    ids[`${namespace}/${serviceAccount}`] = a.associationId
  }
  return ids
}
