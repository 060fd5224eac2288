/** IAM objects in the Query API's XML shapes (policy documents URL-encoded, as IAM returns them). */
import type { XmlObject } from '../aws/xml.js'
import { members } from '../aws/xml.js'
import { awsTimestamp } from '../sts/timestamp.js'
import type { ManagedPolicy, OidcProvider, PolicyVersion, Role, Tag } from '../model/iam.js'

/** IAM returns policy documents URL-encoded (RFC 3986); botocore and the CLI decode them. */
export function encodeDocument(doc: string): string {
  return encodeURIComponent(doc)
}

export function tagsXml(tags: readonly Tag[]): ReturnType<typeof members> | undefined {
  return tags.length === 0 ? undefined : members(tags.map((t) => ({ Key: t.Key, Value: t.Value })))
}

/** A tag list that is always present (an empty `<Tags/>` when there are none). */
export function tagListXml(tags: readonly Tag[]): ReturnType<typeof members> {
  return members(tags.map((t) => ({ Key: t.Key, Value: t.Value })))
}

export function boundaryXml(arn: string | undefined): XmlObject | undefined {
  return arn === undefined ? undefined : { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: arn }
}

export interface RoleXmlOptions {
  /** GetRole: include `RoleLastUsed` (irsa does not track last use: an empty element, as for an unused role). */
  readonly lastUsed?: boolean
  /** ListRoles: IAM leaves out `PermissionsBoundary`, `Tags` and `RoleLastUsed`. */
  readonly listing?: boolean
}

export function roleXml(r: Role, options: RoleXmlOptions = {}): XmlObject {
  return {
    Path: r.path,
    RoleName: r.name,
    RoleId: r.roleId,
    Arn: r.arn,
    CreateDate: awsTimestamp(r.createdAt),
    AssumeRolePolicyDocument: encodeDocument(r.trustPolicy),
    Description: r.description === '' ? undefined : r.description,
    MaxSessionDuration: r.maxSessionDuration,
    PermissionsBoundary: options.listing ? undefined : boundaryXml(r.permissionsBoundaryArn),
    Tags: options.listing ? undefined : tagsXml(r.tags),
    RoleLastUsed: options.lastUsed && !options.listing ? {} : undefined,
  }
}

export function providerXml(p: OidcProvider): XmlObject {
  return {
    Url: p.url.replace(/^https?:\/\//i, ''),
    ClientIDList: members([...p.clientIds]),
    ThumbprintList: members([...p.thumbprints]),
    CreateDate: awsTimestamp(p.createdAt),
    Tags: tagsXml(p.tags),
  }
}

export interface PolicyXmlOptions {
  /** How many roles use the policy as their permissions boundary. */
  readonly boundaryUsage?: number
  /** ListPolicies: IAM leaves out `Description` and `Tags`. */
  readonly listing?: boolean
}

export function policyXml(p: ManagedPolicy, options: PolicyXmlOptions = {}): XmlObject {
  return {
    PolicyName: p.name,
    PolicyId: p.policyId,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: p.attachmentCount,
    PermissionsBoundaryUsageCount: options.boundaryUsage ?? 0,
    IsAttachable: true,
    Description: options.listing ? undefined : p.description,
    CreateDate: awsTimestamp(p.createdAt),
    UpdateDate: awsTimestamp(p.updatedAt),
  }
}

/** A policy version; `withDocument: false` for CreatePolicyVersion and ListPolicyVersions, which omit it. */
export function policyVersionXml(v: PolicyVersion, options: { withDocument?: boolean } = {}): XmlObject {
  return {
    Document: options.withDocument === false ? undefined : encodeDocument(v.document),
    VersionId: v.versionId,
    IsDefaultVersion: v.isDefault,
    CreateDate: awsTimestamp(v.createdAt),
  }
}

/** GetAccountAuthorizationDetails `RoleDetailList` member. */
export function roleDetailXml(
  r: Role,
  inline: readonly { name: string; document: string }[],
  attached: readonly { name: string; arn: string }[],
): XmlObject {
  return {
    Path: r.path,
    RoleName: r.name,
    RoleId: r.roleId,
    Arn: r.arn,
    CreateDate: awsTimestamp(r.createdAt),
    AssumeRolePolicyDocument: encodeDocument(r.trustPolicy),
    InstanceProfileList: members([]),
    RolePolicyList: members(inline.map((p) => ({ PolicyName: p.name, PolicyDocument: encodeDocument(p.document) }))),
    AttachedManagedPolicies: members(attached.map((a) => ({ PolicyName: a.name, PolicyArn: a.arn }))),
    PermissionsBoundary: boundaryXml(r.permissionsBoundaryArn),
    Tags: tagListXml(r.tags),
    RoleLastUsed: {},
  }
}

/** GetAccountAuthorizationDetails `Policies` member (ManagedPolicyDetail). */
export function policyDetailXml(p: ManagedPolicy, versions: readonly PolicyVersion[], boundaryUsage: number): XmlObject {
  return {
    PolicyName: p.name,
    PolicyId: p.policyId,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: p.attachmentCount,
    PermissionsBoundaryUsageCount: boundaryUsage,
    IsAttachable: true,
    Description: p.description,
    CreateDate: awsTimestamp(p.createdAt),
    UpdateDate: awsTimestamp(p.updatedAt),
    PolicyVersionList: members(versions.map((v) => policyVersionXml(v))),
  }
}
