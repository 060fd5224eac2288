/** Parameter rules shared by IAM actions (names, paths, ARNs, documents, tags), with IAM's wording. */
import { AwsError, validationError } from '../../aws/aws-error.js'
import type { QueryParams } from '../../aws/query-params.js'
import type { Tag } from '../../model/iam.js'

export const NAME = /^[\w+=,.@-]+$/
export const PATH = /^(\/|\/[\u0021-\u007E]+\/)$/
const PATH_TEXT = '(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)'
const DESCRIPTION = /^[\t\n\r\u0020-\u007E\u00A1-\u00FF]*$/
const DOCUMENT = /^[\t\n\r\u0020-\u00FF]+$/
const VERSION_ID = /^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u
/** `arn:partition:service:region:account:resource`. */
const ARN = /^arn:[\w-]+:[\w-]+:[\w-]*:[\w-]*:.+$/

export function arnParam(q: QueryParams, name: string): string {
  const v = q.required(name, { min: 20, max: 2048 })
  q.check()
  return v
}

/** A policy ARN (required): length constraints as ValidationError, a malformed ARN as InvalidInput. Calls `check()`. */
export function policyArnParam(q: QueryParams, name = 'PolicyArn'): string {
  const v = arnParam(q, name)
  checkArn(v)
  return v
}

/** IAM answers InvalidInput for a string that is not an ARN at all. */
export function checkArn(arn: string): void {
  if (!ARN.test(arn)) throw new AwsError('InvalidInput', `ARN ${arn} is not valid.`)
}

export function roleNameParam(q: QueryParams, name = 'RoleName'): string {
  return q.required(name, { min: 1, max: 64, pattern: NAME, patternText: '[\\w+=,.@-]+' })
}

export function policyNameParam(q: QueryParams, name = 'PolicyName'): string {
  return q.required(name, { min: 1, max: 128, pattern: NAME, patternText: '[\\w+=,.@-]+' })
}

export function pathParam(q: QueryParams, name = 'Path'): string | undefined {
  return q.string(name, { min: 1, max: 512, pattern: PATH, patternText: PATH_TEXT })
}

/** `PathPrefix` on List* actions: `/` or `/…/`-shaped prefix text. */
export function pathPrefixParam(q: QueryParams, name = 'PathPrefix'): string | undefined {
  return q.string(name, { min: 1, max: 512, pattern: /^\u002F[\u0021-\u007F]*$/, patternText: '\\u002F[\\u0021-\\u007F]*' })
}

export function descriptionParam(q: QueryParams, name = 'Description', required = false): string | undefined {
  const c = { max: 1000, pattern: DESCRIPTION, patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*' }
  return required ? q.required(name, c) : q.string(name, c)
}

export function documentParam(q: QueryParams, name = 'PolicyDocument'): string {
  return q.required(name, { min: 1, max: 131072, pattern: DOCUMENT, patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+' })
}

/** The trust policy of CreateRole / UpdateAssumeRolePolicy: a policy document parameter under another name. */
export function trustDocumentParam(q: QueryParams, name: string): string {
  return documentParam(q, name)
}

export function versionIdParam(q: QueryParams, name = 'VersionId'): string {
  return q.required(name, { pattern: VERSION_ID, patternText: 'v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?' })
}

/** One of a closed set of values (`Scope`, `EntityFilter`, …), with the enum constraint's wording. */
export function enumParam<T extends string>(q: QueryParams, name: string, values: readonly T[]): T | undefined {
  const v = q.raw.get(name)
  if (v === undefined) return undefined
  if (!(values as readonly string[]).includes(v)) {
    const field = name.charAt(0).toLowerCase() + name.slice(1)
    throw validationError([`Value '${v}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(', ')}]`])
  }
  return v as T
}

/**
 * Tag rules: at most 50 per entity, keys 1..128 and values 0..256 characters from IAM's tag
 * character set, keys unique case-insensitively, and no user tag key in the `aws:` namespace.
 */
export function checkTags(tags: readonly Tag[], quota = 'TagsPerRole', field = 'tags'): void {
  const problems: string[] = []
  tags.forEach((t, i) => {
    const at = `${field}.${i + 1}.member`
    if (t.Key.length < 1 || t.Key.length > 128) problems.push(`Value '${t.Key}' at '${at}.key' failed to satisfy constraint: Member must have length ${t.Key.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 128'}`)
    else if (!TAG_KEY.test(t.Key)) problems.push(`Value '${t.Key}' at '${at}.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+`)
    if (t.Value.length > 256) problems.push(`Value '${t.Value.slice(0, 64)}…' at '${at}.value' failed to satisfy constraint: Member must have length less than or equal to 256`)
    else if (!TAG_VALUE.test(t.Value)) problems.push(`Value '${t.Value}' at '${at}.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*`)
  })
  if (problems.length > 0) throw validationError(problems)
  if (tags.length > 50) throw new AwsError('LimitExceeded', `Cannot exceed quota for ${quota}: 50`)
  const seen = new Set<string>()
  for (const t of tags) {
    if (t.Key.toLowerCase().startsWith('aws:')) throw new AwsError('InvalidInput', "User-defined tag keys can't start with 'aws:'. This prefix is reserved for AWS tags.")
    if (seen.has(t.Key.toLowerCase())) throw new AwsError('InvalidInput', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.')
    seen.add(t.Key.toLowerCase())
  }
}
