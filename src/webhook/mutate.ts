/**
 * The pure core: a checked pod, its resolved identity and the configuration in; a minimal JSON
 * Patch and the decision as data out. No network, disk or clock.
 *
 * Same injection rules as upstream aws/amazon-eks-pod-identity-webhook (which env vars, volume and
 * mounts each container gets, and which it keeps), but the patch only *adds*:
 * env entries and volume mounts are appended to each container (`…/env/-`), never by rewriting
 * the container, so fields this webhook does not know survive (upstream issues #84, #165, #208).
 */
import { parseGoCsvRecord } from './annotation-values.js'
import type { WebhookConfig } from './config.js'
import { POD_IDENTITY_LABEL } from './config.js'
import type { JsonPatchOp } from './json-patch.js'
import type { ContainerView, PodView } from './pod.js'
import { escapePointer } from './pod.js'
import type { ContainerCredentialsIdentity, ResolvedIdentity, WebIdentity } from './resolve.js'
import { resolveIdentity } from './resolve.js'
import type { ConfigMapEntry, ServiceAccountRecord } from './service-account.js'

/** What happened to one container, in a closed vocabulary. */
export const CONTAINER_OUTCOMES = {
  mutated: 'environment variables and/or the token mount were added',
  unchanged: 'everything the identity needs was already there',
  skipped: 'named in the skip-containers annotation',
  'already-configured': 'credentials, region and STS variables were all set by the pod: left alone (upstream early exit)',
} as const
export type ContainerOutcome = keyof typeof CONTAINER_OUTCOMES

export interface ContainerChange {
  readonly pointer: string
  readonly name: string
  readonly outcome: ContainerOutcome
  readonly addedEnv: readonly string[]
  readonly addedMount: boolean
}

export interface Mutation {
  readonly identity: ResolvedIdentity
  readonly patch: readonly JsonPatchOp[]
  readonly labelAdded: boolean
  readonly volumeAdded: boolean
  readonly containers: readonly ContainerChange[]
  /** Container names from the skip-containers annotation (empty if absent or unparsable). */
  readonly skipContainers: readonly string[]
}

interface EnvVar {
  readonly name: string
  readonly value: string
}

const WI_VARS = ['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE']
const CC_VARS = ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE']
const REGION_VARS = ['AWS_REGION', 'AWS_DEFAULT_REGION']
const STS_VAR = 'AWS_STS_REGIONAL_ENDPOINTS'

/** Go `filepath.Clean` on a Unix path. */
function cleanPath(p: string): string {
  if (p === '') return '.'
  const rooted = p.startsWith('/')
  const out: string[] = []
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop()
      else if (!rooted) out.push('..')
      continue
    }
    out.push(part)
  }
  const joined = out.join('/')
  if (rooted) return `/${joined}`
  return joined === '' ? '.' : joined
}

/** Go `filepath.Join(mountPath, tokenPath)`, then the Windows form when the pod targets Windows. */
export function tokenFilePath(mountPath: string, tokenPath: string, windows: boolean): string {
  const parts = [mountPath, tokenPath].filter((s) => s !== '')
  const file = parts.length === 0 ? '' : cleanPath(parts.join('/'))
  return windows ? `C:${file.replace(/\//g, '\\')}` : file
}

/** Windows by nodeSelector only, as upstream (nodeAffinity and spec.os are not considered). */
export function isWindowsPod(pod: PodView): boolean {
  return pod.nodeSelector['kubernetes.io/os'] === 'windows' || pod.nodeSelector['beta.kubernetes.io/os'] === 'windows'
}

function projectedVolume(identity: WebIdentity | ContainerCredentialsIdentity): Record<string, unknown> {
  const token: Record<string, unknown> = {}
  if (identity.audience !== '') token.audience = identity.audience
  token.expirationSeconds = identity.expiration
  token.path = identity.tokenPath
  return { name: identity.volumeName, projected: { sources: [{ serviceAccountToken: token }] } }
}

function containerOps(
  c: ContainerView,
  identity: WebIdentity | ContainerCredentialsIdentity,
  region: string,
  tokenFile: string,
  ops: JsonPatchOp[],
): ContainerChange {
  const has = (n: string): boolean => c.envNames.has(n)
  const credentialsDefined = (identity.mode === 'web-identity' ? WI_VARS : CC_VARS).some(has)
  const regionDefined = REGION_VARS.some(has)
  const stsDefined = has(STS_VAR)
  if (credentialsDefined && regionDefined && stsDefined) {
    return { pointer: c.pointer, name: c.name, outcome: 'already-configured', addedEnv: [], addedMount: false }
  }
  const env: EnvVar[] = []
  if (!stsDefined && identity.useRegionalSts) env.push({ name: STS_VAR, value: 'regional' })
  if (!regionDefined && region !== '') env.push({ name: 'AWS_DEFAULT_REGION', value: region }, { name: 'AWS_REGION', value: region })
  if (!credentialsDefined) {
    if (identity.mode === 'container-credentials') {
      env.push({ name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: identity.fullUri }, { name: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', value: tokenFile })
    } else {
      env.push({ name: 'AWS_ROLE_ARN', value: identity.roleArn }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: tokenFile })
    }
  }
  if (env.length > 0) {
    if (c.hasEnv) for (const e of env) ops.push({ op: 'add', path: `${c.pointer}/env/-`, value: e })
    else ops.push({ op: 'add', path: `${c.pointer}/env`, value: env })
  }
  const addMount = !c.mountNames.has(identity.volumeName)
  if (addMount) {
    const mount = { name: identity.volumeName, readOnly: true, mountPath: identity.mountPath }
    ops.push(c.hasMounts ? { op: 'add', path: `${c.pointer}/volumeMounts/-`, value: mount } : { op: 'add', path: `${c.pointer}/volumeMounts`, value: [mount] })
  }
  return {
    pointer: c.pointer,
    name: c.name,
    outcome: env.length > 0 || addMount ? 'mutated' : 'unchanged',
    addedEnv: env.map((e) => e.name),
    addedMount: addMount,
  }
}

/** Build the patch for a pod whose identity is resolved. A `none` identity gives an empty patch. */
export function mutatePod(pod: PodView, identity: ResolvedIdentity, config: WebhookConfig): Mutation {
  const skipRaw = pod.annotations[`${config.annotationPrefix}/skip-containers`]
  const skip = skipRaw === undefined ? [] : (parseGoCsvRecord(skipRaw) ?? [])
  if (identity.mode === 'none') {
    return { identity, patch: [], labelAdded: false, volumeAdded: false, containers: [], skipContainers: skip }
  }
  const ops: JsonPatchOp[] = []
  let labelAdded = false
  if (identity.mode === 'container-credentials' && pod.labels[POD_IDENTITY_LABEL] !== 'enabled') {
    labelAdded = true
    if (!pod.hasMetadata) ops.push({ op: 'add', path: '/metadata', value: { labels: { [POD_IDENTITY_LABEL]: 'enabled' } } })
    else if (!pod.hasLabels) ops.push({ op: 'add', path: '/metadata/labels', value: { [POD_IDENTITY_LABEL]: 'enabled' } })
    else ops.push({ op: 'add', path: `/metadata/labels/${escapePointer(POD_IDENTITY_LABEL)}`, value: 'enabled' })
  }
  let volumeAdded = false
  if (pod.volumeNames === undefined) {
    ops.push({ op: 'add', path: '/spec/volumes', value: [projectedVolume(identity)] })
    volumeAdded = true
  } else if (!pod.volumeNames.has(identity.volumeName)) {
    // Prepended, as upstream does, so the resulting pod is the same.
    ops.push({ op: 'add', path: '/spec/volumes/0', value: projectedVolume(identity) })
    volumeAdded = true
  }
  const tokenFile = tokenFilePath(identity.mountPath, identity.tokenPath, isWindowsPod(pod))
  const skipSet = new Set(skip)
  const containers: ContainerChange[] = []
  for (const c of [...pod.containers, ...pod.initContainers]) {
    if (skipSet.has(c.name)) {
      containers.push({ pointer: c.pointer, name: c.name, outcome: 'skipped', addedEnv: [], addedMount: false })
      continue
    }
    containers.push(containerOps(c, identity, config.region, tokenFile, ops))
  }
  return { identity, patch: ops, labelAdded, volumeAdded, containers, skipContainers: skip }
}

export interface MutateInput {
  readonly pod: PodView
  /** The AdmissionRequest namespace (falls back to the pod's own). */
  readonly namespace: string
  readonly serviceAccount: ServiceAccountRecord | undefined
  readonly configMap: ReadonlyMap<string, ConfigMapEntry>
  readonly containerCredentials: boolean
  readonly config: WebhookConfig
  /** A uniform random integer in [min, max], both inclusive (container-credentials jitter). */
  readonly randomInt: (min: number, max: number) => number
}

/** Resolve the pod's identity (resolve.ts) and build the JSON Patch that injects it. */
export function mutate(input: MutateInput): Mutation {
  const identity = resolveIdentity({
    namespace: input.namespace,
    serviceAccountName: input.pod.serviceAccountName,
    serviceAccount: input.serviceAccount,
    configMap: input.configMap,
    containerCredentials: input.containerCredentials,
    podAnnotations: input.pod.annotations,
    config: input.config,
    randomInt: input.randomInt,
  })
  return mutatePod(input.pod, identity, input.config)
}
