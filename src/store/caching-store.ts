/**
 * Roles and OIDC providers served from memory on the token-exchange hot path, for a store whose
 * other writers can be detected without a query (one SQLite file: `PRAGMA data_version`, which
 * moves whenever another connection — another process, or `irsa apply`/`irsa contain` run beside
 * the server — commits).
 *
 * Why a decorator around Store rather than a cache in the runtime: every write, from whichever
 * caller (IAM API, apply, contain, the dashboard, tests), goes through the Store object, so the
 * decorator sees them all without each caller remembering to invalidate. It is deliberately blunt:
 * any call that is not a known read (a write, a transaction, a method added later) clears the
 * whole cache when it ends, failed or not; writes are rare next to exchanges.
 *
 * A read fills the cache only if nothing was written meanwhile (a generation counter and the
 * change token are both unchanged from its start), and never while a transaction is open: a read
 * inside one may see uncommitted rows that a rollback would take back.
 */
import type { OidcProvider, Role } from '../model/iam.js'
import type { Store } from './store.js'

/** Calls that change nothing the cache holds. Anything else invalidates. */
const PURE = new Set<PropertyKey>([
  'kind', 'close', 'getSetting', 'listSigningKeys', 'listSealingKeys', 'getOidcProvider', 'listRoles', 'listRolePolicies', 'getRolePolicy',
  'listPolicies', 'getPolicy', 'listPolicyVersions', 'getPolicyVersion', 'listAttachedRolePolicies', 'listEntitiesForPolicy', 'listBindings',
  'listPodIdentityAssociations', 'getPodIdentityAssociation', 'appendDecision', 'listDecisions',
])

/** Cached values are frozen all the way down (the model types are readonly), so no caller can alter what the next one gets. */
function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v)
    for (const x of Object.values(v)) deepFreeze(x)
  }
  return v
}
const keepRole = (r: Role | undefined): Role | undefined => deepFreeze(r)
/** The list itself is a fresh array each time (callers may sort or filter it in place); its providers are shared, frozen. */
const keepProviders = (ps: OidcProvider[]): OidcProvider[] => ps.map((p) => deepFreeze(p))

export interface CacheOptions {
  /** A value that changes whenever someone other than this Store object commits (read synchronously, no I/O). */
  readonly changeToken: () => unknown
}

export function cachingStore(inner: Store, o: CacheOptions): Store {
  const roles = new Map<string, Role | undefined>()
  const providers = new Map<string, OidcProvider[]>()
  let generation = 0
  let token = o.changeToken()
  let transactions = 0

  const clear = (): void => {
    generation++
    roles.clear()
    providers.clear()
  }
  /** Drop everything if another connection committed since the last look. */
  const sync = (): void => {
    const t = o.changeToken()
    if (t !== token) {
      token = t
      clear()
    }
  }
  /** Serve `key` from `map`, or read it and keep it when nothing changed meanwhile. */
  async function cached<T>(map: Map<string, T>, key: string, read: () => Promise<T>, copy: (v: T) => T): Promise<T> {
    if (transactions > 0) return read()
    sync()
    if (map.has(key)) return copy(map.get(key) as T)
    const start = generation
    const value = copy(await read())
    sync()
    if (generation === start && transactions === 0) map.set(key, value)
    return copy(value)
  }
  const after = <T>(p: Promise<T>): Promise<T> =>
    p.finally(() => {
      clear()
      token = o.changeToken() // our own write does not move the token of our own connection, but be exact
    })

  const getRole = (account: string, name: string): Promise<Role | undefined> =>
    cached(roles, `${account}\u0000${name.toLowerCase()}`, () => inner.getRole(account, name), keepRole)
  const listOidcProviders = (account: string): Promise<OidcProvider[]> => cached(providers, account, () => inner.listOidcProviders(account), keepProviders)
  const transaction = <T>(fn: () => Promise<T>): Promise<T> => {
    transactions++
    clear()
    return after(inner.transaction(fn)).finally(() => {
      transactions--
    })
  }

  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'getRole') return getRole
      if (prop === 'listOidcProviders') return listOidcProviders
      if (prop === 'transaction') return transaction
      const v = Reflect.get(target, prop, receiver) as unknown
      if (typeof v !== 'function') return v
      const f = v as (...args: unknown[]) => unknown
      if (PURE.has(prop)) return f.bind(target)
      return (...args: unknown[]) => {
        const r = f.apply(target, args)
        if (r instanceof Promise) return after(r)
        clear()
        return r
      }
    },
  })
}
