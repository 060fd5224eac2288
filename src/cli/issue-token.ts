/**
 * Issue a projected service-account token from this issuer, as the kubelet would get one from the
 * kube-apiserver: exact Kubernetes claims, signed with the active key. Service-account and pod UIDs
 * are stable per name unless given, so repeated tokens describe the same objects.
 */
import { createHash } from 'node:crypto'
import { IrsaError } from '../errors.js'
import { mintServiceAccountToken } from '../tokens/service-account-token.js'
import type { ObjectRef } from '../tokens/service-account-token.js'
import type { Runtime } from '../core/runtime.js'
import { STS_AUDIENCE } from '../model/aws-names.js'

export interface IssueTokenInput {
  readonly namespace: string
  readonly serviceAccount: string
  readonly audience?: readonly string[]
  readonly expirationSeconds?: number
  readonly pod?: string
  readonly podUid?: string
  readonly serviceAccountUid?: string
}

export interface IssuedToken {
  readonly token: string
  readonly expiresAt: number
  readonly jti: string
}

/** A UUID derived from a name (RFC 4122 version 5 layout over SHA-256 bits). */
export function nameUid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest()
  h[6] = ((h[6] as number) & 0x0f) | 0x50
  h[8] = ((h[8] as number) & 0x3f) | 0x80
  const x = h.subarray(0, 16).toString('hex')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`
}

export async function issueServiceAccountToken(rt: Runtime, input: IssueTokenInput): Promise<IssuedToken> {
  const key = await rt.activeSigningKey()
  const now = rt.nowSeconds()
  const jti = rt.random.uuid()
  const serviceAccount: ObjectRef = { name: input.serviceAccount, uid: input.serviceAccountUid ?? nameUid(rt.issuer, 'sa', input.namespace, input.serviceAccount) }
  const pod: ObjectRef | undefined = input.pod === undefined ? undefined : { name: input.pod, uid: input.podUid ?? nameUid(rt.issuer, 'pod', input.namespace, input.pod) }
  const expirationSeconds = input.expirationSeconds ?? 86400
  if (expirationSeconds > rt.maxTokenLifetimeSeconds) {
    // A retired key stays published this long: a longer-lived token would outlive its key.
    throw new IrsaError('ERR_TOKEN_INPUT', `expiration must be at most ${rt.maxTokenLifetimeSeconds} seconds`)
  }
  const token = await mintServiceAccountToken(
    {
      issuer: rt.issuer,
      audiences: input.audience ?? [STS_AUDIENCE],
      namespace: input.namespace,
      serviceAccount,
      ...(pod === undefined ? {} : { pod }),
      now,
      expirationSeconds,
      jti,
    },
    key,
  )
  return { token, expiresAt: now + expirationSeconds, jti }
}
