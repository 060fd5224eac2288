/** A Kubernetes service account, by namespace and name. */
export interface ServiceAccountRef {
  readonly namespace: string
  readonly name: string
}
