/**
 * The CloudTrail inputs named on the command line, read one record at a time: files and directory
 * trees (an S3 bucket's `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/` copied locally; digest
 * files under `CloudTrail-Digest/` are skipped), gzipped or not. Each file's format is told by its
 * content: `{"Records": […]}` (delivered log files), `{"Events": […]}` (`aws cloudtrail
 * lookup-events`), anything else JSON Lines (CloudTrail Lake results). Malformed input is a one-line
 * ERR_CLI_INPUT naming the file and position.
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { IrsaError } from '../../../errors.js'
import type { CloudTrailRecord } from '../record.js'
import { jsonArrayElements } from './json-array-stream.js'
import type { ArrayScan } from './json-array-stream.js'
import { lakeLineRecord, lines } from './lake-jsonl.js'
import { LOOKUP_EVENTS_KEY, lookupEventRecord } from './lookup-events.js'
import { openText } from './open-text.js'
import { S3_LOG_KEY, s3LogRecord } from './s3-log-file.js'

export interface InputFile {
  readonly path: string
  readonly size: number
}

const CLOUDTRAIL_FILE = /\.(json|jsonl|ndjson)(\.gz)?$/i

/** The files to read: named files as given, directories walked for `.json`, `.jsonl`, `.ndjson` (optionally `.gz`), sorted. */
export async function listInputFiles(paths: readonly string[]): Promise<InputFile[]> {
  const out: InputFile[] = []
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true })
    entries.sort((a, b) => a.name.localeCompare(b.name))
    for (const e of entries) {
      const p = join(dir, e.name)
      if (e.isDirectory()) {
        if (e.name !== 'CloudTrail-Digest') await walk(p)
      } else if (e.isFile() && CLOUDTRAIL_FILE.test(e.name)) out.push({ path: p, size: (await stat(p)).size })
    }
  }
  for (const p of paths) {
    let s
    try {
      s = await stat(p)
    } catch (e) {
      throw new IrsaError('ERR_CLI_INPUT', `cannot read ${p}: ${(e as Error).message}`)
    }
    if (s.isDirectory()) await walk(p)
    else out.push({ path: p, size: s.size })
  }
  return out
}

type Format = 'json' | 'jsonl'

/** The first non-blank text of a file: a JSON document with "Records"/"Events" starts `{` then that key. */
async function formatOf(file: string): Promise<Format> {
  if (/\.(jsonl|ndjson)(\.gz)?$/i.test(file)) return 'jsonl'
  let head = ''
  for await (const chunk of openText(file)) {
    head += chunk
    if (head.length >= 4096) break
  }
  return /^\s*\{\s*"(Records|Events)"/.test(head) || !/^\s*\{[^\n]*\}\s*(\n|$)/.test(head) ? 'json' : 'jsonl'
}

/** Every record of every file, in file order; `onBytes` reports progress in bytes of the files. */
export async function* readRecords(files: readonly InputFile[], onBytes?: (n: number) => void): AsyncGenerator<CloudTrailRecord> {
  for (const f of files) {
    const format = await formatOf(f.path)
    if (format === 'jsonl') {
      for await (const { text, line } of lines(openText(f.path, onBytes), f.path)) {
        const r = lakeLineRecord(text, line, f.path)
        if (r !== undefined) yield r
      }
      continue
    }
    const scan: ArrayScan = { key: undefined }
    for await (const e of jsonArrayElements(openText(f.path, onBytes), [S3_LOG_KEY, LOOKUP_EVENTS_KEY], f.path, scan)) {
      yield scan.key === LOOKUP_EVENTS_KEY ? lookupEventRecord(e, f.path) : s3LogRecord(e, f.path)
    }
    if (scan.key === undefined) throw new IrsaError('ERR_CLI_INPUT', `${f.path}: not CloudTrail input: no "Records" (a delivered log file) or "Events" (lookup-events output) array`)
  }
}
