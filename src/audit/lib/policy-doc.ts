/** Static reading of identity-policy statements: the shape the breadth, tier and ABAC checks read. */

export interface IdentityStatement {
  readonly policy: string
  readonly index: number
  readonly sid: string | undefined
  readonly effect: string
  readonly actions: readonly string[]
  readonly notActions: readonly string[]
  readonly resources: readonly string[]
  readonly notResources: readonly string[]
  /** Lower-cased condition keys. */
  readonly conditionKeys: readonly string[]
  readonly hasCondition: boolean
}

function arr(v: unknown): string[] {
  if (typeof v === 'string') return [v]
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

export function readIdentityStatements(doc: unknown, policy: string): IdentityStatement[] {
  if (!isObj(doc)) return []
  const raw = doc.Statement
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]
  return list.filter(isObj).map((s, index) => {
    const keys: string[] = []
    if (isObj(s.Condition)) for (const block of Object.values(s.Condition)) if (isObj(block)) keys.push(...Object.keys(block).map((k) => k.toLowerCase()))
    return {
      policy,
      index,
      sid: typeof s.Sid === 'string' ? s.Sid : undefined,
      effect: typeof s.Effect === 'string' ? s.Effect : '',
      actions: arr(s.Action),
      notActions: arr(s.NotAction),
      resources: arr(s.Resource),
      notResources: arr(s.NotResource),
      conditionKeys: keys,
      hasCondition: keys.length > 0,
    }
  })
}

const READ_VERBS = /^(list|describe|get|head|batchget|query|scan|select|view|search|lookup|check|validate|estimate|preview|test|filter|export|download)/i

/** Whether an action pattern (e.g. `s3:Get*`, `ec2:*`) may name a non-read action. */
export function mayWrite(action: string): boolean {
  if (action === '*') return true
  const i = action.indexOf(':')
  const op = i < 0 ? action : action.slice(i + 1)
  if (op === '' || op.startsWith('*') || op.startsWith('?')) return true
  return !READ_VERBS.test(op)
}

/** The service prefix of an action pattern (`*` for the bare wildcard). */
export function servicePrefix(action: string): string {
  const i = action.indexOf(':')
  return i < 0 ? action.toLowerCase() : action.slice(0, i).toLowerCase()
}
