/** Customer managed policies: CreatePolicy, GetPolicy, DeletePolicy, ListPolicies. */
import { AwsError } from '../../aws/aws-error.js'
import { members } from '../../aws/xml.js'
import type { ActionContext, SignedAction } from '../../core/signed-action.js'
import { roleId } from '../../sts/access-key.js'
import { authorizeIam } from '../authorize.js'
import type { ManagedPolicy } from '../../model/iam.js'
import { policyXml } from '../serialize.js'
import { pageParams, paginate } from './paginate.js'
import { checkPolicyDocument } from './policy-document.js'
import { checkTags, descriptionParam, documentParam, enumParam, pathParam, policyArnParam, policyNameParam } from './params.js'

/** `ListPolicies` / `GetAccountAuthorizationDetails` prefix: `/` or `/a/b/`-shaped text. */
export const POLICY_PATH_PREFIX = /^((\/[A-Za-z0-9.,+@=_-]+)*)\/$/

export function noSuchPolicy(arn: string): AwsError {
  return new AwsError('NoSuchEntity', `Policy ${arn} was not found.`)
}

/** Whether the caller's account can see the policy: its own, or an AWS managed one. */
export function visiblePolicy(ctx: ActionContext, p: ManagedPolicy | undefined): p is ManagedPolicy {
  return p !== undefined && (p.account === ctx.rt.account || p.account === 'aws')
}

/** The policy (its own account's or AWS managed), or NoSuchEntity. */
export async function existingPolicy(ctx: ActionContext, arn: string): Promise<ManagedPolicy> {
  const p = await ctx.rt.store.getPolicy(arn)
  if (!visiblePolicy(ctx, p)) throw noSuchPolicy(arn)
  return p
}

/** A policy this account may change (AWS managed policies are read-only). */
export async function ownPolicy(ctx: ActionContext, arn: string): Promise<ManagedPolicy> {
  const p = await existingPolicy(ctx, arn)
  if (p.account !== ctx.rt.account) throw new AwsError('UnmodifiableEntity', `Cannot modify AWS managed policy ${arn}.`)
  return p
}

/** How many roles use each policy as their permissions boundary. */
export async function boundaryUsage(ctx: ActionContext): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const r of await ctx.rt.store.listRoles(ctx.rt.account)) {
    if (r.permissionsBoundaryArn !== undefined) out.set(r.permissionsBoundaryArn, (out.get(r.permissionsBoundaryArn) ?? 0) + 1)
  }
  return out
}

export async function authorizePolicyAction(ctx: ActionContext, action: string, arn: string): Promise<void> {
  await authorizeIam(ctx.rt, ctx.who, action, arn, ctx.meta.sourceIp, ctx.meta.requestId)
}

export const createPolicy: SignedAction = async (ctx) => {
  const { rt, q } = ctx
  const name = policyNameParam(q)
  const path = pathParam(q) ?? '/'
  const document = documentParam(q)
  const description = descriptionParam(q)
  const tags = q.tags() ?? []
  q.check()
  checkTags(tags, 'TagsPerPolicy')
  const arn = `arn:${rt.partition}:iam::${rt.account}:policy${path}${name}`
  await authorizePolicyAction(ctx, 'iam:CreatePolicy', arn)
  checkPolicyDocument(document, 'identity', { managed: true })
  const now = rt.nowSeconds()
  const policy: ManagedPolicy = {
    arn,
    account: rt.account,
    name,
    path,
    policyId: `ANPA${roleId(rt.account, (n) => rt.random.bytes(n)).slice(4)}`,
    defaultVersionId: 'v1',
    description: description === '' ? undefined : description,
    createdAt: now,
    updatedAt: now,
    attachmentCount: 0,
  }
  const exists = new AwsError('EntityAlreadyExists', `A policy called ${name} already exists. Duplicate names are not allowed.`)
  await rt.store.transaction(async () => {
    // Names are unique in an account whatever the path, and compared without regard to case.
    const local = await rt.store.listPolicies(rt.account)
    if (local.some((p) => p.account === rt.account && p.name.toLowerCase() === name.toLowerCase())) throw exists
    const { attachmentCount: _unused, ...row } = policy
    if (!(await rt.store.createPolicy(row, document))) throw exists
  })
  return { Policy: policyXml(policy) }
}

export const getPolicy: SignedAction = async (ctx) => {
  const arn = policyArnParam(ctx.q)
  await authorizePolicyAction(ctx, 'iam:GetPolicy', arn)
  const p = await existingPolicy(ctx, arn)
  return { Policy: policyXml(p, { boundaryUsage: (await boundaryUsage(ctx)).get(arn) ?? 0 }) }
}

export const deletePolicy: SignedAction = async (ctx) => {
  const arn = policyArnParam(ctx.q)
  await authorizePolicyAction(ctx, 'iam:DeletePolicy', arn)
  await ctx.rt.store.transaction(async () => {
    const p = await ownPolicy(ctx, arn)
    if (p.attachmentCount > 0 || ((await boundaryUsage(ctx)).get(arn) ?? 0) > 0) {
      throw new AwsError('DeleteConflict', 'Cannot delete a policy attached to entities.')
    }
    if ((await ctx.rt.store.listPolicyVersions(arn)).length > 1) {
      throw new AwsError(
        'DeleteConflict',
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
      )
    }
    await ctx.rt.store.deletePolicy(arn)
  })
  return undefined
}

export const listPolicies: SignedAction = async (ctx) => {
  const { rt, q } = ctx
  const scope = enumParam(q, 'Scope', ['All', 'AWS', 'Local'] as const) ?? 'All'
  const onlyAttached = q.boolean('OnlyAttached') ?? false
  const usage = enumParam(q, 'PolicyUsageFilter', ['PermissionsPolicy', 'PermissionsBoundary'] as const)
  const prefix = q.string('PathPrefix', { min: 1, max: 512, pattern: POLICY_PATH_PREFIX, patternText: '((/[A-Za-z0-9\\.,\\+@=_-]+)*)/' }) ?? '/'
  const { maxItems, marker } = pageParams(q)
  q.check()
  await authorizeIam(rt, ctx.who, 'iam:ListPolicies', '*', ctx.meta.sourceIp, ctx.meta.requestId)
  const usageCounts = await boundaryUsage(ctx)
  const all = (await rt.store.listPolicies(rt.account, { pathPrefix: prefix })).filter((p) => {
    if (!visiblePolicy(ctx, p)) return false
    if (scope === 'Local' && p.account !== rt.account) return false
    if (scope === 'AWS' && p.account !== 'aws') return false
    if (!onlyAttached) return true
    const asPolicy = p.attachmentCount > 0
    const asBoundary = (usageCounts.get(p.arn) ?? 0) > 0
    return usage === 'PermissionsPolicy' ? asPolicy : usage === 'PermissionsBoundary' ? asBoundary : asPolicy || asBoundary
  })
  return paginate(
    all,
    maxItems,
    marker,
    (p) => `${p.name.toLowerCase()}\u0000${p.arn}`,
    (page) => ({ Policies: members(page.map((p) => policyXml(p, { listing: true, boundaryUsage: usageCounts.get(p.arn) ?? 0 }))) }),
  )
}
