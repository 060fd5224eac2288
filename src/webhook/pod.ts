/**
 * A read-only view of the parts of a Pod the webhook looks at, checked for type. Nothing else in
 * the pod is read, copied or re-serialised, so fields the webhook does not know always survive.
 * A pod whose inspected fields have the wrong JSON type is rejected with a path and a message
 * (upstream's Go decoder rejects those too, with "json: cannot unmarshal …").
 */

export interface ContainerView {
  /** JSON pointer of this container, e.g. `/spec/containers/0`. */
  readonly pointer: string
  readonly name: string
  /** Names in `env` (envFrom is not read, as upstream). */
  readonly envNames: ReadonlySet<string>
  /** false when `env` is absent or null: the patch then adds the whole list. */
  readonly hasEnv: boolean
  readonly mountNames: ReadonlySet<string>
  readonly hasMounts: boolean
}

export interface PodView {
  readonly namespace: string | undefined
  readonly serviceAccountName: string
  readonly annotations: Readonly<Record<string, string>>
  /** false when metadata.labels is absent or null. */
  readonly hasLabels: boolean
  readonly labels: Readonly<Record<string, string>>
  readonly hasMetadata: boolean
  readonly nodeSelector: Readonly<Record<string, string>>
  /** undefined when spec.volumes is absent or null. */
  readonly volumeNames: ReadonlySet<string> | undefined
  readonly initContainers: readonly ContainerView[]
  readonly containers: readonly ContainerView[]
}

export type PodReadResult = { readonly ok: true; readonly pod: PodView } | { readonly ok: false; readonly path: string; readonly message: string }

class PodShapeError extends Error {
  readonly path: string
  constructor(path: string, message: string) {
    super(message)
    this.path = path
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

function typeName(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  return typeof v
}

function objectOrNull(v: unknown, path: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined
  if (!isObject(v)) throw new PodShapeError(path, `${path || '/'}: expected an object, got ${typeName(v)}`)
  return v
}

function arrayOrNull(v: unknown, path: string): readonly unknown[] | undefined {
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v)) throw new PodShapeError(path, `${path}: expected an array, got ${typeName(v)}`)
  return v
}

function stringOrAbsent(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw new PodShapeError(path, `${path}: expected a string, got ${typeName(v)}`)
  return v
}

function stringMap(v: unknown, path: string): Record<string, string> | undefined {
  const o = objectOrNull(v, path)
  if (o === undefined) return undefined
  for (const [k, val] of Object.entries(o)) {
    if (typeof val !== 'string') throw new PodShapeError(`${path}/${escapePointer(k)}`, `${path}/${escapePointer(k)}: expected a string, got ${typeName(val)}`)
  }
  return o as Record<string, string>
}

/** Escape one JSON-pointer token (RFC 6901). */
export function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1')
}

function names(list: readonly unknown[] | undefined, path: string): Set<string> {
  const out = new Set<string>()
  if (list === undefined) return out
  list.forEach((item, i) => {
    const o = objectOrNull(item, `${path}/${i}`)
    const name = stringOrAbsent(o?.name, `${path}/${i}/name`)
    if (name !== undefined) out.add(name)
  })
  return out
}

function readContainers(v: unknown, path: string): ContainerView[] {
  const list = arrayOrNull(v, path) ?? []
  return list.map((item, i) => {
    const pointer = `${path}/${i}`
    const c = objectOrNull(item, pointer)
    if (c === undefined) throw new PodShapeError(pointer, `${pointer}: expected an object, got ${typeName(item)}`)
    const env = arrayOrNull(c.env, `${pointer}/env`)
    const mounts = arrayOrNull(c.volumeMounts, `${pointer}/volumeMounts`)
    return {
      pointer,
      name: stringOrAbsent(c.name, `${pointer}/name`) ?? '',
      envNames: names(env, `${pointer}/env`),
      hasEnv: env !== undefined,
      mountNames: names(mounts, `${pointer}/volumeMounts`),
      hasMounts: mounts !== undefined,
    }
  })
}

/** Check and view a decoded pod object. Never throws. */
export function readPod(raw: unknown): PodReadResult {
  try {
    if (!isObject(raw)) throw new PodShapeError('', `the object is not a Pod: expected a JSON object, got ${typeName(raw)}`)
    if (raw.kind !== undefined && raw.kind !== 'Pod') throw new PodShapeError('/kind', `the object is not a Pod: kind is ${JSON.stringify(raw.kind).slice(0, 64)}`)
    const md = objectOrNull(raw.metadata, '/metadata')
    const spec = objectOrNull(raw.spec, '/spec')
    if (spec === undefined) throw new PodShapeError('/spec', '/spec: a Pod must have a spec')
    const annotations = stringMap(md?.annotations, '/metadata/annotations') ?? {}
    const labels = stringMap(md?.labels, '/metadata/labels')
    const volumes = arrayOrNull(spec.volumes, '/spec/volumes')
    return {
      ok: true,
      pod: {
        namespace: stringOrAbsent(md?.namespace, '/metadata/namespace'),
        serviceAccountName: stringOrAbsent(spec.serviceAccountName, '/spec/serviceAccountName') ?? '',
        annotations,
        hasLabels: labels !== undefined,
        labels: labels ?? {},
        hasMetadata: md !== undefined,
        nodeSelector: stringMap(spec.nodeSelector, '/spec/nodeSelector') ?? {},
        volumeNames: volumes === undefined ? undefined : names(volumes, '/spec/volumes'),
        initContainers: readContainers(spec.initContainers, '/spec/initContainers'),
        containers: readContainers(spec.containers, '/spec/containers'),
      },
    }
  } catch (e) {
    if (e instanceof PodShapeError) return { ok: false, path: e.path, message: e.message }
    throw e
  }
}
