/**
 * A minimal XML writer for AWS Query responses: nested objects become elements, arrays become
 * `<member>` lists, undefined is omitted. Text is escaped; nothing else is ever interpolated.
 */
export type XmlValue = string | number | boolean | undefined | null | XmlObject | XmlList

export interface XmlObject {
  readonly [name: string]: XmlValue
}

/** A list serialised as repeated `<member>` elements (AWS Query's list shape). */
export interface XmlList {
  readonly [XML_LIST]: readonly XmlValue[]
}

export const XML_LIST: unique symbol = Symbol('xml.list')

export function members(items: readonly XmlValue[]): XmlList {
  return { [XML_LIST]: items }
}

/** Characters XML 1.0 cannot carry at all (not even as `&#…;`): controls, U+FFFE/U+FFFF, lone surrogates. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

/** Escape text for XML; characters XML cannot carry (echoed attacker input) become U+FFFD. */
export function escapeXml(s: string): string {
  return s
    .replace(NOT_XML_CHAR, '\uFFFD')
    .replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'))
}

function isList(v: XmlValue): v is XmlList {
  return typeof v === 'object' && v !== null && XML_LIST in v
}

function write(name: string, value: XmlValue, indent: string, out: string[]): void {
  if (value === undefined || value === null) return
  if (isList(value)) {
    if (value[XML_LIST].length === 0) {
      out.push(`${indent}<${name}/>`)
      return
    }
    out.push(`${indent}<${name}>`)
    for (const item of value[XML_LIST]) write('member', item, `${indent}  `, out)
    out.push(`${indent}</${name}>`)
    return
  }
  if (typeof value === 'object') {
    out.push(`${indent}<${name}>`)
    for (const [k, v] of Object.entries(value)) write(k, v, `${indent}  `, out)
    out.push(`${indent}</${name}>`)
    return
  }
  out.push(`${indent}<${name}>${escapeXml(String(value))}</${name}>`)
}

/** Serialise one root element with a namespace, 2-space indented, ending in a newline (as AWS does). */
export function xmlDocument(root: string, namespace: string, body: XmlObject): string {
  const out: string[] = [`<${root} xmlns="${escapeXml(namespace)}">`]
  for (const [k, v] of Object.entries(body)) write(k, v, '  ', out)
  out.push(`</${root}>`)
  return `${out.join('\n')}\n`
}
