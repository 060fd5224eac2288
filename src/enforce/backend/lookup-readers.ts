/**
 * The reads behind the request mapping's synchronous lookups (src/gateway/lookups.ts): a table's
 * partition keys (DescribeTable), where the account's KMS aliases point (ListAliases), and a
 * secret's full ARN from its name (DescribeSecret).
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb'
import { ListAliasesCommand } from '@aws-sdk/client-kms'
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager'
import type { BackendClients } from './backend-clients.js'

/** A table's partition-key attribute, and each index's, as DescribeTable tells them. */
export interface TableSchema {
  readonly partitionKey: string
  readonly indexes: Readonly<Record<string, string>>
}

/** DescribeTable as a key schema; undefined when the table does not exist. */
export async function readTableSchema(b: BackendClients, TableName: string): Promise<TableSchema | undefined> {
  const r = await b.read('dynamodb', 'DescribeTable', () => b.dynamodb.send(new DescribeTableCommand({ TableName })), ['ResourceNotFoundException'])
  if (!r.ok) return undefined
  const t = r.value.Table
  const hash = (ks: readonly { AttributeName?: string | undefined; KeyType?: string | undefined }[] | undefined): string | undefined =>
    ks?.find((k) => k.KeyType === 'HASH')?.AttributeName
  const partitionKey = hash(t?.KeySchema)
  if (partitionKey === undefined) return undefined
  const indexes: Record<string, string> = {}
  for (const i of [...(t?.GlobalSecondaryIndexes ?? []), ...(t?.LocalSecondaryIndexes ?? [])]) {
    const pk = hash(i.KeySchema)
    if (i.IndexName !== undefined && pk !== undefined) indexes[i.IndexName] = pk
  }
  return { partitionKey, indexes }
}

/** Every alias of the backend's account and region: alias ARN → the ARN of the key it points to. */
export async function readAliases(b: BackendClients): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (let Marker: string | undefined, more = true; more; ) {
    const page = await b.read('kms', 'ListAliases', () => b.kms.send(new ListAliasesCommand({ Marker })))
    if (!page.ok) break
    for (const a of page.value.Aliases ?? []) {
      const at = a.AliasArn?.lastIndexOf(':alias/') ?? -1
      if (a.AliasArn === undefined || a.TargetKeyId === undefined || at < 0) continue
      out.set(a.AliasArn, `${a.AliasArn.slice(0, at)}:key/${a.TargetKeyId}`)
    }
    Marker = page.value.NextMarker
    more = page.value.Truncated === true && Marker !== undefined
  }
  return out
}

/** The full ARN (with its random suffix) of the secret called `name`; undefined when there is none. */
export async function readSecretArn(b: BackendClients, name: string): Promise<string | undefined> {
  const r = await b.read('secretsmanager', 'DescribeSecret', () => b.secretsmanager.send(new DescribeSecretCommand({ SecretId: name })), ['ResourceNotFoundException'])
  return r.ok ? r.value.ARN : undefined
}
