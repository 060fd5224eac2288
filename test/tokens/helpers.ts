import { randomUUID } from 'node:crypto'
import { base64url } from 'jose'
import type { VerifierProvider } from '../../src/tokens/verify-web-identity-token.js'
import type { ServiceAccountTokenInput } from '../../src/tokens/service-account-token.js'

export const ISSUER = 'https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE'
export const NOW = 1_700_000_000
export const JTI = '0b7c9b8e-6f1d-4c55-9d2b-3a6f0c1e2d4f'

export const PROVIDER: VerifierProvider = {
  arn: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
  url: ISSUER,
  clientIds: ['sts.amazonaws.com'],
}

export function input(overrides: Partial<ServiceAccountTokenInput> = {}): ServiceAccountTokenInput {
  return {
    issuer: ISSUER,
    audiences: ['sts.amazonaws.com'],
    namespace: 'default',
    serviceAccount: { name: 's3-read-only', uid: 'a720ba5c-1b2c-4d3e-8f90-123456789abc' },
    pod: { name: 'alpine-57b5664646-rf966', uid: '5a20f883-0a1b-4c2d-9e3f-abcdefabcdef' },
    now: NOW,
    jti: JTI,
    ...overrides,
  }
}

export function uuid(): string {
  return randomUUID()
}

const enc = (value: unknown): string => base64url.encode(typeof value === 'string' ? value : JSON.stringify(value))

/** Split a compact JWS into decoded header and payload objects. */
export function decodeParts(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; signature: string } {
  const [h, p, s] = token.split('.') as [string, string, string]
  const dec = (x: string): Record<string, unknown> => JSON.parse(new TextDecoder().decode(base64url.decode(x))) as Record<string, unknown>
  return { header: dec(h), payload: dec(p), signature: s }
}

/** Re-assemble a token with a replaced header and/or payload, keeping the original signature. */
export function tamper(token: string, change: { header?: unknown; payload?: unknown }): string {
  const [h, p, s] = token.split('.') as [string, string, string]
  return [change.header === undefined ? h : enc(change.header), change.payload === undefined ? p : enc(change.payload), s].join('.')
}
