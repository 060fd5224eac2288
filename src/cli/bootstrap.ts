/**
 * Open (or create) an identity plane's state: the store, the account and issuer, the first signing
 * and sealing keys, the admin credentials, and the server's own issuer registered as an IAM OIDC
 * provider (client ID sts.amazonaws.com), as EKS does. Safe to run on every start and on several
 * replicas at once: each step is idempotent.
 *
 * The store comes from `storeUrl` (`--store`/IRSA_STORE): `postgres://…`/`postgresql://…` is
 * PostgreSQL, shared by replicas, so the issuer, signing keys and sealing keys they read are the same;
 * `sqlite:PATH` or nothing is SQLite (under `data` by default). With a PostgreSQL (or a passed-in)
 * store the admin credentials come only from IRSA_ADMIN_* — nothing is written to a local directory.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { IrsaError } from '../errors.js'
import { openStore, storeLocation } from '../store/open-store.js'
import type { Store, StoredSigningKey } from '../store/store.js'
import { accessKeyId, secretAccessKey } from '../sts/access-key.js'
import { generateSealingKey } from '../core/session-token.js'
import { canonicalIssuer, issuerHostPath } from '../tokens/issuer-url.js'
import { generateSigningKey } from '../tokens/signing-key.js'
import type { SigningAlgorithm, SigningKey } from '../tokens/signing-key.js'
import { createIssuerFetcher } from '../tokens/https-fetch.js'
import type { Clock, Random } from '../core/clock.js'
import { systemClock, systemRandom } from '../core/clock.js'
import type { AdminCredentials } from '../core/runtime.js'
import { Runtime } from '../core/runtime.js'
import { STS_AUDIENCE } from '../model/aws-names.js'

export const DEFAULT_ACCOUNT = '111122223333'
export const DEFAULT_REGION = 'us-east-1'
export const DEFAULT_PORT = 7788
export const DEFAULT_DATA_DIR = '.irsa'

export interface OpenOptions {
  readonly data?: string
  /** An already open store (a test's); the caller keeps ownership and closes it. */
  readonly store?: Store
  /** Where the state lives: `postgres://…`, `postgresql://…`, `sqlite:PATH`; default SQLite under `data`. */
  readonly storeUrl?: string
  /**
   * false for commands that serve no requests (`irsa token`, `irsa keys …`): with an external store and
   * no IRSA_ADMIN_* they get throwaway credentials nobody knows, instead of failing. Default true.
   */
  readonly needsAdmin?: boolean
  readonly account?: string
  readonly region?: string
  /** Defaults to the stored issuer, else `http://<host>:<port>`. */
  readonly issuer?: string
  readonly host?: string
  readonly port?: number
  readonly signingAlgorithm?: SigningAlgorithm
  /** Hosts an external issuer's `jwks_uri` may name besides the issuer's own host (`--allow-jwks-host`). */
  readonly allowJwksHosts?: readonly string[]
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly clock?: Clock
  readonly random?: Random
}

export interface Opened {
  readonly rt: Runtime
  /** Set when this start generated the admin credentials (print them once). */
  readonly generatedAdmin: AdminCredentials | undefined
  readonly adminFile: string | undefined
}

export async function openRuntime(o: OpenOptions = {}): Promise<Opened> {
  const clock = o.clock ?? systemClock
  const random = o.random ?? systemRandom
  const data = o.data ?? DEFAULT_DATA_DIR
  const location = storeLocation(o.storeUrl, data)
  const store = o.store ?? (await openStore(location))
  // Only a SQLite store this call opened keeps its admin credentials on local disk, beside the file.
  const local = o.store === undefined && location.kind === 'sqlite' ? dirname(location.file) : undefined
  try {
    const account = await store.initSetting('account', o.account ?? DEFAULT_ACCOUNT)
    if (o.account !== undefined && o.account !== account) {
      throw new IrsaError('ERR_STATE_CONFLICT', `this state belongs to account ${account}, not ${o.account}`)
    }
    if (!/^\d{12}$/.test(account)) throw new IrsaError('ERR_SERVER_CONFIG', `account must be 12 digits, not ${account}`)
    if (o.region !== undefined) await store.setSetting('region', o.region)
    const region = await store.initSetting('region', DEFAULT_REGION)
    // A wildcard listen address is no issuer host: tokens name the loopback address instead.
    const host = o.host === undefined || o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host.includes(':') ? `[${o.host}]` : o.host
    const defaultIssuer = `http://${host}:${o.port ?? DEFAULT_PORT}`
    // An explicit --issuer sticks; otherwise the issuer follows the address the server listens on.
    if (o.issuer !== undefined) {
      await store.setSetting('issuer', canonicalIssuer(o.issuer))
      await store.setSetting('issuer.explicit', 'true')
    } else if (o.port !== undefined && (await store.getSetting('issuer.explicit')) !== 'true') {
      await store.setSetting('issuer', canonicalIssuer(defaultIssuer))
    }
    const issuer = canonicalIssuer(await store.initSetting('issuer', canonicalIssuer(defaultIssuer)))
    const now = Math.floor(clock.now() / 1000)

    // Check-and-add in one transaction: replicas starting together on one store create one key each.
    if ((await store.listSigningKeys()).every((k) => k.retiredAt !== undefined)) {
      const key = await generateSigningKey(o.signingAlgorithm ?? 'RS256', now)
      await store.transaction(async () => {
        if ((await store.listSigningKeys()).some((k) => k.retiredAt === undefined)) return
        await store.addSigningKey(storedSigningKey(key))
      })
    }
    await store.transaction(async () => {
      if ((await store.listSealingKeys()).some((k) => k.retiredAt === undefined)) return
      const k = generateSealingKey((n) => random.bytes(n))
      await store.addSealingKey({ id: k.id, secret: k.secret, createdAt: now, retiredAt: undefined })
    })
    const { admin, generated, file } = adminCredentials(o.env ?? process.env, local, account, random, o.needsAdmin ?? true)
    const allowJwksHosts = o.allowJwksHosts ?? []
    const rt = new Runtime({ store, account, region, issuer, clock, random, admin, fetchJson: createIssuerFetcher(), allowJwksHosts })
    await store.createOidcProvider({
      arn: `arn:aws:iam::${account}:oidc-provider/${issuerHostPath(issuer)}`,
      account,
      url: issuer,
      clientIds: [STS_AUDIENCE],
      thumbprints: [],
      tags: [{ Key: 'irsa.dev/issuer', Value: 'self' }],
      createdAt: now,
    })
    return { rt, generatedAdmin: generated ? admin : undefined, adminFile: file }
  } catch (e) {
    if (o.store === undefined) await store.close()
    throw e
  }
}

/** From IRSA_ADMIN_* if set; else read from, or generated into, `<data>/admin-credentials.json` (0600). */
function adminCredentials(
  env: Readonly<Record<string, string | undefined>>,
  data: string | undefined,
  account: string,
  random: Random,
  needsAdmin: boolean,
): { admin: AdminCredentials; generated: boolean; file: string | undefined } {
  const id = env.IRSA_ADMIN_ACCESS_KEY_ID
  const secret = env.IRSA_ADMIN_SECRET_ACCESS_KEY
  if (id !== undefined && id !== '' && secret !== undefined && secret !== '') {
    return { admin: { accessKeyId: id, secretAccessKey: secret }, generated: false, file: undefined }
  }
  if (id || secret) throw new IrsaError('ERR_SERVER_CONFIG', 'set both IRSA_ADMIN_ACCESS_KEY_ID and IRSA_ADMIN_SECRET_ACCESS_KEY, or neither')
  const bytes = (n: number): Uint8Array => random.bytes(n)
  if (data === undefined && !needsAdmin) {
    // Never stored, printed or accepted by a server: this runtime answers no requests.
    return { admin: { accessKeyId: accessKeyId('AKIA', account, bytes), secretAccessKey: secretAccessKey(bytes) }, generated: false, file: undefined }
  }
  if (data === undefined) throw new IrsaError('ERR_SERVER_CONFIG', 'IRSA_ADMIN_ACCESS_KEY_ID and IRSA_ADMIN_SECRET_ACCESS_KEY are required with an external store')
  const file = join(data, 'admin-credentials.json')
  if (existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<AdminCredentials>
    if (typeof parsed.accessKeyId !== 'string' || typeof parsed.secretAccessKey !== 'string') throw new IrsaError('ERR_SERVER_CONFIG', `${file} is malformed`)
    return { admin: { accessKeyId: parsed.accessKeyId, secretAccessKey: parsed.secretAccessKey }, generated: false, file }
  }
  const admin = { accessKeyId: accessKeyId('AKIA', account, bytes), secretAccessKey: secretAccessKey(bytes) }
  writeFileSync(file, `${JSON.stringify(admin, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
  return { admin, generated: true, file }
}

/** A newly generated signing key as the store keeps it (active: not retired). */
export function storedSigningKey(key: SigningKey): StoredSigningKey {
  return {
    kid: key.kid,
    alg: key.alg,
    privateJwk: JSON.stringify(key.privateJwk),
    publicJwk: JSON.stringify(key.publicJwk),
    createdAt: key.createdAt,
    retiredAt: undefined,
  }
}
