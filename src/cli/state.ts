/** Opening the identity plane's state for a CLI command (same --data as `irsa serve`). */
import { openRuntime } from '../server/bootstrap.js'
import type { Runtime } from '../server/runtime.js'

export interface StateOptions {
  readonly data?: string
}

export async function withState<T>(o: StateOptions, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const { rt } = await openRuntime({ ...(o.data === undefined ? {} : { data: o.data }) })
  try {
    return await fn(rt)
  } finally {
    await rt.store.close()
  }
}
