/**
 * Which identity a pod gets, in upstream's order: container credentials (EKS Pod Identity) first,
 * then web identity from the SA annotations or the ConfigMap, else none. Pure: randomness (the
 * container-credentials expiration jitter) is passed in.
 */
import { parseGoInt64 } from './annotation-values.js'
import type { WebhookConfig } from './config.js'
import { DEFAULT_TOKEN_EXPIRATION, JITTER_MIN_EXPIRATION, MIN_TOKEN_EXPIRATION, WEB_IDENTITY_TOKEN_PATH, WEB_IDENTITY_VOLUME_NAME } from './config.js'
import type { ConfigMapEntry, ServiceAccountRecord } from './service-account.js'
import { serviceAccountIdentity } from './service-account.js'

/** Where a web-identity role came from. */
export type RoleSource = 'service-account' | 'config-map' | 'config-map-wildcard'

export interface TokenProjection {
  /** Empty: no audience in the projection (the API server's default applies). */
  readonly audience: string
  readonly mountPath: string
  readonly volumeName: string
  readonly tokenPath: string
  readonly expiration: number
  readonly useRegionalSts: boolean
}

export interface WebIdentity extends TokenProjection {
  readonly mode: 'web-identity'
  readonly roleArn: string
  readonly roleSource: RoleSource
  /** The role ARN does not match the IAM role ARN pattern; injected anyway, as upstream does. */
  readonly roleArnInvalid: boolean
}

export interface ContainerCredentialsIdentity extends TokenProjection {
  readonly mode: 'container-credentials'
  readonly fullUri: string
  /** The expiration was exactly 86400 and was replaced by a random value in [79200, 86400]. */
  readonly jittered: boolean
}

export interface NoIdentity {
  readonly mode: 'none'
  readonly reason: 'service-account-not-found' | 'no-role'
}

export type ResolvedIdentity = WebIdentity | ContainerCredentialsIdentity | NoIdentity

export interface ResolveInput {
  readonly namespace: string
  readonly serviceAccountName: string
  /** The SA, when the source knows it. */
  readonly serviceAccount: ServiceAccountRecord | undefined
  readonly configMap: ReadonlyMap<string, ConfigMapEntry>
  /** (namespace, SA) is listed in the container-credentials identities. */
  readonly containerCredentials: boolean
  readonly podAnnotations: Readonly<Record<string, string>>
  readonly config: WebhookConfig
  /** A uniform random integer in [min, max], both inclusive. */
  readonly randomInt: (min: number, max: number) => number
}

/** The pod's `token-expiration` annotation: a valid integer v becomes max(v, 600), else ignored. */
function podExpiration(annotations: Readonly<Record<string, string>>, prefix: string, fallback: number): number {
  const raw = annotations[`${prefix}/token-expiration`]
  const v = raw === undefined ? undefined : parseGoInt64(raw)
  return v === undefined ? fallback : Math.max(v, MIN_TOKEN_EXPIRATION)
}

export function resolveIdentity(input: ResolveInput): ResolvedIdentity {
  const { config, namespace, serviceAccountName: name } = input
  const prefix = config.annotationPrefix
  if (input.containerCredentials) {
    let sts = false
    let exp = DEFAULT_TOKEN_EXPIRATION
    if (input.serviceAccount !== undefined) {
      const id = serviceAccountIdentity(input.serviceAccount, config)
      sts = id.useRegionalSts
      exp = id.tokenExpiration
    } else {
      // Upstream: the exact ConfigMap entry only (no "*"), else (false, 86400) — not the flags.
      const cm = input.configMap.get(`${namespace}/${name}`)
      if (cm !== undefined) {
        sts = cm.useRegionalSts
        exp = cm.tokenExpiration
      }
    }
    exp = podExpiration(input.podAnnotations, prefix, exp)
    const jittered = exp === DEFAULT_TOKEN_EXPIRATION
    if (jittered) exp = input.randomInt(JITTER_MIN_EXPIRATION, DEFAULT_TOKEN_EXPIRATION)
    const cc = config.containerCredentials
    return {
      mode: 'container-credentials',
      audience: cc.audience,
      mountPath: cc.mountPath,
      volumeName: cc.volumeName,
      tokenPath: cc.tokenPath,
      fullUri: cc.fullUri,
      useRegionalSts: sts,
      expiration: exp,
      jittered,
    }
  }

  let found = false
  let role: { roleArn: string; audience: string; useRegionalSts: boolean; tokenExpiration: number; roleArnInvalid: boolean; source: RoleSource } | undefined
  if (input.serviceAccount !== undefined) {
    found = true
    const id = serviceAccountIdentity(input.serviceAccount, config)
    if (id.roleArn !== '') role = { ...id, source: 'service-account' }
  }
  if (role === undefined) {
    const exact = input.configMap.get(`${namespace}/${name}`)
    const wildcard = exact === undefined ? input.configMap.get(`*/${name}`) : undefined
    const cm = exact ?? wildcard
    if (cm !== undefined) {
      found = true
      if (cm.roleArn !== '') {
        role = {
          roleArn: cm.roleArn,
          audience: cm.audience,
          useRegionalSts: cm.useRegionalSts,
          tokenExpiration: cm.tokenExpiration,
          roleArnInvalid: false,
          source: exact !== undefined ? 'config-map' : 'config-map-wildcard',
        }
      }
    }
  }
  if (role === undefined) return { mode: 'none', reason: found ? 'no-role' : 'service-account-not-found' }
  return {
    mode: 'web-identity',
    roleArn: role.roleArn,
    roleSource: role.source,
    roleArnInvalid: role.roleArnInvalid,
    audience: role.audience,
    mountPath: config.tokenMountPath,
    volumeName: WEB_IDENTITY_VOLUME_NAME,
    tokenPath: WEB_IDENTITY_TOKEN_PATH,
    expiration: podExpiration(input.podAnnotations, prefix, role.tokenExpiration),
    useRegionalSts: role.useRegionalSts,
  }
}
