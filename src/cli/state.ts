/** Opening the identity plane's state for a CLI command (same --data and --store as `irsa serve`). */
import { openRuntime } from './bootstrap.js'
import type { Runtime } from '../core/runtime.js'
import { openStore, storeLocation } from '../store/open-store.js'

export interface StateOptions {
  readonly data?: string
  /** `postgres://…`, `postgresql://…` or `sqlite:PATH`; default SQLite under `data`. */
  readonly store?: string
}

export async function withState<T>(o: StateOptions, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const { rt } = await openRuntime({
    ...(o.data === undefined ? {} : { data: o.data }),
    ...(o.store === undefined ? {} : { storeUrl: o.store }),
    // CLI commands answer no requests: an external store needs no admin credentials for them.
    needsAdmin: false,
  })
  try {
    return await fn(rt)
  } finally {
    try {
      await rt.flushDecisions() // counted denials, as summary rows
    } finally {
      await rt.store.close()
    }
  }
}

/** The server endpoint recorded in a store (`irsa apply` without --endpoint), without initialising it. */
export async function recordedEndpoint(store: string, data: string): Promise<string | undefined> {
  const s = await openStore(storeLocation(store, data))
  try {
    return await s.getSetting('endpoint')
  } finally {
    await s.close()
  }
}
