/**
 * Where the guardrail gets a role's trust policy: irsa's store inside `irsa serve`, or the output of
 * `aws iam get-account-authorization-details` (`--iam FILE`) for a standalone `irsa webhook`.
 */
import { readFile } from 'node:fs/promises'
import { IrsaError } from '../errors.js'

export interface RoleLookup {
  /** The trust policy JSON text of the role, or undefined when the role is unknown. */
  trustPolicy(roleArn: string): Promise<string | undefined>
}

export const NO_ROLES: RoleLookup = { trustPolicy: async () => undefined }

/** A role ARN's account and name (the path is not part of the key, as in IAM). */
export function roleArnParts(arn: string): { account: string; name: string } | undefined {
  const m = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn)
  return m?.[1] === undefined || m[2] === undefined ? undefined : { account: m[1], name: m[2] }
}

/**
 * Parse `get-account-authorization-details` output. `AssumeRolePolicyDocument` is an object (the
 * AWS CLI decodes it) or the URL-encoded JSON text the raw API returns. Throws ERR_WEBHOOK_IAM.
 */
export function parseAuthorizationDetails(text: string): Map<string, string> {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    throw new IrsaError('ERR_WEBHOOK_IAM', `not JSON: ${(e as Error).message}`, { cause: e })
  }
  const roles = (doc as { RoleDetailList?: unknown } | null)?.RoleDetailList
  if (!Array.isArray(roles)) throw new IrsaError('ERR_WEBHOOK_IAM', 'expected the output of aws iam get-account-authorization-details (no RoleDetailList)')
  const out = new Map<string, string>()
  for (const r of roles) {
    const role = r as { Arn?: unknown; AssumeRolePolicyDocument?: unknown } | null
    if (role === null || typeof role !== 'object' || typeof role.Arn !== 'string') continue
    const parts = roleArnParts(role.Arn)
    const d = role.AssumeRolePolicyDocument
    let trust: string | undefined
    if (typeof d === 'string') {
      try {
        trust = d.trimStart().startsWith('{') ? d : decodeURIComponent(d)
      } catch {
        trust = d
      }
    } else if (d !== null && typeof d === 'object') trust = JSON.stringify(d)
    if (parts !== undefined && trust !== undefined) out.set(`${parts.account}/${parts.name.toLowerCase()}`, trust)
  }
  return out
}

export function roleLookupFromMap(roles: ReadonlyMap<string, string>): RoleLookup {
  return {
    trustPolicy: async (arn) => {
      const p = roleArnParts(arn)
      return p === undefined ? undefined : roles.get(`${p.account}/${p.name.toLowerCase()}`)
    },
  }
}

/** Read `--iam FILE`. */
export async function roleLookupFromFile(path: string): Promise<RoleLookup> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new IrsaError('ERR_WEBHOOK_IAM', `--iam ${path}: ${(e as Error).message}`, { cause: e })
  }
  return roleLookupFromMap(parseAuthorizationDetails(text))
}
