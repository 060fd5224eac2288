/**
 * The EKS control API (rest-json, SigV4 service `eks`) for this server's one cluster, and EKS Auth's
 * AssumeRoleForPodIdentity (SigV4 service `eks-auth`), as botocore's `eks` 2017-11-01 and `eks-auth`
 * 2023-11-26 models shape them, so `aws eks …`, `@aws-sdk/client-eks` and boto3's `eks-auth` client
 * work against it:
 *
 * - `GET /clusters`, `GET /clusters/{name}`
 * - `POST|GET /clusters/{name}/pod-identity-associations`
 * - `GET|POST|DELETE /clusters/{name}/pod-identity-associations/{associationId}`
 * - `POST /clusters/{name}/assume-role-for-pod-identity`
 *
 * Callers: the administrator, or session credentials of this server whose policies allow the action
 * (`eks:…` on the cluster or association ARN, `eks-auth:AssumeRoleForPodIdentity` on the cluster ARN)
 * and, for creating or re-pointing an association, `iam:PassRole` on the role (see associations.ts).
 * Errors are rest-json: an `x-amzn-ErrorType` header and a `{"message"}` body.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AwsError } from '../aws/aws-error.js'
import type { AwsErrorCode } from '../aws/aws-error.js'
import { isIrsaError } from '../errors.js'
import { requestTagContext } from '../iam/actions/roles.js'
import { authorizeIam } from '../iam/authorize.js'
import type { RequestCaller } from '../iam/pass-role.js'
import type { ContextValue } from '../policy/request.js'
import { assumeRoleForPodIdentity } from '../eks/assume-role-for-pod-identity.js'
import { associationShape, associationSummary, checkTags, createAssociation, deleteAssociation, findAssociation, requireCluster, updateAssociation } from '../eks/associations.js'
import { ownCluster } from '../eks/cluster.js'
import type { PodIdentityAssociation } from '../model/pod-identity-association.js'
import { authenticate } from '../core/identity.js'
import type { Identity } from '../core/identity.js'
import type { Runtime } from '../core/runtime.js'
import { userAgentField } from '../core/signed-action.js'

type Api = 'eks' | 'eks-auth'
const MAX_BODY = 64 * 1024
/** The Kubernetes version the emulated cluster reports. */
const KUBERNETES_VERSION = '1.31'

/** AWS Query-style codes (authentication, authorization, store) as the JSON services name them. */
const REST_JSON_CODES: Partial<Record<AwsErrorCode, AwsErrorCode>> = {
  MissingAuthenticationToken: 'MissingAuthenticationTokenException',
  InvalidClientTokenId: 'UnrecognizedClientException',
  SignatureDoesNotMatch: 'InvalidSignatureException',
  IncompleteSignature: 'InvalidSignatureException',
  ExpiredToken: 'ExpiredTokenException',
  AccessDenied: 'AccessDeniedException',
  ValidationError: 'InvalidParameterException',
  ServiceUnavailable: 'ServiceUnavailableException',
}

function restJsonError(e: unknown, api: Api, req: FastifyRequest): AwsError {
  if (e instanceof AwsError) {
    const code = REST_JSON_CODES[e.code]
    if (code === undefined) return e
    // EKS Auth's model gives AccessDeniedException HTTP 400; EKS's gives 403.
    const status = code === 'AccessDeniedException' ? (api === 'eks-auth' ? 400 : 403) : e.status
    return new AwsError(code, e.message, { status, ...(e.retryAfter === undefined ? {} : { retryAfter: e.retryAfter }) })
  }
  if (isIrsaError(e, 'ERR_STORE_UNAVAILABLE')) return new AwsError('ServiceUnavailableException', 'The service is temporarily unavailable. Please retry.', { retryAfter: 1, cause: e })
  req.log.error({ err: e }, 'internal failure')
  return new AwsError(api === 'eks' ? 'ServerException' : 'InternalServerException', 'An internal error occurred.')
}

function sendError(reply: FastifyReply, err: AwsError): FastifyReply {
  if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter))
  return reply.code(err.status).header('x-amzn-ErrorType', err.code).header('content-type', 'application/json').send(JSON.stringify({ message: err.message }))
}

interface Call {
  readonly rt: Runtime
  readonly req: FastifyRequest
  readonly who: Identity
  readonly requestId: string
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  readonly body: Record<string, unknown>
}

type Handler = (c: Call) => Promise<{ status?: number; body: unknown }>

function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {}
  let v: unknown
  try {
    v = JSON.parse(body.toString('utf8'))
  } catch {
    throw new AwsError('InvalidRequestException', 'The request body is not valid JSON')
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new AwsError('InvalidRequestException', 'The request body must be a JSON object')
  return v as Record<string, unknown>
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw new AwsError('InvalidParameterException', `${key} must be a string`)
  return v
}

/** Features of newer EKS (cross-account target roles, session policies, no session tags) irsa does not model. */
function refuseUnsupported(body: Record<string, unknown>): void {
  for (const k of ['targetRoleArn', 'policy'] as const) {
    if (body[k] !== undefined && body[k] !== null) throw new AwsError('InvalidParameterException', `${k} is not supported by irsa`)
  }
  if (body.disableSessionTags === true) throw new AwsError('InvalidParameterException', 'disableSessionTags is not supported by irsa: pod identity sessions always carry their session tags')
}

function maxResults(q: URLSearchParams): number {
  const raw = q.get('maxResults')
  if (raw === null) return 100
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new AwsError('InvalidParameterException', 'maxResults must be between 1 and 100')
  return n
}

/** Page a list with an opaque token (the offset, base64url). */
function page<T>(items: readonly T[], q: URLSearchParams): { items: T[]; nextToken?: string } {
  const limit = maxResults(q)
  const token = q.get('nextToken')
  let start = 0
  if (token !== null) {
    const m = /^o(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString('utf8'))
    if (m === null || Buffer.from(`o${m[1] as string}`).toString('base64url') !== token) throw new AwsError('InvalidParameterException', 'The nextToken is invalid')
    start = Number(m[1])
  }
  const end = start + limit
  return { items: items.slice(start, end), ...(end < items.length ? { nextToken: Buffer.from(`o${end}`).toString('base64url') } : {}) }
}

async function authorize(c: Call, action: string, resource: string, requestContext: Readonly<Record<string, ContextValue>> = {}): Promise<void> {
  await authorizeIam(c.rt, c.who, action, resource, c.req.ip, c.requestId, requestContext)
}

function caller(c: Call): RequestCaller {
  return { who: c.who, sourceIp: c.req.ip, requestId: c.requestId }
}

const listClusters: Handler = async (c) => {
  const cluster = await ownCluster(c.rt)
  await authorize(c, 'eks:ListClusters', '*')
  const p = page([cluster.name], c.query)
  return { body: { clusters: p.items, ...(p.nextToken === undefined ? {} : { nextToken: p.nextToken }) } }
}

const describeCluster: Handler = async (c) => {
  const cluster = await requireCluster(c.rt, c.params.name ?? '')
  await authorize(c, 'eks:DescribeCluster', cluster.arn)
  const rt = c.rt
  const endpoint = (await rt.store.getSetting('endpoint')) ?? rt.issuer
  return {
    body: {
      cluster: {
        name: cluster.name,
        arn: cluster.arn,
        createdAt: cluster.createdAt / 1000,
        version: KUBERNETES_VERSION,
        endpoint,
        identity: { oidc: { issuer: rt.issuer } },
        status: 'ACTIVE',
        platformVersion: 'irsa.1',
        tags: {},
        accessConfig: { authenticationMode: 'API' },
        kubernetesNetworkConfig: { serviceIpv4Cidr: '10.100.0.0/16', ipFamily: 'ipv4' },
        health: { issues: [] },
      },
    },
  }
}

/** A change to an association, in the decision log (who, which service account, which role). */
async function logAssociationChange(c: Call, action: string, a: PodIdentityAssociation, reason: string, extra: Record<string, unknown> = {}): Promise<void> {
  await c.rt.log({
    action,
    outcome: 'Allow',
    principal: c.who.arn,
    roleArn: a.roleArn,
    namespace: a.namespace,
    serviceAccount: a.serviceAccount,
    sourceIp: c.req.ip,
    requestId: c.requestId,
    reason,
    detail: { associationId: a.associationId, clusterName: a.clusterName, ...extra },
  })
}

const createPia: Handler = async (c) => {
  const cluster = await requireCluster(c.rt, c.params.name ?? '')
  // The request's tags are condition keys of eks:CreatePodIdentityAssociation (aws:RequestTag/…, aws:TagKeys).
  const tags = checkTags(c.body.tags)
  await authorize(c, 'eks:CreatePodIdentityAssociation', cluster.arn, requestTagContext(Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))))
  refuseUnsupported(c.body)
  optionalString(c.body, 'clientRequestToken')
  const input = {
    namespace: optionalString(c.body, 'namespace') ?? '',
    serviceAccount: optionalString(c.body, 'serviceAccount') ?? '',
    roleArn: optionalString(c.body, 'roleArn') ?? '',
    tags,
  }
  for (const k of ['namespace', 'serviceAccount', 'roleArn'] as const) if (input[k] === '') throw new AwsError('InvalidParameterException', `${k} is required`)
  const a = await createAssociation(c.rt, cluster.name, input, caller(c))
  await logAssociationChange(c, 'eks:CreatePodIdentityAssociation', a, `associated ${a.namespace}/${a.serviceAccount} with ${a.roleArn}`)
  return { body: { association: associationShape(a) } }
}

const listPias: Handler = async (c) => {
  const cluster = await requireCluster(c.rt, c.params.name ?? '')
  await authorize(c, 'eks:ListPodIdentityAssociations', cluster.arn)
  const ns = c.query.get('namespace')
  const sa = c.query.get('serviceAccount')
  const all = (await c.rt.store.listPodIdentityAssociations(cluster.name)).filter((a) => (ns === null || a.namespace === ns) && (sa === null || a.serviceAccount === sa))
  const p = page(all, c.query)
  return { body: { associations: p.items.map(associationSummary), ...(p.nextToken === undefined ? {} : { nextToken: p.nextToken }) } }
}

const describePia: Handler = async (c) => {
  const a = await findAssociation(c.rt, c.params.name ?? '', c.params.associationId ?? '')
  await authorize(c, 'eks:DescribePodIdentityAssociation', a.associationArn)
  return { body: { association: associationShape(a) } }
}

const updatePia: Handler = async (c) => {
  const current = await findAssociation(c.rt, c.params.name ?? '', c.params.associationId ?? '')
  await authorize(c, 'eks:UpdatePodIdentityAssociation', current.associationArn)
  refuseUnsupported(c.body)
  optionalString(c.body, 'clientRequestToken')
  const a = await updateAssociation(c.rt, current.clusterName, current.associationId, optionalString(c.body, 'roleArn'), caller(c))
  if (a.roleArn !== current.roleArn) {
    await logAssociationChange(c, 'eks:UpdatePodIdentityAssociation', a, `role ${current.roleArn} → ${a.roleArn}`, { previousRoleArn: current.roleArn })
  }
  return { body: { association: associationShape(a) } }
}

const deletePia: Handler = async (c) => {
  const current = await findAssociation(c.rt, c.params.name ?? '', c.params.associationId ?? '')
  await authorize(c, 'eks:DeletePodIdentityAssociation', current.associationArn)
  const a = await deleteAssociation(c.rt, current.clusterName, current.associationId)
  await logAssociationChange(c, 'eks:DeletePodIdentityAssociation', a, `removed the association of ${a.namespace}/${a.serviceAccount}`)
  return { body: { association: associationShape(a) } }
}

const assumeRole: Handler = async (c) => {
  const clusterName = c.params.name ?? ''
  const cluster = await ownCluster(c.rt)
  await authorize(c, 'eks-auth:AssumeRoleForPodIdentity', clusterName === cluster.name ? cluster.arn : '*')
  const token = c.body.token
  if (token === undefined || token === null) throw new AwsError('InvalidParameterException', 'token is required')
  if (typeof token !== 'string') throw new AwsError('InvalidParameterException', 'token must be a string')
  const { accountId: _account, ...result } = await assumeRoleForPodIdentity(c.rt, { clusterName, token, caller: c.who.arn, requestId: c.requestId, sourceIp: c.req.ip, ...userAgentField(c.req.headers['user-agent']) })
  return { body: result }
}

export async function eksRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  await app.register(async (scope) => {
    // SigV4 signs the raw bytes: keep JSON bodies as a Buffer in this scope.
    scope.removeContentTypeParser('application/json')
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_BODY }, (_req, body, done) => done(null, body))
    scope.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
      const status = err.statusCode ?? 500
      const e = status === 413 ? new AwsError('InvalidRequestException', 'Request body too large', { status: 413 }) : status < 500 ? new AwsError('InvalidRequestException', err.message, { status }) : restJsonError(err, 'eks', req)
      return sendError(reply.header('x-amzn-RequestId', req.id), e)
    })

    const route = (api: Api, handler: Handler) => async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const requestId = req.id
      reply.header('x-amzn-RequestId', requestId)
      try {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
        const url = req.raw.url ?? '/'
        const q = url.indexOf('?')
        const rawQuery = q < 0 ? '' : url.slice(q + 1)
        const who = await authenticate(rt, { method: req.method, path: q < 0 ? url : url.slice(0, q), query: rawQuery, headers: req.raw.headersDistinct, body }, api)
        const out = await handler({
          rt,
          req,
          who,
          requestId,
          params: req.params as Record<string, string>,
          query: new URLSearchParams(rawQuery),
          body: req.method === 'GET' || req.method === 'DELETE' ? {} : parseJsonBody(body),
        })
        return reply.code(out.status ?? 200).header('content-type', 'application/json').send(JSON.stringify(out.body))
      } catch (e) {
        return sendError(reply, restJsonError(e, api, req))
      }
    }
    const pia = '/clusters/:name/pod-identity-associations'
    scope.get('/clusters', route('eks', listClusters))
    scope.get('/clusters/:name', route('eks', describeCluster))
    scope.post(pia, route('eks', createPia))
    scope.get(pia, route('eks', listPias))
    scope.get(`${pia}/:associationId`, route('eks', describePia))
    scope.post(`${pia}/:associationId`, route('eks', updatePia))
    scope.delete(`${pia}/:associationId`, route('eks', deletePia))
    scope.post('/clusters/:name/assume-role-for-pod-identity', route('eks-auth', assumeRole))
  })
}
