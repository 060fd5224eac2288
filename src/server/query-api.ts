/**
 * The AWS Query endpoint at `/` (POST form, or GET query): dispatch by `Action` to STS or IAM (by the
 * SigV4 scope's service when signed), authenticate, run the action, and answer in AWS's XML.
 * Errors always come back as an AWS `ErrorResponse`, never as a crash or a bare 500.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AwsError } from '../aws/aws-error.js'
import { isIrsaError } from '../errors.js'
import { QueryParams } from '../aws/query-params.js'
import type { XmlObject } from '../aws/xml.js'
import { xmlDocument } from '../aws/xml.js'
import { IAM_ACTIONS } from '../iam/actions.js'
import { assumeRoleWithWebIdentity } from '../sts/assume-role-with-web-identity.js'
import type { RequestMeta, SignedAction } from '../core/signed-action.js'
import { userAgentField } from '../core/signed-action.js'
import { getCallerIdentity } from '../sts/get-caller-identity.js'
import { authenticate } from '../core/identity.js'
import { cloudTrailApi, isCloudTrailRequest } from './cloudtrail.js'
import type { Runtime } from '../core/runtime.js'

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/'
export const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/'

type Service = 'sts' | 'iam'

const STS_SIGNED: Readonly<Record<string, SignedAction>> = {
  GetCallerIdentity: async ({ who }) => getCallerIdentity(who),
}
const UNSIGNED_STS = new Set(['AssumeRoleWithWebIdentity'])

function scopeService(req: FastifyRequest, rawQuery: string): string | undefined {
  const auth = req.headers.authorization
  const m = /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth ?? '')
  if (m !== null) return m[1]
  const q = new URLSearchParams(rawQuery).get('X-Amz-Credential')
  return q?.split('/')[3]
}

function serviceFor(action: string, signedService: string | undefined): Service {
  if (signedService === 'iam' || signedService === 'sts') return signedService
  if (UNSIGNED_STS.has(action) || action in STS_SIGNED) return 'sts'
  if (action in IAM_ACTIONS) return 'iam'
  return 'sts'
}

function send(reply: FastifyReply, status: number, body: string, requestId: string): FastifyReply {
  return reply.code(status).header('content-type', 'text/xml').header('x-amzn-RequestId', requestId).header('date', new Date().toUTCString()).send(body)
}

export function errorBody(e: AwsError, service: Service, requestId: string): string {
  return xmlDocument('ErrorResponse', service === 'iam' ? IAM_NAMESPACE : STS_NAMESPACE, {
    Error: { Type: e.type, Code: e.code, Message: e.message },
    RequestId: requestId,
  })
}

export async function queryApi(app: FastifyInstance, rt: Runtime): Promise<void> {
  const handle = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const requestId = req.id
    const url = req.raw.url ?? '/'
    const qIndex = url.indexOf('?')
    const rawQuery = qIndex < 0 ? '' : url.slice(qIndex + 1)
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    let service: Service = 'sts'
    // CloudTrail's JSON API shares `POST /`; its X-Amz-Target names it.
    if (isCloudTrailRequest(req)) return cloudTrailApi(rt, req, reply, body, url.slice(0, qIndex < 0 ? undefined : qIndex), rawQuery)
    try {
      // Decide on the declared body, not on what a parser made of it: a JSON body is parsed into an
      // object by fastify's default parser and would otherwise look like no body at all.
      if (req.method === 'POST' && hasBody(req) && !isForm(req.headers['content-type'])) {
        throw new AwsError('UnsupportedMediaType', FORM_ONLY)
      }
      const q = QueryParams.parse(req.method === 'GET' || body.length === 0 ? rawQuery : body.toString('utf8'))
      const action = q.action
      if (action !== undefined) req.irsaAction = action
      const signed = scopeService(req, rawQuery)
      service = serviceFor(action ?? '', signed)
      if (action === undefined) throw new AwsError('MissingAction', 'Missing Action')
      const version = q.raw.get('Version')
      const expected = service === 'iam' ? '2010-05-08' : '2011-06-15'
      if (version !== undefined && version !== expected) throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${version}`)
      const meta: RequestMeta = { requestId, sourceIp: req.ip, secureTransport: req.protocol === 'https', ...userAgentField(req.headers['user-agent']) }
      let result: XmlObject | undefined
      if (service === 'sts' && UNSIGNED_STS.has(action)) {
        result = await assumeRoleWithWebIdentity(rt, q, meta)
      } else {
        const handler = service === 'iam' ? IAM_ACTIONS[action] : STS_SIGNED[action]
        if (handler === undefined) throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${version ?? expected}`)
        const who = await authenticate(
          rt,
          { method: req.method, path: url.slice(0, qIndex < 0 ? undefined : qIndex), query: rawQuery, headers: req.raw.headersDistinct, body },
          service,
        )
        result = await handler({ rt, q, meta, who })
      }
      const ns = service === 'iam' ? IAM_NAMESPACE : STS_NAMESPACE
      const doc: XmlObject = result === undefined ? { ResponseMetadata: { RequestId: requestId } } : { [`${action}Result`]: result, ResponseMetadata: { RequestId: requestId } }
      return send(reply, 200, xmlDocument(`${action}Response`, ns, doc), requestId)
    } catch (e) {
      const err = e instanceof AwsError ? e : isIrsaError(e, 'ERR_STORE_UNAVAILABLE') ? storeUnavailable(e) : internal(e, req)
      if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter))
      return send(reply, err.status, errorBody(err, service, requestId), requestId)
    }
  }
  // Failures before the handler runs (body too large, a body the content-type parser rejects) still
  // answer in AWS's XML with a request id in both the header and the body.
  const onError = (err: Error & { statusCode?: number }, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const requestId = req.id
    const status = err.statusCode ?? 500
    const e =
      status === 413
        ? new AwsError('ValidationError', 'Request body too large', { status: 413 })
        : status < 500 && req.method === 'POST' && !isForm(req.headers['content-type'])
          ? new AwsError('UnsupportedMediaType', FORM_ONLY)
          : status < 500
            ? new AwsError('MalformedQueryString', err.message, { status })
            : internal(err, req)
    return send(reply, e.status, errorBody(e, 'sts', requestId), requestId)
  }
  app.post('/', { errorHandler: onError }, handle)
  app.get('/', { errorHandler: onError }, handle)
}

const FORM_ONLY = 'The request body must be application/x-www-form-urlencoded'

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers['content-length']
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined
}

function isForm(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')
}

/** The store is unreachable: a retryable 503, never a guessed answer. */
/** The store is down: a retryable 503 with Retry-After, never a wrong answer. */
export function storeUnavailable(e: unknown): AwsError {
  return new AwsError('ServiceUnavailable', 'The service is temporarily unavailable. Please retry.', { retryAfter: 1, cause: e })
}

function internal(e: unknown, req: FastifyRequest): AwsError {
  req.log.error({ err: e }, 'internal failure')
  return new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.')
}
