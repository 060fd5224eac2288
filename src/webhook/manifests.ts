/**
 * The Kubernetes objects that install the webhook (`irsa webhook manifests`): ServiceAccount, RBAC,
 * Service, Deployment, MutatingWebhookConfiguration, and a certificate path — cert-manager (a
 * self-signed Issuer, a Certificate, and the CA injected by annotation) or a CA bundle the caller
 * generated (the serving certificate goes into a Secret, the CA into `caBundle`). Pure: returns
 * objects; the CLI prints them as YAML.
 */
export interface ManifestOptions {
  readonly namespace: string
  readonly image: string
  /** `cert-manager`, or the PEM texts of a CA and a serving certificate/key signed by it. */
  readonly certificates: { readonly kind: 'cert-manager' } | { readonly kind: 'bundle'; readonly caPem: string; readonly certPem: string; readonly keyPem: string }
  readonly failurePolicy: 'Ignore' | 'Fail'
  /** Extra `irsa webhook` arguments (e.g. --enforce, --aws-default-region=…). */
  readonly args: readonly string[]
  readonly replicas: number
}

export const WEBHOOK_NAME = 'irsa-pod-identity-webhook'
/** Pods with this label are not sent to the webhook (upstream PR #216). */
export const SKIP_LABEL = 'eks.amazonaws.com/skip-pod-identity-webhook'
const PORT = 8443

/** DNS names the serving certificate must cover. */
export function serviceDnsNames(namespace: string): string[] {
  return [`${WEBHOOK_NAME}.${namespace}.svc`, `${WEBHOOK_NAME}.${namespace}.svc.cluster.local`]
}

export function webhookManifests(o: ManifestOptions): Record<string, unknown>[] {
  const ns = o.namespace
  const labels = { 'app.kubernetes.io/name': WEBHOOK_NAME, 'app.kubernetes.io/part-of': 'irsa' }
  const secretName = `${WEBHOOK_NAME}-tls`
  const meta = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name, namespace: ns, labels, ...extra })
  const out: Record<string, unknown>[] = []
  out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
  out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(WEBHOOK_NAME) })
  out.push({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: WEBHOOK_NAME, labels },
    rules: [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list', 'watch'] }],
  })
  out.push({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: WEBHOOK_NAME, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: WEBHOOK_NAME },
    subjects: [{ kind: 'ServiceAccount', name: WEBHOOK_NAME, namespace: ns }],
  })
  // --watch-config-map reads ConfigMap pod-identity-webhook in this namespace (upstream's auth.yaml forgets this).
  out.push({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta(WEBHOOK_NAME),
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
  })
  out.push({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(WEBHOOK_NAME),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: WEBHOOK_NAME },
    subjects: [{ kind: 'ServiceAccount', name: WEBHOOK_NAME, namespace: ns }],
  })
  out.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(WEBHOOK_NAME),
    spec: { selector: labels, ports: [{ name: 'https', port: 443, targetPort: PORT, protocol: 'TCP' }] },
  })
  let caBundle: string | undefined
  if (o.certificates.kind === 'cert-manager') {
    out.push({ apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: meta(`${WEBHOOK_NAME}-selfsigned`), spec: { selfSigned: {} } })
    out.push({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: meta(WEBHOOK_NAME),
      spec: {
        secretName,
        dnsNames: serviceDnsNames(ns),
        duration: '2160h',
        renewBefore: '360h',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        issuerRef: { name: `${WEBHOOK_NAME}-selfsigned`, kind: 'Issuer' },
      },
    })
  } else {
    caBundle = Buffer.from(o.certificates.caPem).toString('base64')
    out.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(secretName),
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': Buffer.from(o.certificates.certPem).toString('base64'), 'tls.key': Buffer.from(o.certificates.keyPem).toString('base64') },
    })
  }
  out.push({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(WEBHOOK_NAME),
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: labels },
      template: {
        // The webhook's own pods must not wait on the webhook.
        metadata: { labels: { ...labels, [SKIP_LABEL]: 'true' } },
        spec: {
          serviceAccountName: WEBHOOK_NAME,
          securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'webhook',
              image: o.image,
              args: ['webhook', '--tls-cert=/etc/webhook/certs/tls.crt', '--tls-key=/etc/webhook/certs/tls.key', `--port=${PORT}`, `--namespace=${ns}`, ...o.args],
              ports: [{ name: 'https', containerPort: PORT }],
              readinessProbe: { httpGet: { path: '/healthz', port: PORT, scheme: 'HTTPS' }, periodSeconds: 5 },
              livenessProbe: { httpGet: { path: '/healthz', port: PORT, scheme: 'HTTPS' }, periodSeconds: 20 },
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'certs', mountPath: '/etc/webhook/certs', readOnly: true }],
            },
          ],
          volumes: [{ name: 'certs', secret: { secretName } }],
        },
      },
    },
  })
  out.push({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: {
      name: WEBHOOK_NAME,
      labels,
      ...(o.certificates.kind === 'cert-manager' ? { annotations: { 'cert-manager.io/inject-ca-from': `${ns}/${WEBHOOK_NAME}` } } : {}),
    },
    webhooks: [
      {
        name: 'pod-identity-webhook.irsa.dev',
        admissionReviewVersions: ['v1', 'v1beta1'],
        sideEffects: 'None',
        failurePolicy: o.failurePolicy,
        // Patches are idempotent, so a later webhook adding containers gets them injected too.
        reinvocationPolicy: 'IfNeeded',
        timeoutSeconds: 10,
        clientConfig: { service: { name: WEBHOOK_NAME, namespace: ns, path: '/mutate', port: 443 }, ...(caBundle === undefined ? {} : { caBundle }) },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
        objectSelector: { matchExpressions: [{ key: SKIP_LABEL, operator: 'DoesNotExist' }] },
      },
    ],
  })
  return out
}
