/** `irsa contain --aws`: contain through an account's IAM API (AWS, irsa or moto) with the SDK's default credential chain. */
import { IAMClient } from '@aws-sdk/client-iam'
import { IrsaError } from '../errors.js'
import { applyAwsContainment, planAwsContainment, undoAwsContainment } from '../respond/aws-containment.js'
import { checkSessionNames, parseServiceAccountRef } from '../respond/contain.js'
import type { AwsContainmentRecord } from '../respond/containment-records.js'
import { DEFAULT_RECORDS_DIR, readAwsRecord, writeAwsRecord } from '../respond/containment-records.js'
import type { ContainFlags } from './contain.js'
import type { RespondIo } from './investigate.js'

export interface AwsContainFlags {
  readonly profile?: string
  readonly region?: string
  readonly endpointUrl?: string
  readonly dryRun?: boolean
  readonly records?: string
  readonly force?: boolean
}

function client(f: ContainFlags): IAMClient {
  const region = f.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1'
  return new IAMClient({ region, ...(f.profile === undefined ? {} : { profile: f.profile }), ...(f.endpointUrl === undefined ? {} : { endpoint: f.endpointUrl }) })
}

export type AwsContainResult =
  | { readonly action: 'contain' | 'undo'; readonly containment: AwsContainmentRecord }
  | { readonly action: 'dry-run'; readonly containment: AwsContainmentRecord }

export async function runAwsContain(f: ContainFlags, actor: string, now: number): Promise<AwsContainResult> {
  if (f.list === true || f.deleteAssociation === true || f.accessKeyId !== undefined) {
    throw new IrsaError(
      'ERR_CLI_USAGE',
      f.accessKeyId !== undefined
        ? '--aws takes sessions by --session-name (find the session of an access key with irsa investigate --cloudtrail --access-key-id ID)'
        : '--aws does not take --list or --delete-association',
    )
  }
  const dir = f.records ?? DEFAULT_RECORDS_DIR
  const iam = client(f)
  try {
    if (f.undo !== undefined) {
      if (f.role !== undefined || f.dryRun === true) throw new IrsaError('ERR_CLI_USAGE', '--undo ID takes no --role or --dry-run')
      const r = await undoAwsContainment(iam, await readAwsRecord(dir, f.undo), { force: f.force === true, now })
      await writeAwsRecord(dir, r)
      return { action: 'undo', containment: r }
    }
    if (f.role === undefined) throw new IrsaError('ERR_CLI_USAGE', '--aws needs --role ARN (or --undo ID)')
    if (f.reason === undefined) throw new IrsaError('ERR_CLI_USAGE', '--aws needs --reason TEXT (kept in the containment record)')
    const plan = await planAwsContainment(iam, {
      roleArn: f.role,
      ...(f.serviceAccount === undefined ? {} : { serviceAccount: parseServiceAccountRef(f.serviceAccount) }),
      sessionNames: checkSessionNames(f.sessionName ?? []),
      allSessions: f.allSessions === true,
      reason: f.reason,
      actor,
      ...(f.endpointUrl === undefined ? {} : { endpoint: f.endpointUrl }),
      now,
    })
    if (f.dryRun === true) return { action: 'dry-run', containment: plan.record }
    const r = await applyAwsContainment(iam, plan, async (x) => void (await writeAwsRecord(dir, x)))
    return { action: 'contain', containment: r }
  } finally {
    iam.destroy()
  }
}

export function formatAwsContainResult(res: AwsContainResult, recordsDir: string): string {
  const r = res.containment
  const out: string[] = []
  if (res.action === 'undo') {
    out.push(`${r.id}  UNDONE  ${r.roleArn}`)
    if (r.undo?.trustPolicy !== undefined) out.push(`  trust policy ${r.undo.trustPolicy === 'forced' ? 'restored over a later change (--force)' : 'restored exactly'}`)
    if (r.undo?.inlinePolicy !== undefined) out.push(`  inline policy ${r.inlinePolicy?.name ?? ''} ${r.undo.inlinePolicy}`)
    return `${out.join('\n')}\n`
  }
  out.push(`${r.id}  ${res.action === 'dry-run' ? 'DRY RUN (nothing written)' : 'ACTIVE'}  ${r.roleArn} (${r.roleId})`)
  out.push(`  reason: ${r.reason}`)
  if (r.subject !== undefined) out.push(`  trust policy denies ${r.subject} new sessions (web identity and Pod Identity)`)
  if (r.sessions !== undefined) out.push(`  denies sessions by aws:userid: ${r.sessions.join(', ')}`)
  if (r.issuedBefore !== undefined) out.push(`  denies every session issued before ${r.issuedBefore} (aws:TokenIssueTime)`)
  if (r.sessions === undefined && r.issuedBefore === undefined) out.push('  existing sessions are not revoked: add --session-name NAME… or --all-sessions')
  for (const c of r.calls) {
    out.push(`  ${c.api} --role-name ${c.RoleName}${c.PolicyName === undefined ? '' : ` --policy-name ${c.PolicyName}`}`)
    if (c.PolicyDocument !== undefined) out.push(`    ${c.PolicyDocument}`)
  }
  if (res.action === 'contain') out.push(`  record: ${recordsDir}/${r.id}.json`, `  undo with: irsa contain --aws --undo ${r.id}${recordsDir === DEFAULT_RECORDS_DIR ? '' : ` --records ${recordsDir}`}`)
  return `${out.join('\n')}\n`
}

export async function containAwsCommand(f: ContainFlags, actor: string, io: RespondIo): Promise<number> {
  const r = await runAwsContain(f, actor, io.now())
  io.stdout(f.format === 'json' ? `${JSON.stringify({ action: r.action, ...r.containment }, null, 2)}\n` : formatAwsContainResult(r, f.records ?? DEFAULT_RECORDS_DIR))
  return 0
}
