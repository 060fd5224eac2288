/**
 * The webhook's configuration: every business-logic flag of aws/amazon-eks-pod-identity-webhook
 * with the same meaning and the same default as upstream's main.go.
 */
import { POD_IDENTITY_SERVICE, STS_AUDIENCE } from '../model/aws-names.js'

export interface WebhookConfig {
  /** `--annotation-prefix`: prefix of the SA and pod annotation keys. Not of the pod-identity label. */
  readonly annotationPrefix: string
  /** `--token-audience`: default audience in web-identity mode. */
  readonly tokenAudience: string
  /** `--token-mount-path`: mount path in web-identity mode. */
  readonly tokenMountPath: string
  /** `--token-expiration`: default expirationSeconds, already clamped to at least 600. */
  readonly tokenExpiration: number
  /** `--aws-default-region`: injected as AWS_DEFAULT_REGION and AWS_REGION when non-empty. */
  readonly region: string
  /** `--sts-regional-endpoint`: default for AWS_STS_REGIONAL_ENDPOINTS=regional. */
  readonly stsRegionalEndpoint: boolean
  /** `--compose-role-arn`: build `arn:<partition>:iam::<account>:role/<value>` from a bare role name. */
  readonly composeRoleArn: { readonly partition: string; readonly accountId: string } | undefined
  /** Container-credentials (EKS Pod Identity) mode settings. */
  readonly containerCredentials: ContainerCredentialsConfig
  /** `--watch-config-map` namespace (`--namespace`), or undefined when the ConfigMap is not used. */
  readonly configMapNamespace: string | undefined
  /** `--service-account-lookup-grace-period` in milliseconds; 0 disables waiting. */
  readonly gracePeriodMs: number
  /** `--enforce`: the guardrail denies pods whose role is shared or whose trust admits wildcards. */
  readonly enforce: boolean
}

export interface ContainerCredentialsConfig {
  readonly audience: string
  readonly mountPath: string
  readonly volumeName: string
  readonly tokenPath: string
  readonly fullUri: string
}

/** Fixed values in web-identity mode that no upstream flag changes. */
export const WEB_IDENTITY_VOLUME_NAME = 'aws-iam-token'
export const WEB_IDENTITY_TOKEN_PATH = 'token'
/** The container-credentials label; hard-coded upstream, it does not follow --annotation-prefix. */
export const POD_IDENTITY_LABEL = 'eks.amazonaws.com/pod-identity'
export const MIN_TOKEN_EXPIRATION = 600
export const DEFAULT_TOKEN_EXPIRATION = 86400
/** Container-credentials jitter: an expiration of exactly 86400 s becomes uniform in [79200, 86400]. */
export const JITTER_MIN_EXPIRATION = 79200

export const DEFAULT_CONFIG: WebhookConfig = {
  annotationPrefix: 'eks.amazonaws.com',
  tokenAudience: STS_AUDIENCE,
  tokenMountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount',
  tokenExpiration: DEFAULT_TOKEN_EXPIRATION,
  region: '',
  stsRegionalEndpoint: false,
  composeRoleArn: undefined,
  containerCredentials: {
    audience: POD_IDENTITY_SERVICE,
    mountPath: `/var/run/secrets/${POD_IDENTITY_SERVICE}/serviceaccount`,
    volumeName: 'eks-pod-identity-token',
    tokenPath: 'eks-pod-identity-token',
    fullUri: 'http://169.254.170.23/v1/credentials',
  },
  configMapNamespace: undefined,
  gracePeriodMs: 0,
  enforce: false,
}

export type WebhookConfigInput = Partial<Omit<WebhookConfig, 'containerCredentials'>> & {
  readonly containerCredentials?: Partial<ContainerCredentialsConfig>
}

/** Fill defaults and apply the startup clamp of `--token-expiration` (below 600 becomes 600). */
export function webhookConfig(input: WebhookConfigInput = {}): WebhookConfig {
  const merged: WebhookConfig = {
    ...DEFAULT_CONFIG,
    ...input,
    containerCredentials: { ...DEFAULT_CONFIG.containerCredentials, ...input.containerCredentials },
  }
  return { ...merged, tokenExpiration: Math.max(merged.tokenExpiration, MIN_TOKEN_EXPIRATION) }
}

/** Partition of a region by its prefix, checked in upstream's order, for `--compose-role-arn`. */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  if (region.startsWith('us-iso-')) return 'aws-iso'
  if (region.startsWith('us-isob-')) return 'aws-iso-b'
  if (region.startsWith('eusc-')) return 'aws-eusc'
  return 'aws'
}
