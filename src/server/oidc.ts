/** The issuer's public documents: OIDC discovery and the JWKS (current keys plus retired ones still in use). */
import type { FastifyInstance } from 'fastify'
import { DISCOVERY_PATH, JWKS_PATH, discoveryDocument, jwksDocument } from '../tokens/discovery.js'
import type { Runtime } from '../core/runtime.js'

export async function oidcRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const issuerPath = new URL(rt.issuer).pathname.replace(/\/+$/, '')
  app.get(issuerPath + DISCOVERY_PATH, async (_req, reply) => {
    const keys = await rt.publishedSigningKeys()
    return reply.header('cache-control', 'public, max-age=300').send(discoveryDocument(rt.issuer, keys))
  })
  app.get(issuerPath + JWKS_PATH, async (_req, reply) => {
    const keys = await rt.publishedSigningKeys()
    return reply.header('cache-control', 'public, max-age=300').header('content-type', 'application/jwk-set+json').send(jwksDocument(keys))
  })
}
