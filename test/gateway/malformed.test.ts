// Input no SDK sends: the mapping answers a typed error (the proxy turns it into the service's own
// error shape), never a crash and never a guess.
import { beforeAll, describe, expect, it } from 'vitest'
import { authorizationsFor } from '../../src/gateway/authorizations.js'
import type { IamCatalog } from '../../src/gateway/catalog.js'
import { loadCatalog } from '../../src/gateway/catalog.js'
import type { GatewayErrorCode } from '../../src/gateway/gateway-error.js'
import type { GatewayRequest } from '../../src/gateway/request.js'
import { parseXml } from '../../src/gateway/xml-reader.js'

let catalog: IamCatalog
beforeAll(async () => {
  catalog = await loadCatalog()
})

function json(service: string, target: string, body: string): GatewayRequest {
  return { method: 'POST', host: 'localhost:4566', path: '/', query: {}, headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.0' }, body: Buffer.from(body), service, region: 'eu-west-1', account: '111122223333', partition: 'aws' }
}

function deleteObjects(body: string | undefined): GatewayRequest {
  return { method: 'POST', host: 'localhost:4566', path: '/b', query: { delete: [''] }, headers: {}, body: body === undefined ? undefined : Buffer.from(body), service: 's3', region: 'eu-west-1', account: '111122223333', partition: 'aws' }
}

function code(request: GatewayRequest, keySchema?: (t: string) => string | undefined): GatewayErrorCode | 'ok' {
  const r = authorizationsFor(request, { catalog, ...(keySchema === undefined ? {} : { keySchema }) })
  return r.ok ? 'ok' : r.error.code
}

describe('typed errors', () => {
  it('JSON protocol: bad JSON, a non-object, a foreign target prefix, a missing body, wrong types', () => {
    expect(code(json('sqs', 'AmazonSQS.SendMessage', '{"QueueUrl":'))).toBe('MalformedJson')
    expect(code(json('sqs', 'AmazonSQS.SendMessage', '[1]'))).toBe('MalformedJson')
    expect(code(json('sqs', 'TrentService.Encrypt', '{}'))).toBe('UnknownOperation')
    expect(code({ ...json('kms', 'TrentService.Encrypt', ''), body: undefined })).toBe('MissingBody')
    expect(code(json('kms', 'TrentService.Encrypt', '{"KeyId": 7}'))).toBe('InvalidParameter')
    expect(code(json('ssm', 'AmazonSSM.GetParameters', '{}'))).toBe('MissingParameter')
  })

  it('SQS: a queue URL that is not /<account>/<name>', () => {
    expect(code(json('sqs', 'AmazonSQS.SendMessage', '{"QueueUrl":"not a url"}'))).toBe('InvalidParameter')
    expect(code(json('sqs', 'AmazonSQS.SendMessage', '{"QueueUrl":"https://sqs.eu-west-1.amazonaws.com/queue"}'))).toBe('InvalidParameter')
    expect(code(json('sqs', 'AmazonSQS.SendMessage', '{"QueueUrl":"https://sqs.eu-west-1.amazonaws.com/111122223333/a/b"}'))).toBe('InvalidParameter')
  })

  it('AWS Query: no Action, a parameter given twice', () => {
    const q = (body: string): GatewayRequest => ({ ...json('sns', '', body), headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(code(q('Version=2010-03-31'))).toBe('UnknownOperation')
    expect(code(q('Action=Publish&TopicArn=a&TopicArn=b'))).toBe('MalformedQuery')
    expect(code(q('Action=Publish&TopicArn=arn:aws:sqs:eu-west-1:111122223333:q'))).toBe('InvalidParameter')
  })

  it('DynamoDB: an unknown key schema is KeySchemaUnknown naming the table, never a request without LeadingKeys', () => {
    const r = authorizationsFor(json('dynamodb', 'DynamoDB_20120810.GetItem', '{"TableName":"T","Key":{"pk":{"S":"a"}}}'), { catalog })
    expect(r.ok ? 'ok' : [r.error.code, r.error.table, r.error.status]).toEqual(['KeySchemaUnknown', 'T', 503])
    expect(code(json('dynamodb', 'DynamoDB_20120810.GetItem', '{"TableName":"T","Key":{"other":{"S":"a"}}}'), () => 'pk')).toBe('InvalidParameter')
    expect(code(json('dynamodb', 'DynamoDB_20120810.Query', '{"TableName":"T","KeyConditionExpression":"sk = :v","ExpressionAttributeValues":{":v":{"S":"a"}}}'), () => 'pk')).toBe('InvalidParameter')
    expect(code(json('dynamodb', 'DynamoDB_20120810.Query', '{"TableName":"T","KeyConditionExpression":"#p = :v","ExpressionAttributeValues":{":v":{"S":"a"}}}'), () => 'pk')).toBe('InvalidParameter')
    expect(code(json('dynamodb', 'DynamoDB_20120810.GetItem', '{"TableName":"arn:aws:s3:::b","Key":{}}'), () => 'pk')).toBe('InvalidParameter')
  })

  it('S3: a host of another region or an access point is refused rather than read as path style', () => {
    const get = (host: string): GatewayRequest => ({ ...deleteObjects(undefined), method: 'GET', host, path: '/key', query: {} })
    expect(code(get('b.s3.eu-west-1.amazonaws.com'))).toBe('ok')
    expect(code(get('b.s3.us-west-2.amazonaws.com'))).toBe('InvalidParameter')
    expect(code(get('ap-111122223333.s3-accesspoint.eu-west-1.amazonaws.com'))).toBe('InvalidParameter')
  })

  it('S3 DeleteObjects: malformed, unexpected or missing XML', () => {
    const ok = '<Delete><Object><Key>a</Key></Object></Delete>'
    expect(code(deleteObjects(ok))).toBe('ok')
    expect(code(deleteObjects(undefined))).toBe('MissingBody')
    for (const bad of [
      '<Delete><Object><Key>a</Key></Object>',
      '<Delete><Object><Key>a</Object></Key></Delete>',
      '<!DOCTYPE d [<!ENTITY x "y">]><Delete><Object><Key>&x;</Key></Object></Delete>',
      '<Delete><Object><Key>&x;</Key></Object></Delete>',
      '<Delete><Object><Key><![CDATA[a]]></Key></Object></Delete>',
      '<Delete><Object></Object></Delete>',
      '<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>',
      '<Delete></Delete>',
      '<Other><Object><Key>a</Key></Object></Other>',
      `<Delete>${'<Object><Key>k</Key></Object>'.repeat(1001)}</Delete>`,
      '<Delete><Object><Key>a</Key></Object></Delete><Delete/>',
      'text',
    ]) {
      expect(code(deleteObjects(bad)), bad.slice(0, 60)).toBe('MalformedXml')
    }
  })
})

describe('the XML reader', () => {
  it('decodes the predefined entities and character references, skips comments and attributes', () => {
    const root = parseXml('<?xml version="1.0" encoding="UTF-8"?><a:Delete xmlns:a="x"><!-- c --><Key k=\'1\'>a&amp;b&#x3C;&#62;&quot;</Key><Empty/></a:Delete>')
    expect(root.name).toBe('Delete')
    expect(root.children.map((c) => [c.name, c.text])).toEqual([['Key', 'a&b<>"'], ['Empty', '']])
  })

  it('refuses deep nesting', () => {
    expect(() => parseXml(`${'<a>'.repeat(40)}${'</a>'.repeat(40)}`)).toThrow(/nested too deeply/)
  })
})
