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
}

export interface ActionContext {
  readonly rt: Runtime
  readonly q: QueryParams
  readonly meta: RequestMeta
  readonly who: Identity
}

/** An action that needs a signed caller; `undefined` answers with only the response metadata. */
export type SignedAction = (ctx: ActionContext) => Promise<XmlObject | undefined>
