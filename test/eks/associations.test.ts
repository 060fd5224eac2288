// The EKS control API for pod identity associations and the cluster, driven by the AWS CLI v1
// (`aws eks …`) and @aws-sdk/client-eks against the real server.
import {
  CreatePodIdentityAssociationCommand,
  DescribeClusterCommand,
  ListClustersCommand,
  ListPodIdentityAssociationsCommand,
} from '@aws-sdk/client-eks'
import { EKSClient } from '@aws-sdk/client-eks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { awsCli, CLUSTER, POD_IDENTITY_TRUST, REGION, startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

let t: TestServer
let roleA: string
let roleB: string

beforeAll(async () => {
  t = await startTestServer()
  roleA = await t.createRole('pi-role-a', POD_IDENTITY_TRUST)
  roleB = await t.createRole('pi-role-b', POD_IDENTITY_TRUST)
})
afterAll(async () => t?.close())

interface Association {
  clusterName: string
  namespace: string
  serviceAccount: string
  roleArn: string
  associationArn: string
  associationId: string
  tags?: Record<string, string>
  createdAt: number
  modifiedAt: number
}

describe('aws eks (CLI v1) pod identity associations', () => {
  it('create, describe, list, update and delete', async () => {
    const [created, second] = await awsCli(t, [
      ['eks', 'create-pod-identity-association', '--cluster-name', CLUSTER, '--namespace', 'team-a', '--service-account', 'app', '--role-arn', roleA, '--tags', 'owner=team-a'],
      ['eks', 'create-pod-identity-association', '--cluster-name', CLUSTER, '--namespace', 'team-b', '--service-account', 'app', '--role-arn', roleB],
    ])
    expect(created?.stderr).toBe('')
    expect(second?.code).toBe(0)
    const a = (created?.json as { association: Association }).association
    expect(a).toMatchObject({ clusterName: CLUSTER, namespace: 'team-a', serviceAccount: 'app', roleArn: roleA, tags: { owner: 'team-a' } })
    expect(a.associationId).toMatch(/^a-[a-z0-9]{17}$/)
    expect(a.associationArn).toBe(`arn:aws:eks:${REGION}:${t.account}:podidentityassociation/${CLUSTER}/${a.associationId}`)
    // rest-json timestamps are epoch seconds; CLI v1 prints them as sent.
    expect(Math.abs(a.createdAt * 1000 - Date.now())).toBeLessThan(60_000)

    const id = ['--cluster-name', CLUSTER, '--association-id', a.associationId]
    const [described, listed, filtered, updated, deleted, again] = await awsCli(t, [
      ['eks', 'describe-pod-identity-association', ...id],
      ['eks', 'list-pod-identity-associations', '--cluster-name', CLUSTER],
      ['eks', 'list-pod-identity-associations', '--cluster-name', CLUSTER, '--namespace', 'team-b'],
      ['eks', 'update-pod-identity-association', ...id, '--role-arn', roleB],
      ['eks', 'delete-pod-identity-association', ...id],
      ['eks', 'describe-pod-identity-association', ...id],
    ])
    expect((described?.json as { association: Association }).association).toEqual(a)
    expect((listed?.json as { associations: Association[] }).associations.map((x) => `${x.namespace}/${x.serviceAccount}`)).toEqual(['team-a/app', 'team-b/app'])
    expect((filtered?.json as { associations: Association[] }).associations).toEqual([expect.objectContaining({ namespace: 'team-b', serviceAccount: 'app', clusterName: CLUSTER })])
    expect((updated?.json as { association: Association }).association).toMatchObject({ associationId: a.associationId, roleArn: roleB, createdAt: a.createdAt })
    expect((deleted?.json as { association: Association }).association).toMatchObject({ associationId: a.associationId, roleArn: roleB })
    expect(again?.code).not.toBe(0)
    expect(again?.stderr).toContain('(ResourceNotFoundException)')
    expect(await t.serving.rt.store.getPodIdentityAssociation(CLUSTER, a.associationId)).toBeUndefined()
  })

  it('refuses a second association for the same service account, a missing role, and an unknown cluster', async () => {
    const create = (ns: string, role: string): string[] => ['eks', 'create-pod-identity-association', '--cluster-name', CLUSTER, '--namespace', ns, '--service-account', 'app', '--role-arn', role]
    const [first, dup, noRole, badNs, otherCluster] = await awsCli(t, [
      create('dup', roleA),
      create('dup', roleB),
      create('x', t.roleArn('missing')),
      create('Not_A_Namespace', roleA),
      ['eks', 'list-pod-identity-associations', '--cluster-name', 'nope'],
    ])
    expect(first?.code).toBe(0)
    expect(dup?.code).not.toBe(0)
    expect(dup?.stderr).toContain('An error occurred (ResourceInUseException) when calling the CreatePodIdentityAssociation operation: Association already exists')
    expect(noRole?.stderr).toContain('(InvalidParameterException)')
    expect(noRole?.stderr).toContain('does not exist')
    expect(badNs?.stderr).toContain('(InvalidParameterException)')
    expect(otherCluster?.stderr).toContain('(ResourceNotFoundException) when calling the ListPodIdentityAssociations operation: No cluster found for name: nope.')
    // Nothing half-written: still exactly one association for dup/app, with the first role.
    const all = await t.serving.rt.store.listPodIdentityAssociations(CLUSTER)
    expect(all.filter((x) => x.namespace === 'dup').map((x) => x.roleArn)).toEqual([roleA])
    expect(all.some((x) => x.namespace === 'x')).toBe(false)
  })

  it('rejects unsigned, wrongly signed and non-admin callers with rest-json errors', async () => {
    const r = await fetch(`${t.url}/clusters/${CLUSTER}/pod-identity-associations`)
    expect(r.status).toBe(403)
    expect(r.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException')
    expect(await r.json()).toEqual({ message: expect.any(String) })
    const wrong = new EKSClient({ endpoint: t.url, region: REGION, credentials: { accessKeyId: 'AKIAIRSAPODIDENTITY1', secretAccessKey: 'not-the-secret-not-the-secret-not-the-se' }, maxAttempts: 1 })
    await expect(wrong.send(new ListClustersCommand({}))).rejects.toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } })
    wrong.destroy()
    // A web-identity session without eks: permissions is denied.
    const irsaRole = await t.createRole('irsa-no-eks', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Federated: t.serving.rt.ownProviderArn }, Action: 'sts:AssumeRoleWithWebIdentity' }],
    })
    const sts = new STSClient({ endpoint: t.url, region: REGION, maxAttempts: 1 })
    const token = await t.token({ namespace: 'default', serviceAccount: 'x', audience: 'sts.amazonaws.com' })
    const out = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: irsaRole, RoleSessionName: 'session', WebIdentityToken: token }))
    sts.destroy()
    const c = out.Credentials
    const session = new EKSClient({
      endpoint: t.url,
      region: REGION,
      credentials: { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' },
      maxAttempts: 1,
    })
    await expect(session.send(new CreatePodIdentityAssociationCommand({ clusterName: CLUSTER, namespace: 'n', serviceAccount: 's', roleArn: roleA }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    })
    session.destroy()
  })
})

describe('@aws-sdk/client-eks', () => {
  it('ListClusters and DescribeCluster name this server as the cluster, with its issuer', async () => {
    const list = await t.eks.send(new ListClustersCommand({}))
    expect(list.clusters).toEqual([CLUSTER])
    const d = await t.eks.send(new DescribeClusterCommand({ name: CLUSTER }))
    expect(d.cluster).toMatchObject({
      name: CLUSTER,
      arn: `arn:aws:eks:${REGION}:${t.account}:cluster/${CLUSTER}`,
      status: 'ACTIVE',
      identity: { oidc: { issuer: t.serving.rt.issuer } },
      endpoint: t.url,
    })
    expect(d.cluster?.createdAt).toBeInstanceOf(Date)
    await expect(t.eks.send(new DescribeClusterCommand({ name: 'other' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } })
  })

  it('pages ListPodIdentityAssociations with maxResults and nextToken', async () => {
    for (const ns of ['page-1', 'page-2', 'page-3']) {
      await t.eks.send(new CreatePodIdentityAssociationCommand({ clusterName: CLUSTER, namespace: ns, serviceAccount: 'sa', roleArn: roleA }))
    }
    const seen: string[] = []
    let nextToken: string | undefined
    let pages = 0
    do {
      const r = await t.eks.send(new ListPodIdentityAssociationsCommand({ clusterName: CLUSTER, serviceAccount: 'sa', maxResults: 2, ...(nextToken === undefined ? {} : { nextToken }) }))
      seen.push(...(r.associations ?? []).map((a) => a.namespace ?? ''))
      nextToken = r.nextToken
      pages++
    } while (nextToken !== undefined)
    expect(seen).toEqual(['page-1', 'page-2', 'page-3'])
    expect(pages).toBe(2)
    await expect(t.eks.send(new ListPodIdentityAssociationsCommand({ clusterName: CLUSTER, nextToken: 'garbage' }))).rejects.toMatchObject({ name: 'InvalidParameterException' })
  })
})
