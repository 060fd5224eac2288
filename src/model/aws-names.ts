/**
 * Well-known AWS names that irsa relies on, in one place.
 */

/**
 * The audience of IRSA's projected service-account tokens, and the client ID an OIDC provider lists
 * for STS (`aws iam create-open-id-connect-provider --client-id-list sts.amazonaws.com`).
 */
export const STS_AUDIENCE = 'sts.amazonaws.com'

/**
 * EKS Pod Identity: the service principal that assumes a role for a pod (`sts:AssumeRole` and
 * `sts:TagSession` in the role's trust), the audience of the pod's projected token, and the value of
 * `iam:PassedToService` when a role is handed to an association.
 */
export const POD_IDENTITY_SERVICE = 'pods.eks.amazonaws.com'
