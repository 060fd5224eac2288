/**
 * SNS (AWS Query, `Action=<Operation>`): the topic comes from TopicArn, TargetArn (Publish), the
 * topic part of a SubscriptionArn, ResourceArn (tagging) or, for CreateTopic, from Name. Subscribe
 * carries `sns:Protocol` and `sns:Endpoint`; tagging operations carry `aws:RequestTag/<k>` and
 * `aws:TagKeys` (from `Tags.member.N.Key/Value`).
 */
import { parseArn } from '../policy/arn.js'
import type { MappedRequest } from './authorization.js'
import { GatewayError } from './gateway-error.js'
import { genericJsonMapping } from './generic.js'
import type { Context, Mapping } from './mapping.js'
import { requestTagContext } from './mapping.js'

const S = 'sns'

function snsArn(arn: string, what: string): string {
  const a = parseArn(arn)
  if (a === undefined || a.service !== S || a.resource === '') throw new GatewayError('InvalidParameter', `Invalid parameter: ${what} is not an SNS ARN`)
  return arn
}

/** `Tags.member.N.Key` / `Tags.member.N.Value`, in member order. */
function queryTags(params: ReadonlyMap<string, string>): [string, string][] {
  const out: [string, string][] = []
  for (let n = 1; params.has(`Tags.member.${n}.Key`); n++) out.push([params.get(`Tags.member.${n}.Key`) as string, params.get(`Tags.member.${n}.Value`) ?? ''])
  return out
}

export function mapSns(m: Mapping, operation: string, params: ReadonlyMap<string, string>): MappedRequest {
  const context: Context = { ...requestTagContext(queryTags(params)) }
  const protocol = params.get('Protocol')
  if (protocol !== undefined) context['sns:Protocol'] = protocol
  const endpoint = params.get('Endpoint')
  if (endpoint !== undefined) context['sns:Endpoint'] = endpoint
  return genericJsonMapping(m, S, operation, {}, {
    context,
    resourceFor: (type) => {
      if (type !== 'topic') return undefined
      const topic = params.get('TopicArn') ?? params.get('TargetArn') ?? params.get('ResourceArn')
      if (topic !== undefined) return snsArn(topic, 'TopicArn')
      const subscription = params.get('SubscriptionArn')
      if (subscription !== undefined) {
        const arn = snsArn(subscription, 'SubscriptionArn')
        if (!(parseArn(arn)?.resource ?? '').includes(':')) throw new GatewayError('InvalidParameter', 'Invalid parameter: SubscriptionArn')
        return arn.slice(0, arn.lastIndexOf(':'))
      }
      const name = operation === 'CreateTopic' ? params.get('Name') : undefined
      if (name === undefined) return undefined
      if (!/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(name)) throw new GatewayError('InvalidParameter', 'Invalid parameter: Topic Name')
      return m.arn(S, 'topic', { TopicName: name })
    },
  })
}
