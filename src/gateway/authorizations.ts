/**
 * The gateway's entry point: one AWS API request in, the IAM authorizations it needs out (or a
 * typed error for input that cannot be read). Pure: everything it needs is in the request and the
 * lookups.
 *
 * Context keys set here are only those the request itself carries (service keys, `aws:RequestTag/*`,
 * `aws:TagKeys`). The proxy adds the global keys it knows from the connection and the caller:
 * `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalTag/*`, `aws:userid`, `aws:SourceIp`,
 * `aws:SecureTransport`, `aws:CurrentTime`, `aws:EpochTime`, `aws:RequestedRegion`,
 * `aws:ResourceAccount`, `aws:ResourceTag/*` (from the backend), `kms:CallerAccount`.
 */
import type { MappedRequest } from './authorization.js'
import { GatewayError } from './gateway-error.js'
import { mapDynamoDb } from './dynamodb.js'
import { mapKms } from './kms.js'
import type { GatewayLookups } from './lookups.js'
import { Mapping } from './mapping.js'
import type { JsonObject } from './protocol.js'
import { detectProtocol } from './protocol.js'
import type { GatewayRequest } from './request.js'
import { mapS3 } from './s3.js'
import { mapSecretsManager } from './secrets-manager.js'
import { mapSns } from './sns.js'
import { mapSqs } from './sqs.js'
import { mapSsm } from './ssm.js'

export type AuthorizationsResult = ({ readonly ok: true } & MappedRequest) | { readonly ok: false; readonly error: GatewayError }

export function authorizationsFor(request: GatewayRequest, lookups: GatewayLookups): AuthorizationsResult {
  try {
    return { ok: true, ...map(request, lookups) }
  } catch (e) {
    if (e instanceof GatewayError) return { ok: false, error: e }
    throw e
  }
}

function map(request: GatewayRequest, lookups: GatewayLookups): MappedRequest {
  const m = new Mapping(request, lookups)
  const p = detectProtocol(request, lookups.s3HostSuffixes)
  if (p.kind === 'rest-xml') return mapS3(m, p.bucket, p.key)
  const service = request.service
  if (p.kind === 'json') {
    switch (service) {
      case 'dynamodb':
        return mapDynamoDb(m, p.operation, p.input)
      case 'sqs':
        return mapSqs(m, p.operation, p.input, 'json')
      case 'kms':
        return mapKms(m, p.operation, p.input)
      case 'secretsmanager':
        return mapSecretsManager(m, p.operation, p.input)
      case 'ssm':
        return mapSsm(m, p.operation, p.input)
      default:
        return m.unmapped(service, p.operation, `the gateway does not map ${service}`)
    }
  }
  switch (service) {
    case 'sqs':
      return mapSqs(m, p.operation, Object.fromEntries(p.params) as JsonObject, 'query')
    case 'sns':
      return mapSns(m, p.operation, p.params)
    default:
      return m.unmapped(service, p.operation, `the gateway does not map ${service}`)
  }
}
