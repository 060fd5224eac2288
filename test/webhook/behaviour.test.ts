/** Upstream behaviours the fixtures do not cover (see test/webhook/fixtures/README.md, "Not covered by these files"). */
import { describe, expect, it } from 'vitest'
import { parseGoBool, parseGoCsvRecord, parseGoInt64 } from '../../src/webhook/annotation-values.js'
import { partitionOfRegion, webhookConfig } from '../../src/webhook/config.js'
import type { WebhookConfigInput } from '../../src/webhook/config.js'
import { mutate, tokenFilePath } from '../../src/webhook/mutate.js'
import type { Mutation } from '../../src/webhook/mutate.js'
import { readPod } from '../../src/webhook/pod.js'
import { parseConfigMapData } from '../../src/webhook/service-account.js'
import type { ConfigMapEntry } from '../../src/webhook/service-account.js'

const ROLE = 'arn:aws:iam::111122223333:role/r'
const P = 'eks.amazonaws.com'

function run(o: { sa?: Record<string, string> | null; pod?: Record<string, unknown>; annotations?: Record<string, string>; flags?: WebhookConfigInput; cm?: Map<string, ConfigMapEntry>; cc?: boolean; random?: (a: number, b: number) => number }): Mutation {
  const pod = o.pod ?? { metadata: { annotations: o.annotations ?? {} }, spec: { serviceAccountName: 'app', containers: [{ name: 'c' }] } }
  const read = readPod(pod)
  if (!read.ok) throw new Error(read.message)
  return mutate({
    pod: read.pod,
    namespace: 'ns',
    serviceAccount: o.sa === null ? undefined : { namespace: 'ns', name: 'app', annotations: o.sa ?? { [`${P}/role-arn`]: ROLE } },
    configMap: o.cm ?? new Map(),
    containerCredentials: o.cc ?? false,
    config: webhookConfig(o.flags),
    randomInt: o.random ?? ((min) => min),
  })
}
const expiration = (m: Mutation): unknown => (m.patch.find((p) => p.path.startsWith('/spec/volumes'))?.value as { projected: { sources: { serviceAccountToken: { expirationSeconds: number } }[] } }[] | undefined)?.[0]?.projected.sources[0]?.serviceAccountToken.expirationSeconds
const envNames = (m: Mutation): string[] => m.patch.filter((p) => p.path.endsWith('/env')).flatMap((p) => (p.value as { name: string }[]).map((e) => e.name))

describe('Go value parsing', () => {
  it('ParseBool spellings', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(parseGoBool(t)).toBe(true)
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) expect(parseGoBool(f)).toBe(false)
    for (const x of ['', 'yes', 'tRUE', ' true']) expect(parseGoBool(x)).toBeUndefined()
  })
  it('ParseInt base 10, 64-bit', () => {
    expect(parseGoInt64('+3600')).toBe(3600)
    expect(parseGoInt64('-5')).toBe(-5)
    for (const x of ['', ' 1', '1e3', '0x10', '1_000', '9223372036854775808']) expect(parseGoInt64(x)).toBeUndefined()
  })
  it('skip-containers CSV: no trimming, quotes, first line only, errors skip nothing', () => {
    expect(parseGoCsvRecord('a, b')).toEqual(['a', ' b'])
    expect(parseGoCsvRecord('"a,b",c')).toEqual(['a,b', 'c'])
    expect(parseGoCsvRecord('"say ""hi""",x')).toEqual(['say "hi"', 'x'])
    expect(parseGoCsvRecord('a\nb')).toEqual(['a'])
    expect(parseGoCsvRecord('\n\na,b')).toEqual(['a', 'b'])
    expect(parseGoCsvRecord('"multi\nline",z')).toEqual(['multi\nline', 'z'])
    expect(parseGoCsvRecord('a,')).toEqual(['a', ''])
    for (const bad of ['', '\n', 'a"b', '"a"b', '"open']) expect(parseGoCsvRecord(bad)).toBeUndefined()
  })
  it('partitions for --compose-role-arn', () => {
    expect(['cn-north-1', 'us-gov-west-1', 'us-iso-east-1', 'us-isob-east-1', 'eusc-de-east-1', 'eu-west-1'].map(partitionOfRegion)).toEqual(['aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-eusc', 'aws'])
  })
  it('token file paths are cleaned like filepath.Join, and Windows-ified', () => {
    expect(tokenFilePath('/var/run/x/', 'token', false)).toBe('/var/run/x/token')
    expect(tokenFilePath('/a//b/../c', './t/', false)).toBe('/a/c/t')
    expect(tokenFilePath('/var/run/x', 'token', true)).toBe('C:\\var\\run\\x\\token')
  })
})

describe('annotations and flags', () => {
  it('token-expiration: SA annotation, 600 floor, invalid falls back to the flag', () => {
    expect(expiration(run({ sa: { [`${P}/role-arn`]: ROLE, [`${P}/token-expiration`]: '100' } }))).toBe(600)
    expect(expiration(run({ sa: { [`${P}/role-arn`]: ROLE, [`${P}/token-expiration`]: 'soon' }, flags: { tokenExpiration: 7200 } }))).toBe(7200)
    expect(expiration(run({ flags: { tokenExpiration: 60 } }))).toBe(600)
    expect(expiration(run({ annotations: { [`${P}/token-expiration`]: '-1' } }))).toBe(600)
    expect(expiration(run({ annotations: { [`${P}/token-expiration`]: 'x' }, flags: { tokenExpiration: 3000 } }))).toBe(3000)
  })
  it('sts-regional-endpoints: invalid and empty fall back to the flag', () => {
    expect(envNames(run({ sa: { [`${P}/role-arn`]: ROLE, [`${P}/sts-regional-endpoints`]: '' }, flags: { stsRegionalEndpoint: true } }))).toContain('AWS_STS_REGIONAL_ENDPOINTS')
    expect(envNames(run({ sa: { [`${P}/role-arn`]: ROLE, [`${P}/sts-regional-endpoints`]: 'yes' } }))).not.toContain('AWS_STS_REGIONAL_ENDPOINTS')
    expect(envNames(run({ sa: { [`${P}/role-arn`]: ROLE, [`${P}/sts-regional-endpoints`]: 'T' } }))).toContain('AWS_STS_REGIONAL_ENDPOINTS')
  })
  it('an empty audience gives a projection without audience', () => {
    const m = run({ sa: { [`${P}/role-arn`]: ROLE, [`${P}/audience`]: '' } })
    const v = m.patch[0]?.value as { projected: { sources: { serviceAccountToken: Record<string, unknown> }[] } }[]
    expect(v[0]?.projected.sources[0]?.serviceAccountToken).toEqual({ expirationSeconds: 86400, path: 'token' })
  })
  it('--annotation-prefix changes annotation keys but not the pod-identity label', () => {
    expect(run({ sa: { 'example.com/role-arn': ROLE }, flags: { annotationPrefix: 'example.com' } }).identity.mode).toBe('web-identity')
    expect(run({ sa: { [`${P}/role-arn`]: ROLE }, flags: { annotationPrefix: 'example.com' } }).identity.mode).toBe('none')
    const cc = run({ cc: true, flags: { annotationPrefix: 'example.com' } })
    expect(cc.patch[0]).toEqual({ op: 'add', path: '/metadata/labels', value: { 'eks.amazonaws.com/pod-identity': 'enabled' } })
  })
  it('skip-containers with spaces skips " b", not "b"', () => {
    const pod = { metadata: { annotations: { [`${P}/skip-containers`]: 'a, b' } }, spec: { serviceAccountName: 'app', containers: [{ name: 'a' }, { name: 'b' }, { name: ' b' }] } }
    expect(run({ pod }).containers.map((c) => c.outcome)).toEqual(['skipped', 'mutated', 'skipped'])
  })
  it('an unparsable skip-containers skips nothing', () => {
    const pod = { metadata: { annotations: { [`${P}/skip-containers`]: 'a"' } }, spec: { serviceAccountName: 'app', containers: [{ name: 'a"' }] } }
    expect(run({ pod }).containers[0]?.outcome).toBe('mutated')
  })
  it('no role, unknown SA: no patch, with the reason', () => {
    expect(run({ sa: {} }).identity).toEqual({ mode: 'none', reason: 'no-role' })
    expect(run({ sa: null }).identity).toEqual({ mode: 'none', reason: 'service-account-not-found' })
    expect(run({ sa: null }).patch).toEqual([])
  })
  it('an invalid role ARN is injected anyway and flagged', () => {
    const m = run({ sa: { [`${P}/role-arn`]: 'not-an-arn' } })
    expect(m.identity).toMatchObject({ mode: 'web-identity', roleArn: 'not-an-arn', roleArnInvalid: true })
  })
  it('--compose-role-arn builds the ARN; an empty value stays "no role" (upstream injects arn:…:role/)', () => {
    const flags = { composeRoleArn: { partition: 'aws-cn', accountId: '123456789012' } }
    expect(run({ sa: { [`${P}/role-arn`]: 'reader' }, flags }).identity).toMatchObject({ roleArn: 'arn:aws-cn:iam::123456789012:role/reader' })
    expect(run({ sa: { [`${P}/role-arn`]: ROLE }, flags }).identity).toMatchObject({ roleArn: ROLE })
    expect(run({ sa: { [`${P}/role-arn`]: '' }, flags }).identity.mode).toBe('none')
  })
  it('Windows by nodeSelector only', () => {
    const tokenEnv = (spec: Record<string, unknown>): string | undefined =>
      (run({ pod: { spec: { serviceAccountName: 'app', containers: [{ name: 'c' }], ...spec } } }).patch.find((p) => p.path.endsWith('/env'))?.value as { name: string; value: string }[])[1]?.value
    expect(tokenEnv({ nodeSelector: { 'kubernetes.io/os': 'windows' } })).toMatch(/^C:\\var/)
    expect(tokenEnv({ os: { name: 'windows' } })).toMatch(/^\/var/)
    expect(tokenEnv({ nodeSelector: { 'kubernetes.io/os': 'Windows' } })).toMatch(/^\/var/)
  })
  it('ephemeral containers are never touched', () => {
    const m = run({ pod: { spec: { serviceAccountName: 'app', containers: [{ name: 'c' }], ephemeralContainers: [{ name: 'e' }] } } })
    expect(m.patch.some((p) => p.path.includes('ephemeral'))).toBe(false)
  })
  it('the early exit leaves the container without a mount (upstream #82, kept for compatibility)', () => {
    const env = ['AWS_ROLE_ARN', 'AWS_REGION', 'AWS_STS_REGIONAL_ENDPOINTS'].map((name) => ({ name, value: 'x' }))
    const m = run({ pod: { spec: { serviceAccountName: 'app', containers: [{ name: 'c', env }] } } })
    expect(m.containers[0]?.outcome).toBe('already-configured')
    expect(m.patch.map((p) => p.path)).toEqual(['/spec/volumes'])
  })
})

describe('container credentials (EKS Pod Identity)', () => {
  it('86400 is jittered into [79200, 86400]; other values are not', () => {
    expect(expiration(run({ cc: true, random: (_a, b) => b }))).toBe(86400)
    expect(expiration(run({ cc: true, random: () => 80000 }))).toBe(80000)
    expect(expiration(run({ cc: true, sa: { [`${P}/token-expiration`]: '10000' } }))).toBe(10000)
  })
  it('SA not cached: (false, 86400), not the flag defaults', () => {
    const m = run({ cc: true, sa: null, flags: { stsRegionalEndpoint: true, tokenExpiration: 5000 }, random: () => 86400 })
    expect(expiration(m)).toBe(86400)
    expect(envNames(m)).not.toContain('AWS_STS_REGIONAL_ENDPOINTS')
  })
  it('existing labels get one key added; an existing label is not re-added', () => {
    const labelled = run({ cc: true, pod: { metadata: { labels: { app: 'x' } }, spec: { serviceAccountName: 'app', containers: [] } } })
    expect(labelled.patch[0]).toEqual({ op: 'add', path: '/metadata/labels/eks.amazonaws.com~1pod-identity', value: 'enabled' })
    const done = run({ cc: true, pod: { metadata: { labels: { 'eks.amazonaws.com/pod-identity': 'enabled' } }, spec: { serviceAccountName: 'app', containers: [] } } })
    expect(done.labelAdded).toBe(false)
  })
  it('takes precedence over a role-arn', () => {
    expect(run({ cc: true }).identity.mode).toBe('container-credentials')
  })
})

describe('ConfigMap (--watch-config-map)', () => {
  const config = webhookConfig({ tokenExpiration: 4000 })
  const cm = parseConfigMapData(JSON.stringify({ 'ns/app': { RoleARN: ROLE, Audience: '', UseRegionalSTS: true, TokenExpiration: 0 }, '*/app': { rolearn: 'arn:aws:iam::111122223333:role/any', tokenexpiration: 300 }, bad: {}, 'test-*/x': { RoleARN: ROLE } }), config)
  it('parses case-insensitively, defaults 0 to the flag, skips keys without "/"', () => {
    expect(cm.skipped).toEqual(['bad'])
    expect(cm.entries.get('ns/app')).toEqual({ roleArn: ROLE, audience: '', useRegionalSts: true, tokenExpiration: 4000 })
    expect(cm.entries.get('*/app')?.tokenExpiration).toBe(300)
  })
  it('exact beats *, * matches any namespace, only a literal * is a wildcard', () => {
    expect(run({ sa: null, cm: cm.entries }).identity).toMatchObject({ roleArn: ROLE, roleSource: 'config-map' })
    const other = readPod({ spec: { serviceAccountName: 'app', containers: [] } })
    if (!other.ok) throw new Error()
    const m = mutate({ pod: other.pod, namespace: 'elsewhere', serviceAccount: undefined, configMap: cm.entries, containerCredentials: false, config, randomInt: (a) => a })
    expect(m.identity).toMatchObject({ roleSource: 'config-map-wildcard', expiration: 300 })
  })
  it('an SA with a role wins; an SA without one falls through to the ConfigMap', () => {
    expect(run({ cm: cm.entries }).identity).toMatchObject({ roleSource: 'service-account' })
    expect(run({ sa: { [`${P}/audience`]: 'ignored' }, cm: cm.entries }).identity).toMatchObject({ roleSource: 'config-map', audience: '' })
  })
})
