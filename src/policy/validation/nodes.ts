/** Small readers over the JSON syntax tree that keep track of JSON pointers. */
import { pointerAppend } from '../json.js'
import type { JsonNode } from '../json.js'
import type { Located } from './context.js'

export interface Member {
  readonly key: string
  /** The key itself (where "unknown element" findings point). */
  readonly keyAt: Located
  /** The value. */
  readonly at: Located
}

/** The members of an object node, duplicates included, in document order. */
export function members(object: Located): Member[] {
  const out: Member[] = []
  for (const prop of object.node.children ?? []) {
    const keyNode = prop.children?.[0]
    const valueNode = prop.children?.[1]
    if (keyNode === undefined || valueNode === undefined) continue
    const key = String(keyNode.value)
    const path = pointerAppend(object.path, key)
    out.push({ key, keyAt: { node: keyNode, path }, at: { node: valueNode, path } })
  }
  return out
}

export function items(array: Located): Located[] {
  return (array.node.children ?? []).map((node, i) => ({ node, path: pointerAppend(array.path, i) }))
}

/** "a string", "an array", … for messages. */
export function describe(node: JsonNode): string {
  switch (node.type) {
    case 'object':
      return 'an object'
    case 'array':
      return 'an array'
    case 'string':
      return 'a string'
    case 'number':
      return 'a number'
    case 'boolean':
      return 'a boolean'
    case 'null':
      return 'null'
    default:
      return 'a property'
  }
}

export interface StringItem {
  readonly value: string
  readonly at: Located
}

/**
 * Read an element that must be a string or an array of strings. Returns undefined (after calling
 * `onWrongType`) if it is neither; an empty array comes back as `[]` for the caller to judge.
 */
export function stringOrStrings(at: Located, onWrongType: (at: Located, what: string) => void): StringItem[] | undefined {
  if (at.node.type === 'string') return [{ value: String(at.node.value), at }]
  if (at.node.type !== 'array') {
    onWrongType(at, describe(at.node))
    return undefined
  }
  const out: StringItem[] = []
  let ok = true
  for (const item of items(at)) {
    if (item.node.type === 'string') out.push({ value: String(item.node.value), at: item })
    else {
      onWrongType(item, `an array holding ${describe(item.node)}`)
      ok = false
    }
  }
  return ok ? out : undefined
}
