/**
 * The declarative config file (`irsa serve --config`, `irsa apply`): OIDC providers, managed
 * policies, roles and service-account bindings, in YAML. Validation is strict: an unknown key, a
 * wrong type or an invalid policy document is an error naming the YAML path and line, raised as
 * `ERR_CLI_INPUT` so the CLI prints one line and exits 2. Policy documents are checked with the
 * same rules IAM applies on write (checkPolicyDocument).
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml'
import type { Node as YamlNode } from 'yaml'
import { AwsError } from '../aws/aws-error.js'
import { IrsaError } from '../errors.js'
import { NAME, PATH } from '../iam/actions/params.js'
import { checkPolicyDocument } from '../iam/actions/policy-document.js'
import type { Tag } from '../model/iam.js'
import type { PolicyKind } from '../policy/kind.js'
import { issuerUrlProblem } from '../tokens/issuer-url.js'
import { STS_AUDIENCE } from '../model/aws-names.js'
import type { ServiceAccountRef } from '../model/service-account-ref.js'

export interface ProviderSpec {
  /** As written, trailing slashes removed. */
  readonly url: string
  readonly clientIds: readonly string[]
  readonly thumbprints: readonly string[]
}

export interface PolicySpec {
  readonly name: string
  readonly path: string
  /** JSON text (an object in the file is serialised with 2-space indentation). */
  readonly document: string
}

/** A managed policy reference: a policy declared in the file (by name) or any ARN. */
export type PolicyRef = { readonly kind: 'name'; readonly name: string } | { readonly kind: 'arn'; readonly arn: string }

export interface RoleSpec {
  readonly name: string
  readonly path: string
  readonly description: string | undefined
  readonly maxSessionDuration: number
  /** The trust policy JSON; undefined means "generate it for serviceAccounts". */
  readonly trust: string | undefined
  /** Issuer URL the generated trust names; undefined means the server's own issuer. */
  readonly provider: string | undefined
  readonly inlinePolicies: ReadonlyMap<string, string>
  readonly managedPolicies: readonly PolicyRef[]
  readonly permissionsBoundary: PolicyRef | undefined
  readonly tags: readonly Tag[]
  readonly serviceAccounts: readonly ServiceAccountRef[]
  /** Named by a pod identity association: the generated trust also admits `pods.eks.amazonaws.com`. */
  readonly podIdentity?: boolean
}

/** An EKS Pod Identity association: a service account of a cluster (default: the server's) → a role. */
export interface PodIdentityAssociationSpec {
  readonly cluster: string | undefined
  readonly namespace: string
  readonly serviceAccount: string
  /** A role declared in the file (by name) or any role ARN. */
  readonly role: { readonly kind: 'name'; readonly name: string } | { readonly kind: 'arn'; readonly arn: string }
  /** Set when the association is created (EKS updates only the role). */
  readonly tags: Readonly<Record<string, string>>
}

export interface IrsaConfig {
  readonly providers: readonly ProviderSpec[]
  readonly policies: readonly PolicySpec[]
  readonly roles: readonly RoleSpec[]
  /** Present when the file has a `podIdentityAssociations` list. */
  readonly podIdentityAssociations?: readonly PodIdentityAssociationSpec[]
  /** `backend:` — where `irsa serve` forwards enforced AWS calls (its `--backend` flags win); ignored by `irsa apply`. */
  readonly backend?: BackendSpec
}

/** `moto` or an http(s) URL, and optionally `AKID:SECRET` to re-sign forwarded requests with. */
export interface BackendSpec {
  readonly backend: string
  readonly credentials?: string
}

const THUMBPRINT = /^[0-9A-Fa-f]{40}$/
/** Kubernetes names: a namespace is a DNS-1123 label, a service account a DNS-1123 subdomain. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const POLICY_ARN = /^arn:aws[\w-]*:iam::(\d{12}|aws):policy\/.+/
const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\u0021-\u007e]{1,512}$/
const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/

type Path = readonly (string | number)[]

/** Reads a parsed YAML document with the source position of every node, for error messages. */
class Reader {
  private readonly lines: LineCounter
  private readonly file: string

  constructor(file: string, lines: LineCounter) {
    this.file = file
    this.lines = lines
  }

  fail(path: Path, node: YamlNode | null | undefined, message: string): never {
    const where = path.length === 0 ? '(top level)' : path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')
    const offset = node?.range?.[0]
    const line = offset === undefined ? '' : `:${this.lines.linePos(offset).line}`
    throw new IrsaError('ERR_CLI_INPUT', `${this.file}${line}: ${where}: ${message}`, { path: `/${path.join('/')}` })
  }

  /** The pairs of a mapping, rejecting keys outside `allowed` and duplicates. */
  map(path: Path, node: YamlNode | null | undefined, allowed: readonly string[] | undefined): Map<string, { key: YamlNode; value: YamlNode | null }> {
    if (!isMap(node)) this.fail(path, node, 'expected a mapping')
    const out = new Map<string, { key: YamlNode; value: YamlNode | null }>()
    for (const pair of node.items) {
      const key = pair.key as YamlNode | null
      if (!isScalar(key) || (typeof key.value !== 'string' && typeof key.value !== 'number')) this.fail(path, key ?? node, 'keys must be strings')
      const name = String(key.value)
      if (allowed !== undefined && !allowed.includes(name)) this.fail([...path, name], key, `unknown key (allowed: ${allowed.join(', ')})`)
      if (out.has(name)) this.fail([...path, name], key, 'duplicate key')
      out.set(name, { key, value: (pair.value as YamlNode | null) ?? null })
    }
    return out
  }

  seq(path: Path, node: YamlNode | null | undefined): YamlNode[] {
    if (!isSeq(node)) this.fail(path, node, 'expected a list')
    return node.items.map((n) => n as YamlNode)
  }

  string(path: Path, node: YamlNode | null | undefined, c: { min?: number; max?: number; pattern?: RegExp; what?: string } = {}): string {
    if (!isScalar(node) || typeof node.value !== 'string') this.fail(path, node, 'expected a string')
    const v = node.value
    if (c.min !== undefined && v.length < c.min) this.fail(path, node, `must be at least ${c.min} characters`)
    if (c.max !== undefined && v.length > c.max) this.fail(path, node, `must be at most ${c.max} characters`)
    if (c.pattern !== undefined && !c.pattern.test(v)) this.fail(path, node, `${JSON.stringify(v)} is not ${c.what ?? `of the form ${c.pattern.source}`}`)
    return v
  }

  integer(path: Path, node: YamlNode | null | undefined, min: number, max: number): number {
    if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value)) this.fail(path, node, 'expected a whole number')
    if (node.value < min || node.value > max) this.fail(path, node, `must be between ${min} and ${max}`)
    return node.value
  }

  strings(path: Path, node: YamlNode | null | undefined, c: { min?: number; max?: number; pattern?: RegExp; what?: string } = {}): string[] {
    return this.seq(path, node).map((n, i) => this.string([...path, i], n, c))
  }

  /** A policy document: a mapping (serialised to JSON) or a JSON string, checked as IAM would. */
  document(path: Path, node: YamlNode | null | undefined, kind: PolicyKind, managed: boolean): string {
    let text: string
    if (isScalar(node) && typeof node.value === 'string') text = node.value
    else if (isMap(node)) text = JSON.stringify(node.toJSON(), null, 2)
    else this.fail(path, node, 'expected a policy document (a mapping, or a JSON string)')
    try {
      checkPolicyDocument(text, kind, { managed })
    } catch (e) {
      if (e instanceof AwsError) this.fail(path, node, `${e.code}: ${e.message.split('\n')[0] ?? ''}`)
      throw e
    }
    return text
  }
}

function policyRef(r: Reader, path: Path, node: YamlNode | null | undefined, declared: ReadonlySet<string>): PolicyRef {
  const v = r.string(path, node, { min: 1, max: 2048 })
  if (v.startsWith('arn:')) {
    if (!POLICY_ARN.test(v)) r.fail(path, node, `${JSON.stringify(v)} is not a managed policy ARN`)
    return { kind: 'arn', arn: v }
  }
  if (!declared.has(v.toLowerCase())) r.fail(path, node, `policy ${JSON.stringify(v)} is not declared under policies (refer to other policies by ARN)`)
  return { kind: 'name', name: v }
}

function providerUrl(r: Reader, path: Path, node: YamlNode | null | undefined): string {
  const url = r.string(path, node, { min: 1, max: 255 })
  const problem = issuerUrlProblem(url)
  if (problem !== undefined) r.fail(path, node, `${JSON.stringify(url)} is not an allowed issuer URL: ${problem}`)
  return url.replace(/\/+$/, '')
}

/** Parse and validate a config file's text; `file` names it in error messages. */
export function parseConfig(text: string, file = 'config'): IrsaConfig {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false })
  const r: Reader = new Reader(file, lines)
  const first = doc.errors[0]
  if (first !== undefined) {
    const line = lines.linePos(first.pos[0]).line
    throw new IrsaError('ERR_CLI_INPUT', `${file}:${line}: invalid YAML: ${first.message.split('\n')[0] ?? ''}`)
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return { providers: [], policies: [], roles: [] }
  const top = r.map([], doc.contents, ['providers', 'policies', 'roles', 'podIdentityAssociations', 'backend'])

  const providers: ProviderSpec[] = []
  const providerNode = top.get('providers')?.value
  for (const [i, n] of (providerNode === undefined || providerNode === null ? [] : r.seq(['providers'], providerNode)).entries()) {
    const p: Path = ['providers', i]
    const m = r.map(p, n, ['url', 'clientIds', 'thumbprints'])
    const urlNode = m.get('url')
    if (urlNode === undefined) r.fail(p, n, 'url is required')
    const url = providerUrl(r, [...p, 'url'], urlNode.value)
    if (providers.some((x) => x.url === url)) r.fail([...p, 'url'], urlNode.value, `provider ${url} is declared twice`)
    const ids = m.get('clientIds')
    const clientIds = ids === undefined ? [STS_AUDIENCE] : r.strings([...p, 'clientIds'], ids.value, { min: 1, max: 255 })
    if (clientIds.length > 100) r.fail([...p, 'clientIds'], ids?.value, 'at most 100 client IDs')
    const tp = m.get('thumbprints')
    const thumbprints = tp === undefined ? [] : r.strings([...p, 'thumbprints'], tp.value, { pattern: THUMBPRINT, what: '40 hexadecimal characters' })
    if (thumbprints.length > 5) r.fail([...p, 'thumbprints'], tp?.value, 'at most 5 thumbprints')
    providers.push({ url, clientIds: [...new Set(clientIds)], thumbprints: thumbprints.map((t) => t.toLowerCase()) })
  }

  const policies: PolicySpec[] = []
  const policyNode = top.get('policies')?.value
  for (const [i, n] of (policyNode === undefined || policyNode === null ? [] : r.seq(['policies'], policyNode)).entries()) {
    const p: Path = ['policies', i]
    const m = r.map(p, n, ['name', 'path', 'document'])
    const nameNode = m.get('name')
    if (nameNode === undefined) r.fail(p, n, 'name is required')
    const name = r.string([...p, 'name'], nameNode.value, { min: 1, max: 128, pattern: NAME, what: 'a valid IAM name ([\\w+=,.@-]+)' })
    if (policies.some((x) => x.name.toLowerCase() === name.toLowerCase())) r.fail([...p, 'name'], nameNode.value, `policy ${name} is declared twice`)
    const pathNode = m.get('path')
    const path = pathNode === undefined ? '/' : r.string([...p, 'path'], pathNode.value, { max: 512, pattern: PATH, what: 'an IAM path (/ or /a/b/)' })
    const docNode = m.get('document')
    if (docNode === undefined) r.fail(p, n, 'document is required')
    policies.push({ name, path, document: r.document([...p, 'document'], docNode.value, 'identity', true) })
  }
  const declared = new Set(policies.map((x) => x.name.toLowerCase()))

  const roles: RoleSpec[] = []
  const bound = new Map<string, string>()
  const roleNode = top.get('roles')?.value
  const needTrust: { name: string; path: Path; node: YamlNode }[] = []
  const roleKeys = ['name', 'path', 'description', 'maxSessionDuration', 'trust', 'provider', 'inlinePolicies', 'managedPolicies', 'permissionsBoundary', 'tags', 'serviceAccounts']
  for (const [i, n] of (roleNode === undefined || roleNode === null ? [] : r.seq(['roles'], roleNode)).entries()) {
    const p: Path = ['roles', i]
    const m = r.map(p, n, roleKeys)
    const get = (k: string): YamlNode | null | undefined => m.get(k)?.value
    if (!m.has('name')) r.fail(p, n, 'name is required')
    const name = r.string([...p, 'name'], get('name'), { min: 1, max: 64, pattern: NAME, what: 'a valid IAM role name ([\\w+=,.@-]+)' })
    if (roles.some((x) => x.name.toLowerCase() === name.toLowerCase())) r.fail([...p, 'name'], get('name'), `role ${name} is declared twice`)
    const path = m.has('path') ? r.string([...p, 'path'], get('path'), { max: 512, pattern: PATH, what: 'an IAM path (/ or /a/b/)' }) : '/'
    const description = m.has('description') ? r.string([...p, 'description'], get('description'), { max: 1000 }) : undefined
    const maxSessionDuration = m.has('maxSessionDuration') ? r.integer([...p, 'maxSessionDuration'], get('maxSessionDuration'), 3600, 43200) : 3600
    const trust = m.has('trust') ? r.document([...p, 'trust'], get('trust'), 'trust', false) : undefined
    const provider = m.has('provider') ? providerUrl(r, [...p, 'provider'], get('provider')) : undefined
    if (provider !== undefined && trust !== undefined) r.fail([...p, 'provider'], get('provider'), 'provider only applies to a generated trust policy; remove it or remove trust')

    const inlinePolicies = new Map<string, string>()
    if (m.has('inlinePolicies')) {
      for (const [k, v] of r.map([...p, 'inlinePolicies'], get('inlinePolicies'), undefined)) {
        if (k.length > 128 || !NAME.test(k)) r.fail([...p, 'inlinePolicies', k], v.key, 'is not a valid IAM policy name ([\\w+=,.@-]+, at most 128)')
        inlinePolicies.set(k, r.document([...p, 'inlinePolicies', k], v.value, 'identity', false))
      }
    }
    const managedPolicies: PolicyRef[] = []
    if (m.has('managedPolicies')) {
      for (const [j, x] of r.seq([...p, 'managedPolicies'], get('managedPolicies')).entries()) managedPolicies.push(policyRef(r, [...p, 'managedPolicies', j], x, declared))
      if (managedPolicies.length > 20) r.fail([...p, 'managedPolicies'], get('managedPolicies'), 'at most 20 managed policies per role')
    }
    const permissionsBoundary = m.has('permissionsBoundary') ? policyRef(r, [...p, 'permissionsBoundary'], get('permissionsBoundary'), declared) : undefined

    const tags: Tag[] = []
    if (m.has('tags')) {
      for (const [k, v] of r.map([...p, 'tags'], get('tags'), undefined)) {
        if (k.length < 1 || k.length > 128) r.fail([...p, 'tags', k], v.key, 'tag keys must be 1 to 128 characters')
        if (tags.some((t) => t.Key.toLowerCase() === k.toLowerCase())) r.fail([...p, 'tags', k], v.key, 'duplicate tag key (tag keys are case-insensitive)')
        tags.push({ Key: k, Value: r.string([...p, 'tags', k], v.value, { max: 256 }) })
      }
      if (tags.length > 50) r.fail([...p, 'tags'], get('tags'), 'at most 50 tags')
    }

    const serviceAccounts: ServiceAccountRef[] = []
    if (m.has('serviceAccounts')) {
      for (const [j, x] of r.seq([...p, 'serviceAccounts'], get('serviceAccounts')).entries()) {
        const sp: Path = [...p, 'serviceAccounts', j]
        const v = r.string(sp, x)
        const [ns, sa, extra] = v.split('/')
        if (ns === undefined || sa === undefined || extra !== undefined || !DNS_LABEL.test(ns) || sa.length > 253 || !DNS_SUBDOMAIN.test(sa)) {
          r.fail(sp, x, `${JSON.stringify(v)} is not namespace/name (Kubernetes names: lower-case letters, digits, '-')`)
        }
        const other = bound.get(v)
        if (other !== undefined) r.fail(sp, x, `service account ${v} is already bound to role ${other}`)
        bound.set(v, name)
        serviceAccounts.push({ namespace: ns, name: sa })
      }
    }
    if (trust === undefined && serviceAccounts.length === 0) needTrust.push({ name, path: p, node: n })

    roles.push({ name, path, description, maxSessionDuration, trust, provider, inlinePolicies, managedPolicies, permissionsBoundary, tags, serviceAccounts })
  }

  // Pod identity associations: one per (cluster, namespace, service account); a declared role by name or any role ARN.
  const associations: PodIdentityAssociationSpec[] = []
  const piaNode = top.get('podIdentityAssociations')?.value
  const piaList = piaNode === undefined ? undefined : piaNode === null ? [] : r.seq(['podIdentityAssociations'], piaNode)
  for (const [i, n] of (piaList ?? []).entries()) {
    const p: Path = ['podIdentityAssociations', i]
    const m = r.map(p, n, ['cluster', 'namespace', 'serviceAccount', 'role', 'tags'])
    const get = (k: string): YamlNode | null | undefined => m.get(k)?.value
    for (const k of ['namespace', 'serviceAccount', 'role']) if (!m.has(k)) r.fail(p, n, `${k} is required`)
    const cluster = m.has('cluster') ? r.string([...p, 'cluster'], get('cluster'), { pattern: CLUSTER_NAME, what: 'an EKS cluster name' }) : undefined
    const namespace = r.string([...p, 'namespace'], get('namespace'), { pattern: DNS_LABEL, what: 'a Kubernetes namespace name' })
    const serviceAccount = r.string([...p, 'serviceAccount'], get('serviceAccount'), { max: 253, pattern: DNS_SUBDOMAIN, what: 'a Kubernetes service account name' })
    const roleText = r.string([...p, 'role'], get('role'), { min: 1, max: 2048 })
    let role: PodIdentityAssociationSpec['role']
    if (roleText.startsWith('arn:')) {
      if (!ROLE_ARN.test(roleText)) r.fail([...p, 'role'], get('role'), `${JSON.stringify(roleText)} is not a role ARN`)
      role = { kind: 'arn', arn: roleText }
    } else {
      const declared = roles.find((x) => x.name.toLowerCase() === roleText.toLowerCase())
      if (declared === undefined) r.fail([...p, 'role'], get('role'), `role ${JSON.stringify(roleText)} is not declared under roles (refer to other roles by ARN)`)
      role = { kind: 'name', name: declared.name }
    }
    const tags: Record<string, string> = {}
    if (m.has('tags')) {
      for (const [k, v] of r.map([...p, 'tags'], get('tags'), undefined)) {
        if (k.length < 1 || k.length > 128 || k.toLowerCase().startsWith('aws:')) r.fail([...p, 'tags', k], v.key, 'tag keys must be 1 to 128 characters and not start with aws:')
        tags[k] = r.string([...p, 'tags', k], v.value, { max: 256 })
      }
      if (Object.keys(tags).length > 50) r.fail([...p, 'tags'], get('tags'), 'at most 50 tags')
    }
    if (associations.some((x) => (x.cluster ?? '') === (cluster ?? '') && x.namespace === namespace && x.serviceAccount === serviceAccount)) {
      r.fail(p, n, `service account ${namespace}/${serviceAccount} has two pod identity associations`)
    }
    associations.push({ cluster, namespace, serviceAccount, role, tags })
  }
  const podIdentityRoles = new Set(associations.flatMap((a) => (a.role.kind === 'name' ? [a.role.name.toLowerCase()] : [])))
  for (const x of needTrust) {
    if (!podIdentityRoles.has(x.name.toLowerCase())) r.fail(x.path, x.node, 'give trust, serviceAccounts to generate it from, or name the role in podIdentityAssociations')
  }
  const finalRoles = roles.map((x) => (podIdentityRoles.has(x.name.toLowerCase()) ? { ...x, podIdentity: true } : x))
  const backendNode = top.get('backend')?.value
  const backend = backendNode === undefined ? undefined : backendSpec(r, backendNode)
  return { providers, policies, roles: finalRoles, ...(piaList === undefined ? {} : { podIdentityAssociations: associations }), ...(backend === undefined ? {} : { backend }) }
}

/** `backend: moto`, `backend: URL`, or `backend: {url: moto|URL, credentials: AKID:SECRET}`. */
function backendSpec(r: Reader, node: YamlNode | null): BackendSpec {
  const target = (path: Path, n: YamlNode | null | undefined): string => {
    const v = r.string(path, n, { min: 1, max: 2048 })
    if (v === 'moto') return v
    let url: URL | undefined
    try {
      url = new URL(v)
    } catch {
      url = undefined
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) r.fail(path, n, `${JSON.stringify(v)} is neither moto nor an http(s) URL`)
    return v
  }
  if (isScalar(node)) return { backend: target(['backend'], node) }
  const m = r.map(['backend'], node, ['url', 'credentials'])
  const url = m.get('url')
  if (url === undefined) r.fail(['backend'], node, 'url is required (moto or an http(s) URL)')
  const creds = m.get('credentials')
  return {
    backend: target(['backend', 'url'], url.value),
    ...(creds === undefined ? {} : { credentials: credentialsPair(r, creds.value) }),
  }
}

/** `AKID:SECRET`; a malformed value is reported without echoing it (it holds a secret). */
function credentialsPair(r: Reader, node: YamlNode | null): string {
  const v = r.string(['backend', 'credentials'], node, { min: 3, max: 512 })
  if (!/^[^:\s]+:\S+$/.test(v)) r.fail(['backend', 'credentials'], node, 'expected ACCESS_KEY_ID:SECRET_ACCESS_KEY')
  return v
}
