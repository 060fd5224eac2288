/**
 * Managing pod identity associations as the EKS API does: validate the request, require that the
 * caller may pass the role to Pod Identity (`iam:PassRole`, EKS's dependent action for
 * CreatePodIdentityAssociation and UpdatePodIdentityAssociation) and that it exists in the account,
 * keep one association per (cluster, namespace, service account), and answer the EKS shapes. Used by
 * the EKS routes and by `irsa serve --config` (the operator, as the account root). Errors are
 * AwsErrors with EKS's codes (InvalidParameterException, ResourceNotFoundException,
 * ResourceInUseException) or AccessDenied; nothing is written before every check has passed.
 */
import { AwsError } from '../aws/aws-error.js'
import { authorizePassRole } from '../iam/pass-role.js'
import type { RequestCaller } from '../iam/pass-role.js'
import { adminIdentity } from '../core/identity.js'
import type { Runtime } from '../core/runtime.js'
import { parseRoleArn } from '../sts/role-arn.js'
import { isDns1123Label, isDns1123Subdomain } from '../tokens/service-account-token.js'
import { ownCluster } from './cluster.js'
import type { OwnCluster } from './cluster.js'
import { ASSOCIATION_ID, associationArn, newAssociationId } from '../model/pod-identity-association.js'
import type { PodIdentityAssociation } from '../model/pod-identity-association.js'
import { POD_IDENTITY_SERVICE } from '../model/aws-names.js'

export interface AssociationInput {
  readonly namespace: string
  readonly serviceAccount: string
  readonly roleArn: string
  readonly tags?: Readonly<Record<string, string>>
}

const invalid = (message: string): AwsError => new AwsError('InvalidParameterException', message)

/** The cluster named in the request, which must be this server's own. */
export async function requireCluster(rt: Runtime, name: string): Promise<OwnCluster> {
  const cluster = await ownCluster(rt)
  if (name !== cluster.name) throw new AwsError('ResourceNotFoundException', `No cluster found for name: ${name}.`)
  return cluster
}

/** EKS tag rules: at most 50; keys 1–128 and not `aws:`-prefixed; values at most 256. */
export function checkTags(tags: unknown): Record<string, string> {
  if (tags === undefined || tags === null) return {}
  if (typeof tags !== 'object' || Array.isArray(tags)) throw invalid('tags must be a map of strings')
  const entries = Object.entries(tags as Record<string, unknown>)
  if (entries.length > 50) throw invalid('At most 50 tags are allowed')
  const out: Record<string, string> = {}
  for (const [k, v] of entries) {
    if (typeof v !== 'string') throw invalid(`The value of tag ${JSON.stringify(k)} must be a string`)
    if (k.length < 1 || k.length > 128) throw invalid('Tag keys must be 1 to 128 characters')
    if (v.length > 256) throw invalid(`The value of tag ${JSON.stringify(k)} is longer than 256 characters`)
    if (k.toLowerCase().startsWith('aws:')) throw invalid('Tag keys must not start with aws:')
    out[k] = v
  }
  return out
}

/** The operator (configuration applied by `irsa serve --config`): the account root, who may pass any role. */
export function operatorCaller(rt: Runtime): RequestCaller {
  return { who: adminIdentity(rt), sourceIp: 'local', requestId: 'operator' }
}

/**
 * The role handed to Pod Identity on `cluster`: an IAM role ARN that the caller may pass
 * (`iam:PassRole` with `iam:PassedToService` = pods.eks.amazonaws.com and `iam:AssociatedResourceArn`
 * = the cluster ARN), of this account, that exists. PassRole is decided before the account and
 * existence checks, so a caller without it learns nothing about which roles exist.
 */
export async function checkPassedRole(rt: Runtime, caller: RequestCaller, roleArn: unknown, cluster: OwnCluster): Promise<string> {
  if (typeof roleArn !== 'string' || roleArn === '') throw invalid('roleArn is required')
  const ref = parseRoleArn(roleArn)
  if (ref === undefined) throw invalid(`Invalid role ARN: ${roleArn}`)
  const found = ref.account === rt.account ? await rt.store.getRole(ref.account, ref.name) : undefined
  const role = found?.arn === roleArn ? found : undefined
  await authorizePassRole(rt, caller, { roleArn, role, passedToService: POD_IDENTITY_SERVICE, associatedResourceArn: cluster.arn })
  if (ref.account !== rt.account) throw invalid(`The role ${roleArn} must be in the cluster's account ${rt.account}`)
  if (role === undefined) throw invalid(`Role ${roleArn} does not exist`)
  return role.arn
}

export async function createAssociation(rt: Runtime, clusterName: string, input: AssociationInput, caller: RequestCaller): Promise<PodIdentityAssociation> {
  const cluster = await requireCluster(rt, clusterName)
  if (typeof input.namespace !== 'string' || !isDns1123Label(input.namespace)) throw invalid('namespace must be a Kubernetes namespace name')
  if (typeof input.serviceAccount !== 'string' || !isDns1123Subdomain(input.serviceAccount)) throw invalid('serviceAccount must be a Kubernetes service account name')
  const tags = checkTags(input.tags)
  const roleArn = await checkPassedRole(rt, caller, input.roleArn, cluster)
  const now = rt.clock.now()
  const associationId = newAssociationId((n) => rt.random.bytes(n))
  const a: PodIdentityAssociation = {
    associationId,
    associationArn: associationArn(rt.partition, rt.region, rt.account, cluster.name, associationId),
    clusterName: cluster.name,
    namespace: input.namespace,
    serviceAccount: input.serviceAccount,
    roleArn,
    tags,
    createdAt: now,
    modifiedAt: now,
  }
  if (!(await rt.store.createPodIdentityAssociation(a))) {
    const existing = (await rt.store.listPodIdentityAssociations(cluster.name)).find((x) => x.namespace === a.namespace && x.serviceAccount === a.serviceAccount)
    throw new AwsError('ResourceInUseException', `Association already exists: ${existing?.associationId ?? `${a.namespace}/${a.serviceAccount}`}`)
  }
  return a
}

export async function findAssociation(rt: Runtime, clusterName: string, associationId: string): Promise<PodIdentityAssociation> {
  await requireCluster(rt, clusterName)
  const a = ASSOCIATION_ID.test(associationId) ? await rt.store.getPodIdentityAssociation(clusterName, associationId) : undefined
  if (a === undefined) throw new AwsError('ResourceNotFoundException', `Pod Identity Association ${associationId} not found in cluster ${clusterName}`)
  return a
}

/** A role named in the update is passed again (EKS checks iam:PassRole for it even when it is the current one). */
export async function updateAssociation(rt: Runtime, clusterName: string, associationId: string, roleArn: string | undefined, caller: RequestCaller): Promise<PodIdentityAssociation> {
  const cluster = await requireCluster(rt, clusterName)
  const current = await findAssociation(rt, clusterName, associationId)
  if (roleArn === undefined) return current
  const checked = await checkPassedRole(rt, caller, roleArn, cluster)
  const updated = await rt.store.updatePodIdentityAssociation(clusterName, associationId, { roleArn: checked, modifiedAt: rt.clock.now() })
  if (updated === undefined) throw new AwsError('ResourceNotFoundException', `Pod Identity Association ${associationId} not found in cluster ${clusterName}`)
  return updated
}

export async function deleteAssociation(rt: Runtime, clusterName: string, associationId: string): Promise<PodIdentityAssociation> {
  await findAssociation(rt, clusterName, associationId)
  const gone = await rt.store.deletePodIdentityAssociation(clusterName, associationId)
  if (gone === undefined) throw new AwsError('ResourceNotFoundException', `Pod Identity Association ${associationId} not found in cluster ${clusterName}`)
  return gone
}

/** The EKS `PodIdentityAssociation` shape (timestamps in epoch seconds, as rest-json sends them). */
export function associationShape(a: PodIdentityAssociation): Record<string, unknown> {
  return {
    clusterName: a.clusterName,
    namespace: a.namespace,
    serviceAccount: a.serviceAccount,
    roleArn: a.roleArn,
    associationArn: a.associationArn,
    associationId: a.associationId,
    tags: a.tags,
    createdAt: a.createdAt / 1000,
    modifiedAt: a.modifiedAt / 1000,
    disableSessionTags: false,
  }
}

/** The EKS `PodIdentityAssociationSummary` shape. */
export function associationSummary(a: PodIdentityAssociation): Record<string, unknown> {
  return { clusterName: a.clusterName, namespace: a.namespace, serviceAccount: a.serviceAccount, associationArn: a.associationArn, associationId: a.associationId }
}
