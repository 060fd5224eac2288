/**
 * The closed set of reasons a request cannot be mapped to authorizations. The proxy turns each into
 * the service's own error shape (an S3 XML error, a JSON `__type`, a Query `ErrorResponse`); the
 * status is the one AWS answers for the same fault.
 */
export const GATEWAY_ERROR_CODES = {
  /** The body is not the JSON object the X-Amz-Target protocol requires. */
  MalformedJson: 400,
  /** An AWS Query form body cannot be read, or names a parameter twice. */
  MalformedQuery: 400,
  /** An XML body (S3 DeleteObjects) is not the expected document. */
  MalformedXml: 400,
  /** The operation needs a body the proxy did not pass. */
  MissingBody: 400,
  /** No operation can be recognised (no X-Amz-Target, no Action, unknown S3 shape). */
  UnknownOperation: 400,
  /** A required parameter is missing. */
  MissingParameter: 400,
  /** A parameter cannot be read (an unparsable queue URL, a bad ARN, a wrong type). */
  InvalidParameter: 400,
  /**
   * DynamoDB fine-grained access needs the table's partition-key name and the lookup did not know
   * it: the proxy reads it (DescribeTable), caches it and maps the request again.
   */
  KeySchemaUnknown: 503,
} as const

export type GatewayErrorCode = keyof typeof GATEWAY_ERROR_CODES

export class GatewayError extends Error {
  readonly code: GatewayErrorCode
  /** The table whose key schema is needed, for KeySchemaUnknown. */
  readonly table: string | undefined

  constructor(code: GatewayErrorCode, message: string, table?: string) {
    super(message)
    this.name = 'GatewayError'
    this.code = code
    this.table = table
  }

  get status(): number {
    return GATEWAY_ERROR_CODES[this.code]
  }
}
