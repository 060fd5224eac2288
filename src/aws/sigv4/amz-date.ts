/**
 * The ISO 8601 "basic format" timestamps of SigV4 (`20150830T123600Z`).
 */

const BASIC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/

/** Epoch milliseconds of a `yyyymmddThhmmssZ` timestamp; undefined unless it names a real UTC instant. */
export function parseAmzDate(value: string): number | undefined {
  const m = BASIC.exec(value)
  if (m === null) return undefined
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number]
  const ms = Date.UTC(y, mo - 1, d, h, mi, s)
  const back = new Date(ms)
  // Reject 20150230 or 25:00:00, which Date.UTC would silently roll over.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined
  if (back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) return undefined
  return ms
}

/** Format epoch milliseconds as `yyyymmddThhmmssZ` (sub-second precision is dropped). */
export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
}
