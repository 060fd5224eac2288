/** `irsa keys rotate` / `irsa keys list`: signing keys; old public keys stay published until their tokens expire. */
import { publishedKeys } from '../tokens/key-ring.js'
import { generateSigningKey } from '../tokens/signing-key.js'
import type { SigningAlgorithm } from '../tokens/signing-key.js'
import { storedSigningKey } from './bootstrap.js'
import type { Runtime } from '../core/runtime.js'

export interface KeyRow {
  readonly kid: string
  readonly alg: string
  readonly createdAt: string
  readonly retiredAt: string | null
  readonly published: boolean
  readonly active: boolean
}

export async function rotateSigningKey(rt: Runtime, alg: SigningAlgorithm): Promise<{ kid: string; retired: string[] }> {
  const now = rt.nowSeconds()
  const key = await generateSigningKey(alg, now)
  return rt.store.transaction(async () => {
    const current = (await rt.store.listSigningKeys()).filter((k) => k.retiredAt === undefined)
    for (const k of current) await rt.store.retireSigningKey(k.kid, now)
    await rt.store.addSigningKey(storedSigningKey(key))
    return { kid: key.kid, retired: current.map((k) => k.kid) }
  })
}

export async function listSigningKeys(rt: Runtime): Promise<KeyRow[]> {
  const keys = await rt.signingKeys(true)
  const published = new Set(publishedKeys(keys, rt.nowSeconds(), rt.maxTokenLifetimeSeconds).map((k) => k.kid))
  const iso = (s: number): string => new Date(s * 1000).toISOString()
  return keys.map((k) => ({
    kid: k.kid,
    alg: k.alg,
    createdAt: iso(k.createdAt),
    retiredAt: k.retiredAt === undefined ? null : iso(k.retiredAt),
    published: published.has(k.kid),
    active: k.retiredAt === undefined,
  }))
}
