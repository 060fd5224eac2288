/** IAM objects in the Query API's XML shapes (policy documents URL-encoded, as IAM returns them). */
import type { XmlObject } from '../aws/xml.js'
import { members } from '../aws/xml.js'
import { awsTimestamp } from '../sts/timestamp.js'
import type { ManagedPolicy, OidcProvider, PolicyVersion, Role, Tag } from './model.js'

/** IAM returns policy documents URL-encoded (RFC 3986); botocore and the CLI decode them. */
export function encodeDocument(doc: string): string {
  return encodeURIComponent(doc)
}

export function tagsXml(tags: readonly Tag[]): ReturnType<typeof members> | undefined {
  return tags.length === 0 ? undefined : members(tags.map((t) => ({ Key: t.Key, Value: t.Value })))
}

export function roleXml(r: Role, options: { lastUsed?: boolean } = {}): XmlObject {
  return {
    Path: r.path,
    RoleName: r.name,
    RoleId: r.roleId,
    Arn: r.arn,
    CreateDate: awsTimestamp(r.createdAt),
    AssumeRolePolicyDocument: encodeDocument(r.trustPolicy),
    Description: r.description,
    MaxSessionDuration: r.maxSessionDuration,
    PermissionsBoundary:
      r.permissionsBoundaryArn === undefined ? undefined : { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: r.permissionsBoundaryArn },
    Tags: tagsXml(r.tags),
    RoleLastUsed: options.lastUsed ? {} : undefined,
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

export function policyXml(p: ManagedPolicy): XmlObject {
  return {
    PolicyName: p.name,
    PolicyId: p.policyId,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: p.attachmentCount,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: p.description,
    CreateDate: awsTimestamp(p.createdAt),
    UpdateDate: awsTimestamp(p.updatedAt),
  }
}

export function policyVersionXml(v: PolicyVersion): XmlObject {
  return { Document: encodeDocument(v.document), VersionId: v.versionId, IsDefaultVersion: v.isDefault, CreateDate: awsTimestamp(v.createdAt) }
}
