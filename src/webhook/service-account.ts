/**
 * What the webhook knows about a ServiceAccount, and how its annotations become an identity entry
 * (role-arn, audience, sts-regional-endpoints, token-expiration under the annotation prefix, with
 * upstream's parse rules and flag defaults). Every source (Kubernetes informer, file, irsa store)
 * produces `ServiceAccountRecord`s; only this file reads their annotations.
 */
import { parseGoBool, parseGoInt64 } from './annotation-values.js'
import type { WebhookConfig } from './config.js'
import { MIN_TOKEN_EXPIRATION } from './config.js'

/** A ServiceAccount as the webhook sees it: its key and its annotations. */
export interface ServiceAccountRecord {
  readonly namespace: string
  readonly name: string
  readonly annotations: Readonly<Record<string, string>>
}

/** A role mapping from the `pod-identity-webhook` ConfigMap (`--watch-config-map`), keyed `ns/sa` (namespace `*`: any). */
export interface ConfigMapEntry {
  readonly roleArn: string
  /** Not defaulted to --token-audience: empty means "no audience in the projection". */
  readonly audience: string
  readonly useRegionalSts: boolean
  /** 0 in the data means --token-expiration; other values are taken as they are (no 600 floor). */
  readonly tokenExpiration: number
}

/** An SA's identity settings after defaults: the upstream cache entry. */
export interface ServiceAccountIdentity {
  /** Empty when the SA has no role (or an empty role-arn). */
  readonly roleArn: string
  readonly audience: string
  readonly useRegionalSts: boolean
  readonly tokenExpiration: number
  /** Set when role-arn does not look like an IAM role ARN; upstream injects it anyway. */
  readonly roleArnInvalid: boolean
}

const ROLE_ARN = /^arn:aws[a-z0-9-]*:iam::\d{12}:role\/[\w\-/.@+=,]+$/

/** Read an SA's annotations; an absent or invalid value takes the flag's default, as upstream does. */
export function serviceAccountIdentity(sa: ServiceAccountRecord, config: WebhookConfig): ServiceAccountIdentity {
  const p = config.annotationPrefix
  const a = sa.annotations
  let roleArn = a[`${p}/role-arn`] ?? ''
  // Deliberate fix: upstream composes "" into "arn:…:role/" and injects it; an empty value is "no role".
  if (roleArn !== '' && config.composeRoleArn !== undefined && !roleArn.includes('arn:')) {
    roleArn = `arn:${config.composeRoleArn.partition}:iam::${config.composeRoleArn.accountId}:role/${roleArn}`
  }
  const audience = a[`${p}/audience`] ?? config.tokenAudience
  const sts = a[`${p}/sts-regional-endpoints`]
  const useRegionalSts = (sts === undefined ? undefined : parseGoBool(sts)) ?? config.stsRegionalEndpoint
  const exp = a[`${p}/token-expiration`]
  const parsed = exp === undefined ? undefined : parseGoInt64(exp)
  const tokenExpiration = parsed === undefined ? config.tokenExpiration : Math.max(parsed, MIN_TOKEN_EXPIRATION)
  return { roleArn, audience, useRegionalSts, tokenExpiration, roleArnInvalid: roleArn !== '' && !ROLE_ARN.test(roleArn) }
}

/**
 * Parse the ConfigMap's `config` key: `{"ns/sa": {"RoleARN": …, "Audience": …, "UseRegionalSTS": …,
 * "TokenExpiration": …}}`, field names matched case-insensitively as Go's JSON decoder does. Keys
 * without "/" are skipped (upstream panics on them). Returns the entries and the skipped keys.
 */
export function parseConfigMapData(text: string, config: WebhookConfig): { entries: Map<string, ConfigMapEntry>; skipped: string[] } {
  const entries = new Map<string, ConfigMapEntry>()
  const skipped: string[] = []
  const data: unknown = JSON.parse(text)
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new TypeError('the ConfigMap config must be a JSON object')
  for (const [key, raw] of Object.entries(data as Record<string, unknown>)) {
    if (!key.includes('/') || raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      skipped.push(key)
      continue
    }
    const field = (name: string): unknown => {
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) if (k.toLowerCase() === name) return v
      return undefined
    }
    const role = field('rolearn')
    const audience = field('audience')
    const sts = field('useregionalsts')
    const exp = field('tokenexpiration')
    const tokenExpiration = typeof exp === 'number' && Number.isInteger(exp) && exp !== 0 ? exp : config.tokenExpiration
    entries.set(key, {
      roleArn: typeof role === 'string' ? role : '',
      audience: typeof audience === 'string' ? audience : '',
      useRegionalSts: sts === true,
      tokenExpiration,
    })
  }
  return { entries, skipped }
}
