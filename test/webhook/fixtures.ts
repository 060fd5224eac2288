/**
 * The upstream fixtures (fixtures/, Apache-2.0, from aws/amazon-eks-pod-identity-webhook
 * pkg/handler/testdata at 3bf80a3) read into test cases: the pod, the simulated environment from
 * the `testing.eks.amazonaws.com/` harness annotations, and the expected patch.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import jsonpatch from 'fast-json-patch'
import { parse } from 'yaml'
import { parseGoBool } from '../../src/webhook/annotation-values.js'
import type { WebhookConfigInput } from '../../src/webhook/config.js'
import type { JsonPatchOp } from '../../src/webhook/json-patch.js'
import type { ServiceAccountRecord } from '../../src/webhook/service-account.js'

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))
const H = 'testing.eks.amazonaws.com/'

export interface FixtureCase {
  readonly name: string
  readonly skip: boolean
  readonly pod: Record<string, unknown>
  readonly expectedPatch: unknown[]
  /** Flags, as the harness simulates them. */
  readonly flags: WebhookConfigInput
  /** SA default/default with the harness's annotations. */
  readonly serviceAccount: ServiceAccountRecord
  readonly containerCredentials: boolean
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.pod.yaml') ? [join(dir, e.name)] : []))
}

export function loadFixtures(): FixtureCase[] {
  return walk(FIXTURES)
    .sort()
    .map((file) => {
      const pod = parse(readFileSync(file, 'utf8'), { uniqueKeys: false }) as Record<string, unknown> & { metadata: { annotations: Record<string, string>; namespace?: string }; spec: Record<string, unknown> }
      const a = pod.metadata.annotations
      const h = (k: string): string | undefined => a[H + k]
      const sa: Record<string, string> = {}
      const saMap: Record<string, string> = { roleArn: 'role-arn', audience: 'audience', 'sts-regional-endpoints': 'sts-regional-endpoints', 'token-expiration': 'token-expiration' }
      for (const [k, v] of Object.entries(saMap)) {
        const val = h(`serviceAccount/${k}`)
        if (val !== undefined) sa[`eks.amazonaws.com/${v}`] = val
      }
      const exp = h('handler/expiration')
      const expN = exp !== undefined && /^\d+$/.test(exp) ? Number(exp) : 86400
      const uri = h('containercredentials/uri') ?? ''
      const flags: WebhookConfigInput = {
        region: h('handler/region') ?? '',
        stsRegionalEndpoint: parseGoBool(h('handler/injectSTS') ?? '') ?? false,
        tokenExpiration: expN,
        ...(h('handler/mountPath') === undefined ? {} : { tokenMountPath: h('handler/mountPath') }),
        ...(uri === ''
          ? {}
          : {
              containerCredentials: {
                fullUri: uri,
                audience: h('containercredentials/audience') ?? '',
                mountPath: h('containercredentials/mountPath') ?? '',
                volumeName: h('containercredentials/volumeName') ?? '',
                tokenPath: h('containercredentials/tokenPath') ?? '',
              },
            }),
      }
      // Harness rules: namespace and service account forced to default/default.
      pod.metadata = { ...pod.metadata, namespace: 'default' }
      pod.spec = { ...pod.spec, serviceAccountName: 'default' }
      return {
        name: relative(FIXTURES, file),
        skip: parseGoBool(h('skip') ?? 'false') === true,
        pod,
        expectedPatch: JSON.parse(h('expectedPatch') ?? '[]') as unknown[],
        flags,
        serviceAccount: { namespace: 'default', name: 'default', annotations: sa },
        containerCredentials: uri !== '',
      }
    })
}

/** Apply a patch to a deep copy with a real JSON Patch implementation (validating each op). */
export function applyJsonPatch<T>(doc: T, patch: readonly unknown[]): T {
  return jsonpatch.applyPatch(structuredClone(doc), structuredClone(patch) as jsonpatch.Operation[], true, false).newDocument
}

/**
 * Remove the artifacts upstream's Go re-serialisation leaves in its expected output: `resources: {}`
 * on every container, `null` members, `mountPath: ""` on a mount that had none.
 */
export function normalizeGo(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalizeGo)
  if (v === null || typeof v !== 'object') return v
  const out: Record<string, unknown> = {}
  for (const [k, val] of Object.entries(v)) {
    if (val === null) continue
    if (k === 'resources' && typeof val === 'object' && Object.keys(val as object).length === 0) continue
    if (k === 'mountPath' && val === '') continue
    out[k] = normalizeGo(val)
  }
  return out
}

/** Fields upstream drops because its Go types do not know them (the bug class of #84/#165/#208). */
export const UPSTREAM_DROPS: Readonly<Record<string, readonly string[]>> = {
  'rawPodHasVolumeMount.pod.yaml': ['/spec/containers/0/volumeMounts/0/path'],
}

export function removePointer(doc: unknown, pointer: string): unknown {
  return jsonpatch.applyPatch(structuredClone(doc), [{ op: 'remove', path: pointer }], true, false).newDocument
}

export function getPointer(doc: unknown, pointer: string): unknown {
  return jsonpatch.getValueByPointer(doc, pointer)
}

export type { JsonPatchOp }
