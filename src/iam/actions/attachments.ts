/**
 * Managed policies on roles: AttachRolePolicy, DetachRolePolicy, ListAttachedRolePolicies,
 * PutRolePermissionsBoundary, DeleteRolePermissionsBoundary, ListEntitiesForPolicy.
 */
import { AwsError } from '../../aws/aws-error.js'
import { members } from '../../aws/xml.js'
import type { SignedAction } from '../../core/signed-action.js'
import type { Role } from '../../model/iam.js'
import { authorizePolicyAction, existingPolicy, POLICY_PATH_PREFIX, visiblePolicy } from './managed-policies.js'
import { pageParams, paginate } from './paginate.js'
import { arnParam, checkArn, enumParam, pathPrefixParam, roleNameParam } from './params.js'
import { authorizedRole, checkBoundary, noSuchRole } from './roles.js'

/** IAM's default quota of managed policies attached to one role. */
export const POLICIES_PER_ROLE = 10

export const attachRolePolicy: SignedAction = async (ctx) => {
  const name = roleNameParam(ctx.q)
  const arn = arnParam(ctx.q, 'PolicyArn')
  checkArn(arn)
  await authorizedRole(ctx, 'iam:AttachRolePolicy', name, { 'iam:PolicyARN': arn })
  const { store, account } = ctx.rt
  await store.transaction(async () => {
    const role = await store.getRole(account, name)
    if (role === undefined) throw noSuchRole(name)
    if (!visiblePolicy(ctx, await store.getPolicy(arn))) throw new AwsError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`)
    const attached = await store.listAttachedRolePolicies(role.arn)
    if (attached.includes(arn)) return
    if (attached.length >= POLICIES_PER_ROLE) throw new AwsError('LimitExceeded', `Cannot exceed quota for PoliciesPerRole: ${POLICIES_PER_ROLE}`)
    await store.attachRolePolicy(role.arn, arn)
  })
  return undefined
}

export const detachRolePolicy: SignedAction = async (ctx) => {
  const name = roleNameParam(ctx.q)
  const arn = arnParam(ctx.q, 'PolicyArn')
  checkArn(arn)
  const role = await authorizedRole(ctx, 'iam:DetachRolePolicy', name, { 'iam:PolicyARN': arn })
  if (!(await ctx.rt.store.detachRolePolicy(role.arn, arn))) throw new AwsError('NoSuchEntity', `Policy ${arn} was not found.`)
  return undefined
}

export const listAttachedRolePolicies: SignedAction = async (ctx) => {
  const name = roleNameParam(ctx.q)
  const prefix = ctx.q.string('PathPrefix', { min: 1, max: 512, pattern: POLICY_PATH_PREFIX, patternText: '((/[A-Za-z0-9\\.,\\+@=_-]+)*)/' }) ?? '/'
  const { maxItems, marker } = pageParams(ctx.q)
  ctx.q.check()
  const role = await authorizedRole(ctx, 'iam:ListAttachedRolePolicies', name)
  const rows: { name: string; arn: string }[] = []
  for (const arn of await ctx.rt.store.listAttachedRolePolicies(role.arn)) {
    const p = await ctx.rt.store.getPolicy(arn)
    if (p !== undefined && !p.path.startsWith(prefix)) continue
    rows.push({ name: p?.name ?? arn.slice(arn.lastIndexOf('/') + 1), arn })
  }
  return paginate(rows, maxItems, marker, (r) => r.arn, (page) => ({ AttachedPolicies: members(page.map((r) => ({ PolicyName: r.name, PolicyArn: r.arn }))) }))
}

export const putRolePermissionsBoundary: SignedAction = async (ctx) => {
  const name = roleNameParam(ctx.q)
  const arn = ctx.q.required('PermissionsBoundary', { min: 20, max: 2048 })
  ctx.q.check()
  checkArn(arn)
  await authorizedRole(ctx, 'iam:PutRolePermissionsBoundary', name, { 'iam:PermissionsBoundary': arn })
  await ctx.rt.store.transaction(async () => {
    await checkBoundary(ctx, arn)
    if (!(await ctx.rt.store.updateRole(ctx.rt.account, name, { permissionsBoundaryArn: arn }))) throw noSuchRole(name)
  })
  return undefined
}

export const deleteRolePermissionsBoundary: SignedAction = async (ctx) => {
  const name = roleNameParam(ctx.q)
  ctx.q.check()
  await authorizedRole(ctx, 'iam:DeleteRolePermissionsBoundary', name)
  if (!(await ctx.rt.store.updateRole(ctx.rt.account, name, { permissionsBoundaryArn: null }))) throw noSuchRole(name)
  return undefined
}

export const listEntitiesForPolicy: SignedAction = async (ctx) => {
  const { q, rt } = ctx
  const arn = q.required('PolicyArn', { min: 20, max: 2048 })
  const filter = enumParam(q, 'EntityFilter', ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const)
  const usage = enumParam(q, 'PolicyUsageFilter', ['PermissionsPolicy', 'PermissionsBoundary'] as const)
  const prefix = pathPrefixParam(q) ?? '/'
  const { maxItems, marker } = pageParams(q)
  q.check()
  checkArn(arn)
  await authorizePolicyAction(ctx, 'iam:ListEntitiesForPolicy', arn)
  await existingPolicy(ctx, arn)
  let roles: Role[] = []
  if (filter === undefined || filter === 'Role') {
    const attached = new Set(usage === 'PermissionsBoundary' ? [] : await rt.store.listEntitiesForPolicy(arn))
    roles = (await rt.store.listRoles(rt.account, prefix)).filter(
      (r) => attached.has(r.arn) || (usage !== 'PermissionsPolicy' && r.permissionsBoundaryArn === arn),
    )
  }
  return paginate(roles, maxItems, marker, (r) => r.name.toLowerCase(), (page) => ({
    PolicyGroups: members([]),
    PolicyUsers: members([]),
    PolicyRoles: members(page.map((r) => ({ RoleName: r.name, RoleId: r.roleId }))),
  }))
}
