/** IAM role actions. */
import { AwsError } from '../../aws/aws-error.js'
import { members } from '../../aws/xml.js'
import type { XmlObject } from '../../aws/xml.js'
import type { ActionContext, SignedAction } from '../../server/query-api.js'
import { roleId } from '../../sts/access-key.js'
import { authorizeIam } from '../authorize.js'
import type { Role } from '../model.js'
import { roleXml } from '../serialize.js'
import { checkPolicyDocument } from './policy-document.js'
import { checkTags, pathParam, roleNameParam } from './params.js'

export function roleArnFor(ctx: ActionContext, path: string, name: string): string {
  return `arn:${ctx.rt.partition}:iam::${ctx.rt.account}:role${path}${name}`
}

/** The role by name, or NoSuchEntity with IAM's message. */
export async function existingRole(ctx: ActionContext, name: string): Promise<Role> {
  const r = await ctx.rt.store.getRole(ctx.rt.account, name)
  if (r === undefined) throw new AwsError('NoSuchEntity', `The role with name ${name} cannot be found.`)
  return r
}

/** Authorize `action` on the role named in the request (by its ARN, or a best guess when absent). */
export async function authorizeOnRole(ctx: ActionContext, action: string, name: string): Promise<Role | undefined> {
  const role = await ctx.rt.store.getRole(ctx.rt.account, name)
  await authorizeIam(ctx.rt, ctx.who, action, role?.arn ?? roleArnFor(ctx, '/', name), ctx.meta.sourceIp, ctx.meta.requestId)
  return role
}

export const createRole: SignedAction = async (ctx) => {
  const { rt, q } = ctx
  const name = roleNameParam(q)
  const path = pathParam(q) ?? '/'
  const trust = q.required('AssumeRolePolicyDocument', { min: 1, max: 131072 })
  const description = q.string('Description', { max: 1000 })
  const maxSessionDuration = q.integer('MaxSessionDuration', { min: 3600, max: 43200 }) ?? 3600
  const boundary = q.string('PermissionsBoundary', { min: 20, max: 2048 })
  const tags = q.tags() ?? []
  q.check()
  checkTags(tags)
  const arn = roleArnFor(ctx, path, name)
  await authorizeIam(rt, ctx.who, 'iam:CreateRole', arn, ctx.meta.sourceIp, ctx.meta.requestId)
  checkPolicyDocument(trust, 'trust')
  if (boundary !== undefined && (await rt.store.getPolicy(boundary)) === undefined) {
    throw new AwsError('NoSuchEntity', `Scope ARN: ${boundary} does not exist or is not attachable.`)
  }
  const role: Role = {
    arn,
    account: rt.account,
    name,
    path,
    roleId: roleId(rt.account, (n) => rt.random.bytes(n)),
    trustPolicy: trust,
    description,
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
  await authorizeOnRole(ctx, 'iam:GetRole', name)
  return { Role: roleXml(await existingRole(ctx, name), { lastUsed: true }) }
}

export const listRoles: SignedAction = async (ctx) => {
  const prefix = ctx.q.string('PathPrefix', { min: 1, max: 512 }) ?? '/'
  const maxItems = ctx.q.integer('MaxItems', { min: 1, max: 1000 }) ?? 100
  const marker = ctx.q.string('Marker', { min: 1, max: 320 })
  ctx.q.check()
  await authorizeIam(ctx.rt, ctx.who, 'iam:ListRoles', '*', ctx.meta.sourceIp, ctx.meta.requestId)
  const all = await ctx.rt.store.listRoles(ctx.rt.account, prefix)
  return paginate(all, maxItems, marker, (r) => r.name.toLowerCase(), (page) => ({ Roles: members(page.map((r) => roleXml(r))) }))
}

/**
 * IAM pagination: `Marker` is opaque to clients; irsa uses the sort key of the last item returned.
 * Returns the result with `IsTruncated` and, when truncated, `Marker`.
 */
export function paginate<T>(
  all: readonly T[],
  maxItems: number,
  marker: string | undefined,
  key: (t: T) => string,
  shape: (page: readonly T[]) => XmlObject,
): XmlObject {
  const after = marker === undefined ? undefined : Buffer.from(marker, 'base64url').toString('utf8')
  const start = after === undefined ? 0 : all.findIndex((t) => key(t) > after)
  const from = start < 0 ? all.length : start
  const page = all.slice(from, from + maxItems)
  const truncated = from + maxItems < all.length
  const last = page[page.length - 1]
  return {
    ...shape(page),
    IsTruncated: truncated,
    Marker: truncated && last !== undefined ? Buffer.from(key(last)).toString('base64url') : undefined,
  }
}
