/** Reading audit inputs from disk: files and directories of Kubernetes objects, and the AWS exports. */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { IrsaError } from '../../errors.js'
import type { Inventory } from '../model.js'
import { emptyIam, emptyK8s } from '../model.js'
import { loadAuthorizationDetails, loadEksCluster, loadOidcProviders, issuerHost } from './iam.js'
import { loadKubernetesDocuments, parseDocuments } from './kubernetes.js'
import { splitJsonValues } from '../../eks/association-records.js'
import { loadPodIdentityAssociations } from './pod-identity.js'
import { loadAccessEntries } from './access-entries.js'

export interface FileInputs {
  /** Paths, each optionally prefixed `cluster=` to say which cluster the objects come from. */
  readonly kubernetes: readonly string[]
  readonly iam: readonly string[]
  readonly eksClusters: readonly string[]
  readonly oidcProviders: readonly string[]
  /** `aws eks list-pod-identity-associations` / `describe-pod-identity-association` output. */
  readonly podIdentityAssociations?: readonly string[]
  /** EKS access entries (`describe-access-entry`, `list-associated-access-policies`), each optionally `cluster=FILE`. */
  readonly accessEntries?: readonly string[]
  /** `--cluster-issuer`: `URL` or `cluster=URL`. */
  readonly clusterIssuers?: readonly string[]
  /** Progress callback: called with the number of files read so far. */
  readonly onFile?: (path: string) => void
}

const K8S_EXT = /\.(json|ya?ml)$/i

async function listFiles(path: string): Promise<string[]> {
  const st = await stat(path).catch((e: unknown) => {
    throw new IrsaError('ERR_AUDIT_INPUT', `cannot read ${path}: ${(e as Error).message}`, { cause: e })
  })
  if (!st.isDirectory()) return [path]
  const out: string[] = []
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))
  for (const e of entries) {
    if (e.name.startsWith('.')) continue
    const p = join(path, e.name)
    if (e.isDirectory()) out.push(...(await listFiles(p)))
    else if (K8S_EXT.test(e.name)) out.push(p)
  }
  return out
}

/** Read a file and parse it; unreadable or unparsable input is ERR_AUDIT_INPUT naming the file. */
async function readParsed<T>(path: string, parse: (text: string) => T): Promise<T> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new IrsaError('ERR_AUDIT_INPUT', `cannot read ${path}: ${(e as Error).message}`, { cause: e })
  }
  try {
    return parse(text)
  } catch (e) {
    throw new IrsaError('ERR_AUDIT_INPUT', `${path} is not valid JSON: ${(e as Error).message}`, { cause: e })
  }
}

const readJson = (path: string): Promise<unknown> => readParsed(path, (t) => JSON.parse(t) as unknown)
/** A file of one or more concatenated JSON values, as AWS CLI outputs appended to one file are. */
const readJsonValues = (path: string): Promise<unknown[]> => readParsed(path, splitJsonValues)

/** Split `name=value` (a cluster prefix) from a path or URL; `=` inside a URL scheme does not count. */
export function splitClusterPrefix(arg: string): { cluster: string | undefined; value: string } {
  const m = /^([A-Za-z0-9][A-Za-z0-9_.-]*)=(.+)$/.exec(arg)
  return m === null ? { cluster: undefined, value: arg } : { cluster: m[1], value: m[2] as string }
}

/** Load every input. Throws ERR_AUDIT_INPUT when a required AWS export is unreadable; Kubernetes problems are warnings. */
export async function loadFiles(inputs: FileInputs): Promise<Inventory> {
  const k8s = emptyK8s()
  const iam = emptyIam()
  const warnings: Inventory['warnings'] = []
  for (const f of inputs.iam) {
    try {
      loadAuthorizationDetails(await readJson(f), f, iam, warnings)
    } catch (e) {
      if (e instanceof TypeError) throw new IrsaError('ERR_AUDIT_INPUT', e.message)
      throw e
    }
  }
  for (const f of inputs.oidcProviders) loadOidcProviders(await readJson(f), f, iam, warnings)
  for (const f of inputs.eksClusters) loadEksCluster(await readJson(f), f, iam, warnings)
  for (const f of inputs.podIdentityAssociations ?? []) loadPodIdentityAssociations(await readJsonValues(f), f, iam, warnings)
  for (const arg of inputs.accessEntries ?? []) {
    const { cluster, value } = splitClusterPrefix(arg)
    loadAccessEntries(await readJsonValues(value), value, iam, warnings, cluster)
  }
  for (const arg of inputs.clusterIssuers ?? []) {
    const { cluster, value } = splitClusterPrefix(arg)
    const name = cluster ?? iam.clusters[0]?.name ?? 'default'
    const existing = iam.clusters.findIndex((c) => c.name === name)
    const entry = { name, arn: undefined, issuerHost: issuerHost(value), accountId: undefined, env: undefined, source: { file: '--cluster-issuer' } }
    if (existing >= 0) iam.clusters[existing] = { ...(iam.clusters[existing] as typeof entry), issuerHost: entry.issuerHost }
    else iam.clusters.push(entry)
  }
  const defaultCluster = iam.clusters.length === 1 ? (iam.clusters[0]?.name ?? 'default') : 'default'
  for (const arg of inputs.kubernetes) {
    const { cluster, value } = splitClusterPrefix(arg)
    for (const file of await listFiles(value)) {
      let text: string
      try {
        text = await readFile(file, 'utf8')
      } catch (e) {
        warnings.push({ file, message: `cannot read: ${(e as Error).message}` })
        continue
      }
      loadKubernetesDocuments(parseDocuments(text, file, warnings), file, cluster ?? defaultCluster, k8s, warnings)
      inputs.onFile?.(file)
    }
  }
  return { k8s, iam, hasRbac: k8s.roles.length + k8s.bindings.length > 0, warnings }
}
