/** The top level of a policy: Version, Id, Statement, and rules that span statements. */
import { syntaxError } from './context.js'
import type { Located, ValidationContext } from './context.js'
import { describe, items, members } from './nodes.js'
import type { Member, StringItem } from './nodes.js'
import { checkStatement } from './statement.js'

export const TOP_LEVEL_ELEMENTS = ['Version', 'Id', 'Statement'] as const

export const VERSION_REQUIRED_MESSAGE = 'Policy document must be version 2012-10-17 or greater.'

/** Kinds (and managed policies) for which AWS accepts only Version 2012-10-17. */
function requiresCurrentVersion(ctx: ValidationContext): boolean {
  return ctx.managed || ctx.kind === 'rcp' || ctx.kind === 'scp'
}

function checkVersion(ctx: ValidationContext, root: Located, version: Member | undefined): void {
  if (version === undefined) {
    if (requiresCurrentVersion(ctx)) {
      ctx.error(`${VERSION_REQUIRED_MESSAGE} Add "Version": "2012-10-17".`, root)
    } else {
      ctx.warn(
        'MissingVersion',
        'Version is missing: AWS then applies the 2008-10-17 language, in which policy variables are literal text. Add "Version": "2012-10-17".',
        root,
      )
    }
    return
  }
  const { node } = version.at
  const value = node.type === 'string' ? String(node.value) : undefined
  if (value !== '2012-10-17' && value !== '2008-10-17') {
    const shown = value === undefined ? describe(node) : `"${value}"`
    ctx.error(syntaxError(`Version must be "2012-10-17" or "2008-10-17", not ${shown}.`), version.at)
    return
  }
  ctx.version = value
  if (value === '2008-10-17' && requiresCurrentVersion(ctx)) ctx.error(VERSION_REQUIRED_MESSAGE, version.at)
}

/** The first string (key or value) under `at` that holds a policy variable. */
function firstVariable(at: Located): Located | undefined {
  const { node } = at
  if (node.type === 'string') return String(node.value).includes('${') ? at : undefined
  if (node.type === 'array') {
    for (const item of items(at)) {
      const hit = firstVariable(item)
      if (hit !== undefined) return hit
    }
  } else if (node.type === 'object') {
    for (const m of members(at)) {
      if (m.key.includes('${')) return m.keyAt
      const hit = firstVariable(m.at)
      if (hit !== undefined) return hit
    }
  }
  return undefined
}

function lintLiteralVariables(ctx: ValidationContext, statement: Member): void {
  if (ctx.version === '2012-10-17' || requiresCurrentVersion(ctx)) return
  const hit = firstVariable(statement.at)
  if (hit === undefined) return
  const version = ctx.version === undefined ? 'no Version' : `Version ${ctx.version}`
  ctx.warn(
    'PolicyVariableIgnored',
    `With ${version}, policy variables such as \${aws:username} are not substituted: AWS matches the text literally. Set "Version": "2012-10-17".`,
    hit,
  )
}

function checkSidUniqueness(ctx: ValidationContext, sids: StringItem[]): void {
  const seen = new Set<string>()
  for (const sid of sids) {
    if (sid.value === '') continue
    if (seen.has(sid.value)) {
      ctx.error(`Statement IDs (SID) in a single policy must be unique. "${sid.value}" appears more than once.`, sid.at)
    }
    seen.add(sid.value)
  }
}

/** Validate a whole policy document given its syntax tree. */
export function checkPolicyDocument(ctx: ValidationContext, root: Located): void {
  if (root.node.type !== 'object') {
    ctx.error(syntaxError(`The policy document must be a JSON object, not ${describe(root.node)}.`), root)
    return
  }
  const found = new Map<string, Member>()
  for (const m of members(root)) {
    if (!(TOP_LEVEL_ELEMENTS as readonly string[]).includes(m.key)) {
      ctx.error(syntaxError(`Unknown top-level element "${m.key}"; expected Version, Id or Statement.`), m.keyAt)
      continue
    }
    if (!found.has(m.key)) found.set(m.key, m)
  }
  checkVersion(ctx, root, found.get('Version'))
  const id = found.get('Id')
  if (id !== undefined && id.at.node.type !== 'string') {
    ctx.error(syntaxError(`Id must be a string, not ${describe(id.at.node)}.`), id.at)
  }
  const statement = found.get('Statement')
  if (statement === undefined) {
    ctx.error(syntaxError('Missing required element Statement.'), root)
    return
  }
  let statements: Located[]
  if (statement.at.node.type === 'object') statements = [statement.at]
  else if (statement.at.node.type === 'array') {
    statements = items(statement.at)
    if (statements.length === 0) {
      ctx.error(syntaxError('Statement must not be an empty array.'), statement.at)
      return
    }
  } else {
    ctx.error(syntaxError(`Statement must be an object or an array of objects, not ${describe(statement.at.node)}.`), statement.at)
    return
  }
  const sids: StringItem[] = []
  for (const s of statements) {
    const sid = checkStatement(ctx, s)
    if (sid !== undefined) sids.push(sid)
  }
  checkSidUniqueness(ctx, sids)
  lintLiteralVariables(ctx, statement)
}
