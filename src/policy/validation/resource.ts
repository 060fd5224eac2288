/** Resource / NotResource: `*` or an ARN whose partition and service are spelled out. */
import type { ValidationContext } from './context.js'
import { hasWildcard, matchWildcard } from '../wildcard.js'
import type { StringItem } from './nodes.js'

/** AWS partitions (AWS General Reference, "Amazon Resource Names"). */
export const PARTITIONS = [
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
  'aws-eusc',
] as const

/**
 * Split an ARN at its first five colons, treating `${…}` policy variables (which contain colons, as in
 * `${aws:username}`) as opaque. Returns the six segments, or fewer when the ARN is short.
 */
export function splitArn(arn: string): string[] {
  const out: string[] = []
  let start = 0
  let depth = 0
  for (let i = 0; i < arn.length && out.length < 5; i++) {
    const c = arn[i]
    if (c === '$' && arn[i + 1] === '{') {
      depth++
      i++
    } else if (c === '}' && depth > 0) depth--
    else if (c === ':' && depth === 0) {
      out.push(arn.slice(start, i))
      start = i + 1
    }
  }
  out.push(arn.slice(start))
  return out
}

export function isValidPartition(partition: string): boolean {
  if (hasWildcard(partition)) return PARTITIONS.some((p) => matchWildcard(partition, p, true))
  return (PARTITIONS as readonly string[]).includes(partition)
}

/** Check one Resource / NotResource string; reports and returns false when it is malformed. */
export function checkResourceFormat(ctx: ValidationContext, resource: StringItem): boolean {
  const { value, at } = resource
  if (value === '*') return true
  const notArn = `Resource ${value} must be in ARN format or "*".`
  const parts = splitArn(value)
  if (parts.length < 2 || parts[0] !== 'arn') {
    ctx.error(notArn, at)
    return false
  }
  const [, partition = '', service = '', region = '', account = ''] = parts
  if (partition.includes('${') || service.includes('${') || region.includes('${') || account.includes('${')) {
    ctx.error(
      `Resource ${value} uses a policy variable before the fifth colon; variables are allowed only in the resource part of an ARN.`,
      at,
    )
    return false
  }
  if (!isValidPartition(partition)) {
    ctx.error(`Partition "${partition}" is not valid for resource "${value}".`, at)
    return false
  }
  if (parts.length < 3 || service === '' || hasWildcard(service)) {
    ctx.error(`Resource vendor must be fully qualified and cannot contain regexes. Found "${value}".`, at)
    return false
  }
  if (parts.length < 6 || (parts[5] ?? '') === '') {
    ctx.error(notArn, at)
    return false
  }
  if (service === 'iam' && region !== '') {
    ctx.error(`IAM resource ${value} cannot contain region information.`, at)
    return false
  }
  return true
}
