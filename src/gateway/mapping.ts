/**
 * The helpers every service mapper shares: spelling actions the way IAM does, building ARNs from
 * IAM's templates, keeping only the condition keys IAM defines for an action, and the unmapped
 * fallback.
 */
import type { ContextValue } from '../policy/request.js'
import type { Authorization, MappedRequest } from './authorization.js'
import { fillArnTemplate } from './catalog.js'
import type { GatewayLookups } from './lookups.js'
import type { GatewayRequest } from './request.js'

export type Context = Record<string, ContextValue>

export interface Mapper {
  (m: Mapping): MappedRequest
}

/** Does a context key fit one of IAM's condition-key names (`s3:RequestObjectTag/<key>`, `aws:RequestTag/${TagKey}`)? */
function keyFits(key: string, pattern: string): boolean {
  const lowerKey = key.toLowerCase()
  const lowerPattern = pattern.toLowerCase()
  const variable = Math.min(...['<', '${', '/tag-key'].map((v) => lowerPattern.indexOf(v)).filter((n) => n >= 0))
  if (!Number.isFinite(variable)) return lowerKey === lowerPattern
  const prefix = lowerPattern.slice(0, variable)
  return lowerKey.length > prefix.length && lowerKey.startsWith(prefix)
}

export class Mapping {
  readonly request: GatewayRequest
  readonly lookups: GatewayLookups

  constructor(request: GatewayRequest, lookups: GatewayLookups) {
    this.request = request
    this.lookups = lookups
  }

  /** An ARN of IAM's resource type `type` in `service`, in the request's partition, region and account unless overridden. */
  arn(service: string, type: string, values: Readonly<Record<string, string>>): string {
    const template = this.lookups.catalog.arnTemplate(service, type)
    if (template === undefined) throw new TypeError(`IAM has no resource type ${service}:${type}`)
    return fillArnTemplate(template, { Partition: this.request.partition, Region: this.request.region, Account: this.request.account, ...values })
  }

  /**
   * One check of `service:name` on `resource`. The action must exist in IAM (a typo is a
   * programming error); context keys IAM does not define for the action are dropped, as AWS does
   * not populate them either.
   */
  check(service: string, name: string, resource: string, context: Context = {}, extra: { reason?: string; resourceAccount?: string } = {}): Authorization {
    const action = this.lookups.catalog.action(service, name)
    if (action === undefined) throw new TypeError(`IAM has no action ${service}:${name}`)
    const kept: Context = {}
    for (const [k, v] of Object.entries(context)) {
      if (action.conditionKeys.some((p) => keyFits(k, p))) kept[k] = v
    }
    return {
      action: action.action,
      resource,
      context: kept,
      accessLevel: action.accessLevel,
      ...(extra.resourceAccount === undefined ? {} : { resourceAccount: extra.resourceAccount }),
      ...(extra.reason === undefined ? {} : { reason: extra.reason }),
    }
  }

  /** Is `service:name` an IAM action? */
  known(service: string, name: string): boolean {
    return this.lookups.catalog.action(service, name) !== undefined
  }

  /** Does IAM's action take no resource (only `*`)? */
  wildcardOnly(service: string, name: string): boolean {
    return this.lookups.catalog.action(service, name)?.resourceTypes.length === 0
  }

  /** Does IAM's action take resource type `type`? */
  takes(service: string, name: string, type: string): boolean {
    return this.lookups.catalog.action(service, name)?.resourceTypes.some((r) => r.name === type.toLowerCase()) ?? false
  }

  result(operation: string, authorizations: readonly Authorization[]): MappedRequest {
    return { service: this.request.service, operation, authorizations, unmapped: false }
  }

  /**
   * The fallback for what the gateway does not know: `service:Operation` on `*`. Only a policy
   * that grants the action on every resource allows it; an ARN-scoped grant never does.
   */
  unmapped(iamService: string, operation: string, reason: string): MappedRequest {
    const known = this.lookups.catalog.action(iamService, operation)
    return {
      service: this.request.service,
      operation,
      authorizations: [{ action: known?.action ?? `${iamService}:${operation}`, resource: '*', context: {}, reason, ...(known ? { accessLevel: known.accessLevel } : {}) }],
      unmapped: true,
    }
  }
}

/** Tags as `aws:RequestTag/<k>` and `aws:TagKeys` (keys carried by requests that tag). */
export function requestTagContext(tags: readonly (readonly [string, string])[]): Context {
  if (tags.length === 0) return {}
  const out: Context = { 'aws:TagKeys': tags.map(([k]) => k) }
  for (const [k, v] of tags) out[`aws:RequestTag/${k}`] = v
  return out
}
