/** Parameter rules shared by IAM actions (names, paths, ARNs, tags), with IAM's wording. */
import { AwsError } from '../../aws/aws-error.js'
import type { QueryParams } from '../../aws/query-params.js'
import type { Tag } from '../model.js'

export const NAME = /^[\w+=,.@-]+$/
export const PATH = /^(\/|\/[\u0021-\u007E]+\/)$/

export function arnParam(q: QueryParams, name: string): string {
  const v = q.required(name, { min: 20, max: 2048 })
  q.check()
  return v
}

export function roleNameParam(q: QueryParams, name = 'RoleName'): string {
  return q.required(name, { min: 1, max: 64, pattern: NAME, patternText: '[\\w+=,.@-]+' })
}

export function pathParam(q: QueryParams, name = 'Path'): string | undefined {
  return q.string(name, { min: 1, max: 512, pattern: PATH, patternText: '(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)' })
}

export function checkTags(tags: readonly Tag[]): void {
  if (tags.length > 50) throw new AwsError('LimitExceeded', 'Cannot exceed quota for TagsPerRole: 50')
  const seen = new Set<string>()
  for (const t of tags) {
    if (t.Key.length < 1 || t.Key.length > 128) throw new AwsError('ValidationError', 'Tag keys must be 1 to 128 characters long')
    if (t.Value.length > 256) throw new AwsError('ValidationError', 'Tag values must be at most 256 characters long')
    if (seen.has(t.Key.toLowerCase())) throw new AwsError('InvalidInput', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.')
    seen.add(t.Key.toLowerCase())
  }
}
