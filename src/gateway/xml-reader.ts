/**
 * A strict, minimal XML reader for the few small request bodies the gateway reads (S3
 * DeleteObjects, CreateBucketConfiguration). One left-to-right pass, no regular expressions, no
 * DTDs, entities limited to the five predefined ones and character references, bounded depth and
 * element count: anything else is refused, never guessed at.
 */
import { GatewayError } from './gateway-error.js'

export interface XmlElement {
  /** Local name (any namespace prefix removed). */
  readonly name: string
  readonly children: XmlElement[]
  /** Concatenated text directly inside the element, entities decoded. */
  text: string
}

const MAX_DEPTH = 16
const MAX_ELEMENTS = 20_000

function fail(message: string): never {
  throw new GatewayError('MalformedXml', `The XML you provided was not well-formed: ${message}`)
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decodeText(raw: string): string {
  if (!raw.includes('&')) return raw
  let out = ''
  let i = 0
  while (i < raw.length) {
    const amp = raw.indexOf('&', i)
    if (amp < 0) return out + raw.slice(i)
    out += raw.slice(i, amp)
    const semi = raw.indexOf(';', amp)
    if (semi < 0 || semi - amp > 10) fail('an entity reference is not terminated')
    const ref = raw.slice(amp + 1, semi)
    if (ref.startsWith('#')) {
      const hex = ref.startsWith('#x')
      const digits = ref.slice(hex ? 2 : 1)
      if (digits === '' || !(hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) fail(`bad character reference &${ref};`)
      const code = Number.parseInt(digits, hex ? 16 : 10)
      if (code > 0x10ffff || code === 0) fail(`bad character reference &${ref};`)
      out += String.fromCodePoint(code)
    } else {
      const e = Object.hasOwn(ENTITIES, ref) ? ENTITIES[ref] : undefined
      if (e === undefined) fail(`unknown entity &${ref};`)
      out += e
    }
    i = semi + 1
  }
  return out
}

function isNameChar(c: string): boolean {
  return c !== '' && !' \t\r\n/>=<"\''.includes(c)
}

/** Parse one document; returns its root element. */
export function parseXml(text: string): XmlElement {
  let i = 0
  const stack: XmlElement[] = []
  let root: XmlElement | undefined
  let count = 0
  const skipSpace = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i] as string)) i++
  }
  if (text.charCodeAt(0) === 0xfeff) i = 1
  skipSpace()
  if (text.startsWith('<?xml', i)) {
    const end = text.indexOf('?>', i)
    if (end < 0) fail('the XML declaration is not terminated')
    i = end + 2
  }
  while (i < text.length) {
    const lt = text.indexOf('<', i)
    const top = stack[stack.length - 1]
    const chunk = lt < 0 ? text.slice(i) : text.slice(i, lt)
    if (top !== undefined) top.text += decodeText(chunk)
    else if (chunk.trim() !== '') fail('text outside the root element')
    if (lt < 0) break
    i = lt + 1
    if (text.startsWith('!--', i)) {
      const end = text.indexOf('-->', i + 3)
      if (end < 0) fail('a comment is not terminated')
      i = end + 3
      continue
    }
    if (text[i] === '!' || text[i] === '?') fail('DTDs, CDATA sections and processing instructions are not accepted')
    const closing = text[i] === '/'
    if (closing) i++
    const start = i
    while (i < text.length && isNameChar(text[i] as string)) i++
    const qname = text.slice(start, i)
    if (qname === '') fail('an element has no name')
    const name = qname.includes(':') ? qname.slice(qname.indexOf(':') + 1) : qname
    if (closing) {
      skipSpace()
      if (text[i] !== '>') fail(`</${qname} is not terminated`)
      i++
      const open = stack.pop()
      if (open === undefined || open.name !== name) fail(`</${qname}> does not close the open element`)
      continue
    }
    // Attributes: name="value" or name='value', skipped (namespaces are not needed).
    for (;;) {
      skipSpace()
      const c = text[i]
      if (c === '>' || c === '/' || c === undefined) break
      while (i < text.length && isNameChar(text[i] as string)) i++
      skipSpace()
      if (text[i] !== '=') fail(`an attribute of <${qname}> has no value`)
      i++
      skipSpace()
      const quote = text[i]
      if (quote !== '"' && quote !== "'") fail(`an attribute of <${qname}> is not quoted`)
      const end = text.indexOf(quote, i + 1)
      if (end < 0) fail(`an attribute of <${qname}> is not terminated`)
      if (text.slice(i + 1, end).includes('<')) fail(`an attribute of <${qname}> contains <`)
      i = end + 1
    }
    const selfClosing = text[i] === '/'
    if (selfClosing) i++
    if (text[i] !== '>') fail(`<${qname} is not terminated`)
    i++
    if (++count > MAX_ELEMENTS) fail('too many elements')
    const el: XmlElement = { name, children: [], text: '' }
    const parent = stack[stack.length - 1]
    if (parent !== undefined) parent.children.push(el)
    else if (root === undefined) root = el
    else fail('more than one root element')
    if (!selfClosing) {
      if (stack.length >= MAX_DEPTH) fail('elements are nested too deeply')
      stack.push(el)
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]?.name ?? ''}> is not closed`)
  if (root === undefined) fail('there is no root element')
  return root
}

/** The children named `name`. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name)
}

/** The text of the single child `name`; undefined if absent, an error if repeated. */
export function childText(el: XmlElement, name: string): string | undefined {
  const found = childrenNamed(el, name)
  if (found.length > 1) fail(`<${name}> appears more than once in <${el.name}>`)
  return found[0]?.text
}
