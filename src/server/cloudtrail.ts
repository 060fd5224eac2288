/**
 * CloudTrail's `LookupEvents` on irsa's decision log (JSON 1.1 protocol: `POST /` with
 * `X-Amz-Target: CloudTrail_20131101.LookupEvents`, SigV4 service `cloudtrail`), so
 * `aws cloudtrail lookup-events --endpoint-url …` and CloudTrail tools read irsa as they read AWS.
 * The administrator, or a role session whose policies allow `cloudtrail:LookupEvents`, may call it.
 * Errors are JSON: `{"__type": CODE, "message": …}`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { AwsError } from '../aws/aws-error.js'
import { authenticate } from '../core/identity.js'
import type { Runtime } from '../core/runtime.js'
import { isIrsaError } from '../errors.js'
import { authorizeIam } from '../iam/authorize.js'
import { lookupDecisionEvents } from '../respond/cloudtrail/decision-events.js'
import { parseLookupRequest } from '../respond/cloudtrail/lookup-events-api.js'

/** `CloudTrail_20131101.OP`, or as recent botocore sends it, `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.OP`. */
const TARGET = /^(?:com\.amazonaws\.cloudtrail\.v20131101\.)?CloudTrail_20131101\.([A-Za-z]+)$/

function operationOf(req: FastifyRequest): string | undefined {
  const t = req.headers['x-amz-target']
  return typeof t === 'string' ? TARGET.exec(t)?.[1] : undefined
}

export function isCloudTrailRequest(req: FastifyRequest): boolean {
  return operationOf(req) !== undefined
}

export async function cloudTrailApi(rt: Runtime, req: FastifyRequest, reply: FastifyReply, body: Buffer, path: string, rawQuery: string): Promise<FastifyReply> {
  const requestId = req.id
  const send = (status: number, payload: unknown): FastifyReply =>
    reply.code(status).header('content-type', 'application/x-amz-json-1.1').header('x-amzn-RequestId', requestId).send(JSON.stringify(payload))
  try {
    const operation = operationOf(req) as string
    const who = await authenticate(rt, { method: req.method, path, query: rawQuery, headers: req.raw.headersDistinct, body }, 'cloudtrail')
    if (operation !== 'LookupEvents') throw new AwsError('InvalidAction', `irsa answers only LookupEvents of CloudTrail, not ${operation}`)
    await authorizeIam(rt, who, 'cloudtrail:LookupEvents', '*', req.ip, requestId)
    let parsed: unknown
    try {
      parsed = JSON.parse(body.length === 0 ? '{}' : body.toString('utf8'))
    } catch {
      throw new AwsError('InvalidLookupAttributesException', 'The request body is not valid JSON')
    }
    return send(200, await lookupDecisionEvents(rt, parseLookupRequest(parsed)))
  } catch (e) {
    const err = e instanceof AwsError ? e : isIrsaError(e, 'ERR_STORE_UNAVAILABLE') ? new AwsError('ServiceUnavailable', 'The service is temporarily unavailable. Please retry.', { retryAfter: 1 }) : internal(e, req)
    return send(err.status, { __type: err.code, message: err.message })
  }
}

function internal(e: unknown, req: FastifyRequest): AwsError {
  req.log.error({ err: e }, 'internal failure')
  return new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.')
}
