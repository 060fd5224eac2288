/**
 * `aws cloudtrail lookup-events` output: `{"Events": [{"EventId", "EventName", …, "CloudTrailEvent":
 * "<the record as a JSON string>"}], "NextToken": …}`, read one event at a time; the record is the
 * parsed `CloudTrailEvent`.
 */
import { IrsaError } from '../../../errors.js'
import type { CloudTrailRecord } from '../record.js'
import { asCloudTrailRecord, isObject } from '../record.js'
import type { ArrayElement } from './json-array-stream.js'

export const LOOKUP_EVENTS_KEY = 'Events'

export function lookupEventRecord(e: ArrayElement, file: string): CloudTrailRecord {
  const at = `Events[${e.index}] at offset ${e.offset}`
  const text = isObject(e.value) ? e.value.CloudTrailEvent : undefined
  if (typeof text !== 'string') throw new IrsaError('ERR_CLI_INPUT', `${file}: ${at}: no CloudTrailEvent string (is this aws cloudtrail lookup-events output?)`)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new IrsaError('ERR_CLI_INPUT', `${file}: ${at}: CloudTrailEvent is not valid JSON (${(err as Error).message})`)
  }
  return asCloudTrailRecord(parsed, { file, at })
}
