/**
 * DynamoDB (JSON, `DynamoDB_20120810.<Operation>`): one check per table, index or item, with the
 * fine-grained-access keys the request carries (DynamoDB Developer Guide, "Using IAM policy
 * conditions for fine-grained access control"):
 * - `dynamodb:LeadingKeys`: the partition-key values of every item touched. Item-level operations
 *   carry the key's value but not its NAME, which comes from the `keySchema` lookup.
 * - `dynamodb:Attributes`: the attribute names read (ProjectionExpression, AttributesToGet) or
 *   written (the item's names, UpdateExpression paths). Names in condition and filter expressions
 *   are not included.
 * - `dynamodb:Select`: the Select parameter, or its effective value (SPECIFIC_ATTRIBUTES with a
 *   projection, otherwise ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES on an index).
 * - `dynamodb:ReturnValues`, `dynamodb:ReturnConsumedCapacity`: as sent.
 * Batch operations are authorized per table as `dynamodb:BatchGetItem` / `dynamodb:BatchWriteItem`
 * (their own IAM actions); transactions per item as the underlying GetItem, PutItem, UpdateItem,
 * DeleteItem or ConditionCheckItem (transactions are not IAM actions), with
 * `dynamodb:EnclosingOperation` naming the transaction.
 */
import { parseArn } from '../policy/arn.js'
import type { Authorization, MappedRequest } from './authorization.js'
import { expressionAttributes, partitionKeyPlaceholder, scalarAttributeValue } from './dynamodb-expressions.js'
import { GatewayError } from './gateway-error.js'
import { asObject, optArray, optObject, optString, optStrings, reqObject, reqString } from './json-input.js'
import type { Context, Mapping } from './mapping.js'
import type { JsonObject } from './protocol.js'
import { genericJsonMapping } from './generic.js'

const S = 'dynamodb'

interface Table {
  readonly name: string
  readonly arn: string
}

class DynamoMapping {
  readonly m: Mapping

  constructor(m: Mapping) {
    this.m = m
  }

  /** A table by name or ARN (DynamoDB accepts either in TableName). */
  table(nameOrArn: string): Table {
    if (nameOrArn.startsWith('arn:')) {
      const a = parseArn(nameOrArn)
      if (a === undefined || a.service !== S || !a.resource.startsWith('table/') || a.resource.slice(6).includes('/')) {
        throw new GatewayError('InvalidParameter', `${nameOrArn} is not a DynamoDB table ARN`)
      }
      return { name: a.resource.slice(6), arn: nameOrArn }
    }
    return { name: nameOrArn, arn: this.m.arn(S, 'table', { TableName: nameOrArn }) }
  }

  resource(table: Table, index: string | undefined): string {
    return index === undefined ? table.arn : `${table.arn}/index/${index}`
  }

  partitionKey(table: Table, index?: string): string {
    const pk = this.m.lookups.keySchema?.(table.name, index)
    if (pk === undefined) {
      throw new GatewayError('KeySchemaUnknown', `The partition key of ${table.name}${index === undefined ? '' : ` (index ${index})`} is not known yet`, table.name)
    }
    return pk
  }

  keyValue(table: Table, item: JsonObject, what: string): string {
    const pk = this.partitionKey(table)
    if (!Object.hasOwn(item, pk)) throw new GatewayError('InvalidParameter', `The provided key element does not match the schema: ${what} has no ${pk}`)
    return scalarAttributeValue(item[pk], `${what}.${pk}`)
  }

  /** Attributes read and the effective Select of a read with an optional projection. */
  readContext(input: JsonObject, index: string | undefined): Context {
    const names = optObject(input, 'ExpressionAttributeNames')
    const projected = [...expressionAttributes(optString(input, 'ProjectionExpression'), names), ...(optStrings(input, 'AttributesToGet') ?? [])]
    const ctx: Context = {}
    const select = optString(input, 'Select')
    if (projected.length > 0) ctx['dynamodb:Attributes'] = unique(projected)
    ctx['dynamodb:Select'] = select ?? (projected.length > 0 ? 'SPECIFIC_ATTRIBUTES' : index === undefined ? 'ALL_ATTRIBUTES' : 'ALL_PROJECTED_ATTRIBUTES')
    return ctx
  }

  commonContext(input: JsonObject): Context {
    const ctx: Context = {}
    const rv = optString(input, 'ReturnValues')
    if (rv !== undefined) ctx['dynamodb:ReturnValues'] = rv
    const rcc = optString(input, 'ReturnConsumedCapacity')
    if (rcc !== undefined) ctx['dynamodb:ReturnConsumedCapacity'] = rcc
    return ctx
  }

  /** One item-level check (GetItem, PutItem, UpdateItem, DeleteItem, ConditionCheckItem). */
  item(action: string, input: JsonObject, extra: Context = {}): Authorization {
    const table = this.table(reqString(input, 'TableName'))
    const ctx: Context = { ...this.commonContext(input), ...extra }
    const names = optObject(input, 'ExpressionAttributeNames')
    if (action === 'PutItem') {
      const item = reqObject(input, 'Item')
      ctx['dynamodb:LeadingKeys'] = [this.keyValue(table, item, 'Item')]
      ctx['dynamodb:Attributes'] = Object.keys(item)
    } else {
      const key = reqObject(input, 'Key')
      ctx['dynamodb:LeadingKeys'] = [this.keyValue(table, key, 'Key')]
      if (action === 'GetItem') Object.assign(ctx, this.readContext(input, undefined))
      if (action === 'UpdateItem') {
        const updated = [...Object.keys(key), ...expressionAttributes(optString(input, 'UpdateExpression'), names), ...Object.keys(optObject(input, 'AttributeUpdates') ?? {})]
        ctx['dynamodb:Attributes'] = unique(updated)
      }
    }
    return this.m.check(S, action, table.arn, ctx)
  }

  query(input: JsonObject): Authorization {
    const table = this.table(reqString(input, 'TableName'))
    const index = optString(input, 'IndexName')
    const pk = this.partitionKey(table, index)
    const ctx: Context = { ...this.commonContext(input), ...this.readContext(input, index) }
    const names = optObject(input, 'ExpressionAttributeNames')
    const values = optObject(input, 'ExpressionAttributeValues') ?? {}
    const expr = optString(input, 'KeyConditionExpression')
    let value: unknown
    if (expr !== undefined) {
      const placeholder = partitionKeyPlaceholder(expr, pk, names)
      if (placeholder === undefined) throw new GatewayError('InvalidParameter', `Query condition missed key schema element: ${pk}`)
      if (!Object.hasOwn(values, placeholder)) throw new GatewayError('InvalidParameter', `An expression attribute value used in expression is not defined; attribute value: ${placeholder}`)
      value = values[placeholder]
    } else {
      const cond = optObject(optObject(input, 'KeyConditions') ?? {}, pk)
      const list = cond === undefined ? undefined : optArray(cond, 'AttributeValueList')
      if (cond === undefined || cond['ComparisonOperator'] !== 'EQ' || list?.length !== 1) throw new GatewayError('InvalidParameter', `Query condition missed key schema element: ${pk}`)
      value = list[0]
    }
    ctx['dynamodb:LeadingKeys'] = [scalarAttributeValue(value, pk)]
    return this.m.check(S, 'Query', this.resource(table, index), ctx)
  }

  scan(input: JsonObject): Authorization {
    const table = this.table(reqString(input, 'TableName'))
    const index = optString(input, 'IndexName')
    return this.m.check(S, 'Scan', this.resource(table, index), { ...this.commonContext(input), ...this.readContext(input, index) })
  }

  batchGet(input: JsonObject): Authorization[] {
    return Object.entries(reqObject(input, 'RequestItems')).map(([name, v]) => {
      const spec = asObject(v, `RequestItems.${name}`)
      const table = this.table(name)
      const keys = (optArray(spec, 'Keys') ?? []).map((k) => this.keyValue(table, asObject(k, 'Keys[]'), 'Keys[]'))
      const ctx = { ...this.commonContext(input), ...this.readContext(spec, undefined), 'dynamodb:LeadingKeys': unique(keys) }
      return this.m.check(S, 'BatchGetItem', table.arn, ctx)
    })
  }

  batchWrite(input: JsonObject): Authorization[] {
    return Object.entries(reqObject(input, 'RequestItems')).map(([name, v]) => {
      if (!Array.isArray(v)) throw new GatewayError('InvalidParameter', `RequestItems.${name} must be a list`)
      const table = this.table(name)
      const keys: string[] = []
      const attributes: string[] = []
      for (const w of v) {
        const req = asObject(w, `RequestItems.${name}[]`)
        const put = optObject(req, 'PutRequest')
        const del = optObject(req, 'DeleteRequest')
        if ((put === undefined) === (del === undefined)) throw new GatewayError('InvalidParameter', 'Each write request needs exactly one of PutRequest and DeleteRequest')
        const item = put !== undefined ? reqObject(put, 'Item') : reqObject(del as JsonObject, 'Key')
        keys.push(this.keyValue(table, item, put !== undefined ? 'PutRequest.Item' : 'DeleteRequest.Key'))
        attributes.push(...Object.keys(item))
      }
      const ctx = { ...this.commonContext(input), 'dynamodb:LeadingKeys': unique(keys), 'dynamodb:Attributes': unique(attributes) }
      return this.m.check(S, 'BatchWriteItem', table.arn, ctx)
    })
  }

  transact(operation: 'TransactGetItems' | 'TransactWriteItems', input: JsonObject): Authorization[] {
    const items = optArray(input, 'TransactItems')
    if (items === undefined || items.length === 0) throw new GatewayError('MissingParameter', 'TransactItems is required')
    const kinds: Readonly<Record<string, string>> =
      operation === 'TransactGetItems' ? { Get: 'GetItem' } : { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' }
    return items.map((raw) => {
      const entry = asObject(raw, 'TransactItems[]')
      const kinds_ = Object.keys(entry).filter((k) => Object.hasOwn(kinds, k))
      if (kinds_.length !== 1 || Object.keys(entry).length !== 1) throw new GatewayError('InvalidParameter', `Each of TransactItems needs exactly one of ${Object.keys(kinds).join(', ')}`)
      const kind = kinds_[0] as string
      return this.item(kinds[kind] as string, { ...asObject(entry[kind], kind), ReturnConsumedCapacity: input['ReturnConsumedCapacity'] }, { 'dynamodb:EnclosingOperation': operation })
    })
  }

  map(operation: string, input: JsonObject): MappedRequest {
    switch (operation) {
      case 'GetItem':
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem':
        return this.m.result(operation, [this.item(operation, input)])
      case 'Query':
        return this.m.result(operation, [this.query(input)])
      case 'Scan':
        return this.m.result(operation, [this.scan(input)])
      case 'BatchGetItem':
        return this.m.result(operation, this.batchGet(input))
      case 'BatchWriteItem':
        return this.m.result(operation, this.batchWrite(input))
      case 'TransactGetItems':
      case 'TransactWriteItems':
        return this.m.result(operation, this.transact(operation, input))
      default:
        return genericJsonMapping(this.m, S, operation, input, {
          resourceFor: (type) => {
            if (type === 'table' || type === 'index') {
              const name = optString(input, 'TableName')
              if (name === undefined) return undefined
              const table = this.table(name)
              const index = optString(input, 'IndexName')
              return type === 'index' ? (index === undefined ? undefined : this.resource(table, index)) : table.arn
            }
            return undefined
          },
        })
    }
  }
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)]
}

export function mapDynamoDb(m: Mapping, operation: string, input: JsonObject): MappedRequest {
  return new DynamoMapping(m).map(operation, input)
}
