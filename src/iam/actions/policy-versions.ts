/** Managed policy versions: create, read, list, delete, set the default. */
import { AwsError } from '../../aws/aws-error.js'
import { members } from '../../aws/xml.js'
import type { SignedAction } from '../../core/signed-action.js'
import { policyVersionXml } from '../serialize.js'
import { authorizePolicyAction, existingPolicy, ownPolicy } from './managed-policies.js'
import { pageParams, paginate, positionKey } from './paginate.js'
import { checkPolicyDocument } from './policy-document.js'
import { checkArn, documentParam, versionIdParam } from './params.js'

/** IAM keeps at most five versions of a managed policy. */
export const MAX_POLICY_VERSIONS = 5

function noSuchVersion(arn: string, versionId: string): AwsError {
  return new AwsError('NoSuchEntity', `Policy ${arn} version ${versionId} does not exist or is not attachable.`)
}

export const createPolicyVersion: SignedAction = async (ctx) => {
  const { q, rt } = ctx
  const arn = q.required('PolicyArn', { min: 20, max: 2048 })
  const document = documentParam(q)
  const setAsDefault = q.boolean('SetAsDefault') ?? false
  q.check()
  checkArn(arn)
  await authorizePolicyAction(ctx, 'iam:CreatePolicyVersion', arn)
  await ownPolicy(ctx, arn)
  checkPolicyDocument(document, 'identity', { managed: true })
  const id = await rt.store.transaction(async () => {
    await ownPolicy(ctx, arn)
    if ((await rt.store.listPolicyVersions(arn)).length >= MAX_POLICY_VERSIONS) {
      throw new AwsError('LimitExceeded', 'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.')
    }
    return rt.store.createPolicyVersion(arn, document, setAsDefault, rt.nowSeconds())
  })
  const v = await rt.store.getPolicyVersion(arn, id)
  if (v === undefined) throw noSuchVersion(arn, id)
  return { PolicyVersion: policyVersionXml(v, { withDocument: false }) }
}

export const getPolicyVersion: SignedAction = async (ctx) => {
  const arn = ctx.q.required('PolicyArn', { min: 20, max: 2048 })
  const versionId = versionIdParam(ctx.q)
  ctx.q.check()
  checkArn(arn)
  await authorizePolicyAction(ctx, 'iam:GetPolicyVersion', arn)
  await existingPolicy(ctx, arn)
  const v = await ctx.rt.store.getPolicyVersion(arn, versionId)
  if (v === undefined) throw noSuchVersion(arn, versionId)
  return { PolicyVersion: policyVersionXml(v) }
}

export const listPolicyVersions: SignedAction = async (ctx) => {
  const arn = ctx.q.required('PolicyArn', { min: 20, max: 2048 })
  const { maxItems, marker } = pageParams(ctx.q)
  ctx.q.check()
  checkArn(arn)
  await authorizePolicyAction(ctx, 'iam:ListPolicyVersions', arn)
  await existingPolicy(ctx, arn)
  const versions = (await ctx.rt.store.listPolicyVersions(arn)).map((v, i) => ({ v, i }))
  return paginate(versions, maxItems, marker, (x) => positionKey(x.i), (page) => ({
    Versions: members(page.map((x) => policyVersionXml(x.v, { withDocument: false }))),
  }))
}

export const deletePolicyVersion: SignedAction = async (ctx) => {
  const arn = ctx.q.required('PolicyArn', { min: 20, max: 2048 })
  const versionId = versionIdParam(ctx.q)
  ctx.q.check()
  checkArn(arn)
  await authorizePolicyAction(ctx, 'iam:DeletePolicyVersion', arn)
  await ctx.rt.store.transaction(async () => {
    const p = await ownPolicy(ctx, arn)
    if ((await ctx.rt.store.getPolicyVersion(arn, versionId)) === undefined) throw noSuchVersion(arn, versionId)
    if (p.defaultVersionId === versionId) throw new AwsError('DeleteConflict', 'Cannot delete the default version of a policy.')
    await ctx.rt.store.deletePolicyVersion(arn, versionId)
  })
  return undefined
}

export const setDefaultPolicyVersion: SignedAction = async (ctx) => {
  const arn = ctx.q.required('PolicyArn', { min: 20, max: 2048 })
  const versionId = versionIdParam(ctx.q)
  ctx.q.check()
  checkArn(arn)
  await authorizePolicyAction(ctx, 'iam:SetDefaultPolicyVersion', arn)
  await ctx.rt.store.transaction(async () => {
    await ownPolicy(ctx, arn)
    if ((await ctx.rt.store.getPolicyVersion(arn, versionId)) === undefined) throw noSuchVersion(arn, versionId)
    await ctx.rt.store.setDefaultPolicyVersion(arn, versionId)
  })
  return undefined
}
