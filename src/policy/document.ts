/** Reading policy text: strict JSON, duplicate keys rejected, as AWS does. */
import { IrsaError } from '../errors.js'
import { parseJsonDocument } from './json.js'

/** Parse policy JSON text. Throws ERR_POLICY_JSON for syntax errors and duplicate keys. */
export function readPolicyText(text: string): unknown {
  const doc = parseJsonDocument(text)
  const first = doc.problems[0]
  if (first !== undefined) {
    throw new IrsaError('ERR_POLICY_JSON', `Syntax errors in policy. ${first.message} (line ${first.line}, column ${first.column})`, { path: first.path })
  }
  return doc.value
}
