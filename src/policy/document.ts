/** Reading policy text: JSON with duplicate keys rejected, as AWS does. */
import { IrsaError } from '../errors.js'

/** Parse policy JSON text. Throws ERR_POLICY_JSON for syntax errors. */
export function readPolicyText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (e) {
    throw new IrsaError('ERR_POLICY_JSON', `Syntax errors in policy. ${(e as Error).message}`, { path: '', cause: e })
  }
}
