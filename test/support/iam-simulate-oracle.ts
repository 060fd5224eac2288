/**
 * Differential oracle: runs a case through `@cloud-copilot/iam-simulate`'s core `authorize()`
 * (Strict mode), the reference evaluator the differential test compares irsa's engine with.
 *
 * iam-simulate is AGPL-3.0 and a devDependency pinned to an exact version: this file only *calls* it
 * from tests; none of its code or test data is copied here. Its package `exports` map only exposes `.`,
 * so the core engine is loaded by file URL next to the resolved package entry point.
 * Everything it returns is treated as `unknown` and narrowed.
 */

import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

export type OracleOutcome = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny'

export type OracleScalar = string | number | boolean
export type OracleContextValue = OracleScalar | readonly OracleScalar[]

/** The request, in the same shape as irsa's `EvalRequest`. */
export interface OracleRequest {
  readonly principal: string
  readonly principalType?: 'AWS' | 'Federated' | 'Service' | 'CanonicalUser'
  readonly action: string
  readonly resource: string
  readonly resourceAccount?: string
  readonly context?: Readonly<Record<string, OracleContextValue>>
}

/** Raw policy documents, by kind. `resource` is the one resource-based (or role trust) policy. */
export interface OraclePolicies {
  readonly identity?: readonly unknown[]
  readonly resource?: unknown
  readonly boundary?: readonly unknown[]
  readonly session?: unknown
  /** Service control policies, one array per organisation level, root first. */
  readonly scp?: readonly (readonly unknown[])[]
  /**
   * Resource control policies, one array per level, root first. Passed exactly as given: callers add
   * the `RCPFullAWSAccess` policy themselves when they want AWS's default attachment.
   */
  readonly rcp?: readonly (readonly unknown[])[]
}

export interface IamSimulateOracle {
  /** Load every policy once and return a function that only runs `authorize()` (for benchmarks). */
  prepare(request: OracleRequest, policies: OraclePolicies): () => OracleOutcome
  /** Convenience: prepare and run once. */
  decide(request: OracleRequest, policies: OraclePolicies): OracleOutcome
}

/** AWS's `RCPFullAWSAccess`, attached to every level of an organisation and not detachable. */
export const RCP_FULL_AWS_ACCESS = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
} as const

type Fn = (...args: unknown[]) => unknown
type Ctor = new (...args: unknown[]) => unknown

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null
}

function member(mod: unknown, name: string): unknown {
  if (!isRecord(mod) || !(name in mod)) throw new Error(`iam-simulate: module has no export ${name}`)
  return mod[name]
}

function fn(mod: unknown, name: string): Fn {
  const f = member(mod, name)
  if (typeof f !== 'function') throw new Error(`iam-simulate: ${name} is not a function`)
  return f as Fn
}

function ctor(mod: unknown, name: string): Ctor {
  return fn(mod, name) as unknown as Ctor
}

/** The account id in an ARN's fifth field, or a bare 12-digit id, else undefined. */
export function accountOf(arnOrId: string): string | undefined {
  if (/^\d{12}$/.test(arnOrId)) return arnOrId
  const parts = arnOrId.split(':')
  if (parts.length < 6 || parts[0] !== 'arn') return undefined
  const acct = parts[4]
  return acct !== undefined && /^\d{12}$/.test(acct) ? acct : undefined
}

function toSimContext(
  context: Readonly<Record<string, OracleContextValue>> | undefined,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(context ?? {})) {
    out[k] = Array.isArray(v) ? v.map((x: OracleScalar) => String(x)) : String(v as OracleScalar)
  }
  return out
}

function toOutcome(result: unknown): OracleOutcome {
  const r = member(result, 'result')
  switch (r) {
    case 'Allowed':
      return 'Allow'
    case 'ExplicitlyDenied':
      return 'ExplicitDeny'
    case 'ImplicitlyDenied':
      return 'ImplicitDeny'
    default:
      throw new Error(`iam-simulate: unexpected result ${String(r)}`)
  }
}

let cached: Promise<IamSimulateOracle> | undefined

/** Load iam-simulate once per process. */
export function loadIamSimulate(): Promise<IamSimulateOracle> {
  cached ??= load()
  return cached
}

async function load(): Promise<IamSimulateOracle> {
  // `require.resolve` honours the package's `require` condition (dist/cjs); the ESM build sits next to it.
  const require = createRequire(import.meta.url)
  const simCjs = require.resolve('@cloud-copilot/iam-simulate')
  const entry = new URL('../esm/index.js', pathToFileURL(simCjs))
  const at = (rel: string): string => new URL(rel, entry).href
  // iam-policy is iam-simulate's own dependency: resolve it from there so both share one module instance.
  const policyCjs = createRequire(simCjs).resolve('@cloud-copilot/iam-policy')
  const policyEntry = new URL('../esm/index.js', pathToFileURL(policyCjs))
  const [engine, requestMod, contextMod, discoveryMod, simulationMod, policyMod] = await Promise.all([
    import(at('./core_engine/CoreSimulatorEngine.js')) as Promise<unknown>,
    import(at('./request/request.js')) as Promise<unknown>,
    import(at('./requestContext.js')) as Promise<unknown>,
    import(at('./context_keys/discoveryContextKeyConstraints.js')) as Promise<unknown>,
    import(at('./simulation_engine/simulation.js')) as Promise<unknown>,
    import(policyEntry.href) as Promise<unknown>,
  ])
  const authorize = fn(engine, 'authorize')
  const AwsRequestImpl = ctor(requestMod, 'AwsRequestImpl')
  const RequestContextImpl = ctor(contextMod, 'RequestContextImpl')
  const DiscoveryContextKeyConstraints = ctor(discoveryMod, 'DiscoveryContextKeyConstraints')
  const anonymousPrincipal = member(simulationMod, 'anonymousPrincipal')
  const loadPolicy = fn(policyMod, 'loadPolicy')
  const discovery = new DiscoveryContextKeyConstraints([])

  const load1 = (doc: unknown, name: string): unknown =>
    loadPolicy(typeof doc === 'string' ? (JSON.parse(doc) as unknown) : doc, { name })

  const prepare = (request: OracleRequest, policies: OraclePolicies): (() => OracleOutcome) => {
    const principal: unknown = request.principal === '*' ? anonymousPrincipal : request.principal
    const accountId =
      request.resourceAccount ?? accountOf(request.resource) ?? accountOf(request.principal) ?? '000000000000'
    const simRequest = new AwsRequestImpl(
      principal,
      { resource: request.resource, accountId },
      request.action,
      new RequestContextImpl(toSimContext(request.context)),
      false,
    )
    const authRequest = {
      request: simRequest,
      identityPolicies: (policies.identity ?? []).map((p, i) => load1(p, `identity${i}`)),
      resourcePolicy: policies.resource === undefined ? undefined : load1(policies.resource, 'resource'),
      permissionBoundaries:
        policies.boundary === undefined || policies.boundary.length === 0
          ? undefined
          : policies.boundary.map((p, i) => load1(p, `boundary${i}`)),
      sessionPolicy: policies.session === undefined ? undefined : load1(policies.session, 'session'),
      serviceControlPolicies: (policies.scp ?? []).map((level, i) => ({
        orgIdentifier: `ou${i}`,
        policies: level.map((p, j) => load1(p, `scp${i}.${j}`)),
      })),
      resourceControlPolicies: (policies.rcp ?? []).map((level, i) => ({
        orgIdentifier: `ou${i}`,
        policies: level.map((p, j) => load1(p, `rcp${i}.${j}`)),
      })),
      vpcEndpointPolicies: undefined,
      simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: discovery },
    }
    return () => toOutcome(authorize(authRequest))
  }

  return {
    prepare,
    decide: (request, policies) => prepare(request, policies)(),
  }
}
