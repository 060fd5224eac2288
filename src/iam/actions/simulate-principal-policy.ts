/**
 * SimulatePrincipalPolicy for roles: the role's inline and attached (default version) policies, plus
 * any `PolicyInputList` policies, limited by its permissions boundary (or the one given in
 * `PermissionsBoundaryPolicyInputList`), evaluated by irsa's engine for every action × resource.
 *
 * Only the requested page is evaluated (`MaxItems`, at most 1,000, from the position an opaque,
 * authenticated `Marker` names), every document is parsed and compiled once per request, and the
 * work yields to the event loop as it goes: one request cannot stall the server.
 */
import { AwsError, validationError } from '../../aws/aws-error.js'
import { members } from '../../aws/xml.js'
import { IrsaError } from '../../errors.js'
import { parseArn } from '../../policy/arn.js'
import { compilePolicy } from '../../policy/compile.js'
import type { CompiledPolicy } from '../../policy/compile.js'
import { buildContext } from '../../policy/context.js'
import type { PolicyKind } from '../../policy/kind.js'
import type { ContextValue } from '../../policy/request.js'
import { LoopBudget } from '../../core/loop-budget.js'
import type { ActionContext, SignedAction } from '../../core/signed-action.js'
import { authorizeIam } from '../authorize.js'
import { pageParams } from './paginate.js'
import { checkPolicyDocument } from './policy-document.js'
import { checkArn } from './params.js'
import { noSuchRole } from './roles.js'
import { simulatePage, simulationSize, SimulationSources } from './simulation-page.js'
import type { SimulationSource } from './simulation-page.js'
import { decodeMarker, encodeMarker, requestDigest } from './simulation-marker.js'

const CONTEXT_TYPES = ['string', 'stringList', 'numeric', 'numericList', 'boolean', 'booleanList', 'ip', 'ipList', 'binary', 'binaryList', 'date', 'dateList'] as const

/**
 * Member counts AWS documents no limit for, chosen by irsa (SECURITY.md, "Size limits"). Member
 * lengths are AWS's: action names 3..128, resource ARNs 1..2,048, policy documents 1..131,072,
 * context key names 5..256.
 */
export const SIMULATION_LIMITS = {
  actionNames: 1000,
  resourceArns: 1000,
  policyInputList: 10,
  permissionsBoundaryPolicyInputList: 10,
  contextEntries: 100,
  contextKeyValues: 100,
} as const

const DOCUMENT = /^[\t\n\r\u0020-\u00FF]+$/

export const simulatePrincipalPolicy: SignedAction = async (ctx) => {
  const { q, rt } = ctx
  const sourceArn = q.required('PolicySourceArn', { min: 20, max: 2048 })
  const actions = q.list('ActionNames')
  const resources = q.list('ResourceArns') ?? ['*']
  const inputs = q.list('PolicyInputList') ?? []
  const boundaryInputs = q.list('PermissionsBoundaryPolicyInputList')
  const resourcePolicy = q.string('ResourcePolicy', { min: 1, max: 131072 })
  const context = contextEntries(ctx)
  const { maxItems, marker } = pageParams(q)
  q.check()
  if (actions === undefined) throw validationError(["Value null at 'actionNames' failed to satisfy constraint: Member must not be null"])
  checkCount('actionNames', actions, SIMULATION_LIMITS.actionNames)
  checkCount('resourceArns', resources, SIMULATION_LIMITS.resourceArns)
  checkCount('policyInputList', inputs, SIMULATION_LIMITS.policyInputList)
  checkCount('permissionsBoundaryPolicyInputList', boundaryInputs ?? [], SIMULATION_LIMITS.permissionsBoundaryPolicyInputList)
  checkMembers('actionNames', actions, 3, 128)
  checkMembers('resourceArns', resources, 1, 2048)
  checkDocuments('policyInputList', inputs)
  checkDocuments('permissionsBoundaryPolicyInputList', boundaryInputs ?? [])
  checkArn(sourceArn)
  await authorizeIam(rt, ctx.who, 'iam:SimulatePrincipalPolicy', sourceArn, ctx.meta.sourceIp, ctx.meta.requestId)

  const parsed = parseArn(sourceArn)
  const resource = parsed?.resource ?? ''
  if (parsed === undefined || parsed.service !== 'iam' || parsed.account !== rt.account) throw new AwsError('InvalidInput', `Invalid ARN ${sourceArn}.`)
  if (!resource.startsWith('role/')) {
    const kind = resource.startsWith('user/') ? 'user' : resource.startsWith('group/') ? 'group' : undefined
    if (kind === undefined) throw new AwsError('InvalidInput', `Invalid ARN ${sourceArn}.`)
    throw new AwsError('NoSuchEntity', `The ${kind} with name ${resource.slice(resource.lastIndexOf('/') + 1)} cannot be found.`)
  }
  const roleName = resource.slice(resource.lastIndexOf('/') + 1)
  const role = await rt.store.getRole(rt.account, roleName)
  if (role === undefined || role.arn !== sourceArn) throw noSuchRole(roleName)
  // The same request shape always gives the same action names to evaluate: refuse a bad one before any page.
  for (const a of actions) if (!a.includes(':')) throw new AwsError('InvalidInput', `Action name ${a} is not valid: it must be "service:Action".`)
  try {
    buildContext(context)
  } catch (e) {
    if (e instanceof IrsaError) throw new AwsError('InvalidInput', e.message)
    throw e
  }

  const budget = new LoopBudget()
  const sources = new SimulationSources()
  // Documents from the request: validated, parsed and compiled once, here (never cached beyond it).
  const input = async (kind: PolicyKind, text: string, source: SimulationSource): Promise<CompiledPolicy> => {
    await budget.pause()
    const doc = checkPolicyDocument(text, kind)
    return sources.add(compilePolicy(doc.value, { kind }), source, doc)
  }
  // Stored documents were validated on write: compiled once per content by the runtime's cache.
  const stored = (kind: PolicyKind, text: string, source: SimulationSource): CompiledPolicy => sources.add(rt.compiled(kind, text), source)

  const identity: CompiledPolicy[] = []
  for (const p of await rt.store.listRolePolicies(role.arn)) identity.push(stored('identity', p.document, { id: p.name, type: 'role', text: p.document }))
  for (const arn of await rt.store.listAttachedRolePolicies(role.arn)) {
    const m = await managed(ctx, arn)
    if (m !== undefined) identity.push(stored('identity', m.document, { id: m.name, type: m.aws ? 'aws-managed' : 'user-managed', text: m.document }))
  }
  for (const [i, doc] of inputs.entries()) identity.push(await input('identity', doc, { id: `PolicyInputList.${i + 1}`, type: 'none', text: doc }))
  let boundary: CompiledPolicy[] | undefined
  if (boundaryInputs !== undefined && boundaryInputs.length > 0) {
    boundary = []
    for (const [i, doc] of boundaryInputs.entries()) boundary.push(await input('boundary', doc, { id: `PermissionsBoundaryPolicyInputList.${i + 1}`, type: 'none', text: doc }))
  } else if (role.permissionsBoundaryArn !== undefined) {
    const m = await managed(ctx, role.permissionsBoundaryArn)
    boundary = m === undefined ? [] : [stored('boundary', m.document, { id: m.name, type: m.aws ? 'aws-managed' : 'user-managed', text: m.document })]
  }
  const resourcePolicies = resourcePolicy === undefined ? undefined : [await input('resource', resourcePolicy, { id: 'ResourcePolicy', type: 'resource', text: resourcePolicy })]

  const sim = {
    principal: role.arn,
    policies: { identity, ...(boundary === undefined ? {} : { boundary }), ...(resourcePolicies === undefined ? {} : { resource: resourcePolicies }) },
    sources,
    actions,
    resources,
    context,
  }
  const total = simulationSize(sim)
  const digest = requestDigest([sourceArn, actions, resources, inputs, boundaryInputs ?? null, resourcePolicy ?? null, context])
  const from = marker === undefined ? 0 : decodeMarker(rt.admin.secretAccessKey, digest, marker, total)
  const to = Math.min(total, from + maxItems)
  const page = await simulatePage(sim, from, to, budget)
  const truncated = to < total
  return {
    EvaluationResults: members(page),
    IsTruncated: truncated,
    Marker: truncated ? encodeMarker(rt.admin.secretAccessKey, digest, to) : undefined,
  }
}

/** A list longer than its limit, with the wording of AWS's list-length constraint. */
function checkCount(field: string, list: readonly unknown[], max: number): void {
  if (list.length > max) throw validationError([`Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}`])
}

function checkMembers(field: string, list: readonly string[], min: number, max: number): void {
  for (const [i, v] of list.entries()) {
    if (v.length < min || v.length > max) {
      const shown = v.length > 64 ? `${v.slice(0, 64)}…` : v
      throw validationError([`Value '${shown}' at '${field}.${i + 1}.member' failed to satisfy constraint: Member must have length between ${min} and ${max}`])
    }
  }
}

/** `SimulationPolicyListType` members: 1..131,072 characters of tab, line feed, carriage return and U+0020–U+00FF. */
function checkDocuments(field: string, docs: readonly string[]): void {
  checkMembers(field, docs, 1, 131072)
  for (const [i, d] of docs.entries()) {
    if (!DOCUMENT.test(d)) {
      throw validationError([`Value at '${field}.${i + 1}.member' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+`])
    }
  }
}

async function managed(ctx: ActionContext, arn: string): Promise<{ name: string; document: string; aws: boolean } | undefined> {
  const p = await ctx.rt.store.getPolicy(arn)
  if (p === undefined) return undefined
  const v = await ctx.rt.store.getPolicyVersion(arn, p.defaultVersionId)
  return v === undefined ? undefined : { name: p.name, document: v.document, aws: p.account === 'aws' }
}

/** `ContextEntries.member.N.{ContextKeyName, ContextKeyValues.member.M, ContextKeyType}`. */
function contextEntries(ctx: ActionContext): Record<string, ContextValue> {
  const { q } = ctx
  const names = q.list('ContextEntries', 'ContextKeyName') ?? []
  const types = q.list('ContextEntries', 'ContextKeyType') ?? []
  checkCount('contextEntries', names, SIMULATION_LIMITS.contextEntries)
  const entries: [string, ContextValue][] = names.map((name, i) => {
    const type = types[i] ?? 'string'
    if (!(CONTEXT_TYPES as readonly string[]).includes(type)) {
      throw validationError([`Value '${type}' at 'contextEntries.${i + 1}.member.contextKeyType' failed to satisfy constraint: Member must satisfy enum value set: [${CONTEXT_TYPES.join(', ')}]`])
    }
    if (name.length < 5 || name.length > 256) {
      throw validationError([`Value '${name}' at 'contextEntries.${i + 1}.member.contextKeyName' failed to satisfy constraint: Member must have length between 5 and 256`])
    }
    const values = q.list(`ContextEntries.member.${i + 1}.ContextKeyValues`) ?? []
    checkCount(`contextEntries.${i + 1}.member.contextKeyValues`, values, SIMULATION_LIMITS.contextKeyValues)
    return [name, type.endsWith('List') ? values : (values[0] ?? '')]
  })
  // fromEntries defines own properties: a key named `__proto__` stays a key.
  return Object.fromEntries(entries)
}
