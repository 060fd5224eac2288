/**
 * Table rows to model objects for the SqlStore on either database: SQLite and PostgreSQL use the same
 * column names and encodings (JSON text for lists and tags, epoch numbers), so one mapper serves both.
 */
import type { ManagedPolicy, OidcProvider, PolicyVersion, Role, ServiceAccountBinding, Tag } from '../model/iam.js'
import type { PodIdentityAssociation } from '../model/pod-identity-association.js'
import type { DecisionRecord } from './decision-log.js'
import type { StoredSealingKey, StoredSigningKey } from './store.js'

export type Row = Record<string, unknown>

export const str = (v: unknown): string => v as string
export const optStr = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : (v as string))
export const num = (v: unknown): number => Number(v)
export const optNum = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v))
const tags = (v: unknown): Tag[] => JSON.parse(v as string) as Tag[]

export function signingKeyFromRow(r: Row): StoredSigningKey {
  return {
    kid: str(r.kid),
    alg: str(r.alg),
    privateJwk: str(r.private_jwk),
    publicJwk: str(r.public_jwk),
    createdAt: num(r.created_at),
    retiredAt: optNum(r.retired_at),
  }
}

export function sealingKeyFromRow(r: Row): StoredSealingKey {
  return { id: str(r.id), secret: new Uint8Array(r.secret as Buffer), createdAt: num(r.created_at), retiredAt: optNum(r.retired_at) }
}

export function providerFromRow(r: Row): OidcProvider {
  return {
    arn: str(r.arn),
    account: str(r.account),
    url: str(r.url),
    clientIds: JSON.parse(str(r.client_ids)) as string[],
    thumbprints: JSON.parse(str(r.thumbprints)) as string[],
    tags: tags(r.tags),
    createdAt: num(r.created_at),
  }
}

export function roleFromRow(r: Row): Role {
  return {
    arn: str(r.arn),
    account: str(r.account),
    name: str(r.name),
    path: str(r.path),
    roleId: str(r.role_id),
    trustPolicy: str(r.trust_policy),
    description: optStr(r.description),
    maxSessionDuration: num(r.max_session_duration),
    permissionsBoundaryArn: optStr(r.boundary_arn),
    tags: tags(r.tags),
    createdAt: num(r.created_at),
  }
}

/** A managed policy row, with the `attachments` count the stores select alongside it. */
export function policyFromRow(r: Row): ManagedPolicy {
  return {
    arn: str(r.arn),
    account: str(r.account ?? 'aws'),
    name: str(r.name),
    path: str(r.path),
    policyId: str(r.policy_id),
    defaultVersionId: str(r.default_version),
    description: optStr(r.description),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    attachmentCount: num(r.attachments ?? 0),
  }
}

export function versionFromRow(r: Row, defaultVersion: string): PolicyVersion {
  return { policyArn: str(r.policy_arn), versionId: str(r.version_id), document: str(r.document), isDefault: r.version_id === defaultVersion, createdAt: num(r.created_at) }
}

export function bindingFromRow(r: Row): ServiceAccountBinding {
  return { namespace: str(r.namespace), serviceAccount: str(r.service_account), roleArn: str(r.role_arn), audience: optStr(r.audience) }
}

export function podIdentityAssociationFromRow(r: Row): PodIdentityAssociation {
  return {
    associationId: str(r.association_id),
    associationArn: str(r.association_arn),
    clusterName: str(r.cluster_name),
    namespace: str(r.namespace),
    serviceAccount: str(r.service_account),
    roleArn: str(r.role_arn),
    tags: JSON.parse(str(r.tags)) as Record<string, string>,
    createdAt: num(r.created_at),
    modifiedAt: num(r.modified_at),
  }
}

const DECISION_COLUMNS: readonly [keyof DecisionRecord, string][] = [
  ['code', 'code'], ['principal', 'principal'], ['roleArn', 'role_arn'], ['sessionName', 'session_name'], ['subject', 'subject'],
  ['namespace', 'namespace'], ['serviceAccount', 'service_account'], ['sourceIp', 'source_ip'], ['requestId', 'request_id'], ['reason', 'reason'],
]

export function decisionFromRow(r: Row): DecisionRecord {
  const rec: Record<string, unknown> = { id: num(r.id), at: num(r.at), action: str(r.action), outcome: str(r.outcome) }
  for (const [k, col] of DECISION_COLUMNS) if (r[col] !== null && r[col] !== undefined) rec[k] = r[col]
  if (typeof r.detail === 'string') rec.detail = JSON.parse(r.detail) as Record<string, unknown>
  return rec as unknown as DecisionRecord
}
