/**
 * Secrets Manager (JSON, `secretsmanager.<Operation>`). SecretId is a name or an ARN; a secret's
 * ARN ends in a random six-character suffix (`secret:prod/db-AbCdEf`), so names go through the
 * `secretArn` lookup. A name the lookup does not know (including CreateSecret's new name) is checked
 * as `secret:<name>-??????`, the shape of the ARN the secret has or will have: `secret:<name>-*`
 * and `secret:<prefix>/*` grants match it, a grant on one exact ARN does not. Condition keys from
 * the request: `secretsmanager:SecretId` (the ARN), `secretsmanager:VersionId`,
 * `secretsmanager:VersionStage`, and CreateSecret's `secretsmanager:Name`, `secretsmanager:Description`,
 * `secretsmanager:KmsKeyId`, plus request tags.
 */
import { parseArn } from '../policy/arn.js'
import type { MappedRequest } from './authorization.js'
import { GatewayError } from './gateway-error.js'
import { genericJsonMapping } from './generic.js'
import { optStrings, optString } from './json-input.js'
import type { Context, Mapping } from './mapping.js'
import type { JsonObject } from './protocol.js'

const S = 'secretsmanager'

export function secretArn(m: Mapping, id: string): { arn: string; reason?: string } {
  if (id.startsWith('arn:')) {
    const a = parseArn(id)
    if (a === undefined || a.service !== S || !a.resource.startsWith('secret:')) throw new GatewayError('InvalidParameter', `${id} is not a secret ARN`)
    return { arn: id }
  }
  if (id === '' || id.length > 512) throw new GatewayError('InvalidParameter', 'SecretId must be 1 to 512 characters')
  const known = m.lookups.secretArn?.(id)
  if (known !== undefined) return { arn: known }
  return { arn: m.arn(S, 'secret', { SecretId: `${id}-??????` }), reason: `secret ${id} is not known; checked as ${id}-?????? (its ARN's shape)` }
}

export function mapSecretsManager(m: Mapping, operation: string, input: JsonObject): MappedRequest {
  const ctx: Context = {}
  for (const [param, key] of [
    ['VersionId', 'secretsmanager:VersionId'],
    ['VersionStage', 'secretsmanager:VersionStage'],
    ['Name', 'secretsmanager:Name'],
    ['Description', 'secretsmanager:Description'],
    ['KmsKeyId', 'secretsmanager:KmsKeyId'],
  ] as const) {
    const v = optString(input, param)
    if (v !== undefined) ctx[key] = v
  }
  const id = optString(input, 'SecretId') ?? (operation === 'CreateSecret' ? optString(input, 'Name') : undefined)
  const resolved = id === undefined ? undefined : secretArn(m, id)
  if (resolved !== undefined && optString(input, 'SecretId') !== undefined) ctx['secretsmanager:SecretId'] = resolved.arn
  const reason = resolved?.reason
  if (operation === 'BatchGetSecretValue') {
    // BatchGetSecretValue needs its own (resource-less) permission and GetSecretValue on each secret.
    const ids = optStrings(input, 'SecretIdList') ?? []
    if (ids.length === 0) return m.unmapped(S, operation, 'BatchGetSecretValue by Filters: the secrets it reads are not named in the request')
    return m.result(operation, [
      m.check(S, 'BatchGetSecretValue', '*'),
      ...ids.map((one) => {
        const r = secretArn(m, one)
        return m.check(S, 'GetSecretValue', r.arn, { 'secretsmanager:SecretId': r.arn }, r.reason === undefined ? {} : { reason: r.reason })
      }),
    ])
  }
  const result = genericJsonMapping(m, S, operation, input, { context: ctx, resourceFor: (type) => (type === 'secret' ? resolved?.arn : undefined) })
  if (reason === undefined || result.unmapped) return result
  return { ...result, authorizations: result.authorizations.map((a) => ({ ...a, reason })) }
}
