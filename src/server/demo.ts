/**
 * The demo estate `npm start` creates: one namespace, one service account, and a least-privilege
 * role whose trust admits exactly that service account through this server's own issuer.
 */
import { roleId } from '../sts/access-key.js'
import { issuerHostPath } from '../tokens/issuer-url.js'
import type { Runtime } from './runtime.js'

export interface DemoResult {
  readonly namespace: string
  readonly serviceAccount: string
  readonly roleArn: string
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
        Condition: { StringEquals: { [`${key}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`, [`${key}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  }
  const permissions = {
    Version: '2012-10-17',
    Statement: [{ Sid: 'ReadDemoBucket', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::demo-bucket', 'arn:aws:s3:::demo-bucket/*'] }],
  }
  const arn = `arn:${rt.partition}:iam::${rt.account}:role/${name}`
  const existing = await rt.store.getRole(rt.account, name)
  if (existing === undefined) {
    await rt.store.createRole({
      arn,
      account: rt.account,
      name,
      path: '/',
      roleId: roleId(rt.account, (n) => rt.random.bytes(n)),
      trustPolicy: JSON.stringify(trust, null, 2),
      description: 'irsa demo: read-only access for demo/app',
      maxSessionDuration: 3600,
      permissionsBoundaryArn: undefined,
      tags: [{ Key: 'irsa.dev/demo', Value: 'true' }],
      createdAt: rt.nowSeconds(),
    })
  } else {
    await rt.store.updateRole(rt.account, name, { trustPolicy: JSON.stringify(trust, null, 2) })
  }
  await rt.store.putRolePolicy(arn, 'read-demo-bucket', JSON.stringify(permissions, null, 2))
  await rt.store.putBinding({ namespace, serviceAccount, roleArn: arn, audience: undefined })
  return { namespace, serviceAccount, roleArn: arn }
}
