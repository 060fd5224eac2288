/**
 * The gateway's refusals in each service's own error shape, so SDKs and the CLI raise the error
 * class they raise against AWS:
 * - S3 (REST-XML): `<Error><Code>…</Code><Message>…</Message><RequestId>…</RequestId></Error>`;
 * - JSON services: `{"__type": "…#Code", "message": …}` (SQS's JSON protocol also carries AWS
 *   Query's code in `x-amzn-query-error`, which its SDKs read);
 * - AWS Query (SNS, SQS's older protocol): `<ErrorResponse><Error><Type/><Code/><Message/></Error>`.
 * The codes and statuses are what each service answers for the same fault.
 */
import { escapeXml } from '../aws/xml.js'

/** Why the gateway refuses a request (a closed set; each service names it its own way below). */
export type GatewayFault =
  | 'AccessDenied'
  | 'MissingAuthenticationToken'
  | 'InvalidClientTokenId'
  | 'ExpiredToken'
  | 'SignatureDoesNotMatch'
  | 'IncompleteSignature'
  | 'ContentSha256Mismatch'
  | 'MissingContentSha256'
  | 'BadDigest'
  | 'IncompleteBody'
  | 'InvalidRequest'
  | 'EntityTooLarge'
  | 'Malformed'
  | 'ServiceUnavailable'
  | 'BackendUnavailable'
  | 'InternalFailure'

export type WireShape = 's3' | 'json' | 'query'

type Named = readonly [code: string, status: number]

const S3: Readonly<Record<GatewayFault, Named>> = {
  AccessDenied: ['AccessDenied', 403],
  MissingAuthenticationToken: ['AccessDenied', 403],
  InvalidClientTokenId: ['InvalidAccessKeyId', 403],
  ExpiredToken: ['ExpiredToken', 400],
  SignatureDoesNotMatch: ['SignatureDoesNotMatch', 403],
  IncompleteSignature: ['AuthorizationHeaderMalformed', 400],
  ContentSha256Mismatch: ['XAmzContentSHA256Mismatch', 400],
  MissingContentSha256: ['InvalidRequest', 400],
  BadDigest: ['BadDigest', 400],
  IncompleteBody: ['IncompleteBody', 400],
  InvalidRequest: ['InvalidRequest', 400],
  EntityTooLarge: ['EntityTooLarge', 400],
  Malformed: ['InvalidRequest', 400],
  ServiceUnavailable: ['ServiceUnavailable', 503],
  BackendUnavailable: ['ServiceUnavailable', 503],
  InternalFailure: ['InternalError', 500],
}

const JSON_CODES: Readonly<Record<GatewayFault, Named>> = {
  AccessDenied: ['AccessDeniedException', 400],
  MissingAuthenticationToken: ['MissingAuthenticationTokenException', 400],
  InvalidClientTokenId: ['UnrecognizedClientException', 400],
  ExpiredToken: ['ExpiredTokenException', 400],
  SignatureDoesNotMatch: ['InvalidSignatureException', 400],
  IncompleteSignature: ['InvalidSignatureException', 400],
  ContentSha256Mismatch: ['InvalidSignatureException', 400],
  MissingContentSha256: ['InvalidSignatureException', 400],
  BadDigest: ['SerializationException', 400],
  IncompleteBody: ['SerializationException', 400],
  InvalidRequest: ['ValidationException', 400],
  EntityTooLarge: ['RequestEntityTooLarge', 413],
  Malformed: ['SerializationException', 400],
  ServiceUnavailable: ['ServiceUnavailable', 503],
  BackendUnavailable: ['ServiceUnavailable', 503],
  InternalFailure: ['InternalFailure', 500],
}

const QUERY_CODES: Readonly<Record<GatewayFault, Named>> = {
  AccessDenied: ['AccessDenied', 403],
  MissingAuthenticationToken: ['MissingAuthenticationToken', 403],
  InvalidClientTokenId: ['InvalidClientTokenId', 403],
  ExpiredToken: ['ExpiredToken', 403],
  SignatureDoesNotMatch: ['SignatureDoesNotMatch', 403],
  IncompleteSignature: ['IncompleteSignature', 400],
  ContentSha256Mismatch: ['SignatureDoesNotMatch', 403],
  MissingContentSha256: ['IncompleteSignature', 400],
  BadDigest: ['MalformedQueryString', 400],
  IncompleteBody: ['MalformedQueryString', 400],
  InvalidRequest: ['InvalidParameterValue', 400],
  EntityTooLarge: ['RequestEntityTooLarge', 413],
  Malformed: ['MalformedQueryString', 400],
  ServiceUnavailable: ['ServiceUnavailable', 503],
  BackendUnavailable: ['ServiceUnavailable', 503],
  InternalFailure: ['InternalFailure', 500],
}

/** JSON protocol version and `__type` namespace by signing name. */
const JSON_SERVICE: Readonly<Record<string, { readonly version: string; readonly namespace?: string }>> = {
  dynamodb: { version: '1.0', namespace: 'com.amazonaws.dynamodb.v20120810' },
  sqs: { version: '1.0', namespace: 'com.amazon.coral.service' },
  kms: { version: '1.1' },
  secretsmanager: { version: '1.1' },
  ssm: { version: '1.1' },
}

const QUERY_NAMESPACE: Readonly<Record<string, string>> = {
  sns: 'http://sns.amazonaws.com/doc/2010-03-31/',
  sqs: 'http://queue.amazonaws.com/doc/2012-11-05/',
}

/** Which shape a request of `service` expects: S3 is REST-XML; an X-Amz-Target names a JSON protocol; else Query. */
export function wireShape(service: string | undefined, hasTarget: boolean): WireShape {
  if (service === 's3') return 's3'
  if (hasTarget) return 'json'
  return service === undefined ? 's3' : 'query'
}

export interface ErrorResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export function gatewayErrorResponse(fault: GatewayFault, shape: WireShape, service: string | undefined, message: string, requestId: string): ErrorResponse {
  if (shape === 's3') {
    const [code, status] = S3[fault]
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`
    return { status, headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId }, body }
  }
  if (shape === 'json') {
    const [code, base] = JSON_CODES[fault]
    const svc = service === undefined ? undefined : JSON_SERVICE[service]
    const sqs = service === 'sqs'
    // SQS's JSON protocol keeps its Query codes and statuses (AccessDenied is a 403 there).
    const [queryCode, queryStatus] = QUERY_CODES[fault]
    const status = sqs ? queryStatus : fault === 'AccessDenied' && service !== undefined && svc === undefined ? 403 : base
    const type = svc?.namespace === undefined ? code : `${svc.namespace}#${code}`
    const headers: Record<string, string> = { 'content-type': `application/x-amz-json-${svc?.version ?? '1.1'}`, 'x-amzn-requestid': requestId }
    if (sqs) headers['x-amzn-query-error'] = `${queryCode};${queryStatus < 500 ? 'Sender' : 'Receiver'}`
    return { status, headers, body: JSON.stringify({ __type: type, message }) }
  }
  const [named, status] = QUERY_CODES[fault]
  const code = fault === 'AccessDenied' && service === 'sns' ? 'AuthorizationError' : named
  const ns = service === undefined ? undefined : QUERY_NAMESPACE[service]
  const body = `<?xml version="1.0"?>\n<ErrorResponse${ns === undefined ? '' : ` xmlns="${ns}"`}><Error><Type>${status < 500 ? 'Sender' : 'Receiver'}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  return { status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body }
}
