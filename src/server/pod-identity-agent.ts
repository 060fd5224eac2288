/**
 * The EKS Pod Identity agent's credentials endpoint, `GET /v1/credentials`, on the main server:
 * the container credential provider of every AWS SDK calls it with
 * `Authorization: <raw projected token>` (no `Bearer`), and gets
 * `{"AccessKeyId","SecretAccessKey","Token","AccountId","Expiration"}` back. The agent asks EKS Auth
 * for the server's own cluster; here that is a direct call into the AssumeRoleForPodIdentity
 * exchange, which records its decision (caller `irsa:pod-identity-agent`). The agent's own 400s (an
 * empty or undecodable token) happen before EKS Auth is asked, so they leave no decision record.
 *
 * Errors as the real agent answers them: 400 text/plain for an empty or unparseable token, and EKS
 * Auth's failures relayed with their HTTP status as `[<requestId>]: (<Code>): <message>, fault: client`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { AwsError } from '../aws/aws-error.js'
import { isIrsaError } from '../errors.js'
import { assumeRoleForPodIdentity } from '../eks/assume-role-for-pod-identity.js'
import { ownCluster } from '../eks/cluster.js'
import { awsTimestamp } from '../sts/timestamp.js'
import type { Runtime } from '../core/runtime.js'
import { userAgentField } from '../core/signed-action.js'

export const AGENT_CREDENTIALS_PATH = '/v1/credentials'
/** Who the decision log names as the caller of EKS Auth for agent requests. */
export const AGENT_CALLER = 'irsa:pod-identity-agent'

function text(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).header('content-type', 'text/plain; charset=utf-8').send(body)
}

/** The real agent decodes the JWT (unverified) before calling EKS Auth; a token that does not decode is its own 400. */
function parseProblem(token: string): string | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return 'token contains an invalid number of segments'
  try {
    const payload = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as unknown
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return 'the token payload is not a JSON object'
  } catch {
    return 'the token payload is not base64url-encoded JSON'
  }
  return undefined
}

export async function podIdentityAgentRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  app.get(AGENT_CREDENTIALS_PATH, async (req, reply) => {
    const requestId = req.id
    reply.header('x-amzn-RequestId', requestId)
    const raw = req.headers.authorization
    const token = (raw ?? '').trim()
    if (token === '') return text(reply, 400, 'Service account token cannot be empty')
    if (/[\r\n]/.test(token)) return text(reply, 400, 'Service account token cannot be parsed: the token contains a line break')
    const problem = parseProblem(token)
    if (problem !== undefined) return text(reply, 400, `Service account token cannot be parsed: ${problem}`)
    try {
      const cluster = await ownCluster(rt)
      const r = await assumeRoleForPodIdentity(rt, { clusterName: cluster.name, token, caller: AGENT_CALLER, requestId, sourceIp: req.ip, ...userAgentField(req.headers['user-agent']) })
      return reply
        .code(200)
        .header('content-type', 'application/json')
        .send(
          JSON.stringify({
            AccessKeyId: r.credentials.accessKeyId,
            SecretAccessKey: r.credentials.secretAccessKey,
            Token: r.credentials.sessionToken,
            AccountId: r.accountId,
            Expiration: awsTimestamp(r.credentials.expiration),
          }),
        )
    } catch (e) {
      if (e instanceof AwsError) return text(reply, e.status, `[${requestId}]: (${e.code}): ${e.message}, fault: ${e.status >= 500 ? 'server' : 'client'}`)
      if (isIrsaError(e, 'ERR_STORE_UNAVAILABLE')) return text(reply.header('retry-after', '1'), 503, `[${requestId}]: (ServiceUnavailableException): The service is temporarily unavailable. Please retry., fault: server`)
      req.log.error({ err: e }, 'internal failure')
      return text(reply, 500, `[${requestId}]: (InternalServerException): An internal error occurred., fault: server`)
    }
  })
}
