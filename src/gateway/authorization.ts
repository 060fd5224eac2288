/** What one AWS API request needs from IAM: one or more (action, resource, context) checks. */
import type { ContextValue } from '../policy/request.js'

export interface Authorization {
  /** `service:Action` as IAM names it (the Service Authorization Reference spelling). */
  readonly action: string
  /** The resource ARN, or `*` for actions that take no resource. */
  readonly resource: string
  /**
   * The account that owns the resource when its ARN does not say: S3 bucket and object ARNs carry
   * no account, so the engine's `resourceAccount` must come from here.
   */
  readonly resourceAccount?: string
  /** Service condition keys the request carries (global `aws:*` keys are added by the proxy). */
  readonly context: Readonly<Record<string, ContextValue>>
  /** IAM's access level for the action (Read, Write, List, Tagging, Permissions management). */
  readonly accessLevel?: string
  /** Why this check exists or what is approximate about it, for logs and explanations. */
  readonly reason?: string
}

export interface MappedRequest {
  /** The service's signing name (`s3`, `dynamodb`, …). */
  readonly service: string
  /** The API operation (`GetObject`, `BatchWriteItem`, …). */
  readonly operation: string
  /** Every check must allow for the request to proceed. Never empty. */
  readonly authorizations: readonly Authorization[]
  /**
   * True when the gateway does not know this operation's resource or keys: the request is checked
   * as `service:Operation` on `*`, which only a policy granting that action on every resource allows.
   */
  readonly unmapped: boolean
}
