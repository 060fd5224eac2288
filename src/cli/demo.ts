/**
 * The demo estate `npm start` creates: one namespace, one service account, and a least-privilege
 * role whose trust admits exactly that service account through this server's own issuer; and, for
 * EKS Pod Identity, a second service account associated with a role that trusts
 * `pods.eks.amazonaws.com` only for pods of the demo namespace (a session-tag condition).
 */
import { ownCluster } from '../eks/cluster.js'
import { associationArn, newAssociationId } from '../model/pod-identity-association.js'
import { roleId } from '../sts/access-key.js'
import { issuerHostPath } from '../tokens/issuer-url.js'
import type { Runtime } from '../core/runtime.js'
import { POD_IDENTITY_SERVICE, STS_AUDIENCE } from '../model/aws-names.js'

export interface DemoResult {
  readonly namespace: string
  readonly serviceAccount: string
  readonly roleArn: string
  readonly podIdentity: { readonly namespace: string; readonly serviceAccount: string; readonly roleArn: string; readonly associationId: string }
}

export async function applyDemo(rt: Runtime): Promise<DemoResult> {
  const namespace = 'demo'
  const serviceAccount = 'app'
  const name = 'demo-app-reader'
  const provider = rt.ownProviderArn
  const key = issuerHostPath(rt.issuer)
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: provider },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${key}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`, [`${key}:aud`]: STS_AUDIENCE } },
      },
    ],
  }
  const permissions = {
    Version: '2012-10-17',
    Statement: [{ Sid: 'ReadDemoBucket', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::demo-bucket', 'arn:aws:s3:::demo-bucket/*'] }],
  }
  const arn = await upsertDemoRole(rt, name, trust, 'irsa demo: read-only access for demo/app', permissions)
  await rt.store.putBinding({ namespace, serviceAccount, roleArn: arn, audience: undefined })
  return { namespace, serviceAccount, roleArn: arn, podIdentity: await applyPodIdentityDemo(rt, namespace, permissions) }
}

async function applyPodIdentityDemo(rt: Runtime, namespace: string, permissions: object): Promise<DemoResult['podIdentity']> {
  const serviceAccount = 'pod-identity-app'
  const name = 'demo-pod-identity-reader'
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowEksAuthToAssumeRoleForPodIdentity',
        Effect: 'Allow',
        Principal: { Service: POD_IDENTITY_SERVICE },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: { StringEquals: { 'aws:RequestTag/kubernetes-namespace': namespace, 'aws:SourceAccount': rt.account } },
      },
    ],
  }
  const arn = await upsertDemoRole(rt, name, trust, `irsa demo: EKS Pod Identity, read-only access for ${namespace}/${serviceAccount}`, permissions)
  const cluster = await ownCluster(rt)
  const existing = (await rt.store.listPodIdentityAssociations(cluster.name)).find((a) => a.namespace === namespace && a.serviceAccount === serviceAccount)
  if (existing !== undefined) {
    if (existing.roleArn !== arn) await rt.store.updatePodIdentityAssociation(cluster.name, existing.associationId, { roleArn: arn, modifiedAt: rt.clock.now() })
    return { namespace, serviceAccount, roleArn: arn, associationId: existing.associationId }
  }
  const associationId = newAssociationId((n) => rt.random.bytes(n))
  const now = rt.clock.now()
  await rt.store.createPodIdentityAssociation({
    associationId,
    associationArn: associationArn(rt.partition, rt.region, rt.account, cluster.name, associationId),
    clusterName: cluster.name,
    namespace,
    serviceAccount,
    roleArn: arn,
    tags: { 'irsa.dev/demo': 'true' },
    createdAt: now,
    modifiedAt: now,
  })
  return { namespace, serviceAccount, roleArn: arn, associationId }
}

/** Create the demo role (or reset its trust when it exists) and give it the demo's read policy. Returns its ARN. */
async function upsertDemoRole(rt: Runtime, name: string, trust: object, description: string, permissions: object): Promise<string> {
  const arn = `arn:${rt.partition}:iam::${rt.account}:role/${name}`
  if ((await rt.store.getRole(rt.account, name)) === undefined) {
    await rt.store.createRole({
      arn,
      account: rt.account,
      name,
      path: '/',
      roleId: roleId(rt.account, (n) => rt.random.bytes(n)),
      trustPolicy: JSON.stringify(trust, null, 2),
      description,
      maxSessionDuration: 3600,
      permissionsBoundaryArn: undefined,
      tags: [{ Key: 'irsa.dev/demo', Value: 'true' }],
      createdAt: rt.nowSeconds(),
    })
  } else {
    await rt.store.updateRole(rt.account, name, { trustPolicy: JSON.stringify(trust, null, 2) })
  }
  await rt.store.putRolePolicy(arn, 'read-demo-bucket', JSON.stringify(permissions, null, 2))
  return arn
}
