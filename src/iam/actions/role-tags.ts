/** Role tagging: TagRole, UntagRole, ListRoleTags. */
import { AwsError, validationError } from '../../aws/aws-error.js'
import type { SignedAction } from '../../core/signed-action.js'
import type { Tag } from '../../model/iam.js'
import { tagListXml } from '../serialize.js'
import { pageParams, paginate, positionKey } from './paginate.js'
import { checkTags, roleNameParam } from './params.js'
import { authorizedRole, requestTagContext, noSuchRole } from './roles.js'

export const tagRole: SignedAction = async (ctx) => {
  const name = roleNameParam(ctx.q)
  const tags = ctx.q.tags()
  ctx.q.check()
  if (tags === undefined) throw validationError(["Value null at 'tags' failed to satisfy constraint: Member must not be null"])
  checkTags(tags)
  await authorizedRole(ctx, 'iam:TagRole', name, requestTagContext(tags))
  const { store, account } = ctx.rt
  await store.transaction(async () => {
    const role = await store.getRole(account, name)
    if (role === undefined) throw noSuchRole(name)
    // Keys are case-insensitive: a new value replaces the old tag, which keeps its position.
    const merged: Tag[] = role.tags.map((t) => tags.find((n) => n.Key.toLowerCase() === t.Key.toLowerCase()) ?? t)
    for (const t of tags) if (!merged.some((m) => m.Key.toLowerCase() === t.Key.toLowerCase())) merged.push(t)
    if (merged.length > 50) throw new AwsError('LimitExceeded', 'Cannot exceed quota for TagsPerRole: 50')
    await store.updateRole(account, name, { tags: merged })
  })
  return undefined
}

export const untagRole: SignedAction = async (ctx) => {
  const name = roleNameParam(ctx.q)
  const keys = ctx.q.list('TagKeys')
  ctx.q.check()
  if (keys === undefined) throw validationError(["Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"])
  if (keys.length > 50) throw validationError([`Value '[${keys.join(', ')}]' at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to 50`])
  const bad = keys.findIndex((k) => k.length < 1 || k.length > 128)
  if (bad >= 0) throw validationError([`Value '${keys[bad]}' at 'tagKeys.${bad + 1}.member' failed to satisfy constraint: Member must have length ${keys[bad] === '' ? 'greater than or equal to 1' : 'less than or equal to 128'}`])
  await authorizedRole(ctx, 'iam:UntagRole', name, { 'aws:TagKeys': keys })
  const { store, account } = ctx.rt
  const drop = new Set(keys.map((k) => k.toLowerCase()))
  await store.transaction(async () => {
    const role = await store.getRole(account, name)
    if (role === undefined) throw noSuchRole(name)
    await store.updateRole(account, name, { tags: role.tags.filter((t) => !drop.has(t.Key.toLowerCase())) })
  })
  return undefined
}

export const listRoleTags: SignedAction = async (ctx) => {
  const name = roleNameParam(ctx.q)
  const { maxItems, marker } = pageParams(ctx.q)
  ctx.q.check()
  const role = await authorizedRole(ctx, 'iam:ListRoleTags', name)
  const indexed = role.tags.map((t, i) => ({ t, i }))
  return paginate(indexed, maxItems, marker, (x) => positionKey(x.i), (page) => ({ Tags: tagListXml(page.map((x) => x.t)) }))
}
