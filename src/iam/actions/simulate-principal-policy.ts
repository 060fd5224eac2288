/**
 * SimulatePrincipalPolicy for roles: the role's inline and attached (default version) policies, plus
 * any `PolicyInputList` policies, limited by its permissions boundary (or the one given in
 * `PermissionsBoundaryPolicyInputList`), evaluated by irsa's engine for every action × resource.
 */
import { AwsError, validationError } from '../../aws/aws-error.js'
import { members } from '../../aws/xml.js'
import type { XmlObject } from '../../aws/xml.js'
import { IrsaError } from '../../errors.js'
import { parseArn } from '../../policy/arn.js'
import { compilePolicy } from '../../policy/compile.js'
import type { CompiledPolicy } from '../../policy/compile.js'
import type { Decision } from '../../policy/decision.js'
import { evaluate } from '../../policy/evaluate.js'
import type { PolicySet } from '../../policy/evaluate.js'
import { findNode, parseJsonDocument } from '../../policy/json.js'
import type { PolicyKind } from '../../policy/kind.js'
import type { ContextValue } from '../../policy/request.js'
import type { ActionContext, SignedAction } from '../../core/signed-action.js'
import { authorizeIam } from '../authorize.js'
import { pageParams, paginate, positionKey } from './paginate.js'
import { checkPolicyDocument } from './policy-document.js'
import { checkArn } from './params.js'
import { noSuchRole } from './roles.js'

const CONTEXT_TYPES = ['string', 'stringList', 'numeric', 'numericList', 'boolean', 'booleanList', 'ip', 'ipList', 'binary', 'binaryList', 'date', 'dateList'] as const

/** Where a compiled policy came from, as `MatchedStatements` reports it. */
interface Source {
  readonly id: string
  readonly type: 'role' | 'aws-managed' | 'user-managed' | 'resource' | 'none'
  readonly text: string
}

const DECISIONS: Readonly<Record<Decision['decision'], string>> = { Allow: 'allowed', ExplicitDeny: 'explicitDeny', ImplicitDeny: 'implicitDeny' }

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
  for (const [i, a] of actions.entries()) {
    if (a.length < 3 || a.length > 128) throw validationError([`Value '${a}' at 'actionNames.${i + 1}.member' failed to satisfy constraint: Member must have length between 3 and 128`])
  }
  for (const [i, r] of resources.entries()) {
    if (r.length < 1 || r.length > 2048) throw validationError([`Value '${r}' at 'resourceArns.${i + 1}.member' failed to satisfy constraint: Member must have length between 1 and 2048`])
  }
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

  for (const doc of inputs) checkPolicyDocument(doc, 'identity')
  for (const doc of boundaryInputs ?? []) checkPolicyDocument(doc, 'boundary')
  if (resourcePolicy !== undefined) checkPolicyDocument(resourcePolicy, 'resource')

  const sources = new Map<string, Source>()
  const compile = (kind: PolicyKind, text: string, source: Omit<Source, 'text'>): CompiledPolicy => {
    const name = `${sources.size}`
    sources.set(name, { ...source, text })
    return compilePolicy(text, { kind, name })
  }
  const identity: CompiledPolicy[] = []
  for (const p of await rt.store.listRolePolicies(role.arn)) identity.push(compile('identity', p.document, { id: p.name, type: 'role' }))
  for (const arn of await rt.store.listAttachedRolePolicies(role.arn)) {
    const m = await managed(ctx, arn)
    if (m !== undefined) identity.push(compile('identity', m.document, { id: m.name, type: m.aws ? 'aws-managed' : 'user-managed' }))
  }
  inputs.forEach((doc, i) => identity.push(compile('identity', doc, { id: `PolicyInputList.${i + 1}`, type: 'none' })))
  let boundary: CompiledPolicy[] | undefined
  if (boundaryInputs !== undefined && boundaryInputs.length > 0) {
    boundary = boundaryInputs.map((doc, i) => compile('boundary', doc, { id: `PermissionsBoundaryPolicyInputList.${i + 1}`, type: 'none' }))
  } else if (role.permissionsBoundaryArn !== undefined) {
    const m = await managed(ctx, role.permissionsBoundaryArn)
    boundary = m === undefined ? [] : [compile('boundary', m.document, { id: m.name, type: m.aws ? 'aws-managed' : 'user-managed' })]
  }
  const policies: PolicySet = {
    identity,
    ...(boundary === undefined ? {} : { boundary }),
    ...(resourcePolicy === undefined ? {} : { resource: [compile('resource', resourcePolicy, { id: 'ResourcePolicy', type: 'resource' })] }),
  }
  const all = [...identity, ...(boundary ?? []), ...(policies.resource ?? [])]

  const results: XmlObject[] = []
  for (const action of actions) {
    for (const res of resources) {
      let d: Decision
      try {
        d = evaluate({ principal: role.arn, action, resource: res, context }, policies)
      } catch (e) {
        if (e instanceof IrsaError) throw new AwsError('InvalidInput', e.message)
        throw e
      }
      results.push({
        EvalActionName: action,
        EvalResourceName: res,
        EvalDecision: DECISIONS[d.decision],
        MatchedStatements: members(d.decision === 'ImplicitDeny' ? [] : d.statements.map((s) => matchedStatement(sources.get(s.policy), s.index))),
        MissingContextValues: members(missingContext(all, action, context)),
        PermissionsBoundaryDecisionDetail:
          boundary === undefined
            ? undefined
            : { AllowedByPermissionsBoundary: d.reason !== 'boundary-not-allowed' && !d.statements.some((s) => s.kind === 'boundary' && s.effect === 'Deny') },
      })
    }
  }
  return paginate(results.map((r, i) => ({ r, i })), maxItems, marker, (x) => positionKey(x.i), (page) => ({ EvaluationResults: members(page.map((x) => x.r)) }))
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
  const out: Record<string, ContextValue> = {}
  names.forEach((name, i) => {
    const type = types[i] ?? 'string'
    if (!(CONTEXT_TYPES as readonly string[]).includes(type)) {
      throw validationError([`Value '${type}' at 'contextEntries.${i + 1}.member.contextKeyType' failed to satisfy constraint: Member must satisfy enum value set: [${CONTEXT_TYPES.join(', ')}]`])
    }
    if (name.length < 5 || name.length > 256) {
      throw validationError([`Value '${name}' at 'contextEntries.${i + 1}.member.contextKeyName' failed to satisfy constraint: Member must have length between 5 and 256`])
    }
    const values = q.list(`ContextEntries.member.${i + 1}.ContextKeyValues`) ?? []
    out[name] = type.endsWith('List') ? values : (values[0] ?? '')
  })
  return out
}

function matchedStatement(source: Source | undefined, index: number): XmlObject {
  if (source === undefined) return {}
  const doc = parseJsonDocument(source.text)
  const node = doc.root === undefined ? undefined : (findNode(doc.root, `/Statement/${index}`) ?? findNode(doc.root, '/Statement'))
  const pos = (offset: number): XmlObject => {
    const p = doc.lines.position(offset)
    return { Line: p.line, Column: p.column }
  }
  return {
    SourcePolicyId: source.id,
    SourcePolicyType: source.type,
    StartPosition: node === undefined ? undefined : pos(node.offset),
    EndPosition: node === undefined ? undefined : pos(node.offset + node.length),
  }
}

/** Condition keys used by statements for this action that the caller supplied no value for. */
function missingContext(policies: readonly CompiledPolicy[], action: string, context: Readonly<Record<string, ContextValue>>): string[] {
  const supplied = new Set(Object.keys(context).map((k) => k.toLowerCase()))
  const lower = action.toLowerCase()
  const out = new Map<string, string>()
  for (const p of policies) {
    for (const st of p.statements) {
      const applies = st.actions !== undefined ? st.actions.some((m) => m.test(lower)) : !(st.notActions ?? []).some((m) => m.test(lower))
      if (!applies) continue
      for (const c of st.conditions) if (!supplied.has(c.lowerKey) && !out.has(c.lowerKey)) out.set(c.lowerKey, c.key)
    }
  }
  return [...out.values()]
}
