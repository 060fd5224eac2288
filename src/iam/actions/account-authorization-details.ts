/**
 * GetAccountAuthorizationDetails: every role with its trust, inline and attached policies and
 * boundary, and every managed policy with all its versions, in the shape
 * `aws iam get-account-authorization-details` prints. irsa has no users or groups: those lists are
 * always present and empty. AWS managed policies appear only while something uses them.
 */
import { validationError } from '../../aws/aws-error.js'
import { members } from '../../aws/xml.js'
import type { XmlObject } from '../../aws/xml.js'
import type { SignedAction } from '../../core/signed-action.js'
import { authorizeIam } from '../authorize.js'
import type { ManagedPolicy, Role } from '../../model/iam.js'
import { policyDetailXml, roleDetailXml } from '../serialize.js'
import { boundaryUsage, visiblePolicy } from './managed-policies.js'
import { pageParams, paginate } from './paginate.js'

const FILTERS = ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const
type Filter = (typeof FILTERS)[number]

type Item = { readonly kind: 'role'; readonly role: Role } | { readonly kind: 'policy'; readonly policy: ManagedPolicy }

export const getAccountAuthorizationDetails: SignedAction = async (ctx) => {
  const { q, rt } = ctx
  const raw = q.list('Filter') ?? []
  const { maxItems, marker } = pageParams(q)
  q.check()
  const bad = raw.filter((f) => !(FILTERS as readonly string[]).includes(f))
  if (bad.length > 0) {
    throw validationError([`Value '[${raw.join(', ')}]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${FILTERS.join(', ')}]]`])
  }
  const filter = new Set<Filter>(raw.length === 0 ? FILTERS : (raw as Filter[]))
  await authorizeIam(rt, ctx.who, 'iam:GetAccountAuthorizationDetails', '*', ctx.meta.sourceIp, ctx.meta.requestId)

  const usage = await boundaryUsage(ctx)
  const items: Item[] = []
  if (filter.has('Role')) for (const role of await rt.store.listRoles(rt.account)) items.push({ kind: 'role', role })
  for (const policy of await rt.store.listPolicies(rt.account)) {
    if (!visiblePolicy(ctx, policy)) continue
    const local = policy.account === rt.account
    if (local ? filter.has('LocalManagedPolicy') : filter.has('AWSManagedPolicy') && (policy.attachmentCount > 0 || (usage.get(policy.arn) ?? 0) > 0)) {
      items.push({ kind: 'policy', policy })
    }
  }
  const key = (i: Item): string => (i.kind === 'role' ? `1\u0000${i.role.name.toLowerCase()}` : `2\u0000${i.policy.name.toLowerCase()}\u0000${i.policy.arn}`)

  const roleDetails: XmlObject[] = []
  const policyDetails: XmlObject[] = []
  // Details are read only for the page returned.
  let pageItems: readonly Item[] = []
  const result = paginate(items, maxItems, marker, key, (page) => {
    pageItems = page
    return {}
  })
  for (const item of pageItems) {
    if (item.kind === 'role') {
      const r = item.role
      const inline = await rt.store.listRolePolicies(r.arn)
      const attached: { name: string; arn: string }[] = []
      for (const arn of await rt.store.listAttachedRolePolicies(r.arn)) {
        attached.push({ name: (await rt.store.getPolicy(arn))?.name ?? arn.slice(arn.lastIndexOf('/') + 1), arn })
      }
      roleDetails.push(roleDetailXml(r, inline, attached))
    } else {
      const p = item.policy
      policyDetails.push(policyDetailXml(p, await rt.store.listPolicyVersions(p.arn), usage.get(p.arn) ?? 0))
    }
  }
  return {
    UserDetailList: members([]),
    GroupDetailList: members([]),
    RoleDetailList: members(roleDetails),
    Policies: members(policyDetails),
    IsTruncated: result.IsTruncated,
    Marker: result.Marker,
  }
}

