/**
 * SSM Parameter Store (JSON, `AmazonSSM.<Operation>`). A parameter's ARN is
 * `arn:<partition>:ssm:<region>:<account>:parameter/<name without its leading slash>` (`/a/b` →
 * `parameter/a/b`, `x` → `parameter/x`). GetParameters and DeleteParameters check each name;
 * GetParametersByPath checks the path's ARN with `ssm:Recursive`; PutParameter carries
 * `ssm:Overwrite` and `ssm:Policies` and request tags. Other SSM operations (documents, sessions,
 * automation) are not mapped by resource.
 */
import { parseArn } from '../policy/arn.js'
import type { MappedRequest } from './authorization.js'
import { GatewayError } from './gateway-error.js'
import { genericJsonMapping } from './generic.js'
import { optBool, optString, optStrings, reqString } from './json-input.js'
import type { Context, Mapping } from './mapping.js'
import type { JsonObject } from './protocol.js'

const S = 'ssm'

export function parameterArn(m: Mapping, name: string): string {
  if (name.startsWith('arn:')) {
    const a = parseArn(name)
    if (a === undefined || a.service !== S || !a.resource.startsWith('parameter/')) throw new GatewayError('InvalidParameter', `${name} is not a parameter ARN`)
    return name
  }
  if (name === '' || name.length > 2048) throw new GatewayError('InvalidParameter', 'Parameter names are 1 to 2048 characters')
  return m.arn(S, 'parameter', { ParameterNameWithoutLeadingSlash: name.startsWith('/') ? name.slice(1) : name })
}

export function mapSsm(m: Mapping, operation: string, input: JsonObject): MappedRequest {
  switch (operation) {
    case 'GetParameters':
    case 'DeleteParameters': {
      const names = optStrings(input, 'Names')
      if (names === undefined || names.length === 0) throw new GatewayError('MissingParameter', 'Names is required')
      return m.result(operation, names.map((n) => m.check(S, operation, parameterArn(m, n))))
    }
    case 'GetParametersByPath': {
      const ctx: Context = {}
      const recursive = optBool(input, 'Recursive')
      // Booleans reach IAM as "true"/"false", as the Systems Manager User Guide's ssm:Overwrite example shows.
      if (recursive !== undefined) ctx['ssm:Recursive'] = recursive ? 'true' : 'false'
      return m.result(operation, [m.check(S, operation, parameterArn(m, reqString(input, 'Path')), ctx)])
    }
    default: {
      const ctx: Context = {}
      const overwrite = optBool(input, 'Overwrite')
      if (overwrite !== undefined) ctx['ssm:Overwrite'] = overwrite ? 'true' : 'false'
      const policies = optString(input, 'Policies')
      if (policies !== undefined) ctx['ssm:Policies'] = policies
      return genericJsonMapping(m, S, operation, input, {
        context: ctx,
        resourceFor: (type) => {
          if (type !== 'parameter') return undefined
          const name = optString(input, 'Name')
          if (name !== undefined) return parameterArn(m, name)
          return optString(input, 'ResourceType') === 'Parameter' ? parameterArn(m, reqString(input, 'ResourceId')) : undefined
        },
      })
    }
  }
}
