/**
 * One AWS API request as the gateway sees it after SigV4 verification: what the client sent, plus
 * what the signature established (the service and region of the credential scope) and where the
 * request is going (the target account and partition). Nothing here is read from a clock, a socket
 * or a disk: the proxy fills it in.
 */

/** Query-string parameters; a name may repeat, so each carries every value in order. */
export type QueryMultiMap = Readonly<Record<string, readonly string[]>>

export interface GatewayRequest {
  readonly method: string
  /** The Host header, possibly with a port (`bucket.s3.eu-west-1.amazonaws.com`, `localhost:4566`). */
  readonly host: string
  /** The path, still percent-encoded as it was sent (`/bucket/a%20key`). */
  readonly path: string
  /** Decoded query parameters. */
  readonly query: QueryMultiMap
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  /**
   * The body, only for small non-streaming bodies the mapping needs (JSON and AWS Query forms,
   * S3 DeleteObjects and bucket-configuration XML); undefined for object uploads.
   */
  readonly body?: Buffer | undefined
  /** The service of the SigV4 credential scope (`s3`, `dynamodb`, `sqs`, …). */
  readonly service: string
  /** The region of the SigV4 credential scope. */
  readonly region: string
  /** The account the request acts in (the owner of the resources it names). */
  readonly account: string
  /** `aws`, `aws-cn`, `aws-us-gov`, … */
  readonly partition: string
}

/** The first value of a query parameter, if present. */
export function queryValue(query: QueryMultiMap, name: string): string | undefined {
  const v = Object.hasOwn(query, name) ? query[name] : undefined
  return v === undefined ? undefined : v[0]
}

export function hasQuery(query: QueryMultiMap, name: string): boolean {
  return Object.hasOwn(query, name)
}
