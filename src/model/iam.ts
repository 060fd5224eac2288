/** The IAM objects irsa keeps: OIDC providers, roles with their policies, managed policies, bindings. */

export interface Tag {
  readonly Key: string
  readonly Value: string
}

export interface OidcProvider {
  readonly arn: string
  readonly account: string
  /** Issuer URL as registered (`https://host/path`, or `http://` for loopback development issuers). */
  readonly url: string
  readonly clientIds: readonly string[]
  readonly thumbprints: readonly string[]
  readonly tags: readonly Tag[]
  /** Epoch seconds. */
  readonly createdAt: number
}

export interface Role {
  readonly arn: string
  readonly account: string
  readonly name: string
  readonly path: string
  readonly roleId: string
  /** The trust policy JSON as stored (IAM returns it URL-encoded; irsa keeps the text). */
  readonly trustPolicy: string
  readonly description: string | undefined
  readonly maxSessionDuration: number
  readonly permissionsBoundaryArn: string | undefined
  readonly tags: readonly Tag[]
  readonly createdAt: number
}

export interface ManagedPolicy {
  readonly arn: string
  readonly account: string
  readonly name: string
  readonly path: string
  readonly policyId: string
  readonly defaultVersionId: string
  readonly description: string | undefined
  readonly createdAt: number
  readonly updatedAt: number
  readonly attachmentCount: number
}

export interface PolicyVersion {
  readonly policyArn: string
  readonly versionId: string
  readonly document: string
  readonly isDefault: boolean
  readonly createdAt: number
}

/** A Kubernetes service account bound to a role (what the webhook's annotation expresses). */
export interface ServiceAccountBinding {
  readonly namespace: string
  readonly serviceAccount: string
  readonly roleArn: string
  readonly audience: string | undefined
}
