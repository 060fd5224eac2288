// Handing a role to something must be authorized like AWS does: the escalation the outside review
// reproduced on `irsa serve --demo`, replayed end to end with real clients. A role session allowed
// eks:CreatePodIdentityAssociation / eks:UpdatePodIdentityAssociation but not iam:PassRole binds its
// own service account to an admin role, fetches that role's credentials from /v1/credentials and
// writes itself Allow *:*. EKS requires iam:PassRole on the role (iam:PassedToService =
// pods.eks.amazonaws.com, iam:AssociatedResourceArn = the cluster ARN); so must irsa. The IAM
// siblings (permissions boundaries, role tags) are replayed the same way.
import {
  CreatePodIdentityAssociationCommand,
  DescribePodIdentityAssociationCommand,
  EKSClient,
  ListPodIdentityAssociationsCommand,
  UpdatePodIdentityAssociationCommand,
} from '@aws-sdk/client-eks'
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  GetRoleCommand,
  IAMClient,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
} from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { POD_IDENTITY_TRUST } from '../eks/helpers.js'
import { issueServiceAccountToken } from '../../src/cli/issue-token.js'
import { REGION, sdkError, startSecServer } from './helpers.js'
import type { Credentials, SecServer } from './helpers.js'

let s: SecServer
let cluster: { name: string; arn: string }
let adminRole: string
let lowRole: string
const clients: { destroy(): void }[] = []

const POD_TRUST = JSON.stringify(POD_IDENTITY_TRUST)
const EKS_WRITE = { Effect: 'Allow', Action: ['eks:CreatePodIdentityAssociation', 'eks:UpdatePodIdentityAssociation', 'eks:DescribePodIdentityAssociation'], Resource: '*' }

async function podRole(name: string, policy: object): Promise<string> {
  const r = await s.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: POD_TRUST }))
  await s.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }))
  return r.Role?.Arn as string
}

/** A web-identity session of a new role (trusting namespace `ci`, service account = the role name) with these statements. */
async function sessionWith(name: string, statements: object[], boundaryArn?: string): Promise<Credentials> {
  const arn = await s.role(name, 'ci', name)
  await s.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }))
  if (boundaryArn !== undefined) await s.iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: name, PermissionsBoundary: boundaryArn }))
  return s.session(arn, 'ci', name)
}

function eks(creds: Credentials): EKSClient {
  const c = new EKSClient({ endpoint: s.url, region: REGION, credentials: creds, maxAttempts: 1 })
  clients.push(c)
  return c
}

function iam(creds: Credentials): IAMClient {
  const c = new IAMClient({ endpoint: s.url, region: REGION, credentials: creds, maxAttempts: 1 })
  clients.push(c)
  return c
}

const adminEks = (): EKSClient => eks({ accessKeyId: 'AKIAIRSASECURITYTEST', secretAccessKey: 'securitySuiteSecretKey/securitySuiteSecret0' })

async function associations(namespace: string): Promise<{ serviceAccount?: string; associationId?: string }[]> {
  return (await adminEks().send(new ListPodIdentityAssociationsCommand({ clusterName: cluster.name, namespace }))).associations ?? []
}

/** What the Pod Identity agent endpoint answers a pod of namespace/serviceAccount. */
async function podCredentials(namespace: string, serviceAccount: string): Promise<{ status: number; creds?: Credentials }> {
  const { token } = await issueServiceAccountToken(s.serving.rt, { namespace, serviceAccount, pod: `${serviceAccount}-0`, audience: ['pods.eks.amazonaws.com'] })
  const r = await fetch(new URL('/v1/credentials', s.url), { headers: { authorization: token } })
  if (r.status !== 200) return { status: r.status }
  const b = (await r.json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string }
  return { status: 200, creds: { accessKeyId: b.AccessKeyId, secretAccessKey: b.SecretAccessKey, sessionToken: b.Token } }
}

async function whoIs(creds: Credentials): Promise<string> {
  const sts = new STSClient({ endpoint: s.url, region: REGION, credentials: creds, maxAttempts: 1 })
  clients.push(sts)
  return (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? ''
}

beforeAll(async () => {
  s = await startSecServer()
  cluster = { name: 'irsa', arn: `arn:aws:eks:${REGION}:${s.account}:cluster/irsa` }
  adminRole = await podRole('cluster-admin', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] })
  lowRole = await podRole('app-low', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] })
}, 60_000)
afterAll(async () => {
  for (const c of clients) c.destroy()
  await s?.close()
})

describe('Pod Identity associations require iam:PassRole (the reproduced escalation)', () => {
  it('a session with the eks: actions and an explicit deny of iam:PassRole cannot bind its service account to the admin role', async () => {
    const attacker = await sessionWith('deployer-denied', [EKS_WRITE, { Effect: 'Deny', Action: 'iam:PassRole', Resource: '*' }])
    const e = await sdkError(eks(attacker).send(new CreatePodIdentityAssociationCommand({ clusterName: cluster.name, namespace: 'attacker', serviceAccount: 'sa', roleArn: adminRole })))
    expect(e).toMatchObject({ name: 'AccessDeniedException', status: 403 })
    expect(e.message).toBe(
      `User: arn:aws:sts::${s.account}:assumed-role/deployer-denied/sec is not authorized to perform: iam:PassRole on resource: ${adminRole} with an explicit deny in an identity-based policy`,
    )
    // Nothing stored, so no credentials for the admin role, so no way to write itself Allow *:*.
    expect(await associations('attacker')).toEqual([])
    expect((await podCredentials('attacker', 'sa')).status).not.toBe(200)
  })

  it('without any iam:PassRole grant the create is denied too, and a caller learns nothing about which roles exist', async () => {
    const attacker = await sessionWith('deployer-no-pass', [EKS_WRITE])
    const client = eks(attacker)
    const e = await sdkError(client.send(new CreatePodIdentityAssociationCommand({ clusterName: cluster.name, namespace: 'attacker', serviceAccount: 'sa2', roleArn: adminRole })))
    expect(e).toMatchObject({ name: 'AccessDeniedException', status: 403 })
    expect(e.message).toContain('because no identity-based policy allows the iam:PassRole action')
    const ghost = `arn:aws:iam::${s.account}:role/does-not-exist`
    const g = await sdkError(client.send(new CreatePodIdentityAssociationCommand({ clusterName: cluster.name, namespace: 'attacker', serviceAccount: 'sa2', roleArn: ghost })))
    expect(g).toMatchObject({ name: 'AccessDeniedException', status: 403 })
    expect(g.message).toContain(`iam:PassRole on resource: ${ghost}`)
    expect(await associations('attacker')).toEqual([])
  })

  it('re-pointing an existing association at the admin role is denied and leaves it on its role', async () => {
    const created = await adminEks().send(new CreatePodIdentityAssociationCommand({ clusterName: cluster.name, namespace: 'victim', serviceAccount: 'web', roleArn: lowRole }))
    const id = created.association?.associationId as string
    const attacker = await sessionWith('updater-denied', [EKS_WRITE, { Effect: 'Deny', Action: 'iam:PassRole', Resource: '*' }])
    const e = await sdkError(eks(attacker).send(new UpdatePodIdentityAssociationCommand({ clusterName: cluster.name, associationId: id, roleArn: adminRole })))
    expect(e).toMatchObject({ name: 'AccessDeniedException', status: 403 })
    expect(e.message).toContain(`iam:PassRole on resource: ${adminRole}`)
    const after = await adminEks().send(new DescribePodIdentityAssociationCommand({ clusterName: cluster.name, associationId: id }))
    expect(after.association?.roleArn).toBe(lowRole)
    const pod = await podCredentials('victim', 'web')
    expect(pod.status).toBe(200)
    expect(await whoIs(pod.creds as Credentials)).toMatch(new RegExp(`:assumed-role/app-low/`))
  })

  it('PassRole allowed for pods.eks.amazonaws.com on this cluster: create and update succeed and the pod gets the role', async () => {
    const deployer = await sessionWith('deployer-ok', [
      EKS_WRITE,
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: [adminRole, lowRole],
        Condition: { StringEquals: { 'iam:PassedToService': 'pods.eks.amazonaws.com' }, ArnEquals: { 'iam:AssociatedResourceARN': cluster.arn } },
      },
    ])
    const client = eks(deployer)
    const a = await client.send(new CreatePodIdentityAssociationCommand({ clusterName: cluster.name, namespace: 'platform', serviceAccount: 'ops', roleArn: lowRole }))
    expect(a.association?.roleArn).toBe(lowRole)
    const u = await client.send(new UpdatePodIdentityAssociationCommand({ clusterName: cluster.name, associationId: a.association?.associationId as string, roleArn: adminRole }))
    expect(u.association?.roleArn).toBe(adminRole)
    const pod = await podCredentials('platform', 'ops')
    expect(await whoIs(pod.creds as Credentials)).toMatch(/:assumed-role\/cluster-admin\//)
  })

  it('PassRole conditioned on another service, or another cluster, does not allow passing the role to Pod Identity', async () => {
    const pass = (condition: object): object => ({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: condition })
    const toEc2 = await sessionWith('deployer-ec2', [EKS_WRITE, pass({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } })])
    const otherCluster = await sessionWith('deployer-other-cluster', [
      EKS_WRITE,
      pass({ StringEquals: { 'iam:PassedToService': 'pods.eks.amazonaws.com' }, ArnLike: { 'iam:AssociatedResourceArn': `arn:aws:eks:*:${s.account}:cluster/prod` } }),
    ])
    for (const creds of [toEc2, otherCluster]) {
      const e = await sdkError(eks(creds).send(new CreatePodIdentityAssociationCommand({ clusterName: cluster.name, namespace: 'side', serviceAccount: 'x', roleArn: adminRole })))
      expect(e).toMatchObject({ name: 'AccessDeniedException', status: 403 })
      expect(e.message).toContain('iam:PassRole')
    }
    expect(await associations('side')).toEqual([])
  })

  it("PassRole may be scoped by the role's tags (iam:ResourceTag)", async () => {
    await s.iam.send(new TagRoleCommand({ RoleName: 'app-low', Tags: [{ Key: 'tier', Value: 'app' }] }))
    const deployer = await sessionWith('deployer-tagged', [
      EKS_WRITE,
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: { StringEquals: { 'iam:ResourceTag/tier': 'app', 'iam:PassedToService': 'pods.eks.amazonaws.com' } } },
    ])
    const client = eks(deployer)
    await expect(client.send(new CreatePodIdentityAssociationCommand({ clusterName: cluster.name, namespace: 'tagged', serviceAccount: 'a', roleArn: lowRole }))).resolves.toBeDefined()
    const e = await sdkError(client.send(new CreatePodIdentityAssociationCommand({ clusterName: cluster.name, namespace: 'tagged', serviceAccount: 'b', roleArn: adminRole })))
    expect(e).toMatchObject({ name: 'AccessDeniedException', status: 403 })
    expect((await associations('tagged')).map((a) => a.serviceAccount)).toEqual(['a'])
  })
})

describe('permissions boundaries and role tags handed over through the IAM API', () => {
  let boundaryX: string
  let boundaryY: string
  beforeAll(async () => {
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:*', 's3:*'], Resource: '*' }] })
    boundaryX = (await s.iam.send(new CreatePolicyCommand({ PolicyName: 'BoundaryX', PolicyDocument: doc }))).Policy?.Arn as string
    boundaryY = (await s.iam.send(new CreatePolicyCommand({ PolicyName: 'BoundaryY', PolicyDocument: doc }))).Policy?.Arn as string
  })

  it('a session allowed iam:CreateRole only with iam:PermissionsBoundary = X cannot create a role with boundary Y or none', async () => {
    const creator = iam(
      await sessionWith('role-creator', [{ Effect: 'Allow', Action: 'iam:CreateRole', Resource: '*', Condition: { StringEquals: { 'iam:PermissionsBoundary': boundaryX } } }]),
    )
    const trust = POD_TRUST
    for (const PermissionsBoundary of [boundaryY, undefined]) {
      const e = await sdkError(creator.send(new CreateRoleCommand({ RoleName: `escape-${PermissionsBoundary === undefined ? 'none' : 'y'}`, AssumeRolePolicyDocument: trust, PermissionsBoundary })))
      expect(e).toMatchObject({ code: 'AccessDenied', status: 403 })
    }
    await expect(s.iam.send(new GetRoleCommand({ RoleName: 'escape-y' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' })
    await expect(s.iam.send(new GetRoleCommand({ RoleName: 'escape-none' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' })
    const ok = await creator.send(new CreateRoleCommand({ RoleName: 'bounded', AssumeRolePolicyDocument: trust, PermissionsBoundary: boundaryX }))
    expect(ok.Role?.PermissionsBoundary?.PermissionsBoundaryArn).toBe(boundaryX)
  })

  it('a session allowed iam:PutRolePermissionsBoundary only with boundary X cannot put boundary Y on a role', async () => {
    await s.iam.send(new CreateRoleCommand({ RoleName: 'rebound', AssumeRolePolicyDocument: POD_TRUST }))
    const setter = iam(
      await sessionWith('boundary-setter', [
        { Effect: 'Allow', Action: 'iam:PutRolePermissionsBoundary', Resource: '*', Condition: { StringEquals: { 'iam:PermissionsBoundary': boundaryX } } },
      ]),
    )
    expect(await sdkError(setter.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'rebound', PermissionsBoundary: boundaryY })))).toMatchObject({ code: 'AccessDenied', status: 403 })
    expect((await s.iam.send(new GetRoleCommand({ RoleName: 'rebound' }))).Role?.PermissionsBoundary).toBeUndefined()
    await setter.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'rebound', PermissionsBoundary: boundaryX }))
    expect((await s.iam.send(new GetRoleCommand({ RoleName: 'rebound' }))).Role?.PermissionsBoundary?.PermissionsBoundaryArn).toBe(boundaryX)
  })

  it("a delegated administrator denied DeleteRolePermissionsBoundary on roles bounded by X cannot remove its own boundary (iam:PermissionsBoundary is the role's)", async () => {
    const admin = iam(
      await sessionWith(
        'delegated-admin',
        [
          { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
          { Effect: 'Deny', Action: ['iam:DeleteRolePermissionsBoundary', 'iam:PutRolePolicy'], Resource: '*', Condition: { StringEquals: { 'iam:PermissionsBoundary': boundaryX } } },
        ],
        boundaryX,
      ),
    )
    expect(await sdkError(admin.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'delegated-admin' })))).toMatchObject({ code: 'AccessDenied', status: 403 })
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] })
    expect(await sdkError(admin.send(new PutRolePolicyCommand({ RoleName: 'delegated-admin', PolicyName: 'root', PolicyDocument: policy })))).toMatchObject({ code: 'AccessDenied' })
    const after = await s.iam.send(new GetRoleCommand({ RoleName: 'delegated-admin' }))
    expect(after.Role?.PermissionsBoundary?.PermissionsBoundaryArn).toBe(boundaryX)
  })

  it('AttachRolePolicy allowed only on roles bounded by X works on such a role and not on an unbounded one', async () => {
    await s.iam.send(new CreateRoleCommand({ RoleName: 'unbounded', AssumeRolePolicyDocument: POD_TRUST }))
    const attacher = iam(
      await sessionWith('attacher', [
        { Effect: 'Allow', Action: 'iam:AttachRolePolicy', Resource: '*', Condition: { StringEquals: { 'iam:PermissionsBoundary': boundaryX } } },
      ]),
    )
    await expect(attacher.send(new AttachRolePolicyCommand({ RoleName: 'bounded', PolicyArn: boundaryY }))).resolves.toBeDefined()
    expect(await sdkError(attacher.send(new AttachRolePolicyCommand({ RoleName: 'unbounded', PolicyArn: boundaryY })))).toMatchObject({ code: 'AccessDenied' })
  })

  it('UntagRole carries aws:TagKeys: a deny on removing the owner tag holds', async () => {
    await s.iam.send(new TagRoleCommand({ RoleName: 'unbounded', Tags: [{ Key: 'owner', Value: 'platform' }] }))
    const untagger = iam(
      await sessionWith('untagger', [
        { Effect: 'Allow', Action: 'iam:UntagRole', Resource: '*' },
        { Effect: 'Deny', Action: 'iam:UntagRole', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['owner'] } } },
      ]),
    )
    expect(await sdkError(untagger.send(new UntagRoleCommand({ RoleName: 'unbounded', TagKeys: ['owner'] })))).toMatchObject({ code: 'AccessDenied' })
    const tags = (await s.iam.send(new GetRoleCommand({ RoleName: 'unbounded' }))).Role?.Tags
    expect(tags).toEqual([{ Key: 'owner', Value: 'platform' }])
  })
})
