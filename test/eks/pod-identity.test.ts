// Pod Identity credentials end to end: the agent endpoint /v1/credentials through the JS SDK's
// container providers and boto3's credential chain, EKS Auth AssumeRoleForPodIdentity through boto3,
// session tags in trust (aws:RequestTag) and in permissions (aws:PrincipalTag), and refused tokens.
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { fromContainerMetadata, fromHttp } from '@aws-sdk/credential-providers'
import { base64url, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nameUid } from '../../src/cli/issue-token.js'
import { baseEnv, boto3, boto3Batch, CLUSTER, POD_IDENTITY_TRUST, REGION, startTestServer } from './helpers.js'
import type { Credentials, TestServer } from './helpers.js'

let t: TestServer
let appRole: string
let abacRole: string

const agentUrl = (): string => `${t.url}/v1/credentials`

async function associate(namespace: string, serviceAccount: string, roleArn: string): Promise<void> {
  const rt = t.serving.rt
  const { createAssociation, operatorCaller } = await import('../../src/eks/associations.js')
  await createAssociation(rt, CLUSTER, { namespace, serviceAccount, roleArn }, operatorCaller(rt))
}

async function agent(token: string | undefined): Promise<{ status: number; type: string | null; body: string }> {
  const r = await fetch(agentUrl(), { headers: token === undefined ? {} : { authorization: token } })
  return { status: r.status, type: r.headers.get('content-type'), body: await r.text() }
}

beforeAll(async () => {
  t = await startTestServer()
  appRole = await t.createRole('pod-app', POD_IDENTITY_TRUST)
  // Trust only team-a's pods (aws:RequestTag), and let a session read roles only in its own namespace's name space (aws:PrincipalTag).
  abacRole = await t.createRole(
    'pod-abac',
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'pods.eks.amazonaws.com' },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Condition: { StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'team-a', 'aws:SourceAccount': t.account } },
        },
      ],
    },
    { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/kubernetes-namespace': 'team-a' } } }] },
  )
  await associate('default', 'app', appRole)
  await associate('team-a', 'worker', abacRole)
  await associate('team-b', 'worker', abacRole)
})
afterAll(async () => t?.close())

describe('the agent endpoint with real SDK credential providers', () => {
  it('JS fromHttp (token file) and fromContainerMetadata (token env) get credentials; GetCallerIdentity names the eks- session', async () => {
    const tokenFile = t.file('pod-token', await t.token({ namespace: 'default', serviceAccount: 'app', pod: 'app-7d9f' }))
    const creds = await fromHttp({ awsContainerCredentialsFullUri: agentUrl(), awsContainerAuthorizationTokenFile: tokenFile })()
    expect(creds.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/)
    expect(creds.expiration).toBeInstanceOf(Date)
    const sts = new STSClient({ endpoint: t.url, region: REGION, credentials: creds, maxAttempts: 1 })
    const id = await sts.send(new GetCallerIdentityCommand({}))
    sts.destroy()
    expect(id.Arn).toMatch(new RegExp(`^arn:aws:sts::${t.account}:assumed-role/pod-app/eks-${CLUSTER}-app-7d9f-[0-9a-f-]{36}$`))

    const saved = { uri: process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI, token: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN }
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = agentUrl()
    process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = await t.token({ namespace: 'default', serviceAccount: 'app', pod: 'app-meta' })
    try {
      const viaMetadata = await fromContainerMetadata({ maxRetries: 0, timeout: 5000 })()
      const sts2 = new STSClient({ endpoint: t.url, region: REGION, credentials: viaMetadata, maxAttempts: 1 })
      expect((await sts2.send(new GetCallerIdentityCommand({}))).Arn).toContain(`assumed-role/pod-app/eks-${CLUSTER}-app-meta-`)
      sts2.destroy()
    } finally {
      for (const [k, v] of [['AWS_CONTAINER_CREDENTIALS_FULL_URI', saved.uri], ['AWS_CONTAINER_AUTHORIZATION_TOKEN', saved.token]] as const) {
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      }
    }
  })

  it('boto3: the default credential chain uses the container provider from the env', async () => {
    const tokenFile = t.file('boto3-token', await t.token({ namespace: 'default', serviceAccount: 'app', pod: 'boto-pod' }))
    const r = await boto3(t, {
      op: 'chain',
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: agentUrl(), AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile, AWS_DEFAULT_REGION: REGION, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' },
    }, baseEnv(t))
    expect(r).toMatchObject({ ok: true, method: 'container-role', account: t.account })
    expect(r.arn).toMatch(new RegExp(`assumed-role/pod-app/eks-${CLUSTER}-boto-pod-[0-9a-f-]{36}$`))
    const role = await t.serving.rt.store.getRole(t.account, 'pod-app')
    expect(r.userId).toBe(`${role?.roleId}:${(r.arn as string).split('/')[2]}`)
  })

  it('answers agent errors as the real agent does', async () => {
    expect(await agent(undefined)).toMatchObject({ status: 400, body: 'Service account token cannot be empty' })
    const unparsable = await agent('not-a-jwt')
    expect(unparsable.status).toBe(400)
    expect(unparsable.type).toMatch(/^text\/plain/)
    expect(unparsable.body).toMatch(/^Service account token cannot be parsed: /)
    const noAssoc = await agent(await t.token({ namespace: 'nobody', serviceAccount: 'x', pod: 'p' }))
    expect(noAssoc.status).toBe(404)
    expect(noAssoc.body).toMatch(/^\[[0-9a-f-]{36}\]: \(ResourceNotFoundException\): No Pod Identity Association found for service account nobody\/x .*, fault: client$/)
  })
})

describe('EKS Auth AssumeRoleForPodIdentity (boto3 eks-auth client)', () => {
  it('returns the documented response shape with the association and the eks- session', async () => {
    const token = await t.token({ namespace: 'default', serviceAccount: 'app', pod: 'shape-pod' })
    const r = await boto3(t, { op: 'eks_auth', cluster: CLUSTER, token })
    expect(r.ok).toBe(true)
    const result = r.result as Record<string, Record<string, unknown>>
    const assoc = (await t.serving.rt.store.listPodIdentityAssociations(CLUSTER)).find((a) => a.namespace === 'default')
    expect(result).toMatchObject({
      subject: { namespace: 'default', serviceAccount: 'app' },
      audience: 'pods.eks.amazonaws.com',
      podIdentityAssociation: { associationArn: assoc?.associationArn, associationId: assoc?.associationId },
    })
    expect(result.assumedRoleUser?.arn).toMatch(new RegExp(`^arn:aws:sts::${t.account}:assumed-role/pod-app/eks-${CLUSTER}-shape-pod-`))
    expect(result.assumedRoleUser?.assumeRoleId).toMatch(/^AROA[A-Z2-7]{17}:eks-/)
    // botocore parsed the epoch-seconds expiration: six hours from now.
    expect(Math.abs((result.credentials?.expiration as number) * 1000 - (Date.now() + 6 * 3600_000))).toBeLessThan(120_000)
    // The decision is logged with the pod, association and caller, never the token.
    const d = (await t.serving.rt.store.listDecisions({ limit: 20 })).filter((x) => x.action === 'eks-auth:AssumeRoleForPodIdentity' && x.outcome === 'Allow').at(-1)
    expect(d).toMatchObject({ subject: 'system:serviceaccount:default:app', namespace: 'default', serviceAccount: 'app', roleArn: appRole })
    expect(d?.detail).toMatchObject({ associationId: assoc?.associationId, pod: { name: 'shape-pod' } })
    expect(JSON.stringify(d)).not.toContain(token)
  })

  it('session tags: the trust allows team-a and denies team-b; aws:PrincipalTag gates iam:GetRole', async () => {
    const [a, b] = (await boto3Batch(t, [
      { op: 'eks_auth', cluster: CLUSTER, token: await t.token({ namespace: 'team-a', serviceAccount: 'worker', pod: 'w-1' }) },
      { op: 'eks_auth', cluster: CLUSTER, token: await t.token({ namespace: 'team-b', serviceAccount: 'worker', pod: 'w-2' }) },
    ])) as [Record<string, unknown>, Record<string, unknown>]
    expect(a.ok).toBe(true)
    expect(b).toMatchObject({ ok: false, code: 'AccessDeniedException', status: 400 })

    const credsOf = (r: Record<string, unknown>): Credentials => {
      const c = (r.result as { credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string } }).credentials
      return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken }
    }
    const iamA = new IAMClient({ endpoint: t.url, region: REGION, credentials: credsOf(a), maxAttempts: 1 })
    expect((await iamA.send(new GetRoleCommand({ RoleName: 'pod-app' }))).Role?.Arn).toBe(appRole)
    iamA.destroy()

    // A team-b session of a role whose trust lets anyone in: the permission policy's tag condition denies it.
    await t.iam.send(
      new (await import('@aws-sdk/client-iam')).PutRolePolicyCommand({
        RoleName: 'pod-app',
        PolicyName: 'abac',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/kubernetes-namespace': 'team-a' } } }] }),
      }),
    )
    await associate('team-b', 'open', appRole)
    await associate('team-a', 'open', appRole)
    const [teamB, teamA] = (await boto3Batch(t, [
      { op: 'eks_auth', cluster: CLUSTER, token: await t.token({ namespace: 'team-b', serviceAccount: 'open', pod: 'o-1' }) },
      { op: 'eks_auth', cluster: CLUSTER, token: await t.token({ namespace: 'team-a', serviceAccount: 'open', pod: 'o-2' }) },
    ])) as [Record<string, unknown>, Record<string, unknown>]
    const iamB = new IAMClient({ endpoint: t.url, region: REGION, credentials: credsOf(teamB), maxAttempts: 1 })
    await expect(iamB.send(new GetRoleCommand({ RoleName: 'pod-app' }))).rejects.toMatchObject({ name: 'AccessDenied' })
    iamB.destroy()
    const iamA2 = new IAMClient({ endpoint: t.url, region: REGION, credentials: credsOf(teamA), maxAttempts: 1 })
    expect((await iamA2.send(new GetRoleCommand({ RoleName: 'pod-app' }))).Role?.RoleName).toBe('pod-app')
    iamA2.destroy()
  })

  it('refuses malformed, expired, wrong-audience, foreign-issuer and unbound tokens', async () => {
    const call = (token: string): Promise<Record<string, unknown>> => boto3(t, { op: 'eks_auth', cluster: CLUSTER, token })
    const good = await t.token({ namespace: 'default', serviceAccount: 'app', pod: 'p' })

    // Foreign issuer, correctly signed by its own key, with the right claims.
    const { privateKey } = await generateKeyPair('RS256')
    const now = Math.floor(Date.now() / 1000)
    const foreign = await new SignJWT({
      'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'app', uid: nameUid('x') }, pod: { name: 'p', uid: nameUid('y') } },
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'foreign' })
      .setIssuer('https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE')
      .setAudience(['pods.eks.amazonaws.com'])
      .setSubject('system:serviceaccount:default:app')
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(privateKey)
    const [h, p] = good.split('.')
    const [malformed, wrongAudience, unbound, tampered, foreignIssuer, otherCluster] = await boto3Batch(
      t,
      [
        'aaaa.bbbb.cccc', // JWT-shaped, but its parts are not JSON
        await t.token({ namespace: 'default', serviceAccount: 'app', pod: 'p', audience: 'sts.amazonaws.com' }), // an IRSA token
        await t.token({ namespace: 'default', serviceAccount: 'app' }), // not bound to a pod
        `${h}.${p}.${base64url.encode(new Uint8Array(256))}`,
        foreign,
      ].map((token) => ({ op: 'eks_auth', cluster: CLUSTER, token })).concat([{ op: 'eks_auth', cluster: 'other-cluster', token: good }]),
    )
    expect(malformed).toMatchObject({ ok: false, code: 'InvalidTokenException', status: 400 })
    expect(wrongAudience).toMatchObject({ ok: false, code: 'InvalidTokenException', message: 'Incorrect token audience' })
    expect(unbound).toMatchObject({ ok: false, code: 'InvalidTokenException', message: 'The token is not a Kubernetes service account token bound to a pod' })
    expect(tampered).toMatchObject({ ok: false, code: 'InvalidTokenException', message: 'The web identity token signature is invalid' })
    expect(foreignIssuer).toMatchObject({ ok: false, code: 'InvalidTokenException' })
    expect(foreignIssuer?.message).toContain('is not the OIDC issuer of cluster')
    expect(otherCluster).toMatchObject({ ok: false, code: 'ResourceNotFoundException', status: 404 })
    // Expired: move the server's clock past the token's expiry.
    const short = await t.token({ namespace: 'default', serviceAccount: 'app', pod: 'p', expirationSeconds: 600 })
    t.offsetMs = 700_000
    try {
      expect(await call(short)).toMatchObject({ ok: false, code: 'ExpiredTokenException', status: 400 })
      expect(await agent(short)).toMatchObject({ status: 400, body: expect.stringContaining('(ExpiredTokenException)') })
    } finally {
      t.offsetMs = 0
    }
    // Each refusal is in the decision log as a denial with its code.
    const codes = (await t.serving.rt.store.listDecisions({ outcome: 'Deny', limit: 50 })).filter((d) => d.action === 'eks-auth:AssumeRoleForPodIdentity').map((d) => d.code)
    expect(codes).toEqual(expect.arrayContaining(['InvalidTokenException', 'ExpiredTokenException']))
  })
})
