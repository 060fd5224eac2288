/** `irsa investigate`: parse flags, open the state, call src/respond, print text or JSON. */
import { Option } from 'commander'
import type { Command } from 'commander'
import { IrsaError } from '../errors.js'
import { DEFAULT_DATA_DIR } from './bootstrap.js'
import { parseServiceAccountRef } from '../respond/contain.js'
import { formatInvestigation } from '../respond/format.js'
import { investigate } from '../respond/investigate.js'
import type { Investigation, InvestigationTarget } from '../respond/investigate.js'
import { parseDuration } from './log.js'
import { withState } from './state.js'
import type { CloudTrailFlags } from './investigate-cloudtrail.js'
import { cloudTrailCommand } from './investigate-cloudtrail.js'

export interface InvestigateFlags {
  readonly serviceAccount?: string
  readonly pod?: string
  readonly role?: string
  readonly since?: string
  readonly format?: 'text' | 'json' | 'html'
  readonly data?: string
  readonly store?: string
}

export interface RespondIo {
  stdout(s: string): void
  /** Epoch milliseconds (for --since). */
  now(): number
}

export function defaultRespondIo(): RespondIo {
  return { stdout: (s) => void process.stdout.write(s), now: () => Date.now() }
}

/** The state options of a respond command (same --data / --store as every command). */
export function stateFlags(f: { data?: string; store?: string }): { data?: string; store?: string } {
  return { ...(f.data === undefined ? {} : { data: f.data }), ...(f.store === undefined ? {} : { store: f.store }) }
}

/** `--store URL` (or IRSA_STORE), as the other state commands take it. */
export function respondStoreOption(): Option {
  return new Option('--store <url>', 'state store: postgres://… (shared by replicas) or sqlite:PATH (default: SQLite under --data)').env('IRSA_STORE')
}

export function investigationTarget(f: InvestigateFlags): InvestigationTarget {
  const given = [f.serviceAccount, f.pod, f.role].filter((x) => x !== undefined)
  if (given.length !== 1) throw new IrsaError('ERR_CLI_USAGE', 'give exactly one of --service-account NS/NAME, --pod NS/NAME or --role ARN')
  if (f.role !== undefined) return { kind: 'role', arn: f.role }
  const ref = parseServiceAccountRef((f.serviceAccount ?? f.pod) as string)
  return f.serviceAccount !== undefined ? { kind: 'service-account', ...ref } : { kind: 'pod', ...ref }
}

export async function runInvestigation(f: InvestigateFlags, io: RespondIo = defaultRespondIo()): Promise<Investigation> {
  const target = investigationTarget(f)
  let since: number | undefined
  if (f.since !== undefined) {
    const secs = parseDuration(f.since)
    if (secs === undefined) throw new IrsaError('ERR_CLI_USAGE', `--since expects a duration such as 15m, 2h or 7d, not ${f.since}`)
    since = io.now() - secs * 1000
  }
  return withState(stateFlags(f), (rt) => investigate(rt, target, since === undefined ? {} : { since }))
}

export async function investigateCommand(f: InvestigateFlags, io: RespondIo = defaultRespondIo()): Promise<number> {
  const inv = await runInvestigation(f, io)
  io.stdout(f.format === 'json' ? `${JSON.stringify(inv, null, 2)}\n` : formatInvestigation(inv))
  return 0
}

export function registerInvestigateCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('investigate')
    .description('Timeline, live sessions and blast radius of a service account, pod or role, from the decision log and the auditor; with --cloudtrail, from an AWS account\'s CloudTrail')
    .option('--service-account <ns/name>', 'investigate this service account (NAMESPACE/NAME)')
    .option('--pod <ns/name>', 'investigate the exchanges bound to this pod (NAMESPACE/NAME)')
    .option('--role <arn>', 'investigate this role')
    .option('--since <duration>', 'only decisions newer than this (e.g. 15m, 2h, 7d; with --cloudtrail also an ISO 8601 time)')
    .addOption(new Option('--format <format>', 'output format (html: --cloudtrail only)').choices(['text', 'json', 'html']).default('text'))
    .option('--data <dir>', 'state directory', DEFAULT_DATA_DIR)
    .addOption(respondStoreOption())
    .option('--cloudtrail <paths...>', 'read CloudTrail instead of the decision log: delivered log files or S3 trees (.json/.json.gz), aws cloudtrail lookup-events output, CloudTrail Lake JSON Lines')
    .option('--access-key-id <id>', 'with --cloudtrail: the service-account session chain that includes this key')
    .option('--source-ip <cidr,...>', 'with --cloudtrail: sessions exchanged or used from these ranges')
    .option('--until <time>', 'with --cloudtrail: only events up to this time (ISO 8601, or a duration ago)')
    .option('--iam <files...>', 'with --cloudtrail: IAM export (aws iam get-account-authorization-details, EKS cluster, OIDC providers) for the blast radius')
    .option('--kubernetes <paths...>', 'with --cloudtrail: Kubernetes objects (as irsa audit reads them) for the blast radius')
    .option('--cluster-cidrs <cidr,...>', "with --cloudtrail: the cluster's egress ranges; use from elsewhere is an off-cluster-use anomaly")
    .option('--no-progress', 'with --cloudtrail: no progress bar on a terminal')
    .action(async (o: InvestigateFlags & Partial<CloudTrailFlags> & { pod?: string }) => {
      if (o.cloudtrail !== undefined) {
        if (o.pod !== undefined) throw new IrsaError('ERR_CLI_USAGE', '--pod is not available with --cloudtrail (CloudTrail does not name pods); use --service-account')
        setExitCode(await cloudTrailCommand({ ...o, cloudtrail: o.cloudtrail }))
        return
      }
      const cloudTrailOnly = (['accessKeyId', 'sourceIp', 'until', 'iam', 'kubernetes', 'clusterCidrs'] as const).filter((k) => o[k] !== undefined)
      if (cloudTrailOnly.length > 0 || o.format === 'html') throw new IrsaError('ERR_CLI_USAGE', 'that option needs --cloudtrail')
      setExitCode(await investigateCommand(o))
    })
}
