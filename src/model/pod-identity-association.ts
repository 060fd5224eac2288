/**
 * An EKS Pod Identity association: (cluster, namespace, service account) → role. At most one per
 * (cluster, namespace, service account), as in EKS. Identifiers and ARNs follow the EKS shapes.
 */
import { randomBytes } from 'node:crypto'

export interface PodIdentityAssociation {
  /** "a-" + 17 lowercase alphanumerics, random. */
  readonly associationId: string
  /** arn:{partition}:eks:{region}:{account}:podidentityassociation/{cluster}/{associationId} */
  readonly associationArn: string
  readonly clusterName: string
  readonly namespace: string
  readonly serviceAccount: string
  readonly roleArn: string
  readonly tags: Readonly<Record<string, string>>
  /** Epoch milliseconds. */
  readonly createdAt: number
  readonly modifiedAt: number
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/** A fresh association id; `random` is injectable for tests. */
export function newAssociationId(random: (n: number) => Uint8Array = randomBytes): string {
  // 252 = 7 * 36: reject bytes above it so every character is equally likely.
  let id = 'a-'
  while (id.length < 19) {
    for (const b of random(32)) {
      if (b < 252 && id.length < 19) id += ID_ALPHABET[b % 36] as string
    }
  }
  return id
}

export const ASSOCIATION_ID = /^a-[a-z0-9]{17}$/

export function associationArn(partition: string, region: string, account: string, clusterName: string, associationId: string): string {
  return `arn:${partition}:eks:${region}:${account}:podidentityassociation/${clusterName}/${associationId}`
}

export function clusterArn(partition: string, region: string, account: string, clusterName: string): string {
  return `arn:${partition}:eks:${region}:${account}:cluster/${clusterName}`
}
