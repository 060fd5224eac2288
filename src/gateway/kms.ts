/**
 * KMS (JSON, `TrentService.<Operation>`). The key is named by KeyId: a key id, a key ARN, an alias
 * name (`alias/x`) or an alias ARN. IAM evaluates the key an alias points to, so aliases go through
 * the `kmsAlias` lookup; an alias it cannot resolve is checked against the alias ARN itself (which
 * no key-scoped grant matches) and says so in `reason`. Condition keys from the request:
 * `kms:EncryptionContext:<k>` per pair and `kms:EncryptionContextKeys` (also from a grant's
 * constraints), `kms:EncryptionAlgorithm`, `kms:RequestAlias`, `kms:GrantOperations`,
 * `kms:GranteePrincipal`, `kms:RetiringPrincipal`, and CreateKey's `kms:KeySpec`, `kms:KeyUsage`,
 * `kms:KeyOrigin`, `kms:MultiRegion`, `kms:BypassPolicyLockoutSafetyCheck`. `kms:ViaService` is
 * never set (the gateway is called directly, not through another AWS service); `kms:CallerAccount`
 * is the proxy's, from the authenticated caller.
 */
import { parseArn } from '../policy/arn.js'
import type { Authorization, MappedRequest } from './authorization.js'
import { GatewayError } from './gateway-error.js'
import { genericJsonMapping } from './generic.js'
import { optBool, optObject, optString, optStrings } from './json-input.js'
import type { Context, Mapping } from './mapping.js'
import type { JsonObject } from './protocol.js'

const S = 'kms'

interface Key {
  readonly arn: string
  /** The alias the request used, for kms:RequestAlias. */
  readonly alias?: string
  readonly reason?: string
}

function resolveKey(m: Mapping, keyId: string): Key {
  let aliasArn: string | undefined
  let alias: string | undefined
  if (keyId.startsWith('arn:')) {
    const a = parseArn(keyId)
    if (a === undefined || a.service !== S) throw new GatewayError('InvalidParameter', `Invalid keyId ${keyId}`)
    if (a.resource.startsWith('key/')) return { arn: keyId }
    if (!a.resource.startsWith('alias/')) throw new GatewayError('InvalidParameter', `Invalid keyId ${keyId}`)
    aliasArn = keyId
    alias = a.resource
  } else if (keyId.startsWith('alias/')) {
    alias = keyId
    aliasArn = m.arn(S, 'alias', { Alias: keyId.slice('alias/'.length) })
  } else {
    if (keyId === '' || keyId.includes('/') || keyId.includes(':')) throw new GatewayError('InvalidParameter', `Invalid keyId ${keyId}`)
    return { arn: m.arn(S, 'key', { KeyId: keyId }) }
  }
  const target = m.lookups.kmsAlias?.(aliasArn)
  if (target !== undefined) return { arn: target, alias }
  return { arn: aliasArn, alias, reason: `alias ${alias} could not be resolved to a key; checked against the alias ARN` }
}

function encryptionContext(ec: JsonObject | undefined, into: Context): void {
  if (ec === undefined) return
  const keys: string[] = []
  for (const [k, v] of Object.entries(ec)) {
    if (typeof v !== 'string') throw new GatewayError('InvalidParameter', 'EncryptionContext values must be strings')
    keys.push(k)
    into[`kms:EncryptionContext:${k}`] = v
  }
  into['kms:EncryptionContextKeys'] = [...(Array.isArray(into['kms:EncryptionContextKeys']) ? (into['kms:EncryptionContextKeys'] as string[]) : []), ...keys]
}

function requestContext(input: JsonObject): Context {
  const ctx: Context = {}
  encryptionContext(optObject(input, 'EncryptionContext'), ctx)
  const constraints = optObject(input, 'Constraints')
  if (constraints !== undefined) {
    encryptionContext(optObject(constraints, 'EncryptionContextEquals'), ctx)
    encryptionContext(optObject(constraints, 'EncryptionContextSubset'), ctx)
  }
  const strings: readonly (readonly [string, string])[] = [
    ['EncryptionAlgorithm', 'kms:EncryptionAlgorithm'],
    ['SigningAlgorithm', 'kms:SigningAlgorithm'],
    ['MessageType', 'kms:MessageType'],
    ['GranteePrincipal', 'kms:GranteePrincipal'],
    ['RetiringPrincipal', 'kms:RetiringPrincipal'],
    ['KeySpec', 'kms:KeySpec'],
    ['KeyUsage', 'kms:KeyUsage'],
    ['Origin', 'kms:KeyOrigin'],
  ]
  for (const [param, key] of strings) {
    const v = optString(input, param)
    if (v !== undefined) ctx[key] = v
  }
  const operations = optStrings(input, 'Operations')
  if (operations !== undefined) ctx['kms:GrantOperations'] = operations
  for (const [param, key] of [['MultiRegion', 'kms:MultiRegion'], ['BypassPolicyLockoutSafetyCheck', 'kms:BypassPolicyLockoutSafetyCheck']] as const) {
    const v = optBool(input, param)
    if (v !== undefined) ctx[key] = v
  }
  return ctx
}

function keyCheck(m: Mapping, action: string, keyId: string, ctx: Context, reason?: string): Authorization {
  const key = resolveKey(m, keyId)
  const why = [reason, key.reason].filter((x) => x !== undefined).join('; ')
  return m.check(S, action, key.arn, { ...ctx, ...(key.alias === undefined ? {} : { 'kms:RequestAlias': key.alias }) }, why === '' ? {} : { reason: why })
}

export function mapKms(m: Mapping, operation: string, input: JsonObject): MappedRequest {
  const ctx = requestContext(input)
  if (operation === 'ReEncrypt') {
    const destination = optString(input, 'DestinationKeyId')
    const source = optString(input, 'SourceKeyId')
    if (destination === undefined) throw new GatewayError('MissingParameter', 'DestinationKeyId is required')
    if (source === undefined) return m.unmapped(S, 'ReEncryptFrom', 'ReEncrypt without SourceKeyId: the source key is inside the ciphertext')
    const from: Context = { ...ctx }
    encryptionContext(optObject(input, 'SourceEncryptionContext'), from)
    const to: Context = {}
    encryptionContext(optObject(input, 'DestinationEncryptionContext'), to)
    return m.result(operation, [keyCheck(m, 'ReEncryptFrom', source, from, 'decrypting with the source key'), keyCheck(m, 'ReEncryptTo', destination, to, 'encrypting with the destination key')])
  }
  if (operation === 'Decrypt' && optString(input, 'KeyId') === undefined) {
    return m.unmapped(S, 'Decrypt', 'Decrypt without KeyId: the key is inside the ciphertext, which the gateway does not read')
  }
  const keyId = optString(input, 'KeyId')
  const action = m.lookups.catalog.action(S, operation)
  if (keyId !== undefined && action !== undefined && action.resourceTypes.length === 1 && action.resourceTypes[0]?.name === 'key') {
    return m.result(operation, [keyCheck(m, operation, keyId, ctx)])
  }
  return genericJsonMapping(m, S, operation, input, {
    context: ctx,
    resourceFor: (type) => {
      if (type === 'key') {
        const id = optString(input, 'TargetKeyId') ?? optString(input, 'KeyId')
        return id === undefined ? undefined : resolveKey(m, id).arn
      }
      if (type === 'alias') {
        const alias = optString(input, 'AliasName')
        if (alias === undefined) return undefined
        if (!alias.startsWith('alias/')) throw new GatewayError('InvalidParameter', 'AliasName must begin with alias/')
        return m.arn(S, 'alias', { Alias: alias.slice('alias/'.length) })
      }
      return undefined
    },
  })
}
