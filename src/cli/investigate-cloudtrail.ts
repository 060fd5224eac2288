/**
 * `irsa investigate --cloudtrail PATH…`: read CloudTrail twice (pass 1 finds the service accounts'
 * sessions, pass 2 keeps their events; memory stays bounded by what is relevant), build the
 * investigation, print text, JSON or a self-contained HTML timeline. Exit 0, or 2 for bad input or usage.
 */
import { IrsaError } from '../errors.js'
import type { AuditGraph } from '../audit/graph.js'
import { parseCidrs } from '../respond/cloudtrail/cidr.js'
import { formatCloudTrailInvestigation } from '../respond/cloudtrail/format.js'
import type { CloudTrailInvestigation } from '../respond/cloudtrail/investigation.js'
import { investigateCloudTrail } from '../respond/cloudtrail/investigation.js'
import type { CloudTrailTarget } from '../respond/cloudtrail/join.js'
import { JoinIndex } from '../respond/cloudtrail/join.js'
import { listInputFiles, readRecords } from '../respond/cloudtrail/read/inputs.js'
import type { Window } from '../respond/cloudtrail/sessions.js'
import { parseServiceAccountRef } from '../respond/contain.js'
import { renderCloudTrailHtml } from '../ui/cloudtrail-report.js'
import type { AuditIo } from './audit.js'
import { defaultIo, fail, graphOf, loadInputs, progress, warn } from './audit.js'
import { VERSION } from './version.js'
import { logTime } from './log.js'

export interface CloudTrailFlags {
  readonly cloudtrail: readonly string[]
  readonly serviceAccount?: string
  readonly role?: string
  readonly accessKeyId?: string
  readonly sourceIp?: string
  readonly since?: string
  readonly until?: string
  readonly iam?: string[]
  readonly kubernetes?: string[]
  readonly clusterCidrs?: string
  readonly format?: 'text' | 'json' | 'html'
  readonly progress?: boolean
}

function cloudTrailTarget(f: CloudTrailFlags): CloudTrailTarget {
  const given = [f.serviceAccount, f.role, f.accessKeyId, f.sourceIp].filter((x) => x !== undefined)
  if (given.length > 1) throw new IrsaError('ERR_CLI_USAGE', 'give at most one of --service-account, --role, --access-key-id, --source-ip with --cloudtrail')
  if (f.serviceAccount !== undefined) return { kind: 'service-account', ...parseServiceAccountRef(f.serviceAccount) }
  if (f.role !== undefined) return { kind: 'role', arn: f.role }
  if (f.accessKeyId !== undefined) return { kind: 'access-key-id', accessKeyId: f.accessKeyId }
  if (f.sourceIp !== undefined) return { kind: 'source-ip', ranges: parseCidrs(f.sourceIp.split(','), '--source-ip') }
  return { kind: 'all' }
}

function timeFlag(flag: string, v: string | undefined, now: number): number | undefined {
  return v === undefined ? undefined : logTime(flag, v, now)
}

export async function runCloudTrailInvestigation(f: CloudTrailFlags, io: AuditIo): Promise<CloudTrailInvestigation> {
  const now = io.now().getTime()
  const target = cloudTrailTarget(f)
  const since = timeFlag('--since', f.since, now)
  const until = timeFlag('--until', f.until, now)
  const window: Window = { ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }) }
  const clusterCidrs = f.clusterCidrs === undefined ? [] : parseCidrs(f.clusterCidrs.split(','), '--cluster-cidrs')
  let graph: AuditGraph | undefined
  if ((f.iam?.length ?? 0) + (f.kubernetes?.length ?? 0) > 0) {
    const flags = { iam: f.iam ?? [], kubernetes: f.kubernetes ?? [], progress: f.progress !== false }
    const inv = await loadInputs(flags, io)
    warn(io, inv)
    graph = graphOf(inv, io, flags)
  }
  const files = await listInputFiles(f.cloudtrail)
  if (files.length === 0) throw new IrsaError('ERR_CLI_INPUT', `no CloudTrail files (.json, .json.gz, .jsonl) under ${f.cloudtrail.join(', ')}`)
  const total = files.reduce((a, x) => a + x.size, 0)
  const pass = async (label: string, each: (r: Parameters<JoinIndex['add']>[0]) => void): Promise<void> => {
    const bar = progress(io, f.progress !== false)
    let read = 0
    for await (const r of readRecords(files, (n) => bar.tick(label, (read += n), total))) each(r)
    bar.done()
  }
  const index = new JoinIndex(target.kind === 'source-ip' ? target.ranges : [])
  await pass('reading CloudTrail (1/2)', (r) => index.add(r))
  const selection = index.select(target)
  if (selection.sessions.length > 0) await pass('reading CloudTrail (2/2)', (r) => selection.add(r))
  return investigateCloudTrail(selection, target, {
    now,
    window,
    clusterCidrs,
    inputs: { files: files.length, records: index.records },
    ...(graph === undefined ? {} : { graph }),
  })
}

export async function cloudTrailCommand(f: CloudTrailFlags, io: AuditIo = defaultIo()): Promise<number> {
  try {
    const inv = await runCloudTrailInvestigation(f, io)
    io.stdout(f.format === 'json' ? `${JSON.stringify(inv, null, 2)}\n` : f.format === 'html' ? renderCloudTrailHtml(inv, { version: VERSION }) : formatCloudTrailInvestigation(inv))
    return 0
  } catch (e) {
    return fail(io, e)
  }
}
