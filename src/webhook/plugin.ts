/**
 * The admission endpoint as a fastify plugin: `POST /mutate` takes an AdmissionReview (v1 or
 * v1beta1) and answers one, echoing apiVersion, kind and the request uid. Encapsulated: its body
 * parser, size limit and error handler apply to this route only, so mounting it inside `irsa serve`
 * changes nothing else. Bad input never crashes: a wrong Content-Type gets HTTP 415 (as upstream),
 * anything else malformed a well-formed denial with a message.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { IrsaErrorCode } from '../errors.js'
import { admissionResponse, parseAdmissionReview } from './admission.js'
import type { AdmissionRequestView, ReviewEnvelope } from './admission.js'
import type { WebhookConfig } from './config.js'
import type { ContainerCredentialsSet } from './container-credentials.js'
import { NO_CONTAINER_CREDENTIALS } from './container-credentials.js'
import { checkGuardrail, guardrailMessage, GUARDRAIL_NOTES } from './guardrail.js'
import type { GuardrailResult } from './guardrail.js'
import type { Mutation } from './mutate.js'
import { mutate } from './mutate.js'
import { readPod } from './pod.js'
import type { RoleLookup } from './role-lookup.js'
import { NO_ROLES } from './role-lookup.js'
import { roleIndex } from './role-index.js'
import type { ServiceAccountSnapshot, ServiceAccountSource } from './sa-source.js'
import { compilePolicy } from '../policy/compile.js'
import type { CompiledPolicy } from '../policy/compile.js'

export interface WebhookRandom {
  /** Uniform integer in [min, max], both inclusive. */
  randomInt(min: number, max: number): number
  /** A short random lower-case token (guardrail probe names). */
  token(): string
}

/** One admission decision, for logs and tests. Never contains the pod. */
export interface AdmissionDecision {
  readonly uid: string
  readonly namespace: string
  readonly serviceAccount: string
  readonly allowed: boolean
  readonly code?: IrsaErrorCode
  readonly message?: string
  readonly mutation?: Mutation
  readonly guardrail?: GuardrailResult
}

export interface WebhookPluginOptions {
  readonly config: WebhookConfig
  readonly serviceAccounts: ServiceAccountSource
  readonly containerCredentials?: ContainerCredentialsSet
  /** Role trust policies for the guardrail. */
  readonly roles?: RoleLookup
  readonly random: WebhookRandom
  /** Largest accepted body, bytes; default 6 MiB (two 3 MiB objects: the API server's own limit). */
  readonly bodyLimit?: number
  /** Route path; default `/mutate`. */
  readonly path?: string
  readonly onDecision?: (d: AdmissionDecision) => void
}

export const DEFAULT_BODY_LIMIT = 6 * 1024 * 1024
const INVALID_CONTENT_TYPE = 'Invalid Content-Type, expected `application/json`\n'

function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false
  const semi = header.indexOf(';')
  return (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase() === 'application/json'
}

/** The handler's logic, apart from fastify: body text in, response JSON out. */
export function admissionHandler(o: WebhookPluginOptions): (body: string) => Promise<string> {
  const containerCredentials = o.containerCredentials ?? NO_CONTAINER_CREDENTIALS
  const roles = o.roles ?? NO_ROLES
  const compiled = new Map<string, CompiledPolicy>()
  const compile = (text: string): CompiledPolicy => {
    let p = compiled.get(text)
    if (p === undefined) {
      p = compilePolicy(text, { kind: 'trust', name: 'trust' })
      if (compiled.size > 1000) compiled.clear()
      compiled.set(text, p)
    }
    return p
  }
  const decide = (d: AdmissionDecision): void => o.onDecision?.(d)

  return async function handle(body: string): Promise<string> {
    const parsed = parseAdmissionReview(body)
    if (!parsed.ok) {
      decide({ uid: parsed.uid, namespace: '', serviceAccount: '', allowed: false, code: parsed.code, message: parsed.message })
      return admissionResponse(parsed.envelope, { uid: parsed.uid, allowed: false, message: parsed.message, statusCode: 400 })
    }
    const req = parsed.request
    try {
      return await admit(req)
    } catch (e) {
      // A failing source or a bug: still a well-formed answer, with the request's uid.
      const message = `internal error: ${e instanceof Error ? e.message : String(e)}`
      decide({ uid: req.uid, namespace: req.namespace, serviceAccount: '', allowed: false, code: 'ERR_WEBHOOK_SOURCE', message })
      return admissionResponse(req, { uid: req.uid, allowed: false, message, statusCode: 500 })
    }
  }

  async function admit(req: AdmissionRequestView): Promise<string> {
    const envelope: ReviewEnvelope = req
    const read = readPod(req.object)
    if (!read.ok) {
      const message = `the object is not a valid Pod: ${read.message}`
      decide({ uid: req.uid, namespace: req.namespace, serviceAccount: '', allowed: false, code: 'ERR_WEBHOOK_POD', message })
      return admissionResponse(envelope, { uid: req.uid, allowed: false, message, statusCode: 400 })
    }
    const pod = read.pod
    const namespace = req.namespace !== '' ? req.namespace : (pod.namespace ?? '')
    const saName = pod.serviceAccountName
    const snapshot: ServiceAccountSnapshot = await o.serviceAccounts.snapshot()
    const cc = saName !== '' && (await containerCredentials.has(namespace, saName))
    let sa = saName === '' ? undefined : snapshot.get(namespace, saName)
    let configMap = snapshot.configMap
    if (
      !cc &&
      sa === undefined &&
      saName !== '' &&
      o.serviceAccounts.waitFor !== undefined &&
      !configMap.has(`${namespace}/${saName}`) &&
      !configMap.has(`*/${saName}`)
    ) {
      sa = await o.serviceAccounts.waitFor(namespace, saName, o.config.gracePeriodMs)
      if (sa !== undefined) configMap = (await o.serviceAccounts.snapshot()).configMap
    }
    const mutation = mutate({
      pod,
      namespace,
      serviceAccount: sa,
      configMap,
      containerCredentials: cc,
      config: o.config,
      randomInt: (min, max) => o.random.randomInt(min, max),
    })
    const warnings: string[] = []
    const identity = mutation.identity
    if (identity.mode === 'web-identity' && identity.roleArnInvalid) warnings.push(`irsa: role-arn ${identity.roleArn} is not an IAM role ARN; injected anyway`)
    let guardrail: GuardrailResult | undefined
    if (o.config.enforce && identity.mode === 'web-identity') {
      const index = roleIndex(snapshot, o.config)
      guardrail = checkGuardrail({
        roleArn: identity.roleArn,
        namespace,
        serviceAccount: saName,
        audience: identity.audience,
        boundServiceAccounts: index.get(identity.roleArn) ?? [],
        trustPolicy: await roles.trustPolicy(identity.roleArn),
        randomToken: () => o.random.token(),
        compile,
      })
      for (const n of guardrail.notes) warnings.push(`irsa guardrail: role ${identity.roleArn}: ${GUARDRAIL_NOTES[n]}`)
      if (guardrail.violations.length > 0) {
        const message = guardrailMessage(guardrail)
        decide({ uid: req.uid, namespace, serviceAccount: saName, allowed: false, code: 'ERR_WEBHOOK_GUARDRAIL', message, mutation, guardrail })
        return admissionResponse(envelope, { uid: req.uid, allowed: false, message, statusCode: 403, warnings })
      }
    }
    decide({ uid: req.uid, namespace, serviceAccount: saName, allowed: true, mutation, ...(guardrail === undefined ? {} : { guardrail }) })
    return admissionResponse(envelope, { uid: req.uid, allowed: true, patch: mutation.patch, warnings })
  }
}

/** Register with `app.register(webhookPlugin, options)`. */
export const webhookPlugin: FastifyPluginAsync<WebhookPluginOptions> = async (app: FastifyInstance, o: WebhookPluginOptions) => {
  const handle = admissionHandler(o)
  const bodyLimit = o.bodyLimit ?? DEFAULT_BODY_LIMIT
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_req, body, done) => done(null, body))
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    // Transport-level problems still get a well-formed AdmissionReview denial.
    const tooLarge = err.statusCode === 413
    const message = tooLarge ? `the request body is larger than ${bodyLimit} bytes` : `the request could not be read: ${err.message}`
    if (!tooLarge && (err.statusCode ?? 500) >= 500) req.log.error({ err }, 'webhook failure')
    o.onDecision?.({ uid: '', namespace: '', serviceAccount: '', allowed: false, code: tooLarge ? 'ERR_WEBHOOK_TOO_LARGE' : 'ERR_WEBHOOK_REVIEW', message })
    return reply.code(200).type('application/json').send(admissionResponse({ apiVersion: undefined, kind: undefined }, { uid: '', allowed: false, message, statusCode: tooLarge ? 413 : 400 }))
  })
  app.post(o.path ?? '/mutate', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!isJsonContentType(req.headers['content-type'])) {
      o.onDecision?.({ uid: '', namespace: '', serviceAccount: '', allowed: false, code: 'ERR_WEBHOOK_CONTENT_TYPE', message: 'wrong Content-Type' })
      return reply.code(415).type('text/plain; charset=utf-8').send(INVALID_CONTENT_TYPE)
    }
    const body = typeof req.body === 'string' ? req.body : ''
    return reply.code(200).type('application/json').send(await handle(body))
  })
}
