/**
 * AWS Query protocol parameters: a flat form (`Action=…&Version=…&Tags.member.1.Key=…`) read into
 * typed values, with the constraint checks STS and IAM apply server-side, worded as AWS words them.
 */
import { AwsError, validationError } from './aws-error.js'

export class QueryParams {
  readonly raw: ReadonlyMap<string, string>
  private readonly problems: string[] = []

  constructor(raw: ReadonlyMap<string, string>) {
    this.raw = raw
  }

  /** Parse `application/x-www-form-urlencoded` text (also a GET query string). */
  static parse(text: string): QueryParams {
    const map = new Map<string, string>()
    for (const [k, v] of new URLSearchParams(text)) {
      if (map.has(k)) throw new AwsError('MalformedQueryString', `Parameter ${k} is given more than once`)
      map.set(k, v)
    }
    return new QueryParams(map)
  }

  get action(): string | undefined {
    return this.raw.get('Action')
  }

  /** An optional string; constraint violations are collected and thrown by `check()`. */
  string(name: string, c: { min?: number; max?: number; pattern?: RegExp; patternText?: string } = {}): string | undefined {
    const v = this.raw.get(name)
    if (v === undefined) return undefined
    const field = name.charAt(0).toLowerCase() + name.slice(1)
    if (c.min !== undefined && v.length < c.min) this.problems.push(`Value at '${field}' failed to satisfy constraint: Member must have length greater than or equal to ${c.min}`)
    if (c.max !== undefined && v.length > c.max) this.problems.push(`Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${c.max}`)
    if (c.pattern !== undefined && !c.pattern.test(v)) {
      this.problems.push(`Value '${v.length > 64 ? `${v.slice(0, 64)}…` : v}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${c.patternText ?? c.pattern.source}`)
    }
    return v
  }

  required(name: string, c: { min?: number; max?: number; pattern?: RegExp; patternText?: string } = {}): string {
    const v = this.string(name, c)
    if (v === undefined) {
      this.problems.push(`Value null at '${name.charAt(0).toLowerCase() + name.slice(1)}' failed to satisfy constraint: Member must not be null`)
      return ''
    }
    return v
  }

  integer(name: string, c: { min?: number; max?: number } = {}): number | undefined {
    const v = this.raw.get(name)
    if (v === undefined) return undefined
    const field = name.charAt(0).toLowerCase() + name.slice(1)
    if (!/^-?\d{1,15}$/.test(v)) {
      this.problems.push(`Value '${v}' at '${field}' failed to satisfy constraint: Member must be an integer`)
      return undefined
    }
    const n = Number(v)
    if (c.min !== undefined && n < c.min) this.problems.push(`Value '${v}' at '${field}' failed to satisfy constraint: Member must have value greater than or equal to ${c.min}`)
    if (c.max !== undefined && n > c.max) this.problems.push(`Value '${v}' at '${field}' failed to satisfy constraint: Member must have value less than or equal to ${c.max}`)
    return n
  }

  boolean(name: string): boolean | undefined {
    const v = this.raw.get(name)
    if (v === undefined) return undefined
    if (v !== 'true' && v !== 'false') {
      this.problems.push(`Value '${v}' at '${name.charAt(0).toLowerCase() + name.slice(1)}' failed to satisfy constraint: Member must be a boolean`)
      return undefined
    }
    return v === 'true'
  }

  /**
   * A list: `Name.member.1=…` (or `Name.member.1.field=…` with `field`). A bare `Name=` is the
   * empty list the SDKs send. Indexes must be 1..n without gaps.
   */
  list(name: string, field?: string): string[] | undefined {
    const prefix = `${name}.member.`
    const found = new Map<number, string>()
    for (const [k, v] of this.raw) {
      if (!k.startsWith(prefix)) continue
      const rest = k.slice(prefix.length)
      const dot = rest.indexOf('.')
      const index = dot < 0 ? rest : rest.slice(0, dot)
      const sub = dot < 0 ? undefined : rest.slice(dot + 1)
      if (sub !== field) continue
      if (!/^[1-9]\d{0,3}$/.test(index)) throw new AwsError('MalformedQueryString', `Bad list index in ${k}`)
      found.set(Number(index), v)
    }
    if (found.size === 0) return this.raw.has(name) ? [] : undefined
    const out: string[] = []
    for (let i = 1; i <= found.size; i++) {
      const v = found.get(i)
      if (v === undefined) throw new AwsError('MalformedQueryString', `List ${name} skips member ${i}`)
      out.push(v)
    }
    return out
  }

  /** `Tags.member.N.Key` / `.Value` pairs. */
  tags(name = 'Tags'): { Key: string; Value: string }[] | undefined {
    const keys = this.list(name, 'Key')
    if (keys === undefined) return undefined
    const values = this.list(name, 'Value') ?? []
    return keys.map((Key, i) => ({ Key, Value: values[i] ?? '' }))
  }

  /** Throw the collected constraint violations as one ValidationError. */
  check(): void {
    if (this.problems.length > 0) throw validationError(this.problems)
  }
}
