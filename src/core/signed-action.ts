/**
 * A Query API action (STS or IAM): what it is handed once the request is parsed and its caller
 * authenticated, and what it answers. The HTTP layer builds the context; the actions never see HTTP.
 */
import type { QueryParams } from '../aws/query-params.js'
import type { XmlObject } from '../aws/xml.js'
import type { Identity } from './identity.js'
import type { Runtime } from './runtime.js'

/** Where a request came from, for the decision log and the `aws:SecureTransport` / `aws:SourceIp` keys. */
export interface RequestMeta {
  readonly requestId: string
  readonly sourceIp: string
  readonly secureTransport: boolean
  /** The client's `User-Agent` (cut to USER_AGENT_MAX), for the decision log as CloudTrail keeps it. */
  readonly userAgent?: string
}

/** CloudTrail keeps at most this much of a user agent; so does the decision log. */
export const USER_AGENT_MAX = 1024

/** A request's `User-Agent` header as the decision log keeps it (undefined when absent). */
function userAgentOf(header: string | string[] | undefined): string | undefined {
  const v = Array.isArray(header) ? header[0] : header
  return v === undefined || v === '' ? undefined : v.slice(0, USER_AGENT_MAX)
}

/** `{ userAgent }` for a request's header, or nothing (for optional fields). */
export function userAgentField(header: string | string[] | undefined): { userAgent?: string } {
  const userAgent = userAgentOf(header)
  return userAgent === undefined ? {} : { userAgent }
}

export interface ActionContext {
  readonly rt: Runtime
  readonly q: QueryParams
  readonly meta: RequestMeta
  readonly who: Identity
}

/** An action that needs a signed caller; `undefined` answers with only the response metadata. */
export type SignedAction = (ctx: ActionContext) => Promise<XmlObject | undefined>
