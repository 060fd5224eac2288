/**
 * Which wire protocol a request speaks, and the operation it names:
 * - REST-XML (S3): the operation follows from the method, the bucket and key, and sub-resources;
 *   the bucket comes from the path (`/bucket/key`) or, virtual-host style, from the Host
 *   (`bucket.s3.<region>.amazonaws.com`, or `bucket.<suffix>` for a configured suffix).
 * - JSON (DynamoDB, SQS, KMS, Secrets Manager, SSM): `X-Amz-Target: <prefix>.<Operation>`.
 * - AWS Query (SQS, SNS): `Action=<Operation>` in a form body or the query string.
 */
import { GatewayError } from './gateway-error.js'
import type { GatewayRequest } from './request.js'

export type JsonObject = Record<string, unknown>

export type Protocol =
  | { readonly kind: 'rest-xml'; readonly bucket: string | undefined; readonly key: string | undefined }
  | { readonly kind: 'json'; readonly operation: string; readonly input: JsonObject }
  | { readonly kind: 'query'; readonly operation: string; readonly params: ReadonlyMap<string, string> }

/** The X-Amz-Target prefix of each JSON service, by signing name. */
export const JSON_TARGET_PREFIX: Readonly<Record<string, string>> = {
  dynamodb: 'DynamoDB_20120810',
  sqs: 'AmazonSQS',
  kms: 'TrentService',
  secretsmanager: 'secretsmanager',
  ssm: 'AmazonSSM',
}

export function detectProtocol(request: GatewayRequest, s3HostSuffixes: readonly string[] = []): Protocol {
  if (request.service === 's3') return restXml(request, s3HostSuffixes)
  const target = request.headers['x-amz-target']
  if (target !== undefined) return json(request, target)
  return query(request)
}

function json(request: GatewayRequest, target: string): Protocol {
  const dot = target.lastIndexOf('.')
  const prefix = dot < 0 ? '' : target.slice(0, dot)
  const operation = target.slice(dot + 1)
  const expected = Object.hasOwn(JSON_TARGET_PREFIX, request.service) ? JSON_TARGET_PREFIX[request.service] : undefined
  if (operation === '' || (expected !== undefined && prefix !== expected)) {
    throw new GatewayError('UnknownOperation', `X-Amz-Target ${target} names no ${request.service} operation`)
  }
  if (request.body === undefined) throw new GatewayError('MissingBody', `${operation} needs its JSON body`)
  const text = request.body.toString('utf8').trim()
  let input: unknown
  try {
    input = text === '' ? {} : JSON.parse(text)
  } catch {
    throw new GatewayError('MalformedJson', 'The request body is not valid JSON')
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new GatewayError('MalformedJson', 'The request body is not a JSON object')
  return { kind: 'json', operation, input: input as JsonObject }
}

function query(request: GatewayRequest): Protocol {
  const params = new Map<string, string>()
  const add = (k: string, v: string) => {
    if (params.has(k)) throw new GatewayError('MalformedQuery', `Parameter ${k} is given more than once`)
    params.set(k, v)
  }
  for (const [k, values] of Object.entries(request.query)) for (const v of values) add(k, v)
  const type = request.headers['content-type'] ?? ''
  if (request.body !== undefined && type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(request.body.toString('utf8'))) add(k, v)
  }
  const operation = params.get('Action')
  if (operation === undefined || operation === '') throw new GatewayError('UnknownOperation', 'The request names no operation (no X-Amz-Target header, no Action parameter)')
  return { kind: 'query', operation, params }
}

function hostName(host: string): string {
  const h = host.toLowerCase()
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1)
  const colon = h.lastIndexOf(':')
  return colon < 0 ? h : h.slice(0, colon)
}

function awsDns(partition: string): string {
  return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'
}

/** AWS's own S3 endpoints for a region, in the partition's DNS suffix. */
function awsSuffixes(region: string, partition: string): string[] {
  const dns = awsDns(partition)
  return [`s3.${dns}`, `s3.${region}.${dns}`, `s3-${region}.${dns}`, `s3.dualstack.${region}.${dns}`, `s3-external-1.${dns}`]
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new GatewayError('InvalidParameter', 'The request path is not valid percent-encoding')
  }
}

function restXml(request: GatewayRequest, extra: readonly string[]): Protocol {
  const host = hostName(request.host)
  const path = request.path.startsWith('/') ? request.path.slice(1) : request.path
  const aws = awsSuffixes(request.region, request.partition)
  for (const suffix of [...aws, ...extra.map((s) => s.toLowerCase())]) {
    if (host.length > suffix.length + 1 && host.endsWith(`.${suffix}`)) {
      const bucket = host.slice(0, host.length - suffix.length - 1)
      return { kind: 'rest-xml', bucket, key: path === '' ? undefined : decodePath(path) }
    }
  }
  // Any other AWS host (another region's endpoint, an access point): reading it as path style
  // would name a different bucket than the one the request is for, so it is refused.
  if (host.endsWith(`.${awsDns(request.partition)}`) && !aws.includes(host)) {
    throw new GatewayError('InvalidParameter', `${host} is not an S3 endpoint of ${request.region}`)
  }
  if (path === '') return { kind: 'rest-xml', bucket: undefined, key: undefined }
  const slash = path.indexOf('/')
  const bucket = decodePath(slash < 0 ? path : path.slice(0, slash))
  const key = slash < 0 || slash === path.length - 1 ? undefined : decodePath(path.slice(slash + 1))
  return { kind: 'rest-xml', bucket, key }
}
