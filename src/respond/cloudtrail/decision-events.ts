/**
 * The decision log read as CloudTrail events from a running state: the export context (account,
 * region, role ids from the store) and `LookupEvents` answered from the log, newest first, with the
 * decision id as the paging token. Work per call is bounded (SCAN_PAGES pages of PAGE decisions);
 * a call that scanned that much without filling its page answers what it found and a NextToken,
 * as CloudTrail may.
 */
import type { Runtime } from '../../core/runtime.js'
import { decisionToCloudTrail } from './from-decisions.js'
import type { ExportContext } from './from-decisions.js'
import type { LookupRequest } from './lookup-events-api.js'
import { lookupEvent, matchesLookup } from './lookup-events-api.js'

const PAGE = 200
const SCAN_PAGES = 25

/** What the CloudTrail mapping needs from the state: the account, region and role ids (for older records). */
export async function exportContext(rt: Runtime): Promise<ExportContext> {
  const roles = await rt.store.listRoles(rt.account)
  return { account: rt.account, region: rt.region, roleIds: new Map(roles.map((r) => [r.arn, r.roleId])) }
}

export async function lookupDecisionEvents(rt: Runtime, q: LookupRequest): Promise<{ Events: Record<string, unknown>[]; NextToken?: string }> {
  const ctx = await exportContext(rt)
  const events: Record<string, unknown>[] = []
  let cursor = q.nextToken === undefined ? undefined : Number(q.nextToken)
  for (let page = 0; page < SCAN_PAGES; page++) {
    const rows = await rt.store.listDecisions({
      ...(q.start === undefined ? {} : { since: q.start }),
      ...(q.end === undefined ? {} : { before: q.end + 1 }),
      ...(cursor === undefined ? {} : { beforeId: cursor }),
      limit: PAGE,
    })
    for (let i = rows.length - 1; i >= 0; i--) {
      const d = rows[i] as (typeof rows)[number]
      cursor = d.id
      const r = decisionToCloudTrail(d, ctx)
      if (r === undefined || !matchesLookup(r, q.attribute)) continue
      events.push(lookupEvent(r))
      if (events.length === q.maxResults) return i === 0 && rows.length < PAGE ? { Events: events } : { Events: events, NextToken: String(d.id) }
    }
    if (rows.length < PAGE) return { Events: events }
  }
  return cursor === undefined ? { Events: events } : { Events: events, NextToken: String(cursor) }
}
