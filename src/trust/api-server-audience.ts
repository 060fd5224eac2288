/**
 * The audiences of a cluster's Kubernetes API server: what every pod's default (automounted or
 * TokenRequest without an audience) service-account token carries. Such tokens go to the API server
 * and to every in-cluster service that authenticates pods with TokenReview, so a role trust that
 * accepts one of these audiences lets far more widely exposed tokens be exchanged at STS than the
 * `sts.amazonaws.com` tokens IRSA projects.
 *
 * The API server's audiences default to its service-account issuer URL (`--api-audiences` falls back
 * to `--service-account-issuer`; on EKS that is the cluster's OIDC issuer URL), and clusters commonly
 * configure the in-cluster service name `https://kubernetes.default.svc` (EKS tokens carry it).
 */

const IN_CLUSTER = ['https://kubernetes.default.svc', 'https://kubernetes.default.svc.cluster.local', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']

/** The API server audiences to check for an issuer (host and path, without scheme). */
export function apiServerAudiences(issuerHost: string): readonly string[] {
  return [...IN_CLUSTER, `https://${issuerHost}`]
}

/** Whether an audience is one the cluster's API server accepts (so default service-account tokens carry it). */
export function isApiServerAudience(audience: string, issuerHost: string): boolean {
  return apiServerAudiences(issuerHost).some((a) => a.toLowerCase() === audience.toLowerCase().replace(/\/$/, ''))
}
