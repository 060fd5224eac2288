/**
 * What the mappers need from outside the request, passed in so they stay pure: IAM's catalog and
 * facts about the backend's resources the request itself does not carry. The proxy answers the
 * lookups from caches it fills from the backend (DescribeTable, ListAliases, DescribeSecret).
 */
import type { IamCatalog } from './catalog.js'

export interface GatewayLookups {
  readonly catalog: IamCatalog
  /**
   * The partition-key attribute name of a table, or of one of its indexes when `index` is given;
   * undefined when not known yet (the mapping then fails with KeySchemaUnknown).
   */
  readonly keySchema?: (table: string, index?: string) => string | undefined
  /** The key ARN an alias ARN (`arn:aws:kms:r:a:alias/x`) points to, if known. */
  readonly kmsAlias?: (aliasArn: string) => string | undefined
  /** The full ARN (with its random suffix) of the secret named `name` in the request's account. */
  readonly secretArn?: (name: string) => string | undefined
  /**
   * Host suffixes under which S3 is reached virtual-host style (`bucket.<suffix>`), besides AWS's
   * own (`s3.amazonaws.com`, `s3.<region>.amazonaws.com`, `s3-<region>.amazonaws.com`), e.g.
   * `localhost` or `s3.localhost.localstack.cloud`.
   */
  readonly s3HostSuffixes?: readonly string[]
}
