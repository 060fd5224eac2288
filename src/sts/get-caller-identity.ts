/** GetCallerIdentity: who signed the request. Never denied for a validly signed request (AWS). */
import type { XmlObject } from '../aws/xml.js'
import type { Identity } from '../core/identity.js'

export function getCallerIdentity(who: Identity): XmlObject {
  return { Arn: who.arn, UserId: who.userId, Account: who.account }
}
