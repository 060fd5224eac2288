/**
 * Local records of containments made through an account's IAM API (`irsa contain --aws`): one JSON
 * file per containment, `<dir>/<id>.json`, readable by its owner only (0600, in a 0700 directory),
 * holding the exact trust policy it replaced and the SHA-256 of every document it wrote, so an undo
 * restores the previous text and can tell whether someone changed the role since.
 */
import { createHash } from 'node:crypto'
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { IrsaError } from '../errors.js'

/** An IAM API call a containment makes (or, with --dry-run, would make), with its exact arguments. */
export interface IamCall {
  readonly api: 'UpdateAssumeRolePolicy' | 'PutRolePolicy' | 'DeleteRolePolicy'
  readonly RoleName: string
  readonly PolicyName?: string
  readonly PolicyDocument?: string
}

export interface AwsContainmentRecord {
  readonly id: string
  /** ISO 8601. */
  readonly createdAt: string
  readonly roleArn: string
  readonly roleName: string
  /** The role's unique id (`AROA…`), from GetRole: the first half of its sessions' `aws:userid`. */
  readonly roleId: string
  readonly reason: string
  readonly actor?: string
  /** The endpoint the calls went to, when not the SDK's default. */
  readonly endpoint?: string
  /** `system:serviceaccount:NS:NAME` when a service account is denied new sessions. */
  readonly subject?: string
  /** The `aws:userid` values denied. */
  readonly sessions?: readonly string[]
  /** The `aws:TokenIssueTime` bound, with --all-sessions. */
  readonly issuedBefore?: string
  /** The trust policy replaced (exact text, URL-decoded as GetRole returns it) and the SHA-256 (hex) of the one written. */
  readonly trustPolicy?: { readonly before: string; readonly sha256: string }
  /** The inline policy written and the SHA-256 (hex) of its document. */
  readonly inlinePolicy?: { readonly name: string; readonly sha256: string }
  /** The calls made, in order. */
  readonly calls: readonly IamCall[]
  /** ISO 8601, once undone. */
  readonly undoneAt?: string
  readonly undo?: { readonly trustPolicy?: 'restored' | 'forced'; readonly inlinePolicy?: 'deleted' | 'absent' }
}

export const DEFAULT_RECORDS_DIR = '.irsa/containments'

const ID = /^ctn-[0-9a-f]{12}$/

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

function fileOf(dir: string, id: string): string {
  if (!ID.test(id)) throw new IrsaError('ERR_CLI_USAGE', `not a containment id (ctn- and 12 hex digits): ${JSON.stringify(id)}`)
  return join(dir, `${id}.json`)
}

/** Write (or replace) a record: through a temp file renamed over it, so a reader never sees half a record. */
export async function writeAwsRecord(dir: string, r: AwsContainmentRecord): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const file = fileOf(dir, r.id)
  const tmp = `${file}.tmp`
  await writeFile(tmp, `${JSON.stringify(r, null, 2)}\n`, { mode: 0o600 })
  await chmod(tmp, 0o600)
  await rename(tmp, file)
  return file
}

export async function readAwsRecord(dir: string, id: string): Promise<AwsContainmentRecord> {
  const file = fileOf(dir, id)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    throw new IrsaError('ERR_CLI_INPUT', `no containment record ${file}`, { cause: e })
  }
  try {
    const r = JSON.parse(text) as AwsContainmentRecord
    if (r.id !== id || typeof r.roleName !== 'string') throw new TypeError('not a containment record')
    return r
  } catch (e) {
    throw new IrsaError('ERR_CLI_INPUT', `${file} is not a containment record`, { cause: e })
  }
}
