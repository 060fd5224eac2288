/**
 * Choose and open the store a `--store` value (or IRSA_STORE) names: `postgres://…` or
 * `postgresql://…` → PostgreSQL (shared by replicas); `sqlite:PATH` → that SQLite file; absent →
 * SQLite at `<data>/irsa.db`, the embedded default.
 */
import { join } from 'node:path'
import { IrsaError } from '../errors.js'
import { openPostgresStore } from './postgres/postgres-store.js'
import { openSqliteStore } from './sqlite/sqlite-store.js'
import type { Store } from './store.js'

export type StoreLocation = { readonly kind: 'sqlite'; readonly file: string } | { readonly kind: 'postgres'; readonly url: string }

/** Parse a store URL; `data` is the state directory the default SQLite file lives in. */
export function storeLocation(url: string | undefined, data: string): StoreLocation {
  if (url === undefined || url === '') return { kind: 'sqlite', file: join(data, 'irsa.db') }
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url }
  if (/^sqlite:/i.test(url)) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
    if (file === '') throw new IrsaError('ERR_STORE_URL', 'sqlite: needs a file path, e.g. sqlite:/var/lib/irsa/irsa.db')
    return { kind: 'sqlite', file }
  }
  // Never echo the value: a mistyped PostgreSQL URL may carry a password.
  throw new IrsaError('ERR_STORE_URL', 'the store must be postgres://…, postgresql://… or sqlite:PATH')
}

export async function openStore(location: StoreLocation): Promise<Store> {
  return location.kind === 'postgres' ? openPostgresStore({ url: location.url }) : openSqliteStore({ file: location.file })
}
