/**
 * The mapping for JSON and Query operations a service mapper has no special rule for, driven by
 * IAM's catalog: the action is `service:Operation` when IAM has one of that name; a wildcard-only
 * action is checked on `*`; otherwise every required resource type (or, when none is required,
 * the first optional one) must be found in the request, through the service's `resourceFor` or a
 * `ResourceArn` of the service. Anything else is unmapped.
 */
import { parseArn } from '../policy/arn.js'
import type { Authorization, MappedRequest } from './authorization.js'
import type { Context, Mapping } from './mapping.js'
import { requestTagContext } from './mapping.js'
import type { JsonObject } from './protocol.js'
import { tagPairs } from './json-input.js'

export interface GenericRules {
  /** The ARN of IAM resource type `type` (lower case) the request names, if it names one. */
  readonly resourceFor: (type: string) => string | undefined
  /** Service condition keys carried by the request. */
  readonly context?: Context
  /** The IAM action's name when it is not the operation's (SQS batches). */
  readonly action?: string
}

export function genericJsonMapping(m: Mapping, service: string, operation: string, input: JsonObject, rules: GenericRules): MappedRequest {
  const name = rules.action ?? operation
  const action = m.lookups.catalog.action(service, name)
  if (action === undefined) return m.unmapped(service, operation, `IAM has no action ${service}:${name}`)
  const context: Context = { ...requestTagContext(tagPairs(input, 'Tags')), ...rules.context }
  if (action.resourceTypes.length === 0) return m.result(operation, [m.check(service, name, '*', context)])
  const viaResourceArn = (): string | undefined => {
    const arn = typeof input['ResourceArn'] === 'string' ? input['ResourceArn'] : undefined
    return arn !== undefined && parseArn(arn)?.service === service ? arn : undefined
  }
  const find = (type: string) => rules.resourceFor(type) ?? viaResourceArn()
  const required = action.resourceTypes.filter((r) => r.required)
  const checks: Authorization[] = []
  if (required.length > 0) {
    for (const r of required) {
      const arn = find(r.name)
      if (arn === undefined) return m.unmapped(service, operation, `the ${r.name} this operation acts on is not found in the request`)
      checks.push(m.check(service, name, arn, context))
    }
  } else {
    const arn = action.resourceTypes.map((r) => find(r.name)).find((a) => a !== undefined)
    if (arn === undefined) return m.unmapped(service, operation, 'the resource this operation acts on is not found in the request')
    checks.push(m.check(service, name, arn, context))
  }
  return m.result(operation, checks)
}
