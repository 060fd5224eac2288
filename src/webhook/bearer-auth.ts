/**
 * Authentication of `POST /mutate` inside `irsa serve`, where the admission endpoint shares a plain
 * HTTP listener with everything else: its answer names the role a service account is bound to, so
 * only a caller with the webhook token (`--webhook-token`, IRSA_WEBHOOK_TOKEN), sent as
 * `Authorization: Bearer <token>` — what the API server sends with a `token` user in its admission
 * kubeconfig — gets one. Without a configured token the route is refused altogether.
 *
 * Refusals are HTTP 401 (no or wrong token) and 403 (no token configured) with a Kubernetes `Status`
 * body, not an AdmissionReview: the API server's webhook client reads a non-200 `Status` as a failed
 * call, shows its message in the error and applies the webhook's failurePolicy — the operator's
 * choice for an unreachable or misconfigured webhook — whereas an AdmissionReview denial would
 * reject every pod whatever that policy says. The check runs before the body is read.
 */
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import { safeEqual } from '../core/safe-equal.js'

/** The environment variable `irsa serve` reads the webhook token from. */
export const WEBHOOK_TOKEN_ENV = 'IRSA_WEBHOOK_TOKEN'

/** A `meta.k8s.io/v1` Status, as the Kubernetes API answers failures. */
export function kubernetesStatus(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code })
}

/** The bearer token of an Authorization header, or undefined. */
function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')
  return m?.[1]
}

/** An onRequest hook admitting only `Authorization: Bearer <token>` (constant-time), or nobody when `token` is unset. */
export function requireWebhookToken(token: string | undefined): onRequestHookHandler {
  return (req: FastifyRequest, reply: FastifyReply, done) => {
    if (token === undefined || token === '') {
      void reply
        .code(403)
        .type('application/json')
        .send(kubernetesStatus(403, 'Forbidden', `the admission webhook of irsa serve is off: start it with --webhook-token (or ${WEBHOOK_TOKEN_ENV}) and give the API server that token`))
      return
    }
    const presented = bearer(req.headers.authorization)
    if (presented === undefined || !safeEqual(presented, token)) {
      void reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="irsa-webhook"')
        .type('application/json')
        .send(kubernetesStatus(401, 'Unauthorized', 'the admission webhook requires Authorization: Bearer <webhook token> (a token user in the API server\'s admission kubeconfig)'))
      return
    }
    done()
  }
}
