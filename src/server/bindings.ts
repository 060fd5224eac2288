/**
 * `/irsa/v1/bindings`: the service-account → role bindings (what `irsa exec` and the webhook read),
 * for `irsa apply` against a running server. They are irsa's own objects, not IAM's, so they get a
 * small JSON endpoint instead of a Query action. Admin only: requests are SigV4-signed with the
 * admin credentials for service `irsa` and verified with the same verifier as STS and IAM.
 *
 * - `GET /irsa/v1/bindings` → `{"bindings":[{namespace, serviceAccount, roleArn, audience?}]}`
 * - `PUT /irsa/v1/bindings` with `{"bindings":[…], "remove":[{namespace, serviceAccount}]}`: upserts
 *   each binding and removes each listed one, in one transaction; answers the resulting list.
 *
 * Errors are `{"error":{"code","message"}}` with AWS's codes for authentication failures.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isIrsaError } from '../errors.js'
import { storeUnavailable } from './query-api.js'
import { AwsError } from '../aws/aws-error.js'
import type { ServiceAccountBinding } from '../model/iam.js'
import { authenticate } from '../core/identity.js'
import type { Runtime } from '../core/runtime.js'
import { BINDINGS_PATH, BINDINGS_SERVICE } from '../core/bindings-api.js'

const MAX_BODY = 256 * 1024
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\u0021-\u007e]{1,512}$/

function bad(message: string): AwsError {
  return new AwsError('ValidationError', message)
}

function ref(v: unknown, where: string): { namespace: string; serviceAccount: string } {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(`${where} must be an object`)
  const o = v as Record<string, unknown>
  const { namespace, serviceAccount } = o
  if (typeof namespace !== 'string' || !DNS_LABEL.test(namespace)) throw bad(`${where}.namespace must be a Kubernetes namespace name`)
  if (typeof serviceAccount !== 'string' || serviceAccount.length > 253 || !DNS_SUBDOMAIN.test(serviceAccount)) {
    throw bad(`${where}.serviceAccount must be a Kubernetes service account name`)
  }
  return { namespace, serviceAccount }
}

function parseBody(body: Buffer): { put: ServiceAccountBinding[]; remove: { namespace: string; serviceAccount: string }[] } {
  let v: unknown
  try {
    v = JSON.parse(body.toString('utf8'))
  } catch {
    throw bad('The body is not valid JSON')
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('The body must be a JSON object')
  const o = v as Record<string, unknown>
  for (const k of Object.keys(o)) if (k !== 'bindings' && k !== 'remove') throw bad(`Unknown field ${JSON.stringify(k)}`)
  const list = (x: unknown, name: string): unknown[] => {
    if (x === undefined) return []
    if (!Array.isArray(x) || x.length > 1000) throw bad(`${name} must be an array of at most 1000 entries`)
    return x
  }
  const put = list(o.bindings, 'bindings').map((b, i): ServiceAccountBinding => {
    const r = ref(b, `bindings[${i}]`)
    const { roleArn, audience } = b as Record<string, unknown>
    if (typeof roleArn !== 'string' || !ROLE_ARN.test(roleArn)) throw bad(`bindings[${i}].roleArn must be a role ARN`)
    if (audience !== undefined && (typeof audience !== 'string' || audience.length < 1 || audience.length > 255)) throw bad(`bindings[${i}].audience must be a string`)
    for (const k of Object.keys(b as object)) {
      if (!['namespace', 'serviceAccount', 'roleArn', 'audience'].includes(k)) throw bad(`bindings[${i}]: unknown field ${JSON.stringify(k)}`)
    }
    return { ...r, roleArn, audience: audience as string | undefined }
  })
  const remove = list(o.remove, 'remove').map((b, i) => ref(b, `remove[${i}]`))
  return { put, remove }
}

function listBody(list: readonly ServiceAccountBinding[]): { bindings: object[] } {
  return {
    bindings: list.map((b) => ({ namespace: b.namespace, serviceAccount: b.serviceAccount, roleArn: b.roleArn, ...(b.audience === undefined ? {} : { audience: b.audience }) })),
  }
}

export async function bindingsRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  await app.register(async (scope) => {
    // SigV4 signs the raw bytes: keep JSON bodies as a Buffer in this scope.
    scope.removeContentTypeParser('application/json')
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_BODY }, (_req, body, done) => done(null, body))

    const handle = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const requestId = req.id
      reply.header('x-amzn-RequestId', requestId)
      try {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
        const url = req.raw.url ?? BINDINGS_PATH
        const q = url.indexOf('?')
        const who = await authenticate(
          rt,
          { method: req.method, path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1), headers: req.raw.headersDistinct, body },
          BINDINGS_SERVICE,
        )
        if (who.kind !== 'admin') throw new AwsError('AccessDenied', `User: ${who.arn} is not authorized to manage irsa bindings: only the administrator is`)
        if (req.method === 'PUT') {
          const ct = (req.headers['content-type'] ?? '').toLowerCase()
          if (!ct.startsWith('application/json')) throw new AwsError('UnsupportedMediaType', 'The request body must be application/json')
          const { put, remove } = parseBody(body)
          await rt.store.transaction(async () => {
            for (const b of put) await rt.store.putBinding(b)
            for (const r of remove) await rt.store.deleteBinding(r.namespace, r.serviceAccount)
          })
          await rt.log({
            action: 'irsa:PutBindings',
            outcome: 'Allow',
            principal: who.arn,
            sourceIp: req.ip,
            requestId,
            reason: `${put.length} bound, ${remove.length} removed`,
            detail: { bound: put.map((b) => `${b.namespace}/${b.serviceAccount}`), removed: remove.map((b) => `${b.namespace}/${b.serviceAccount}`) },
          })
        }
        return reply.code(200).send(listBody(await rt.store.listBindings()))
      } catch (e) {
        const err =
          e instanceof AwsError
            ? e
            : isIrsaError(e, 'ERR_STORE_UNAVAILABLE')
              ? storeUnavailable(e)
              : new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.')
        if (err.code === 'InternalFailure') req.log.error({ err: e }, 'internal failure')
        if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter))
        return reply.code(err.status).send({ error: { code: err.code, message: err.message } })
      }
    }
    scope.get(BINDINGS_PATH, handle)
    scope.put(BINDINGS_PATH, handle)
  })
}
