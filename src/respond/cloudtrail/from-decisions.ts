/**
 * The decision log as CloudTrail records, in AWS's field names and shapes, so one set of tools
 * (`irsa investigate --cloudtrail`, a SIEM's CloudTrail rules) reads both worlds:
 *
 * - `sts:AssumeRoleWithWebIdentity` → an STS event as the IAM User Guide's "Example OIDC AWS STS
 *   API event": `userIdentity` {`type` `WebIdentityUser`, `principalId`
 *   `<provider ARN>:<audience>:<sub>`, `userName` the `sub`, `identityProvider`},
 *   `requestParameters` {`roleArn`, `roleSessionName`, `durationSeconds`}, `responseElements`
 *   {`credentials` {`accessKeyId`, `expiration`}, `assumedRoleUser`, `subjectFromWebIdentityToken`,
 *   `provider`, `audience`}. The session token and the secret are never written: CloudTrail itself
 *   shows the token, irsa does not keep it.
 * - `eks-auth:AssumeRoleForPodIdentity` → an EKS Auth event whose `responseElements` is the API's
 *   response (`subject`, `audience`, `podIdentityAssociation`, `assumedRoleUser`, `credentials`).
 * - IAM calls, EKS association changes and the gateway's AWS service calls → events made by their
 *   caller: a role session is `userIdentity.type` `AssumedRole` with `arn`, `principalId`
 *   `<role id>:<session>`, `accessKeyId` and `sessionContext.sessionIssuer`; the administrator is
 *   the account's `Root`.
 *
 * A denial carries `errorCode` and `errorMessage`. Decisions that are no AWS API call (the webhook,
 * containments) have no record. Pure: decisions in, records out; the event id is derived from the
 * decision, so an export is reproducible.
 */
import { createHash } from 'node:crypto'
import type { DecisionRecord } from '../../store/decision-log.js'
import { parseRoleArn } from '../../sts/role-arn.js'
import type { CloudTrailRecord } from './record.js'

/** CloudTrail's record format version these records follow. */
export const EVENT_VERSION = '1.08'

export interface ExportContext {
  /** The account the records belong to (`recipientAccountId`). */
  readonly account: string
  readonly region: string
  /** Role ARN → role id (`AROA…`), for decisions written before the log kept the role id. */
  readonly roleIds?: ReadonlyMap<string, string>
}

type Json = Record<string, unknown>

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** An expiration as CloudTrail renders it in `responseElements` (`Oct 2, 2024, 11:12:49 PM`, UTC). */
export function cloudTrailExpiration(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000)
  const h = d.getUTCHours()
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${MONTHS[d.getUTCMonth()] as string} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h % 12 === 0 ? 12 : h % 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`
}

/** `eventTime`: UTC, whole seconds, as CloudTrail writes it. */
function eventTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** A stable UUID-shaped event id from the decision (its id, time, request and action). */
function eventId(d: DecisionRecord): string {
  const h = createHash('sha256').update(`${d.id ?? ''}|${d.at}|${d.requestId ?? ''}|${d.action}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

/** The object without its undefined fields. */
function compact(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
}

function roleIdOf(d: DecisionRecord, roleArn: string | undefined, ctx: ExportContext): string | undefined {
  return str(d.detail?.roleId) ?? (roleArn === undefined ? undefined : ctx.roleIds?.get(roleArn))
}

/** The assumed-role ARN of a role session (`arn:aws:sts::A:assumed-role/NAME/SESSION`). */
function assumedRoleArnOf(roleArn: string, sessionName: string): string | undefined {
  const r = parseRoleArn(roleArn)
  return r === undefined ? undefined : `arn:${r.partition}:sts::${r.account}:assumed-role/${r.name}/${sessionName}`
}

/** The caller of an IAM, EKS or gateway call (its `principal`), as CloudTrail's `userIdentity`. */
function callerIdentity(d: DecisionRecord, principal: string | undefined, ctx: ExportContext): Json | undefined {
  const key = str(d.detail?.callerAccessKeyId)
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/([^/]+)$/.exec(principal ?? '')
  if (session !== null) {
    const [, partition, account, roleName, sessionName] = session as unknown as [string, string, string, string, string]
    const roleArn = `arn:${partition}:iam::${account}:role/${roleName}`
    const issuer = d.roleArn !== undefined && parseRoleArn(d.roleArn)?.name === roleName ? d.roleArn : roleArn
    const roleId = roleIdOf(d, issuer, ctx)
    return compact({
      type: 'AssumedRole',
      principalId: roleId === undefined ? undefined : `${roleId}:${sessionName}`,
      arn: principal,
      accountId: account,
      accessKeyId: key,
      sessionContext: {
        sessionIssuer: compact({ type: 'Role', principalId: roleId, arn: issuer, accountId: account, userName: roleName }),
        attributes: { mfaAuthenticated: 'false' },
      },
    })
  }
  const root = /^arn:[^:]+:iam::(\d{12}):root$/.exec(principal ?? '')
  if (root !== null) return compact({ type: 'Root', principalId: root[1], arn: principal, accountId: root[1], accessKeyId: key })
  if (principal !== undefined) return compact({ type: 'Unknown', principalId: principal, accessKeyId: key })
  return undefined
}

function base(d: DecisionRecord, ctx: ExportContext, eventSource: string, eventName: string, readOnly: boolean | undefined): Json {
  return compact({
    eventVersion: EVENT_VERSION,
    eventTime: eventTime(d.at),
    eventSource,
    eventName,
    awsRegion: ctx.region,
    sourceIPAddress: d.sourceIp,
    userAgent: str(d.detail?.userAgent),
    errorCode: d.outcome === 'Allow' ? undefined : d.code ?? 'InternalFailure',
    errorMessage: d.outcome === 'Allow' ? undefined : d.reason,
    requestID: d.requestId,
    eventID: eventId(d),
    readOnly,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ctx.account,
    eventCategory: 'Management',
  })
}

/** A record's fields in CloudTrail's usual order: identity right after the version. */
function record(head: Json, userIdentity: Json | undefined, rest: Json): CloudTrailRecord {
  const { eventVersion, ...tail } = head
  return compact({ eventVersion, userIdentity, ...tail, ...rest }) as unknown as CloudTrailRecord
}

function roleResource(roleArn: string | undefined): Json[] | undefined {
  const r = roleArn === undefined ? undefined : parseRoleArn(roleArn)
  return r === undefined ? undefined : [{ accountId: r.account, type: 'AWS::IAM::Role', ARN: roleArn }]
}

function webIdentityRecord(d: DecisionRecord, ctx: ExportContext): CloudTrailRecord {
  const provider = d.principal
  const audience = str(d.detail?.audience)
  const accessKeyId = str(d.detail?.accessKeyId)
  const expiresAt = num(d.detail?.expiresAt)
  const roleId = roleIdOf(d, d.roleArn, ctx)
  const allowed = d.outcome === 'Allow' && accessKeyId !== undefined
  const identity = compact({
    type: 'WebIdentityUser',
    principalId: provider !== undefined && d.subject !== undefined ? `${provider}:${audience ?? ''}:${d.subject}` : undefined,
    userName: d.subject,
    identityProvider: provider,
  })
  const assumedArn = d.roleArn !== undefined && d.sessionName !== undefined ? assumedRoleArnOf(d.roleArn, d.sessionName) : undefined
  return record(base(d, ctx, 'sts.amazonaws.com', 'AssumeRoleWithWebIdentity', true), identity, {
    requestParameters: compact({ roleArn: d.roleArn, roleSessionName: d.sessionName, durationSeconds: num(d.detail?.durationSeconds) }),
    responseElements: allowed
      ? compact({
          credentials: compact({ accessKeyId, expiration: expiresAt === undefined ? undefined : cloudTrailExpiration(expiresAt) }),
          subjectFromWebIdentityToken: d.subject,
          assumedRoleUser: compact({ assumedRoleId: roleId === undefined || d.sessionName === undefined ? undefined : `${roleId}:${d.sessionName}`, arn: assumedArn }),
          provider,
          audience,
        })
      : null,
    resources: roleResource(d.roleArn),
  })
}

function podIdentityRecord(d: DecisionRecord, ctx: ExportContext): CloudTrailRecord {
  const clusterArn = str(d.detail?.clusterArn)
  const clusterName = clusterArn?.slice(clusterArn.lastIndexOf('/') + 1)
  const accessKeyId = str(d.detail?.accessKeyId)
  const expiresAt = num(d.detail?.expiresAt)
  const roleId = roleIdOf(d, d.roleArn, ctx)
  const allowed = d.outcome === 'Allow' && accessKeyId !== undefined
  const caller = str(d.detail?.caller)
  const identity = caller?.startsWith('arn:') === true ? callerIdentity({ ...d, detail: {} }, caller, ctx) : { type: 'AWSService', invokedBy: caller ?? d.principal }
  const assumedArn = d.roleArn !== undefined && d.sessionName !== undefined ? assumedRoleArnOf(d.roleArn, d.sessionName) : undefined
  const associationId = str(d.detail?.associationId)
  return record(base(d, ctx, 'eks-auth.amazonaws.com', 'AssumeRoleForPodIdentity', true), identity, {
    // EKS Auth's request is the cluster name and the pod's token; the token is never written.
    requestParameters: compact({ clusterName, token: 'HIDDEN_DUE_TO_SECURITY_REASONS' }),
    responseElements: allowed
      ? compact({
          subject: compact({ namespace: d.namespace, serviceAccount: d.serviceAccount }),
          audience: str(d.detail?.audience) ?? 'pods.eks.amazonaws.com',
          podIdentityAssociation: associationId === undefined ? undefined : { associationId },
          assumedRoleUser: compact({ arn: assumedArn, assumeRoleId: roleId === undefined || d.sessionName === undefined ? undefined : `${roleId}:${d.sessionName}` }),
          credentials: compact({ accessKeyId, expiration: expiresAt === undefined ? undefined : cloudTrailExpiration(expiresAt) }),
        })
      : null,
    resources: roleResource(d.roleArn),
  })
}

const READ_ONLY = /^(Get|List|Describe|Simulate|Head)/

/** A call made by a caller (IAM, EKS, or an AWS service through the gateway). */
function callRecord(d: DecisionRecord, ctx: ExportContext, service: string, operation: string): CloudTrailRecord {
  const detail = d.detail ?? {}
  const resources = Array.isArray(detail.resources) ? (detail.resources as unknown[]).filter((x): x is string => typeof x === 'string' && x.startsWith('arn:')) : []
  const resource = str(detail.resource)
  const arns = resources.length > 0 ? resources : resource?.startsWith('arn:') === true ? [resource] : []
  const requestParameters = compact({
    clusterName: str(detail.clusterName),
    associationId: str(detail.associationId),
    namespace: detail.associationId === undefined ? undefined : d.namespace,
    serviceAccount: detail.associationId === undefined ? undefined : d.serviceAccount,
    roleArn: detail.associationId === undefined ? undefined : d.roleArn,
  })
  const suppressed = num(detail.suppressed)
  return record(base(d, ctx, `${service}.amazonaws.com`, operation, READ_ONLY.test(operation)), callerIdentity(d, d.principal, ctx), {
    requestParameters: Object.keys(requestParameters).length === 0 ? null : requestParameters,
    responseElements: null,
    resources: arns.length === 0 ? undefined : arns.map((ARN) => ({ ARN })),
    // A summary row stands for this many identical denials (CloudTrail would have one record each).
    additionalEventData: suppressed === undefined ? undefined : { irsaRepeatedDenials: suppressed },
  })
}

/** The service and operation of an `iam:CreateRole`-style action; undefined for anything else. */
function serviceCall(action: string): { service: string; operation: string } | undefined {
  const m = /^([a-z0-9-]+):([A-Za-z0-9]+)$/.exec(action)
  return m === null ? undefined : { service: m[1] as string, operation: m[2] as string }
}

/** Services whose calls are AWS API calls CloudTrail would record (the rest are irsa's own). */
const AWS_SERVICES = new Set(['iam', 'sts', 'eks', 'eks-auth', 's3', 'dynamodb', 'sqs', 'sns', 'kms', 'secretsmanager', 'ssm', 'cloudtrail'])

/** One decision as a CloudTrail record; undefined for decisions that are no AWS API call. */
export function decisionToCloudTrail(d: DecisionRecord, ctx: ExportContext): CloudTrailRecord | undefined {
  if (d.action === 'sts:AssumeRoleWithWebIdentity') return webIdentityRecord(d, ctx)
  if (d.action === 'eks-auth:AssumeRoleForPodIdentity') return podIdentityRecord(d, ctx)
  const gateway = d.detail?.gateway === true
  const call = gateway && typeof d.detail?.operation === 'string' && typeof d.detail.service === 'string' ? { service: d.detail.service, operation: d.detail.operation } : serviceCall(d.action)
  if (call === undefined || (!gateway && !AWS_SERVICES.has(call.service))) return undefined
  return callRecord(d, ctx, call.service, call.operation)
}

/** Every decision that is an AWS API call, as CloudTrail records, in the given order. */
export function decisionsToCloudTrail(decisions: Iterable<DecisionRecord>, ctx: ExportContext): CloudTrailRecord[] {
  const out: CloudTrailRecord[] = []
  for (const d of decisions) {
    const r = decisionToCloudTrail(d, ctx)
    if (r !== undefined) out.push(r)
  }
  return out
}
