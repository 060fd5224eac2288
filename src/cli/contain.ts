/** `irsa contain`: revoke a role's older sessions (optionally one service account's), undo, list. */
import { userInfo } from 'node:os'
import { Option } from 'commander'
import type { Command } from 'commander'
import { IrsaError } from '../errors.js'
import { DEFAULT_DATA_DIR } from './bootstrap.js'
import { contain, parseServiceAccountRef, undoContainment } from '../respond/contain.js'
import type { ContainmentRecord } from '../respond/containment-store.js'
import { listContainments } from '../respond/containment-store.js'
import { formatContainment } from '../respond/format.js'
import type { RespondIo } from './investigate.js'
import { defaultRespondIo, respondStoreOption, stateFlags } from './investigate.js'
import { withState } from './state.js'
import type { AwsContainFlags } from './contain-aws.js'
import { containAwsCommand } from './contain-aws.js'

export interface ContainFlags extends AwsContainFlags {
  /** Work through an account's IAM API with the SDK's default credential chain, not the local state. */
  readonly aws?: boolean
  readonly role?: string
  readonly serviceAccount?: string
  readonly reason?: string
  readonly undo?: string
  /** With --service-account: also remove its EKS Pod Identity associations (an undo recreates them). */
  readonly deleteAssociation?: boolean
  readonly list?: boolean
  readonly format?: 'text' | 'json'
  readonly data?: string
  readonly store?: string
  /** Recorded as the decision's principal; default `cli:<user name>`. */
  readonly actor?: string
  /** Revoke only these sessions of the role (Deny on `aws:userid`). */
  readonly sessionName?: readonly string[]
  /** Revoke the sessions that issued these access keys. */
  readonly accessKeyId?: readonly string[]
  /** Revoke every older session of the role (`aws:TokenIssueTime`). */
  readonly allSessions?: boolean
}

function defaultActor(): string {
  try {
    return `cli:${userInfo().username}`
  } catch {
    return 'cli'
  }
}

export type ContainResult =
  | { readonly action: 'contain' | 'undo'; readonly containment: ContainmentRecord }
  | { readonly action: 'list'; readonly containments: readonly ContainmentRecord[] }

export async function runContain(f: ContainFlags): Promise<ContainResult> {
  const modes = [f.role !== undefined || f.serviceAccount !== undefined, f.undo !== undefined, f.list === true].filter(Boolean).length
  if (modes !== 1) throw new IrsaError('ERR_CLI_USAGE', 'give --role ARN [--service-account NS/NAME], or --undo ID, or --list')
  const actor = f.actor ?? defaultActor()
  if (f.list === true) return { action: 'list', containments: await withState(stateFlags(f), (rt) => listContainments(rt.store)) }
  if (f.undo !== undefined) {
    const undo = f.undo
    return { action: 'undo', containment: await withState(stateFlags(f), (rt) => undoContainment(rt, { id: undo, actor, ...(f.reason === undefined ? {} : { reason: f.reason }) })) }
  }
  if (f.role === undefined) throw new IrsaError('ERR_CLI_USAGE', '--service-account needs --role ARN')
  if (f.deleteAssociation === true && f.serviceAccount === undefined) throw new IrsaError('ERR_CLI_USAGE', '--delete-association needs --service-account NS/NAME')
  const sa = f.serviceAccount === undefined ? undefined : parseServiceAccountRef(f.serviceAccount)
  const roleArn = f.role
  const deleteAssociation = f.deleteAssociation === true
  const scope = { sessionNames: f.sessionName ?? [], accessKeyIds: f.accessKeyId ?? [], allSessions: f.allSessions === true }
  const record = await withState(stateFlags(f), (rt) =>
    contain(rt, { roleArn, actor, deleteAssociation, ...scope, ...(sa === undefined ? {} : { serviceAccount: sa }), ...(f.reason === undefined ? {} : { reason: f.reason }) }),
  )
  return { action: 'contain', containment: record }
}

export function formatContainResult(r: ContainResult): string {
  if (r.action === 'list') return r.containments.length === 0 ? 'no containments\n' : `${r.containments.flatMap(formatContainment).join('\n')}\n`
  const c = r.containment
  const lines = formatContainment(c)
  if (r.action === 'contain') lines.push(`  undo with: irsa contain --undo ${c.id}`)
  else lines.push(`  revoke policy ${c.undo?.revokePolicy ?? ''}${c.undo?.trustPolicy === undefined ? '' : `, trust policy ${c.undo.trustPolicy}`}`)
  return `${lines.join('\n')}\n`
}

export async function containCommand(f: ContainFlags, io: RespondIo = defaultRespondIo()): Promise<number> {
  if (f.aws === true) return containAwsCommand(f, f.actor ?? defaultActor(), io)
  const awsOnly = (['profile', 'region', 'endpointUrl', 'dryRun', 'records', 'force'] as const).filter((k) => f[k] !== undefined)
  if (awsOnly.length > 0) throw new IrsaError('ERR_CLI_USAGE', `--${awsOnly[0]?.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) ?? ''} needs --aws`)
  const r = await runContain(f)
  io.stdout(f.format === 'json' ? `${JSON.stringify(r.action === 'list' ? r.containments : r.containment, null, 2)}\n` : formatContainResult(r))
  return 0
}

export function registerContainCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('contain')
    .description("Revoke a role's sessions (named ones by aws:userid, or all older ones as IAM's AWSRevokeOlderSessions) and, with --service-account, deny that account new ones; in the local state or, with --aws, through an account's IAM API; --undo ID reverses it")
    .option('--role <arn>', 'the role whose older sessions are revoked')
    .option('--service-account <ns/name>', 'only this service account: revoke its IRSA and Pod Identity sessions and deny it new ones (others keep working)')
    .option('--delete-association', "with --service-account: also remove its EKS Pod Identity association (--undo recreates it)")
    .option('--session-name <name...>', 'revoke only these sessions of the role (an inline Deny on aws:userid = <role id>:<session name>); other sessions keep working')
    .option('--access-key-id <id...>', 'revoke the sessions that issued these access keys (found in the decision log)')
    .option('--all-sessions', 'revoke every session of the role issued before now (AWSRevokeOlderSessions on aws:TokenIssueTime), also with --service-account')
    .option('--reason <text>', 'why (recorded in the decision log)')
    .option('--aws', "contain through an account's IAM API (AWS, irsa or moto) with the SDK's default credential chain; records in --records")
    .option('--profile <name>', 'with --aws: the AWS profile')
    .option('--region <region>', 'with --aws: the signing region (default AWS_REGION, else us-east-1)')
    .option('--endpoint-url <url>', 'with --aws: the IAM endpoint (default: the SDK\'s, or AWS_ENDPOINT_URL)')
    .option('--dry-run', 'with --aws: print the exact documents and IAM calls, change nothing')
    .option('--records <dir>', 'with --aws: where containment records are kept (one 0600 JSON file each; default .irsa/containments)')
    .option('--force', 'with --aws --undo: restore the previous trust policy even if it changed since')
    .option('--undo <id>', 'reverse the containment with this id')
    .option('--list', 'list containments')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--data <dir>', 'state directory', DEFAULT_DATA_DIR)
    .addOption(respondStoreOption())
    .action(async (o: ContainFlags) => {
      setExitCode(await containCommand(o))
    })
}
