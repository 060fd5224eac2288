/**
 * Kubernetes objects from text: `kubectl get … -o json` Lists, single objects, YAML multi-document
 * streams. Unknown kinds and malformed objects become warnings; the rest is loaded.
 */
import { parseAllDocuments } from 'yaml'
import type {
  AuditWarning,
  ContainerInfo,
  K8sInventory,
  OwnerRef,
  PodSpecInfo,
  PolicyRule,
  ProjectedToken,
  RbacSubject,
  Source,
} from '../model.js'

type Obj = Record<string, unknown>

const CONTROLLERS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController', 'PodTemplate'])
/** Kinds that are valid Kubernetes objects the audit has no use for: skipped silently. */
const IGNORED = new Set([
  'Event', 'Node', 'Endpoints', 'EndpointSlice', 'PersistentVolume', 'PersistentVolumeClaim', 'StorageClass', 'LimitRange',
  'ResourceQuota', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'CustomResourceDefinition', 'Lease', 'PriorityClass',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'APIService', 'ControllerRevision', 'CSIDriver', 'CSINode',
  'IngressClass', 'RuntimeClass', 'VolumeAttachment', 'NodePool', 'ComponentStatus',
])

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (isObj(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x
  return out
}

function strList(v: unknown): string[] {
  if (typeof v === 'string') return [v]
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}

function objList(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : []
}

/** Parse a file's text into documents: JSON when it looks like JSON, otherwise YAML (multi-document). */
export function parseDocuments(text: string, file: string, warnings: AuditWarning[]): unknown[] {
  const trimmed = text.trimStart()
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(text)
      return Array.isArray(v) ? v : [v]
    } catch {
      // Fall through: YAML is a superset of JSON and reports errors with positions.
    }
  }
  const out: unknown[] = []
  let docs
  try {
    docs = parseAllDocuments(text)
  } catch (e) {
    warnings.push({ file, message: `not valid YAML or JSON: ${(e as Error).message}` })
    return out
  }
  const list = Array.isArray(docs) ? docs : []
  list.forEach((d, i) => {
    if (d.errors.length > 0) {
      warnings.push({ file, object: `document ${i + 1}`, message: `not valid JSON/YAML: ${d.errors[0]?.message.split('\n')[0] ?? 'parse error'}` })
      // Keep the position so later pointers still name the right document; the loader skips null.
      out.push(null)
      return
    }
    const v: unknown = d.toJS({ maxAliasCount: 100 })
    out.push(v === undefined ? null : v)
  })
  return out
}

/** Add every object in `docs` to the inventory. `cluster` names the cluster the file belongs to. */
export function loadKubernetesDocuments(docs: readonly unknown[], file: string, cluster: string, inv: K8sInventory, warnings: AuditWarning[]): void {
  const unknownKinds = new Map<string, number>()
  const visit = (o: unknown, pointer: string): void => {
    if (o === null) return
    if (!isObj(o)) {
      warnings.push({ file, object: pointer, message: 'not a Kubernetes object (expected a mapping with kind)' })
      return
    }
    const kind = o.kind
    if (typeof kind !== 'string') {
      warnings.push({ file, object: pointer, message: 'object has no kind' })
      return
    }
    if (kind === 'List' || (kind.endsWith('List') && Array.isArray(o.items))) {
      const itemKind = kind === 'List' ? undefined : kind.slice(0, -4)
      objList(o.items).forEach((it, i) => visit(itemKind !== undefined && it.kind === undefined ? { ...it, kind: itemKind } : it, `${pointer}/items/${i}`))
      return
    }
    try {
      if (!addObject(o, kind, { file, pointer }, cluster, inv, warnings)) unknownKinds.set(kind, (unknownKinds.get(kind) ?? 0) + 1)
    } catch (e) {
      warnings.push({ file, object: describe(o, pointer), message: `skipped: ${(e as Error).message}` })
    }
  }
  docs.forEach((d, i) => visit(d, docs.length === 1 ? '' : `/${i}`))
  for (const [kind, n] of unknownKinds) warnings.push({ file, message: `unknown kind ${kind} (${n} object${n === 1 ? '' : 's'} ignored)` })
}

function describe(o: Obj, pointer: string): string {
  const meta = isObj(o.metadata) ? o.metadata : {}
  const ns = typeof meta.namespace === 'string' ? `${meta.namespace}/` : ''
  const name = typeof meta.name === 'string' ? meta.name : '?'
  return `${String(o.kind)} ${ns}${name}${pointer === '' ? '' : ` at ${pointer}`}`
}

class BadObject extends Error {}

/** Returns false for an unknown kind. Throws BadObject for a half-filled object. */
function addObject(o: Obj, kind: string, source: Source, cluster: string, inv: K8sInventory, warnings: AuditWarning[]): boolean {
  if (IGNORED.has(kind)) return true
  const meta = isObj(o.metadata) ? o.metadata : undefined
  if (meta === undefined || typeof meta.name !== 'string' || meta.name === '') throw new BadObject('metadata.name is missing')
  const name = meta.name
  const namespaced = kind !== 'Namespace' && kind !== 'ClusterRole' && kind !== 'ClusterRoleBinding' && kind !== 'EC2NodeClass'
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : namespaced ? 'default' : ''
  const base = { cluster, namespace, name, labels: strMap(meta.labels), annotations: strMap(meta.annotations), source }
  const spec = isObj(o.spec) ? o.spec : {}
  switch (kind) {
    case 'Namespace':
      inv.namespaces.push({ cluster, name, labels: base.labels, source })
      return true
    case 'ServiceAccount':
      inv.serviceAccounts.push({ ...base, automountServiceAccountToken: bool(o.automountServiceAccountToken) })
      return true
    case 'Pod':
      inv.workloads.push({ ...base, kind, owners: owners(meta), pod: podSpec(spec), podLabels: base.labels })
      return true
    case 'Role':
    case 'ClusterRole':
      inv.roles.push({
        cluster,
        kind,
        namespace: kind === 'Role' ? namespace : '',
        name,
        labels: base.labels,
        rules: objList(o.rules).map(rule),
        aggregationSelectors: isObj(o.aggregationRule)
          ? objList(o.aggregationRule.clusterRoleSelectors).map((s) => strMap(s.matchLabels))
          : [],
        source,
      })
      return true
    case 'RoleBinding':
    case 'ClusterRoleBinding': {
      const ref = isObj(o.roleRef) ? o.roleRef : undefined
      if (ref === undefined || (ref.kind !== 'Role' && ref.kind !== 'ClusterRole') || typeof ref.name !== 'string') throw new BadObject('roleRef is missing or invalid')
      const subjects: RbacSubject[] = []
      for (const s of objList(o.subjects)) {
        if ((s.kind === 'User' || s.kind === 'Group' || s.kind === 'ServiceAccount') && typeof s.name === 'string') {
          subjects.push({
            kind: s.kind,
            name: s.name,
            ...(s.kind === 'ServiceAccount' ? { namespace: typeof s.namespace === 'string' ? s.namespace : namespace } : {}),
          })
        }
      }
      inv.bindings.push({ cluster, kind, namespace: kind === 'RoleBinding' ? namespace : '', name, roleRef: { kind: ref.kind, name: ref.name }, subjects, source })
      return true
    }
    case 'Secret':
    case 'ConfigMap': {
      const data: Record<string, string> = {}
      if (kind === 'Secret') {
        for (const [k, v] of Object.entries(strMap(o.data))) data[k] = Buffer.from(v, 'base64').toString('utf8')
      } else Object.assign(data, strMap(o.data))
      Object.assign(data, strMap(o.stringData))
      inv.data.push({ ...base, kind, type: typeof o.type === 'string' ? o.type : undefined, data })
      if (kind === 'ConfigMap' && namespace === 'kube-system' && name === 'aws-auth') awsAuth(data, cluster, inv, source, warnings)
      return true
    }
    case 'Service':
      inv.services.push({ ...base, type: typeof spec.type === 'string' ? spec.type : 'ClusterIP', selector: strMap(spec.selector) })
      return true
    case 'Ingress': {
      const backends = new Set<string>()
      const add = (b: unknown): void => {
        if (isObj(b) && isObj(b.service) && typeof b.service.name === 'string') backends.add(b.service.name)
        if (isObj(b) && typeof b.serviceName === 'string') backends.add(b.serviceName)
      }
      add(spec.defaultBackend)
      add(spec.backend)
      for (const r of objList(spec.rules)) if (isObj(r.http)) for (const p of objList(r.http.paths)) add(p.backend)
      inv.ingresses.push({ ...base, backendServices: [...backends] })
      return true
    }
    case 'NetworkPolicy': {
      const blocks: { cidr: string; except: string[] }[] = []
      let allowAll = false
      for (const e of objList(spec.egress)) {
        const to = objList(e.to)
        if (to.length === 0) allowAll = true
        for (const t of to) if (isObj(t.ipBlock) && typeof t.ipBlock.cidr === 'string') blocks.push({ cidr: t.ipBlock.cidr, except: strList(t.ipBlock.except) })
      }
      inv.networkPolicies.push({
        ...base,
        podSelector: isObj(spec.podSelector) ? strMap(spec.podSelector.matchLabels) : {},
        policyTypes: strList(spec.policyTypes),
        egressIpBlocks: blocks,
        egressAllowAll: allowAll,
        hasEgressRules: objList(spec.egress).length > 0,
      })
      return true
    }
    case 'EC2NodeClass': {
      const mo = isObj(spec.metadataOptions) ? spec.metadataOptions : {}
      inv.nodeClasses.push({
        ...base,
        httpEndpoint: typeof mo.httpEndpoint === 'string' ? mo.httpEndpoint : undefined,
        httpTokens: typeof mo.httpTokens === 'string' ? mo.httpTokens : undefined,
        httpPutResponseHopLimit: typeof mo.httpPutResponseHopLimit === 'number' ? mo.httpPutResponseHopLimit : undefined,
      })
      return true
    }
    default:
      if (CONTROLLERS.has(kind)) {
        const tpl = controllerTemplate(kind, o)
        if (tpl === undefined) throw new BadObject('spec.template is missing')
        const tmeta = isObj(tpl.metadata) ? tpl.metadata : {}
        inv.workloads.push({ ...base, kind, owners: owners(meta), pod: podSpec(isObj(tpl.spec) ? tpl.spec : {}), podLabels: strMap(tmeta.labels) })
        return true
      }
      return false
  }
}

function controllerTemplate(kind: string, o: Obj): Obj | undefined {
  if (kind === 'PodTemplate') return isObj(o.template) ? o.template : undefined
  const spec = isObj(o.spec) ? o.spec : undefined
  if (spec === undefined) return undefined
  if (kind === 'CronJob') {
    const jt = isObj(spec.jobTemplate) && isObj(spec.jobTemplate.spec) ? spec.jobTemplate.spec : undefined
    return jt !== undefined && isObj(jt.template) ? jt.template : undefined
  }
  return isObj(spec.template) ? spec.template : undefined
}

function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined
}

function owners(meta: Obj): OwnerRef[] {
  return objList(meta.ownerReferences)
    .filter((r) => typeof r.kind === 'string' && typeof r.name === 'string')
    .map((r) => ({ kind: r.kind as string, name: r.name as string }))
}

function rule(r: Obj): PolicyRule {
  return { apiGroups: strList(r.apiGroups), resources: strList(r.resources), verbs: strList(r.verbs), resourceNames: strList(r.resourceNames) }
}

function podSpec(spec: Obj): PodSpecInfo {
  const hostPaths: string[] = []
  const tokens: ProjectedToken[] = []
  for (const v of objList(spec.volumes)) {
    const vname = typeof v.name === 'string' ? v.name : ''
    if (isObj(v.hostPath) && typeof v.hostPath.path === 'string') hostPaths.push(v.hostPath.path)
    if (isObj(v.projected)) {
      for (const s of objList(v.projected.sources)) {
        const t = s.serviceAccountToken
        if (isObj(t)) {
          tokens.push({
            audience: typeof t.audience === 'string' ? t.audience : undefined,
            expirationSeconds: typeof t.expirationSeconds === 'number' ? t.expirationSeconds : undefined,
            volume: vname,
          })
        }
      }
    }
  }
  const containers: ContainerInfo[] = [...objList(spec.initContainers), ...objList(spec.containers)].map((c) => {
    const sc = isObj(c.securityContext) ? c.securityContext : {}
    return {
      name: typeof c.name === 'string' ? c.name : '',
      env: objList(c.env)
        .filter((e) => typeof e.name === 'string')
        .map((e) => ({ name: e.name as string, ...(typeof e.value === 'string' ? { value: e.value } : {}) })),
      privileged: sc.privileged === true,
      allowPrivilegeEscalation: bool(sc.allowPrivilegeEscalation),
    }
  })
  const sa = typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '' ? spec.serviceAccountName : typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '' ? spec.serviceAccount : 'default'
  return {
    serviceAccountName: sa,
    automountServiceAccountToken: bool(spec.automountServiceAccountToken),
    hostNetwork: spec.hostNetwork === true,
    hostPID: spec.hostPID === true,
    hostPaths,
    projectedTokens: tokens,
    containers,
    nodeName: typeof spec.nodeName === 'string' ? spec.nodeName : undefined,
    nodeSelector: strMap(spec.nodeSelector),
  }
}

function awsAuth(data: Record<string, string>, cluster: string, inv: K8sInventory, source: Source, warnings: AuditWarning[]): void {
  const text = data.mapRoles
  if (text === undefined) return
  const docs = parseDocuments(text, source.file, warnings)
  const list = Array.isArray(docs[0]) ? (docs[0] as unknown[]) : docs
  for (const e of list) {
    if (!isObj(e) || typeof e.rolearn !== 'string') continue
    const groups = strList(e.groups)
    inv.awsAuthRoles.push({ cluster, roleArn: e.rolearn, groups, source })
    if (groups.includes('system:nodes')) inv.awsAuthNodeRoles.push({ cluster, roleArn: e.rolearn })
  }
}
