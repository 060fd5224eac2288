// Another cluster's OIDC issuer on loopback: a discovery document and a JWKS of keys generated with
// jose, which a test rotates by assigning `keys`. Every requested path is recorded in `hits`, so a
// test can count JWKS fetches or prove that a URL named in a token header was never fetched. A test
// can point the discovery document's `jwks_uri` elsewhere by assigning `jwksUri`.
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair } from 'jose'
import type { JWK } from 'jose'

export interface KeyPair {
  readonly kid: string
  readonly privateJwk: JWK
  readonly publicJwk: JWK
}

export async function newKeyPair(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  return { kid, privateJwk: await exportJWK(privateKey), publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } }
}

export const JWKS_PATH = '/keys'

export interface FakeIssuer {
  readonly url: string
  keys: KeyPair[]
  /** The `jwks_uri` the discovery document names; default `${url}/keys`. */
  jwksUri: string
  /** The path of every request, in order. */
  readonly hits: string[]
  /** How many times the JWKS (`/keys`) was fetched. */
  readonly jwksFetches: number
  close(): Promise<void>
}

/** Serve the discovery document and the JWKS at `/keys`, and the same JWKS at each of `alsoJwksAt`. */
export async function startFakeIssuer(keys: KeyPair[] = [], alsoJwksAt: readonly string[] = []): Promise<FakeIssuer> {
  const state = { keys, hits: [] as string[], jwksUri: '' }
  let url = ''
  const server: Server = createServer((req, res) => {
    const path = req.url ?? ''
    state.hits.push(path)
    res.setHeader('content-type', 'application/json')
    if (path === '/.well-known/openid-configuration') {
      res.end(JSON.stringify({ issuer: url, jwks_uri: state.jwksUri, response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] }))
    } else if (path === JWKS_PATH || alsoJwksAt.includes(path)) {
      res.end(JSON.stringify({ keys: state.keys.map((k) => k.publicJwk) }))
    } else {
      res.statusCode = 404
      res.end('{}')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  state.jwksUri = `${url}${JWKS_PATH}`
  return {
    url,
    get keys() {
      return state.keys
    },
    set keys(v) {
      state.keys = v
    },
    get jwksUri() {
      return state.jwksUri
    },
    set jwksUri(v) {
      state.jwksUri = v
    },
    hits: state.hits,
    get jwksFetches() {
      return state.hits.filter((h) => h === JWKS_PATH).length
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
