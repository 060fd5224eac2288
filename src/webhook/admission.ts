/**
 * AdmissionReview in and out (admission.k8s.io v1 and v1beta1 share one JSON shape). Parsing never
 * throws: anything malformed becomes a denial with a message, echoing what could be read (apiVersion,
 * kind, uid), as upstream does for undecodable input (`allowed: false` and the decode error as
 * `status.message`, HTTP 200).
 */
import type { IrsaErrorCode } from '../errors.js'
import type { JsonPatchOp } from './json-patch.js'

/** The envelope fields a response echoes. */
export interface ReviewEnvelope {
  readonly apiVersion: string | undefined
  readonly kind: string | undefined
}

export interface AdmissionRequestView extends ReviewEnvelope {
  readonly uid: string
  /** request.namespace ('' if absent). */
  readonly namespace: string
  readonly operation: string | undefined
  /** request.object as decoded JSON (not yet checked to be a Pod). */
  readonly object: unknown
}

export type ReviewParseResult =
  | { readonly ok: true; readonly request: AdmissionRequestView }
  | { readonly ok: false; readonly envelope: ReviewEnvelope; readonly uid: string; readonly code: IrsaErrorCode; readonly message: string }

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

export function parseAdmissionReview(body: string): ReviewParseResult {
  const fail = (message: string, envelope: ReviewEnvelope = { apiVersion: undefined, kind: undefined }, uid = ''): ReviewParseResult => ({
    ok: false,
    envelope,
    uid,
    code: 'ERR_WEBHOOK_REVIEW',
    message,
  })
  let doc: unknown
  try {
    doc = body.length === 0 ? {} : JSON.parse(body)
  } catch (e) {
    return fail(`couldn't get version/kind; json parse error: ${e instanceof Error ? e.message.slice(0, 200) : 'invalid JSON'}`)
  }
  if (!isObject(doc)) return fail('the body is not an AdmissionReview: expected a JSON object')
  const envelope: ReviewEnvelope = { apiVersion: str(doc.apiVersion), kind: str(doc.kind) }
  if ((doc.apiVersion !== undefined && envelope.apiVersion === undefined) || (doc.kind !== undefined && envelope.kind === undefined)) {
    return fail('apiVersion and kind must be strings', envelope)
  }
  if (envelope.kind !== undefined && envelope.kind !== 'AdmissionReview') return fail(`expected kind AdmissionReview, got ${envelope.kind.slice(0, 64)}`, envelope)
  const req = doc.request
  if (req === undefined || req === null) return fail('bad content', envelope)
  if (!isObject(req)) return fail('request: expected an object', envelope)
  const uid = req.uid === undefined || req.uid === null ? '' : str(req.uid)
  if (uid === undefined) return fail('request.uid: expected a string', envelope)
  if (uid.length > 256) return fail('request.uid: too long', envelope)
  const namespace = req.namespace === undefined || req.namespace === null ? '' : str(req.namespace)
  if (namespace === undefined) return fail('request.namespace: expected a string', envelope, uid)
  if (req.operation !== undefined && req.operation !== null && typeof req.operation !== 'string') return fail('request.operation: expected a string', envelope, uid)
  if (req.object === undefined || req.object === null) return fail('request.object: missing (no Pod to admit)', envelope, uid)
  return {
    ok: true,
    request: { ...envelope, uid, namespace, operation: str(req.operation), object: req.object },
  }
}

export interface AdmissionOutcome {
  readonly uid: string
  readonly allowed: boolean
  readonly patch?: readonly JsonPatchOp[]
  /** For denials: the message shown to the user (kubectl prints it). */
  readonly message?: string
  /** For denials: HTTP-like status code in `status.code` (400 bad input, 403 policy). */
  readonly statusCode?: number
  readonly warnings?: readonly string[]
}

/** Serialise the AdmissionReview response, echoing the request's apiVersion and kind. */
export function admissionResponse(envelope: ReviewEnvelope, o: AdmissionOutcome): string {
  const response: Record<string, unknown> = { uid: o.uid, allowed: o.allowed }
  if (o.patch !== undefined && o.patch.length > 0) {
    response.patch = Buffer.from(JSON.stringify(o.patch)).toString('base64')
    response.patchType = 'JSONPatch'
  }
  if (!o.allowed) {
    response.status = {
      metadata: {},
      status: 'Failure',
      message: o.message ?? 'denied',
      ...(o.statusCode === undefined ? {} : { code: o.statusCode }),
    }
  }
  if (o.warnings !== undefined && o.warnings.length > 0) response.warnings = o.warnings
  const out: Record<string, unknown> = {}
  if (envelope.kind !== undefined) out.kind = envelope.kind
  if (envelope.apiVersion !== undefined) out.apiVersion = envelope.apiVersion
  out.response = response
  return JSON.stringify(out)
}
