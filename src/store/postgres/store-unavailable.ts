/**
 * Which PostgreSQL failures mean "the store cannot be reached right now": those become IrsaError
 * ERR_STORE_UNAVAILABLE (the Query API answers a retryable 503), never a wrong answer.
 */
import { DatabaseError } from 'pg'
import { IrsaError } from '../../errors.js'

/** Connection-level failures: network errors, and SQLSTATEs for connection loss, shutdown, overload. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED'])
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-3]$|53300$)/
const UNAVAILABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection ended|connection timeout/i

function isUnavailable(e: unknown): boolean {
  if (e instanceof DatabaseError) return e.code !== undefined && UNAVAILABLE_SQLSTATE.test(e.code)
  if (!(e instanceof Error)) return false
  const code = (e as NodeJS.ErrnoException).code
  if (code !== undefined && NETWORK_CODES.has(code)) return true
  if (e instanceof AggregateError && e.errors.some(isUnavailable)) return true
  return UNAVAILABLE_MESSAGE.test(e.message)
}

/** Connection failures become ERR_STORE_UNAVAILABLE; anything else passes through unchanged. */
export function storeError(e: unknown): unknown {
  if (e instanceof IrsaError || !isUnavailable(e)) return e
  const detail = e instanceof Error && e.message !== '' ? e.message : (e as NodeJS.ErrnoException).code ?? 'connection failed'
  return new IrsaError('ERR_STORE_UNAVAILABLE', `The PostgreSQL store is unavailable: ${detail}`, { cause: e })
}
