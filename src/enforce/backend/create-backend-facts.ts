/**
 * The gateway's BackendFacts over a real AWS backend (moto_server, LocalStack, AWS): resource
 * policies, tags and existence, table key schemas, KMS aliases and secret ARNs, read with the
 * backend's own APIs and credentials, cached per resource for `ttlMs` (LRU-bounded, concurrent
 * misses share one read), and forgotten when a write through the gateway may have changed them.
 * Writes made to the backend behind the gateway's back are seen once the entry expires.
 */
import type { Clock } from '../../core/clock.js'
import type { MappedRequest } from '../../gateway/authorization.js'
import type { Arn } from '../../policy/arn.js'
import { parseArn } from '../../policy/arn.js'
import type { BackendFacts, ResourceFacts } from '../backend-facts.js'
import type { BackendConnection } from './backend-clients.js'
import { BackendClients } from './backend-clients.js'
import { FactsCache } from './facts-cache.js'
import type { TableSchema } from './lookup-readers.js'
import { readAliases, readSecretArn, readTableSchema } from './lookup-readers.js'
import type { ReaderDeps } from './resource-readers.js'
import { RESOURCE_READERS, factsArn, narrowFacts } from './resource-readers.js'
import { forgetsAfter } from './write-invalidation.js'

export interface BackendFactsOptions extends BackendConnection {
  /** The backend's account (moto's default is 123456789012); resources of other accounts have no facts here. */
  readonly account: string
  readonly clock: Clock
  /** How long a fact is trusted, in milliseconds; default 60 000. */
  readonly ttlMs?: number
  /** How many resources (and, separately, tables and secret names) are cached at most; default 10 000. */
  readonly maxEntries?: number
}

export interface BackendFactsReader extends BackendFacts {
  /** Close the SDK clients' connections. */
  close(): void
}

const NO_FACTS: ResourceFacts = Object.freeze({})
const MISSING: ResourceFacts = Object.freeze({ exists: false })
/** The suffix the request mapping gives a secret it knows only by name (`secret:<name>-??????`). */
const UNKNOWN_SECRET_SUFFIX = '-??????'
const ALL_ALIASES = '*'

export function createBackendFacts(o: BackendFactsOptions): BackendFactsReader {
  const clients = new BackendClients(o)
  const cacheOptions = { clock: o.clock, ttlMs: o.ttlMs ?? 60_000, maxEntries: o.maxEntries ?? 10_000 }
  const facts = new FactsCache<ResourceFacts>(cacheOptions)
  /** Table name → its key schema, or null when the table does not exist. */
  const tables = new FactsCache<TableSchema | null>(cacheOptions)
  /** One entry: every alias ARN → key ARN. */
  const aliases = new FactsCache<ReadonlyMap<string, string>>({ ...cacheOptions, maxEntries: 1 })
  /** Secret name → its ARN, or null when there is no such secret. */
  const secrets = new FactsCache<string | null>(cacheOptions)

  const describeTable = (name: string): Promise<TableSchema | null> => tables.get(name, async () => (await readTableSchema(clients, name)) ?? null)
  const aliasMap = (): Promise<ReadonlyMap<string, string>> => aliases.get(ALL_ALIASES, () => readAliases(clients))
  const secretArnOf = (name: string): Promise<string | null> => secrets.get(name, async () => (await readSecretArn(clients, name)) ?? null)
  const deps: ReaderDeps = { clients, describeTable: async (name) => (await describeTable(name)) ?? undefined }

  /** The ARN a request names, with a KMS alias or a secret known only by name resolved; undefined if it resolves to nothing. */
  async function resolve(service: string, arn: Arn, text: string): Promise<Arn | undefined> {
    if (service === 'kms' && arn.resource.startsWith('alias/')) {
      const key = (await aliasMap()).get(text)
      return key === undefined ? undefined : parseArn(key)
    }
    if (service === 'secretsmanager' && arn.resource.endsWith(UNKNOWN_SECRET_SUFFIX)) {
      const name = arn.resource.slice('secret:'.length, -UNKNOWN_SECRET_SUFFIX.length)
      const full = await secretArnOf(name)
      return full === null ? undefined : parseArn(full)
    }
    return arn
  }

  /**
   * The backend is one account in one region: a resource ARN naming another (a cross-account
   * bucket policy target, another region's queue) has no facts here, so only the caller's own
   * policies can allow it, and across accounts nothing does (fail closed). S3 ARNs name neither.
   */
  const inBackend = (arn: Arn): boolean => (arn.account === '' || arn.account === o.account) && (arn.region === '' || arn.region === o.region)

  const cacheKey = (service: string, arn: string): string => `${service} ${arn}`

  return {
    async resource(service, resourceArn) {
      const reader = RESOURCE_READERS[service]
      const parsed = resourceArn === '*' ? undefined : parseArn(resourceArn)
      if (reader === undefined || parsed === undefined || !inBackend(parsed)) return NO_FACTS
      const resolved = await resolve(service, parsed, resourceArn)
      if (resolved === undefined) return MISSING
      const canonical = factsArn(service, resolved)
      if (canonical === undefined) return NO_FACTS
      const arn = parseArn(canonical) as Arn
      return narrowFacts(service, resolved, await facts.get(cacheKey(service, canonical), () => reader(deps, arn, canonical)))
    },

    keySchema(table, index) {
      const schema = tables.peek(table)
      if (schema === undefined || schema === null) return undefined
      return index === undefined ? schema.partitionKey : schema.indexes[index]
    },

    kmsAlias(aliasArn) {
      return aliases.peek(ALL_ALIASES)?.get(aliasArn)
    },

    secretArn(name) {
      return secrets.peek(name) ?? undefined
    },

    async prefetch(need) {
      await Promise.all([
        need.table === undefined ? undefined : describeTable(need.table),
        need.kmsAlias === undefined ? undefined : aliasMap(),
        need.secretName === undefined ? undefined : secretArnOf(need.secretName),
      ])
    },

    afterWrite(mapped: MappedRequest) {
      for (const what of forgetsAfter(mapped.service, mapped.operation)) {
        if (what === 'aliases') aliases.forgetAll()
        else if (what === 'secretNames') secrets.forgetAll()
        else {
          for (const a of mapped.authorizations) {
            if (a.resource === '*') {
              if (what === 'facts') facts.forgetWhere((k) => k.startsWith(cacheKey(mapped.service, '')))
              else tables.forgetAll()
              continue
            }
            const arn = parseArn(a.resource)
            if (arn === undefined) continue
            const canonical = factsArn(arn.service, arn)
            if (canonical === undefined) continue
            if (what === 'facts') facts.forget(cacheKey(arn.service, canonical))
            else if (arn.service === 'dynamodb') tables.forget(canonical.slice(canonical.indexOf(':table/') + ':table/'.length))
          }
        }
      }
    },

    close() {
      clients.destroy()
    },
  }
}
