/**
 * A CA and a serving certificate (P-256, serverAuth) for the webhook's Service DNS names, made with
 * the openssl command in a temporary directory that is removed afterwards.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { IrsaError } from '../errors.js'
import { serviceDnsNames } from './manifests.js'

const run = promisify(execFile)

export interface WebhookCertificates {
  readonly caPem: string
  readonly certPem: string
  readonly keyPem: string
}

export async function generateCertificates(namespace: string, days: number): Promise<WebhookCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'irsa-webhook-certs-'))
  try {
    const p = (f: string): string => join(dir, f)
    const ossl = (...args: string[]): Promise<unknown> => run('openssl', args)
    const dns = serviceDnsNames(namespace)
    await ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', String(days), '-subj', '/CN=irsa-webhook-ca')
    await ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('tls.key'), '-out', p('tls.csr'), '-subj', `/CN=${dns[0]}`)
    await writeFile(p('ext.cnf'), `subjectAltName=${dns.map((d) => `DNS:${d}`).join(',')}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`)
    await ossl('x509', '-req', '-in', p('tls.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('tls.crt'), '-days', String(days), '-extfile', p('ext.cnf'))
    return { caPem: await readFile(p('ca.crt'), 'utf8'), certPem: await readFile(p('tls.crt'), 'utf8'), keyPem: await readFile(p('tls.key'), 'utf8') }
  } catch (e) {
    throw new IrsaError('ERR_CLI_INPUT', `could not generate certificates with openssl: ${(e as Error).message.split('\n')[0]}`, { cause: e })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
