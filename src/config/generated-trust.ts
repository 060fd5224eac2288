/**
 * The trust policy the config generates for a role that gives no `trust`: exact `sub` and `aud` on
 * one provider for its service accounts (IRSA), plus the statement EKS documents for Pod Identity
 * when an association names the role.
 */
import { issuerHostPath } from '../tokens/issuer-url.js'
import type { RoleSpec } from './config-file.js'
import { POD_IDENTITY_SERVICE, STS_AUDIENCE } from '../model/aws-names.js'

/** The trust policy generated for a role's service accounts: exact `sub` and `aud` on one provider. */
export function generatedTrust(providerArn: string, providerUrl: string, serviceAccounts: RoleSpec['serviceAccounts'], audience = STS_AUDIENCE): string {
  const key = issuerHostPath(providerUrl)
  const subs = serviceAccounts.map((s) => `system:serviceaccount:${s.namespace}:${s.name}`)
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: providerArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${key}:sub`]: subs.length === 1 ? subs[0] : subs, [`${key}:aud`]: audience } },
        },
      ],
    },
    null,
    2,
  )
}

/** The trust statement EKS documents for Pod Identity roles: the EKS Auth service assumes the role and tags the session. */
export const POD_IDENTITY_TRUST_STATEMENT = {
  Sid: 'AllowEksAuthToAssumeRoleForPodIdentity',
  Effect: 'Allow',
  Principal: { Service: POD_IDENTITY_SERVICE },
  Action: ['sts:AssumeRole', 'sts:TagSession'],
} as const

/** A generated trust: the IRSA statement for the role's service accounts, and the Pod Identity one when associations name it. */
export function roleTrust(providerArn: string, providerUrl: string, r: RoleSpec): string {
  const irsa = r.serviceAccounts.length > 0 ? (JSON.parse(generatedTrust(providerArn, providerUrl, r.serviceAccounts)) as { Statement: object[] }).Statement : []
  if (r.podIdentity !== true) return generatedTrust(providerArn, providerUrl, r.serviceAccounts)
  return JSON.stringify({ Version: '2012-10-17', Statement: [...irsa, POD_IDENTITY_TRUST_STATEMENT] }, null, 2)
}
