/**
 * `irsa webhook`: the pod identity admission webhook over HTTPS, with the upstream
 * amazon-eks-pod-identity-webhook flag names and defaults; and `irsa webhook manifests`, which
 * prints the objects that install it. Only parses flags and wires library functions.
 */
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { Command, InvalidArgumentError, Option } from 'commander'
import { stringify } from 'yaml'
import { IrsaError } from '../errors.js'
import { partitionOfRegion, webhookConfig } from '../webhook/config.js'
import type { WebhookConfigInput } from '../webhook/config.js'
import { NO_CONTAINER_CREDENTIALS, unionContainerCredentials, watchContainerCredentials } from '../webhook/container-credentials.js'
import type { ContainerCredentialsSet } from '../webhook/container-credentials.js'
import { watchPodIdentityAssociations } from '../webhook/pod-identity-associations.js'
import { webhookManifests } from '../webhook/manifests.js'
import { generateCertificates } from '../webhook/certificates.js'
import { instanceIdentity } from '../webhook/instance-identity.js'
import { decisionLine, stdoutLog as log } from '../webhook/log.js'
import type { AdmissionDecision } from '../webhook/plugin.js'
import { webhookRandom } from '../webhook/random.js'
import { NO_ROLES, roleLookupFromFile } from '../webhook/role-lookup.js'
import { fileServiceAccountSource } from '../webhook/sa-source-file.js'
import { clientNodeApi, kubeServiceAccountSource } from '../webhook/sa-source-kube.js'
import { parseTlsVersion, startWebhookServer } from '../webhook/server.js'
import { parseGoBool } from '../webhook/annotation-values.js'
import { VERSION } from './version.js'

/** Go `flag` booleans: `--x`, `--x=true`, `--x=false` (strconv.ParseBool spellings). */
function goBool(v: string): boolean {
  const b = parseGoBool(v)
  if (b === undefined) throw new InvalidArgumentError('expected true or false')
  return b
}

function integer(v: string): number {
  if (!/^[+-]?\d+$/.test(v)) throw new InvalidArgumentError('expected a whole number')
  return Number(v)
}

const UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Go `time.ParseDuration` (`0`, `100ms`, `1.5s`, `1m30s`), in milliseconds. */
export function parseGoDuration(v: string): number {
  if (v === '0') return 0
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy
  let total = 0
  let at = 0
  let m: RegExpExecArray | null
  while ((m = re.exec(v)) !== null) {
    total += Number(m[1]) * (UNITS[m[2] ?? ''] ?? 0)
    at = re.lastIndex
  }
  if (at === 0 || at !== v.length) throw new InvalidArgumentError('expected a duration such as 0, 100ms, 2s or 1m')
  return total
}

function tlsVersion(v: string): string {
  if (parseTlsVersion(v) === undefined) throw new InvalidArgumentError('expected 1.0, 1.1, 1.2, 1.3 or VersionTLS10..VersionTLS13')
  return v
}

interface WebhookFlags {
  annotationPrefix: string
  tokenAudience: string
  tokenMountPath: string
  tokenExpiration: number
  awsDefaultRegion: string
  stsRegionalEndpoint: boolean
  watchConfigMap: boolean
  namespace: string
  composeRoleArn: boolean
  watchContainerCredentialsConfig: string
  podIdentityAssociations?: string
  podIdentityCluster?: string
  containerCredentialsAudience: string
  containerCredentialsTokenMountPath: string
  containerCredentialsTokenVolumeName: string
  containerCredentialsTokenPath: string
  containerCredentialsFullUri: string
  serviceAccountLookupGracePeriod: number
  host: string
  port: number
  tlsCert: string
  tlsKey: string
  tlsMinVersion?: string
  kubeconfig?: string
  kubeApi?: string
  serviceAccounts?: string
  iam?: string
  enforce: boolean
  inCluster: boolean
  bodyLimit: number
  log?: boolean
}

async function runWebhook(o: WebhookFlags): Promise<void> {
  if (o.inCluster) throw new IrsaError('ERR_CLI_USAGE', '--in-cluster=true (CSR certificates) is not supported; give --tls-cert and --tls-key (see `irsa webhook manifests`)')
  if (o.serviceAccounts !== undefined && (o.kubeconfig !== undefined || o.kubeApi !== undefined)) {
    throw new IrsaError('ERR_CLI_USAGE', 'give either --service-accounts or --kubeconfig/--kube-api, not both')
  }
  let compose: WebhookConfigInput['composeRoleArn']
  if (o.composeRoleArn) {
    const id = await instanceIdentity().catch((e: unknown) => {
      throw new IrsaError('ERR_CLI_INPUT', `--compose-role-arn needs EC2 instance metadata: ${(e as Error).message}`, { cause: e })
    })
    compose = { accountId: id.accountId, partition: partitionOfRegion(id.region) }
  }
  const config = webhookConfig({
    annotationPrefix: o.annotationPrefix,
    tokenAudience: o.tokenAudience,
    tokenMountPath: o.tokenMountPath,
    tokenExpiration: o.tokenExpiration,
    region: o.awsDefaultRegion,
    stsRegionalEndpoint: o.stsRegionalEndpoint,
    composeRoleArn: compose,
    configMapNamespace: o.watchConfigMap ? o.namespace : undefined,
    gracePeriodMs: o.serviceAccountLookupGracePeriod,
    enforce: o.enforce,
    containerCredentials: {
      audience: o.containerCredentialsAudience,
      mountPath: o.containerCredentialsTokenMountPath,
      volumeName: o.containerCredentialsTokenVolumeName,
      tokenPath: o.containerCredentialsTokenPath,
      // Any string, as upstream (its fixtures use "con-creds-uri").
      fullUri: o.containerCredentialsFullUri,
    },
  })
  const onError = (e: unknown): void => log({ level: 'error', msg: e instanceof Error ? e.message : String(e) })
  const serviceAccounts =
    o.serviceAccounts !== undefined
      ? await fileServiceAccountSource(o.serviceAccounts, { config, onError, onReload: (s) => o.log && log({ msg: 'service accounts reloaded', count: s.list().length }) })
      : await kubeServiceAccountSource(await clientNodeApi({ ...(o.kubeconfig === undefined ? {} : { kubeconfig: o.kubeconfig }), ...(o.kubeApi === undefined ? {} : { server: o.kubeApi }) }), { config, onError })
  if (o.podIdentityCluster !== undefined && o.podIdentityAssociations === undefined) throw new IrsaError('ERR_CLI_USAGE', '--pod-identity-cluster needs --pod-identity-associations')
  // Container-credentials identities: the upstream JSON file and/or the aws eks associations (union).
  const ccSources: ContainerCredentialsSet[] = []
  if (o.watchContainerCredentialsConfig !== '') ccSources.push(await watchContainerCredentials(o.watchContainerCredentialsConfig, onError))
  if (o.podIdentityAssociations !== undefined) {
    ccSources.push(await watchPodIdentityAssociations(o.podIdentityAssociations, { ...(o.podIdentityCluster === undefined ? {} : { clusterName: o.podIdentityCluster }), onError }))
  }
  const containerCredentials = ccSources.length === 0 ? NO_CONTAINER_CREDENTIALS : unionContainerCredentials(ccSources)
  const roles = o.iam === undefined ? NO_ROLES : await roleLookupFromFile(o.iam)
  if (o.enforce && o.iam === undefined) process.stderr.write('irsa webhook: --enforce without --iam: only the shared-role check runs (no trust policies to check)\n')
  const tlsMin = o.tlsMinVersion === undefined ? undefined : parseTlsVersion(o.tlsMinVersion)
  const server = await startWebhookServer({
    host: o.host,
    port: o.port,
    tlsCert: o.tlsCert,
    tlsKey: o.tlsKey,
    ...(tlsMin === undefined ? {} : { tlsMinVersion: tlsMin }),
    config,
    serviceAccounts,
    containerCredentials,
    roles,
    random: webhookRandom((n) => new Uint8Array(randomBytes(n))),
    bodyLimit: o.bodyLimit,
    ...(o.log ? { onDecision: (d: AdmissionDecision) => log(decisionLine(d)) } : {}),
    onError,
  })
  process.stdout.write(`irsa webhook listening on ${server.url} (POST /mutate, GET /healthz)\n`)
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      // Upstream allows 10 s for a graceful shutdown.
      const force = setTimeout(resolve, 10_000)
      force.unref()
      void Promise.allSettled([server.close(), serviceAccounts.close(), containerCredentials.close()]).then(() => resolve())
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

interface ManifestFlags {
  namespace: string
  image: string
  certManager?: boolean
  generateCerts?: boolean
  caBundle?: string
  tlsCert?: string
  tlsKey?: string
  certDays: number
  failurePolicy?: 'Ignore' | 'Fail'
  enforce?: boolean
  replicas: number
  arg: string[]
}

async function printManifests(o: ManifestFlags): Promise<void> {
  let certificates: Parameters<typeof webhookManifests>[0]['certificates'] = { kind: 'cert-manager' }
  if (o.generateCerts) certificates = { kind: 'bundle', ...(await generateCertificates(o.namespace, o.certDays)) }
  else if (o.caBundle !== undefined) {
    if (o.tlsCert === undefined || o.tlsKey === undefined) throw new IrsaError('ERR_CLI_USAGE', '--ca-bundle needs --tls-cert and --tls-key (the serving certificate it signed)')
    certificates = { kind: 'bundle', caPem: await readFile(o.caBundle, 'utf8'), certPem: await readFile(o.tlsCert, 'utf8'), keyPem: await readFile(o.tlsKey, 'utf8') }
  }
  const docs = webhookManifests({
    namespace: o.namespace,
    image: o.image,
    certificates,
    // With the guardrail on, a webhook that cannot be reached must not let pods through unchecked.
    failurePolicy: o.failurePolicy ?? (o.enforce ? 'Fail' : 'Ignore'),
    args: [...(o.enforce ? ['--enforce'] : []), ...o.arg],
    replicas: o.replicas,
  })
  // `… | head` closing the pipe early is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e
  })
  process.stdout.write(docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n'))
}

/** Register `irsa webhook` and `irsa webhook manifests` on the program. */
export function registerWebhookCommands(program: Command): void {
  // `irsa webhook manifests --namespace N` must not hand --namespace to `irsa webhook`.
  program.enablePositionalOptions()
  const d = webhookConfig()
  const cc = d.containerCredentials
  const bool = (flags: string, description: string): Option => new Option(`${flags} [bool]`, description).argParser(goBool).default(false)
  const webhook = new Command('webhook')
    .description('Serve the pod identity admission webhook (POST /mutate over HTTPS); upstream flag names and defaults')
    .enablePositionalOptions()
    .option('--annotation-prefix <prefix>', 'prefix of the service account and pod annotations', d.annotationPrefix)
    .option('--token-audience <aud>', 'default token audience', d.tokenAudience)
    .option('--token-mount-path <path>', 'token mount path (web identity)', d.tokenMountPath)
    .option('--token-expiration <seconds>', 'default token expiration (at least 600)', integer, d.tokenExpiration)
    .option('--aws-default-region <region>', 'inject AWS_DEFAULT_REGION and AWS_REGION with this value', '')
    .addOption(bool('--sts-regional-endpoint', 'inject AWS_STS_REGIONAL_ENDPOINTS=regional by default'))
    .addOption(bool('--watch-config-map', 'also read roles from ConfigMap pod-identity-webhook in --namespace'))
    .option('--namespace <ns>', 'namespace of the ConfigMap', 'eks')
    .addOption(bool('--compose-role-arn', 'build the role ARN from a bare role name (account from EC2 metadata)'))
    .option('--watch-container-credentials-config <file>', 'EKS Pod Identity identities file (JSON)', '')
    .option('--pod-identity-associations <file>', 'EKS Pod Identity associations (aws eks list-/describe-pod-identity-association JSON): their service accounts get container credentials; re-read on change')
    .option('--pod-identity-cluster <name>', 'only the associations of this cluster')
    .option('--container-credentials-audience <aud>', 'audience in Pod Identity mode', cc.audience)
    .option('--container-credentials-token-mount-path <path>', 'mount path in Pod Identity mode', cc.mountPath)
    .option('--container-credentials-token-volume-name <name>', 'volume name in Pod Identity mode', cc.volumeName)
    .option('--container-credentials-token-path <file>', 'token file name in Pod Identity mode', cc.tokenPath)
    .option('--container-credentials-full-uri <uri>', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', cc.fullUri)
    .option('--service-account-lookup-grace-period <duration>', 'wait this long for a service account missing from the cache (0: do not wait)', parseGoDuration, 0)
    .option('--resync-period <duration>', 'informer resync period (accepted for compatibility)', parseGoDuration, 60_000)
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .option('--port <port>', 'HTTPS port', integer, 8443)
    .option('--tls-cert <file>', 'TLS certificate (PEM); reloaded when it changes', '/etc/webhook/certs/tls.crt')
    .option('--tls-key <file>', 'TLS private key (PEM); reloaded when it changes', '/etc/webhook/certs/tls.key')
    .option('--tls-min-version <v>', 'minimum TLS version (1.2, 1.3, VersionTLS12, …)', tlsVersion)
    .option('--kubeconfig <file>', 'kubeconfig for the service-account informer (default: in-cluster or $KUBECONFIG)')
    .option('--kube-api <url>', 'API server URL (overrides the kubeconfig server)')
    .option('--service-accounts <file>', 'read service accounts from this file (kubectl get sa -A -o json) instead of the API; re-read on change')
    .option('--iam <file>', 'roles for the guardrail: output of aws iam get-account-authorization-details')
    .option('--enforce', 'guardrail: deny pods whose role is shared across namespaces or whose trust admits wildcard subjects', false)
    .addOption(new Option('--in-cluster [bool]', 'legacy CSR certificate mode (not supported; use false)').argParser(goBool).default(false))
    .option('--body-limit <bytes>', 'largest AdmissionReview accepted', integer, 6 * 1024 * 1024)
    .option('--log', 'log each admission decision as a JSON line (never the pod)')
    .addOption(new Option('--metrics-port <port>', 'accepted for compatibility (no metrics server)').hideHelp())
    .addOption(new Option('--service-name <name>', 'accepted for compatibility').hideHelp())
    .addOption(new Option('--tls-secret <name>', 'accepted for compatibility').hideHelp())
    .addOption(new Option('--logtostderr [bool]', 'accepted for compatibility').hideHelp())
    .addOption(new Option('--v <level>', 'accepted for compatibility').hideHelp())
    .action(async (o: WebhookFlags) => runWebhook(o))

  webhook
    .command('manifests')
    .description('Print the MutatingWebhookConfiguration, Service, Deployment, RBAC and certificate objects as YAML')
    .option('--namespace <ns>', 'namespace to install into', 'irsa-system')
    .option('--image <image>', 'container image running irsa', `ghcr.io/irsa/irsa:${VERSION}`)
    .option('--cert-manager', 'certificates from cert-manager (default)')
    .option('--generate-certs', 'generate a CA and serving certificate now (openssl) and embed them')
    .option('--ca-bundle <file>', 'embed this CA (PEM) as caBundle, with --tls-cert/--tls-key as the serving Secret')
    .option('--tls-cert <file>', 'serving certificate (PEM) signed by --ca-bundle')
    .option('--tls-key <file>', 'serving key (PEM)')
    .option('--cert-days <days>', 'validity of generated certificates', integer, 365)
    .addOption(new Option('--failure-policy <policy>', 'webhook failurePolicy (default Ignore, or Fail with --enforce)').choices(['Ignore', 'Fail']))
    .option('--enforce', 'run the webhook with the guardrail on')
    .option('--replicas <n>', 'webhook replicas', integer, 2)
    .option('--arg <arg>', 'extra argument for irsa webhook (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .action(async (o: ManifestFlags) => printManifests(o))

  program.addCommand(webhook)
}
