/**
 * The CloudTrail records that issue role-session credentials, read as issuances: who got which
 * access key for which role. Three shapes:
 *
 * - STS `AssumeRoleWithWebIdentity` (IAM User Guide, "Example OIDC AWS STS API event"):
 *   `userIdentity.type` `WebIdentityUser`, `userName` the token's `sub` (for a Kubernetes service
 *   account `system:serviceaccount:NS:NAME`), `identityProvider` the OIDC provider,
 *   `requestParameters.roleArn` / `roleSessionName`, `responseElements.credentials.accessKeyId` and
 *   `responseElements.assumedRoleUser.assumedRoleId` (`AROA…:session`, the session's `aws:userid`).
 * - EKS Auth `AssumeRoleForPodIdentity` (eventSource `eks-auth.amazonaws.com`). AWS documents no
 *   sample record for it; the fields read here follow the EKS Auth API's response, which CloudTrail
 *   records as `responseElements`: `subject` {`namespace`, `serviceAccount`}, `credentials`
 *   {`accessKeyId`}, `assumedRoleUser` {`arn`, `assumeRoleId`}, `podIdentityAssociation`; the
 *   cluster is `requestParameters.clusterName`. The role is read from `assumedRoleUser.arn`.
 * - STS `AssumeRole` made by EKS Pod Identity for a pod (`userIdentity.invokedBy`
 *   `pods.eks.amazonaws.com`) with the `kubernetes-namespace` and `kubernetes-service-account`
 *   session tags in `requestParameters.tags`.
 *
 * And role chaining: an STS `AssumeRole` whose caller (`userIdentity.accessKeyId`) is a session,
 * issuing a new key. Pure.
 */
import type { CloudTrailRecord } from './record.js'
import { eventIdOf, isObject, str } from './record.js'
import { SA_PREFIX as SA_SUBJECT_PREFIX } from '../../audit/lib/trust-doc.js'

export const POD_IDENTITY_PRINCIPAL = 'pods.eks.amazonaws.com'

export type IssuanceKind = 'web-identity' | 'pod-identity' | 'role-chaining'

export interface Issuance {
  readonly kind: IssuanceKind
  readonly accessKeyId: string
  readonly roleArn: string
  readonly sessionName?: string
  /** `<role id>:<session name>`: the session's `aws:userid`. */
  readonly assumedRoleId?: string
  /** The service account's `sub` (for chained sessions: the root's). */
  readonly subject?: string
  /** The OIDC provider ARN (web identity) or the cluster name (Pod Identity). */
  readonly provider?: string
  /** For role chaining: the key that called AssumeRole. */
  readonly parentAccessKeyId?: string
  readonly eventId: string
  readonly eventTime: string
  readonly sourceIPAddress?: string
  readonly userAgent?: string
  readonly awsRegion?: string
  readonly expiration?: string
  /** Pod Identity session tags (`kubernetes-*`, `eks-cluster-*`). */
  readonly tags?: Readonly<Record<string, string>>
}

function obj(v: unknown): Record<string, unknown> {
  return isObject(v) ? v : {}
}

function expirationOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  // EKS Auth's response gives epoch seconds; CloudTrail may render the STS one as "Mon DD, YYYY, …".
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v * 1000).toISOString()
  return undefined
}

function common(r: CloudTrailRecord): Pick<Issuance, 'eventId' | 'eventTime' | 'sourceIPAddress' | 'userAgent' | 'awsRegion'> {
  return {
    eventId: eventIdOf(r),
    eventTime: r.eventTime,
    ...(r.sourceIPAddress === undefined ? {} : { sourceIPAddress: r.sourceIPAddress }),
    ...(r.userAgent === undefined ? {} : { userAgent: r.userAgent }),
    ...(r.awsRegion === undefined ? {} : { awsRegion: r.awsRegion }),
  }
}

/** The issuance without its undefined fields (exactOptionalPropertyTypes). */
function defined(o: Record<string, unknown>): Issuance {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as unknown as Issuance
}

/** `[{key, value}]` (STS's request shape) or `{key: value}` as a plain map. */
function tagsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (Array.isArray(v)) {
    for (const t of v) {
      const o = obj(t)
      const k = str(o.key) ?? str(o.Key)
      const val = str(o.value) ?? str(o.Value)
      if (k !== undefined && val !== undefined) out[k] = val
    }
  } else if (isObject(v)) for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val
  return out
}

/** The role ARN of an assumed-role ARN (`arn:aws:sts::A:assumed-role/NAME/SESSION` → `arn:aws:iam::A:role/NAME`). */
export function roleArnOfAssumedRole(arn: string): string | undefined {
  const m = /^arn:([^:]+):sts::(\d{12}):assumed-role\/(.+)\/[^/]+$/.exec(arn)
  return m === null ? undefined : `arn:${m[1] as string}:iam::${m[2] as string}:role/${m[3] as string}`
}

const isSts = (r: CloudTrailRecord): boolean => r.eventSource === 'sts.amazonaws.com'

/** A service account's exchange (IRSA or Pod Identity) that issued credentials; undefined for anything else. */
export function serviceAccountIssuance(r: CloudTrailRecord): Issuance | undefined {
  if (r.errorCode !== undefined) return undefined
  const req = obj(r.requestParameters)
  const res = obj(r.responseElements)
  const accessKeyId = str(obj(res.credentials).accessKeyId)
  if (accessKeyId === undefined) return undefined
  const assumed = obj(res.assumedRoleUser)
  const expiration = expirationOf(obj(res.credentials).expiration)
  if (isSts(r) && r.eventName === 'AssumeRoleWithWebIdentity') {
    const subject = r.userIdentity?.userName ?? str(res.subjectFromWebIdentityToken)
    const roleArn = str(req.roleArn)
    if (subject === undefined || !subject.startsWith(SA_SUBJECT_PREFIX) || roleArn === undefined) return undefined
    return defined({
      kind: 'web-identity',
      accessKeyId,
      roleArn,
      sessionName: str(req.roleSessionName),
      assumedRoleId: str(assumed.assumedRoleId),
      subject,
      provider: r.userIdentity?.identityProvider ?? str(res.provider),
      expiration,
      ...common(r),
    })
  }
  if (r.eventSource === 'eks-auth.amazonaws.com' && r.eventName === 'AssumeRoleForPodIdentity') {
    const subj = obj(res.subject)
    const ns = str(subj.namespace)
    const sa = str(subj.serviceAccount)
    const arn = str(assumed.arn)
    const roleArn = arn === undefined ? undefined : roleArnOfAssumedRole(arn)
    if (ns === undefined || sa === undefined || roleArn === undefined) return undefined
    const assumedRoleId = str(assumed.assumeRoleId) ?? str(assumed.assumedRoleId)
    return defined({
      kind: 'pod-identity',
      accessKeyId,
      roleArn,
      sessionName: arn?.slice(arn.lastIndexOf('/') + 1),
      assumedRoleId,
      subject: `${SA_SUBJECT_PREFIX}${ns}:${sa}`,
      provider: str(req.clusterName),
      expiration,
      tags: { 'kubernetes-namespace': ns, 'kubernetes-service-account': sa, ...(str(req.clusterName) === undefined ? {} : { 'eks-cluster-name': str(req.clusterName) as string }) },
      ...common(r),
    })
  }
  if (isSts(r) && r.eventName === 'AssumeRole' && r.userIdentity?.invokedBy === POD_IDENTITY_PRINCIPAL) {
    const tags = tagsOf(req.tags)
    const ns = tags['kubernetes-namespace']
    const sa = tags['kubernetes-service-account']
    const roleArn = str(req.roleArn)
    if (ns === undefined || sa === undefined || roleArn === undefined) return undefined
    return defined({
      kind: 'pod-identity',
      accessKeyId,
      roleArn,
      sessionName: str(req.roleSessionName),
      assumedRoleId: str(assumed.assumedRoleId),
      subject: `${SA_SUBJECT_PREFIX}${ns}:${sa}`,
      provider: tags['eks-cluster-name'] ?? tags['eks-cluster-arn'],
      expiration,
      tags,
      ...common(r),
    })
  }
  return undefined
}

/** An `AssumeRole` made with a session's key (role chaining) that issued a new key; undefined otherwise. */
export function chainedIssuance(r: CloudTrailRecord): Issuance | undefined {
  if (!isSts(r) || r.eventName !== 'AssumeRole' || r.errorCode !== undefined) return undefined
  const parent = r.userIdentity?.accessKeyId
  if (parent === undefined || r.userIdentity?.invokedBy === POD_IDENTITY_PRINCIPAL) return undefined
  const req = obj(r.requestParameters)
  const res = obj(r.responseElements)
  const accessKeyId = str(obj(res.credentials).accessKeyId)
  const roleArn = str(req.roleArn)
  if (accessKeyId === undefined || roleArn === undefined) return undefined
  return defined({
    kind: 'role-chaining',
    accessKeyId,
    roleArn,
    parentAccessKeyId: parent,
    sessionName: str(req.roleSessionName),
    assumedRoleId: str(obj(res.assumedRoleUser).assumedRoleId),
    expiration: expirationOf(obj(res.credentials).expiration),
    ...common(r),
  })
}
