/** Role inline policies: PutRolePolicy, GetRolePolicy, ListRolePolicies, DeleteRolePolicy. */
import { AwsError } from '../../aws/aws-error.js'
import { members } from '../../aws/xml.js'
import { countNonWhitespace } from '../../policy/json.js'
import type { SignedAction } from '../../core/signed-action.js'
import { encodeDocument } from '../serialize.js'
import { pageParams, paginate } from './paginate.js'
import { checkPolicyDocument } from './policy-document.js'
import { documentParam, policyNameParam, roleNameParam } from './params.js'
import { authorizedRole, noSuchRole } from './roles.js'

/** IAM's quota on all of one role's inline policies together (whitespace not counted). */
export const ROLE_INLINE_POLICY_QUOTA = 10240

function noSuchRolePolicy(name: string): AwsError {
  return new AwsError('NoSuchEntity', `The role policy with name ${name} cannot be found.`)
}

export const putRolePolicy: SignedAction = async (ctx) => {
  const roleName = roleNameParam(ctx.q)
  const policyName = policyNameParam(ctx.q)
  const document = documentParam(ctx.q)
  ctx.q.check()
  await authorizedRole(ctx, 'iam:PutRolePolicy', roleName)
  checkPolicyDocument(document, 'identity', { skipSize: true })
  const { store, account } = ctx.rt
  await store.transaction(async () => {
    const role = await store.getRole(account, roleName)
    if (role === undefined) throw noSuchRole(roleName)
    const others = (await store.listRolePolicies(role.arn)).filter((p) => p.name !== policyName)
    const total = others.reduce((n, p) => n + countNonWhitespace(p.document), countNonWhitespace(document))
    if (total > ROLE_INLINE_POLICY_QUOTA) {
      throw new AwsError('LimitExceeded', `Maximum policy size of ${ROLE_INLINE_POLICY_QUOTA} bytes exceeded for role ${role.name}`)
    }
    await store.putRolePolicy(role.arn, policyName, document)
  })
  return undefined
}

export const getRolePolicy: SignedAction = async (ctx) => {
  const roleName = roleNameParam(ctx.q)
  const policyName = policyNameParam(ctx.q)
  ctx.q.check()
  const role = await authorizedRole(ctx, 'iam:GetRolePolicy', roleName)
  const document = await ctx.rt.store.getRolePolicy(role.arn, policyName)
  if (document === undefined) throw noSuchRolePolicy(policyName)
  return { RoleName: role.name, PolicyName: policyName, PolicyDocument: encodeDocument(document) }
}

export const listRolePolicies: SignedAction = async (ctx) => {
  const roleName = roleNameParam(ctx.q)
  const { maxItems, marker } = pageParams(ctx.q)
  ctx.q.check()
  const role = await authorizedRole(ctx, 'iam:ListRolePolicies', roleName)
  const names = (await ctx.rt.store.listRolePolicies(role.arn)).map((p) => p.name)
  return paginate(names, maxItems, marker, (n) => n, (page) => ({ PolicyNames: members([...page]) }))
}

export const deleteRolePolicy: SignedAction = async (ctx) => {
  const roleName = roleNameParam(ctx.q)
  const policyName = policyNameParam(ctx.q)
  ctx.q.check()
  const role = await authorizedRole(ctx, 'iam:DeleteRolePolicy', roleName)
  if (!(await ctx.rt.store.deleteRolePolicy(role.arn, policyName))) throw noSuchRolePolicy(policyName)
  return undefined
}
