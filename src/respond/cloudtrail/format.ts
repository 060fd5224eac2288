/** The text rendering of a CloudTrail investigation, for a terminal (the JSON form is the object itself). */
import { blastRadiusLines, n } from '../format.js'
import type { CloudTrailInvestigation, TargetView } from './investigation.js'
import type { CloudTrailSession, SessionEvent } from './sessions.js'

function targetText(t: TargetView): string {
  switch (t.kind) {
    case 'all':
      return 'every service account'
    case 'service-account':
      return `service account ${t.namespace}/${t.name}`
    case 'role':
      return `role ${t.arn}`
    case 'access-key-id':
      return `access key ${t.accessKeyId}`
    case 'source-ip':
      return `source addresses ${t.ranges.join(', ')}`
  }
}

function eventLine(e: SessionEvent): string {
  const extra = [e.awsRegion, e.sourceIPAddress === undefined ? undefined : `ip=${e.sourceIPAddress}`, e.userAgent === undefined ? undefined : `ua=${e.userAgent.split(/\s+/)[0] ?? ''}`].filter((x) => x !== undefined)
  return `    ${e.eventTime} ${e.errorCode === undefined ? 'OK    ' : 'DENIED'} ${e.action}${e.errorCode === undefined ? '' : ` ${e.errorCode}`}  [${extra.join(' ')}] ${e.eventId}`
}

function sessionLines(s: CloudTrailSession): string[] {
  const how = s.via === 'role-chaining' ? `chained from ${s.parentAccessKeyId ?? '?'}` : s.via === 'pod-identity' ? 'EKS Pod Identity' : `web identity (${s.provider ?? '?'})`
  const out = [
    `  ${s.accessKeyId}  ${s.serviceAccount} → ${s.roleArn}${s.sessionName === undefined ? '' : ` session=${s.sessionName}`}`,
    `    issued ${s.issued} via ${how} from ${s.sourceIPAddress ?? '-'} (${s.userAgent?.split(/\s+/)[0] ?? '-'})${s.expiration === undefined ? '' : `, expires ${s.expiration}`}; ${n(s.events.length, 'event')}`,
  ]
  for (const e of s.events) out.push(eventLine(e))
  return out
}

export function formatCloudTrailInvestigation(inv: CloudTrailInvestigation): string {
  const s = inv.summary
  const window = [inv.window.since === null ? '' : ` since ${inv.window.since}`, inv.window.until === null ? '' : ` until ${inv.window.until}`].join('')
  const out: string[] = [`CloudTrail investigation of ${targetText(inv.target)}${window} (${n(inv.inputs.records, 'record')} in ${n(inv.inputs.files, 'file')})`]
  out.push(`  ${n(s.sessions, 'session')} of ${s.serviceAccounts.length === 0 ? 'no service account' : s.serviceAccounts.join(', ')}; ${n(s.events, 'event')}, ${s.deniedEvents} denied`)
  if (s.sourceIPAddresses.length > 0) out.push(`  source addresses: ${s.sourceIPAddresses.join(', ')}`)
  if (inv.clusterCidrs.length > 0) out.push(`  cluster ranges: ${inv.clusterCidrs.join(', ')}`)
  out.push('', 'Anomalies:')
  if (inv.anomalies.length === 0) out.push('  (none)')
  for (const a of inv.anomalies) out.push(`  ${a.kind}  ${a.serviceAccount}: ${a.summary}`, `    events: ${a.eventIds.join(', ')}`)
  out.push('', 'Sessions:')
  if (inv.sessions.length === 0) out.push('  (none)')
  for (const x of inv.sessions) out.push(...sessionLines(x))
  if (inv.blastRadius !== null) {
    out.push('', 'Blast radius:')
    out.push(...blastRadiusLines(inv.blastRadius.serviceAccounts, inv.blastRadius.roles))
  }
  out.push('', 'Recommendations:')
  if (inv.recommendations.length === 0) out.push('  (none: no anomaly)')
  for (const r of inv.recommendations) {
    out.push(`  ${r.accessKeyId} (${r.because.join(', ')}):`, `    ${r.command}`)
    if (r.denySession !== undefined) out.push(`    on AWS: deny aws:userid ${String((r.denySession.Statement[0]?.Condition as { StringEquals: Record<string, string> }).StringEquals['aws:userid'])} in an inline policy of the role`)
  }
  return `${out.join('\n')}\n`
}
