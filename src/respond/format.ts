/** Text renderings of an investigation and of containment records (the JSON form is the object itself). */
import type { ContainmentRecord } from './containment-store.js'
import type { Investigation } from './investigate.js'
import type { ReachableRole, RoleBlastRadius, ServiceAccountBlastRadius } from './blast-radius.js'
import type { SessionInfo, TimelineEntry } from './timeline.js'

export function n(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

function targetText(inv: Investigation): string {
  const t = inv.target
  return t.kind === 'role' ? `role ${t.arn}` : `${t.kind} ${t.namespace}/${t.name}`
}

function entryLine(e: TimelineEntry): string {
  const outcome = e.outcome === 'Allow' ? 'ALLOW' : e.outcome === 'Deny' ? 'DENY ' : 'ERROR'
  const parts = [e.at, outcome, e.action]
  if (e.subject !== undefined) parts.push(e.subject)
  if (e.roleArn !== undefined) parts.push(`→ ${e.roleArn}`)
  if (e.code !== undefined) parts.push(e.code)
  const extra: string[] = []
  if (e.sessionName !== undefined) extra.push(`session=${e.sessionName}`)
  if (e.sourceIp !== undefined) extra.push(`ip=${e.sourceIp}`)
  if (e.jti !== undefined) extra.push(`jti=${e.jti}`)
  if (e.pod !== undefined) extra.push(`pod=${e.pod.name}`)
  if (e.accessKeyId !== undefined) extra.push(`key=${e.accessKeyId}`)
  if (e.containmentId !== undefined) extra.push(`containment=${e.containmentId}`)
  const line = `  ${parts.join(' ')}${extra.length ? `  [${extra.join(' ')}]` : ''}`
  return e.reason === undefined ? line : `${line}\n      ${e.reason}`
}

function sessionLine(s: SessionInfo): string {
  const who = s.subject ?? '-'
  const pod = s.pod === undefined ? '' : ` pod=${s.pod.name}`
  const why = s.revokedBy === undefined ? '' : ` by ${s.revokedBy}`
  return `  ${s.accessKeyId} ${s.status.toUpperCase()}${why}  ${s.roleArn} session=${s.sessionName} ${who}${pod} ip=${s.sourceIp ?? '-'} issued ${s.issuedAt} expires ${s.expiresAt}${s.jti === undefined ? '' : ` jti=${s.jti}`}`
}

export function roleLines(r: ReachableRole): string[] {
  const how = r.via.length === 0 ? '' : ` via ${r.via.join(', ')}`
  const state = r.admitted ? '' : ' (trust does not admit it now)'
  const out = [`    ${r.tier ?? '??'} ${r.tierLabel ?? 'unknown role'}  ${r.arn}${how}${state}`]
  for (const s of r.sensitive) out.push(`      ${s.category}: ${s.action}${s.statements.length ? `  ← ${s.statements.join(', ')}` : ''}`)
  for (const s of r.statements) {
    const what = s.actions.length > 0 ? s.actions.join(',') : `NotAction ${s.notActions.join(',')}`
    const on = s.resources.length > 0 ? s.resources.join(',') : `NotResource ${s.notResources.join(',')}`
    out.push(`      ${s.effect} ${what} on ${on}  (${s.policy}[${s.index}]${s.sid === undefined ? '' : ` ${s.sid}`}${s.hasCondition ? ', conditional' : ''})`)
  }
  if (r.unknownPolicies.length > 0) out.push(`      unknown policies: ${r.unknownPolicies.join(', ')}`)
  return out
}

/** The blast radius block: each service account's reachable roles, then each role's permissions and who can obtain it. */
export function blastRadiusLines(serviceAccounts: readonly ServiceAccountBlastRadius[], roles: readonly RoleBlastRadius[]): string[] {
  const out: string[] = []
  for (const b of serviceAccounts) {
    out.push(`  ${b.serviceAccount}${b.boundRole === undefined ? '' : ` (bound to ${b.boundRole})`}: ${b.roles.length} role(s), highest tier ${b.highestTier ?? 'none'}`)
    for (const r of b.roles) out.push(...roleLines(r))
  }
  for (const role of roles) {
    out.push(`  role ${role.role}: ${role.found ? `${role.tier ?? ''} ${role.tierLabel ?? ''}` : 'not found'}`)
    if (role.permissions !== undefined) out.push(...roleLines(role.permissions))
    const sas = role.whoCan.serviceAccounts.filter((x) => x.admitted).map((x) => `${x.namespace}/${x.name}`)
    out.push(`    obtainable by: ${sas.length === 0 ? '(no known service account)' : sas.join(', ')}`)
    for (const c of role.whoCan.claimable) out.push(`    also claimable: ${c}`)
  }
  return out
}

export function formatContainment(c: ContainmentRecord): string[] {
  const account = c.subject === undefined ? undefined : `service account ${c.namespace ?? ''}/${c.serviceAccount ?? ''}`
  const scope = c.sessions !== undefined ? [account, `${c.sessions.length} named session(s)`].filter((x) => x !== undefined).join(', ') : (account ?? 'all sessions of the role')
  const out = [`${c.id}  ${c.undoneAt === undefined ? 'ACTIVE' : 'UNDONE'}  ${c.roleArn}  ${scope}  at ${new Date(c.createdAt).toISOString()}`]
  out.push(`  reason: ${c.reason}${c.actor === undefined ? '' : ` (by ${c.actor})`}`)
  if (c.sessions !== undefined) out.push(`  revokes sessions ${c.sessions.join(', ')} by aws:userid (inline policy ${c.changes.revokePolicy.name}); other sessions keep working`)
  else out.push(`  revokes ${c.subject === undefined || c.allSessions === true ? 'all ' : ''}sessions issued before ${c.issuedBefore} (inline policy ${c.changes.revokePolicy.name})`)
  if (c.changes.trustPolicy !== undefined) {
    out.push(`  trust policy denies sts:AssumeRoleWithWebIdentity to ${c.subject ?? ''}, and Pod Identity (sts:AssumeRole, sts:TagSession) to its session tags`)
  }
  if (c.podIdentityAssociations !== undefined) {
    const deleted = new Set((c.changes.deletedAssociations ?? []).map((a) => a.associationId))
    if (c.podIdentityAssociations.length === 0) out.push('  Pod Identity associations: none')
    for (const a of c.podIdentityAssociations) {
      const state = deleted.has(a.associationId) ? 'REMOVED' : c.changes.deletedAssociations === undefined ? 'kept (remove with --delete-association)' : 'kept'
      const undone = c.undo?.associations?.[a.associationId]
      out.push(`  Pod Identity association ${a.associationId} (cluster ${a.clusterName}) → ${a.roleArn}: ${state}${undone === undefined ? '' : `, undo: ${undone}`}`)
    }
  }
  if (c.undoneAt !== undefined) out.push(`  undone at ${new Date(c.undoneAt).toISOString()}: ${c.undoReason ?? ''}`)
  return out
}

export function formatInvestigation(inv: Investigation): string {
  const s = inv.summary
  const out: string[] = [`Investigation of ${targetText(inv)}${inv.since === null ? '' : ` since ${inv.since}`} (at ${inv.generatedAt})`]
  if (inv.target.subject !== undefined) out.push(`  subject ${inv.target.subject}`)
  out.push(
    `  ${n(s.decisions, 'decision')}: ${n(s.exchangesAllowed, 'exchange')} allowed, ${s.exchangesDenied} denied, ${n(s.otherDenials, 'other denial')}; ${n(s.sessions, 'session')}, ${s.liveSessions} live, ${s.revokedSessions} revoked`,
  )
  if (s.sourceIps.length > 0) out.push(`  source addresses: ${s.sourceIps.join(', ')}`)
  if (s.pods.length > 0) out.push(`  pods: ${s.pods.join(', ')}`)
  out.push('', 'Timeline:')
  if (inv.timeline.length === 0) out.push('  (no decisions)')
  for (const e of inv.timeline) out.push(entryLine(e))
  out.push('', 'Live sessions:')
  if (inv.liveSessions.length === 0) out.push('  (none)')
  for (const x of inv.liveSessions) out.push(sessionLine(x))
  const ended = inv.sessions.filter((x) => x.status !== 'live')
  if (ended.length > 0) {
    out.push('', 'Revoked or expired sessions:')
    for (const x of ended) out.push(sessionLine(x))
  }
  out.push('', 'Blast radius:')
  out.push(...blastRadiusLines(inv.blastRadius.serviceAccounts, inv.blastRadius.role === undefined ? [] : [inv.blastRadius.role]))
  if (inv.containments.length > 0) {
    out.push('', 'Containments:')
    for (const c of inv.containments) out.push(...formatContainment(c).map((l) => `  ${l}`))
  }
  return `${out.join('\n')}\n`
}
