/**
 * A CloudTrail log file as CloudTrail delivers it to S3
 * (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<time>_<id>.json.gz`):
 * one JSON object `{"Records": [ … ]}`, read one record at a time.
 */
import type { CloudTrailRecord } from '../record.js'
import { asCloudTrailRecord } from '../record.js'
import type { ArrayElement } from './json-array-stream.js'

export const S3_LOG_KEY = 'Records'

export function s3LogRecord(e: ArrayElement, file: string): CloudTrailRecord {
  return asCloudTrailRecord(e.value, { file, at: `Records[${e.index}] at offset ${e.offset}` })
}
