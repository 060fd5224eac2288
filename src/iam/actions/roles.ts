/** IAM role actions: create, read, list, update, delete. */
import { AwsError } from '../../aws/aws-error.js'
import { members } from '../../aws/xml.js'
import type { ActionContext, SignedAction } from '../../core/signed-action.js'
import { roleId } from '../../sts/access-key.js'
import { authorizeIam } from '../authorize.js'
import { roleTagContext } from '../role-tag-context.js'
import type { ContextValue } from '../../policy/request.js'
import type { Role, Tag } from '../../model/iam.js'
import { roleXml } from '../serialize.js'
import { pageParams, paginate } from './paginate.js'
import { checkPolicyDocument } from './policy-document.js'
import { checkArn, checkTags, descriptionParam, pathParam, pathPrefixParam, roleNameParam, trustDocumentParam } from './params.js'

export function roleArnFor(ctx: ActionContext, path: string, name: string): string {
  return `arn:${ctx.rt.partition}:iam::${ctx.rt.account}:role${path}${name}`
}

export function noSuchRole(name: string): AwsError {
  return new AwsError('NoSuchEntity', `The role with name ${name} cannot be found.`)
}

/** The role by name, or NoSuchEntity with IAM's message. */
export async function existingRole(ctx: ActionContext, name: string): Promise<Role> {
  const r = await ctx.rt.store.getRole(ctx.rt.account, name)
  if (r === undefined) throw noSuchRole(name)
  return r
}

/**
 * The role actions whose Service Authorization Reference entry lists `iam:PermissionsBoundary`: the
 * ARN of the boundary the role has (CreateRole and PutRolePermissionsBoundary pass the one in the
 * request instead). Policies use it to keep a delegated administrator inside a boundary, e.g. deny
 * DeleteRolePermissionsBoundary or PutRolePolicy on roles whose boundary is X.
 */
const CURRENT_BOUNDARY_ACTIONS = new Set([
  'iam:AttachRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:DeleteRolePermissionsBoundary',
  'iam:DeleteRole',
  'iam:UpdateRole',
  'iam:UpdateRoleDescription',
  'iam:UpdateAssumeRolePolicy',
])

/**
 * Authorize `action` on the role named in the request (by its ARN, or a best guess when absent),
 * with the role's tags (`aws:ResourceTag/…`, `iam:ResourceTag/…`) and, for the actions that list it,
 * its current `iam:PermissionsBoundary`; `requestContext` adds or overrides request keys.
 */
export async function authorizeOnRole(
  ctx: ActionContext,
  action: string,
  name: string,
  requestContext: Readonly<Record<string, ContextValue>> = {},
): Promise<Role | undefined> {
  const role = await ctx.rt.store.getRole(ctx.rt.account, name)
  const boundary = role?.permissionsBoundaryArn
  await authorizeIam(ctx.rt, ctx.who, action, role?.arn ?? roleArnFor(ctx, '/', name), ctx.meta.sourceIp, ctx.meta.requestId, {
    ...roleTagContext(role),
    ...(boundary !== undefined && CURRENT_BOUNDARY_ACTIONS.has(action) ? { 'iam:PermissionsBoundary': boundary } : {}),
    ...requestContext,
  })
  return role
}

/** `aws:RequestTag/<key>` for each tag in the request, and `aws:TagKeys`. */
export function requestTagContext(tags: readonly Tag[]): Record<string, ContextValue> {
  if (tags.length === 0) return {}
  const out: Record<string, ContextValue> = { 'aws:TagKeys': tags.map((t) => t.Key) }
  for (const t of tags) out[`aws:RequestTag/${t.Key}`] = t.Value
  return out
}

/** Authorize `action` on the role, then require that it exists (IAM answers AccessDenied before NoSuchEntity). */
export async function authorizedRole(
  ctx: ActionContext,
  action: string,
  name: string,
  requestContext: Readonly<Record<string, ContextValue>> = {},
): Promise<Role> {
  const role = await authorizeOnRole(ctx, action, name, requestContext)
  if (role === undefined) throw noSuchRole(name)
  return role
}

/** A managed policy usable as a permissions boundary, or NoSuchEntity with IAM's message. */
export async function checkBoundary(ctx: ActionContext, arn: string): Promise<void> {
  checkArn(arn)
  const p = await ctx.rt.store.getPolicy(arn)
  if (p === undefined || (p.account !== ctx.rt.account && p.account !== 'aws')) {
    throw new AwsError('NoSuchEntity', `Scope ARN: ${arn} does not exist or is not attachable.`)
  }
}

export const createRole: SignedAction = async (ctx) => {
  const { rt, q } = ctx
  const name = roleNameParam(q)
  const path = pathParam(q) ?? '/'
  const trust = trustDocumentParam(q, 'AssumeRolePolicyDocument')
  const description = descriptionParam(q)
  const maxSessionDuration = q.integer('MaxSessionDuration', { min: 3600, max: 43200 }) ?? 3600
  const boundary = q.string('PermissionsBoundary', { min: 20, max: 2048 })
  const tags = q.tags() ?? []
  q.check()
  checkTags(tags)
  const arn = roleArnFor(ctx, path, name)
  await authorizeIam(rt, ctx.who, 'iam:CreateRole', arn, ctx.meta.sourceIp, ctx.meta.requestId, {
    ...requestTagContext(tags),
    ...(boundary === undefined ? {} : { 'iam:PermissionsBoundary': boundary }),
  })
  checkPolicyDocument(trust, 'trust')
  if (boundary !== undefined) await checkBoundary(ctx, boundary)
  const role: Role = {
    arn,
    account: rt.account,
    name,
    path,
    roleId: roleId(rt.account, (n) => rt.random.bytes(n)),
    trustPolicy: trust,
    description: description === '' ? undefined : description,
    maxSessionDuration,
    permissionsBoundaryArn: boundary,
    tags,
    createdAt: rt.nowSeconds(),
  }
  if (!(await rt.store.createRole(role))) throw new AwsError('EntityAlreadyExists', `Role with name ${name} already exists.`)
  return { Role: roleXml(role) }
}

export const getRole: SignedAction = async (ctx) => {
  const name = roleNameParam(ctx.q)
  ctx.q.check()
  return { Role: roleXml(await authorizedRole(ctx, 'iam:GetRole', name), { lastUsed: true }) }
}

export const listRoles: SignedAction = async (ctx) => {
  const prefix = pathPrefixParam(ctx.q) ?? '/'
  const { maxItems, marker } = pageParams(ctx.q)
  ctx.q.check()
  await authorizeIam(ctx.rt, ctx.who, 'iam:ListRoles', '*', ctx.meta.sourceIp, ctx.meta.requestId)
  const all = await ctx.rt.store.listRoles(ctx.rt.account, prefix)
  return paginate(all, maxItems, marker, (r) => r.name.toLowerCase(), (page) => ({ Roles: members(page.map((r) => roleXml(r, { listing: true }))) }))
}

export const updateRole: SignedAction = async (ctx) => {
  const name = roleNameParam(ctx.q)
  const description = descriptionParam(ctx.q)
  const maxSessionDuration = ctx.q.integer('MaxSessionDuration', { min: 3600, max: 43200 })
  ctx.q.check()
  await authorizedRole(ctx, 'iam:UpdateRole', name)
  await ctx.rt.store.updateRole(ctx.rt.account, name, {
    ...(description === undefined ? {} : { description }),
    ...(maxSessionDuration === undefined ? {} : { maxSessionDuration }),
  })
  return {}
}

export const updateRoleDescription: SignedAction = async (ctx) => {
  const name = roleNameParam(ctx.q)
  const description = descriptionParam(ctx.q, 'Description', true) ?? ''
  ctx.q.check()
  await authorizedRole(ctx, 'iam:UpdateRoleDescription', name)
  await ctx.rt.store.updateRole(ctx.rt.account, name, { description })
  return { Role: roleXml(await existingRole(ctx, name)) }
}

export const updateAssumeRolePolicy: SignedAction = async (ctx) => {
  const name = roleNameParam(ctx.q)
  const doc = trustDocumentParam(ctx.q, 'PolicyDocument')
  ctx.q.check()
  await authorizedRole(ctx, 'iam:UpdateAssumeRolePolicy', name)
  checkPolicyDocument(doc, 'trust')
  if (!(await ctx.rt.store.updateRole(ctx.rt.account, name, { trustPolicy: doc }))) throw noSuchRole(name)
  return undefined
}

export const deleteRole: SignedAction = async (ctx) => {
  const name = roleNameParam(ctx.q)
  ctx.q.check()
  await authorizeOnRole(ctx, 'iam:DeleteRole', name)
  const { store, account } = ctx.rt
  await store.transaction(async () => {
    const role = await store.getRole(account, name)
    if (role === undefined) throw noSuchRole(name)
    if ((await store.listAttachedRolePolicies(role.arn)).length > 0) throw new AwsError('DeleteConflict', 'Cannot delete entity, must detach all policies first.')
    if ((await store.listRolePolicies(role.arn)).length > 0) throw new AwsError('DeleteConflict', 'Cannot delete entity, must delete policies first.')
    await store.deleteRole(account, name)
  })
  return undefined
}
