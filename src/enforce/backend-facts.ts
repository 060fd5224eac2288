/**
 * What the enforcement gateway needs to know about the backend's resources that a request does not
 * carry: each resource's own policy and tags, and the lookups the pure request mapping needs (table
 * key schemas, KMS aliases, secret ARNs). An implementation reads them through the backend's own APIs,
 * caches them, and forgets what a write through the gateway may have changed.
 */
import type { MappedRequest } from '../gateway/authorization.js'

export interface ResourceFacts {
  /**
   * The resource's own policy as JSON text: an S3 bucket policy, an SQS queue policy, an SNS topic
   * policy, a KMS key policy or a Secrets Manager resource policy. Undefined when it has none.
   */
  readonly policy?: string
  /** The resource's tags, which become `aws:ResourceTag/<key>`. */
  readonly tags?: Readonly<Record<string, string>>
  /** False when the backend says the resource does not exist (the call is still authorized, then forwarded). */
  readonly exists?: boolean
}

export interface BackendFacts {
  /** Facts for the resource an authorization names (`*` has none). Cached. */
  resource(service: string, resourceArn: string): Promise<ResourceFacts>
  /**
   * Synchronous views of the caches, as the pure mapping's lookups take them
   * (src/gateway/lookups.ts): undefined means not known yet.
   */
  keySchema(table: string, index?: string): string | undefined
  kmsAlias(aliasArn: string): string | undefined
  secretArn(name: string): string | undefined
  /**
   * Fill the caches the mapping said it lacked (a table's key schema after `KeySchemaUnknown`, an
   * alias, a secret name), so the request can be mapped again.
   */
  prefetch(need: { readonly table?: string; readonly kmsAlias?: string; readonly secretName?: string }): Promise<void>
  /** A request went through the gateway and succeeded: forget what it may have changed. */
  afterWrite(mapped: MappedRequest): void
}
