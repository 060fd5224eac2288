/**
 * CloudTrail Lake query results as JSON Lines: one record per line. A line is either the record's
 * fields as columns (`SELECT *`: `eventTime`, `eventSource`, `userIdentity`, …) or an object whose
 * `eventJson` (or `CloudTrailEvent`) column holds the record as a JSON string. Blank lines are skipped.
 */
import { IrsaError } from '../../../errors.js'
import type { CloudTrailRecord } from '../record.js'
import { asCloudTrailRecord, isObject } from '../record.js'

const MAX_LINE_CHARS = 16 * 1024 * 1024

/** The lines of a text stream, with their 1-based numbers; one line in memory at a time. */
export async function* lines(chunks: AsyncIterable<string>, file: string): AsyncGenerator<{ text: string; line: number }> {
  let rest = ''
  let line = 0
  for await (const chunk of chunks) {
    rest += chunk
    let start = 0
    let nl: number
    while ((nl = rest.indexOf('\n', start)) >= 0) {
      yield { text: rest.slice(start, nl), line: ++line }
      start = nl + 1
    }
    rest = rest.slice(start)
    if (rest.length > MAX_LINE_CHARS) throw new IrsaError('ERR_CLI_INPUT', `${file}: line ${line + 1}: longer than ${MAX_LINE_CHARS} characters`)
  }
  if (rest.length > 0) yield { text: rest, line: ++line }
}

export function lakeLineRecord(text: string, line: number, file: string): CloudTrailRecord | undefined {
  if (text.trim() === '') return undefined
  const at = `line ${line}`
  const parse = (t: string, what: string): unknown => {
    try {
      return JSON.parse(t) as unknown
    } catch (e) {
      throw new IrsaError('ERR_CLI_INPUT', `${file}: ${at}: ${what} is not valid JSON (${(e as Error).message})`)
    }
  }
  let v = parse(text, 'the line')
  if (isObject(v) && v.eventTime === undefined) {
    const inner = typeof v.eventJson === 'string' ? v.eventJson : typeof v.CloudTrailEvent === 'string' ? v.CloudTrailEvent : undefined
    if (inner !== undefined) v = parse(inner, 'the eventJson column')
  }
  return asCloudTrailRecord(v, { file, at })
}
