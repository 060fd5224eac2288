/**
 * SQS, over its JSON protocol (`AmazonSQS.<Operation>`) and the AWS Query protocol older SDKs use
 * (`Action=<Operation>`). The queue is named by its URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`,
 * or any host for an emulator), by QueueName (CreateQueue, GetQueueUrl) or, in Query requests, by
 * the request path itself; its ARN is `arn:<partition>:sqs:<region>:<account>:<name>`. Batch
 * operations are authorized as their single action (SendMessageBatch → sqs:SendMessage, …).
 */
import type { MappedRequest } from './authorization.js'
import { GatewayError } from './gateway-error.js'
import { genericJsonMapping } from './generic.js'
import type { Mapping } from './mapping.js'
import { requestTagContext } from './mapping.js'
import { tagPairs } from './json-input.js'
import type { JsonObject } from './protocol.js'

const S = 'sqs'

const BATCH_ACTIONS: Readonly<Record<string, string>> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
}

/** The account and name of a queue URL's path (`/<account>/<name>`). */
function queuePath(path: string): { account: string; name: string } | undefined {
  const parts = path.split('/')
  if (parts.length !== 3 || parts[0] !== '') return undefined
  const [, account, name] = parts as [string, string, string]
  if (!/^\d{12}$/.test(account) || !/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(name)) return undefined
  return { account, name }
}

export function queueUrlArn(m: Mapping, url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new GatewayError('InvalidParameter', `The queue URL ${url} is not a URL`)
  }
  const q = queuePath(parsed.pathname)
  if (q === undefined) throw new GatewayError('InvalidParameter', `The queue URL ${url} does not end in /<account>/<queue name>`)
  return m.arn(S, 'queue', { Account: q.account, QueueName: q.name })
}

/** `input` is the JSON body, or the Query parameters as an object of strings. */
export function mapSqs(m: Mapping, operation: string, input: JsonObject, protocol: 'json' | 'query'): MappedRequest {
  const str = (name: string): string | undefined => {
    const v = Object.hasOwn(input, name) ? input[name] : undefined
    if (v !== undefined && typeof v !== 'string') throw new GatewayError('InvalidParameter', `${name} must be a string`)
    return v
  }
  return genericJsonMapping(m, S, operation, protocol === 'json' ? input : {}, {
    // CreateQueue's JSON tags are a map named `tags`; TagQueue's are `Tags` (read by the generic rule).
    context: protocol === 'json' ? requestTagContext(tagPairs(input, 'tags')) : {},
    ...(Object.hasOwn(BATCH_ACTIONS, operation) ? { action: BATCH_ACTIONS[operation] } : {}),
    resourceFor: (type) => {
      if (type !== 'queue') return undefined
      const url = str('QueueUrl')
      if (url !== undefined) return queueUrlArn(m, url)
      const name = str('QueueName')
      if (name !== undefined) {
        if (!/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(name)) throw new GatewayError('InvalidParameter', 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length')
        const owner = str('QueueOwnerAWSAccountId')
        return m.arn(S, 'queue', { QueueName: name, ...(owner === undefined ? {} : { Account: owner }) })
      }
      const source = str('SourceArn')
      if (source !== undefined) return source
      const legacy = protocol === 'query' ? queuePath(m.request.path) : undefined
      return legacy === undefined ? undefined : m.arn(S, 'queue', { Account: legacy.account, QueueName: legacy.name })
    },
  })
}
