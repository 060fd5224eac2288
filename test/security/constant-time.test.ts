// Secret comparisons run in constant time: `crypto.timingSafeEqual` is wrapped in a spy, and the
// real authentication path (src/core/identity.ts `authenticate` → src/aws/sigv4/verify.ts) must hand it
// the signature and (as SHA-256 digests, src/core/safe-equal.ts) the access key ids. Replacing either
// comparison with `===` fails these tests.
// Inputs of the wrong length (where timingSafeEqual would throw) are refused, never a crash.
import * as crypto from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { authenticate } from '../../src/core/identity.js'
import { openSession, sealSession } from '../../src/core/session-token.js'
import type { SessionClaims } from '../../src/core/session-token.js'
import { verifySigV4 } from '../../src/aws/sigv4/verify.js'
import { GET_CALLER_IDENTITY, signHeaderForm } from '../sts/helpers.js'
import type { SigV4Request } from '../../src/aws/sigv4/verify.js'
import { ADMIN, FORM, REGION, startSecServer } from './helpers.js'
import type { Credentials, SecServer } from './helpers.js'

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof crypto>()
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) }
})
const spy = vi.mocked(crypto.timingSafeEqual)

let s: SecServer
let session: Credentials

beforeAll(async () => {
  s = await startSecServer()
  session = await s.session(await s.role('app', 'default', 'app'), 'default', 'app')
}, 60_000)
afterAll(async () => s?.close())
beforeEach(() => {
  spy.mockClear() // (a block: a function returned from beforeEach would be called as its cleanup)
})

function sign(creds: Credentials): Promise<SigV4Request> {
  return signHeaderForm({ ...creds, region: REGION, date: new Date(), host: `127.0.0.1:${s.port}`, headers: { ...FORM }, body: GET_CALLER_IDENTITY })
}

/** What src/core/safe-equal.ts hands timingSafeEqual for a string secret. */
const digestOf = (s: string): Buffer => crypto.createHash('sha256').update(s, 'utf8').digest()

/** The calls whose two arguments equal `a` and `b` (as bytes). */
function callsWith(a: Uint8Array, b: Uint8Array): number {
  return spy.mock.calls.filter(([x, y]) => Buffer.from(x as Uint8Array).equals(Buffer.from(a)) && Buffer.from(y as Uint8Array).equals(Buffer.from(b))).length
}

describe('constant-time comparisons', () => {
  it('the administrator access key id and the SigV4 signature go through timingSafeEqual', async () => {
    const req = await sign(ADMIN)
    const who = await authenticate(s.serving.rt, req, 'sts')
    expect(who.kind).toBe('admin')
    const id = digestOf(ADMIN.accessKeyId)
    expect(callsWith(id, id)).toBe(1)
    const signature = Buffer.from(/Signature=([0-9a-f]{64})/.exec(String(req.headers.authorization))?.[1] as string, 'hex')
    expect(callsWith(signature, signature)).toBe(1) // expected (computed) vs provided: equal bytes, 32 of them
  })

  it("a session's access key id is compared with the sealed one through timingSafeEqual", async () => {
    const who = await authenticate(s.serving.rt, await sign(session), 'sts')
    expect(who.kind).toBe('session')
    const id = digestOf(session.accessKeyId)
    expect(callsWith(id, id)).toBe(1)
  })

  it('a wrong signature is compared in constant time and refused', async () => {
    const req = await sign({ ...ADMIN, secretAccessKey: `${ADMIN.secretAccessKey}x` })
    await expect(authenticate(s.serving.rt, req, 'sts')).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' })
    expect(spy.mock.calls.some(([a, b]) => a.byteLength === 32 && b.byteLength === 32)).toBe(true)
  })

  it.each([
    ['63 hex digits', 'a'.repeat(63)],
    ['65 hex digits', 'a'.repeat(65)],
    ['upper-case hex', 'A'.repeat(64)],
    ['not hex', 'z'.repeat(64)],
    ['empty after =', ''],
  ])('a signature of the wrong shape (%s) is SignatureDoesNotMatch or IncompleteSignature, never a throw', async (_name, signature) => {
    const req = await sign(ADMIN)
    const authorization = String(req.headers.authorization).replace(/Signature=[0-9a-f]{64}/, `Signature=${signature}`)
    const r = await verifySigV4({ ...req, headers: { ...req.headers, authorization } }, {
      now: Date.now(),
      lookupCredentials: () => ({ found: true, secretAccessKey: ADMIN.secretAccessKey, credential: 'admin' }),
    })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(['SignatureDoesNotMatch', 'IncompleteSignature']).toContain(r.code)
  })

  it('access key ids of another length than the admin key are refused, never a throw', async () => {
    for (const id of ['A', `${ADMIN.accessKeyId}X`, ADMIN.accessKeyId.slice(0, -1), `${ADMIN.accessKeyId.slice(0, -1)}é`]) {
      const req = await sign({ ...ADMIN, accessKeyId: id })
      await expect(authenticate(s.serving.rt, req, 'sts')).rejects.toMatchObject({ code: 'InvalidClientTokenId' })
    }
  })

  it('session tokens are authenticated by AES-256-GCM: any changed byte of header, IV, ciphertext or tag is refused', () => {
    const key = { id: 'k1', secret: new Uint8Array(32).fill(9) }
    const claims: SessionClaims = {
      v: 1, accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', account: '111122223333', roleArn: 'arn:aws:iam::111122223333:role/app',
      roleId: 'AROAEXAMPLE', roleName: 'app', sessionName: 's', issuedAt: 1, expiresAt: 2,
    }
    const token = sealSession(claims, key, (n) => new Uint8Array(n).fill(1))
    const prefix = 'IQoJb3JpZ2luX2Vj'
    const bytes = Buffer.from(token.slice(prefix.length), 'base64')
    expect(openSession(token, () => key.secret).ok).toBe(true)
    for (let i = 4; i < bytes.length; i++) {
      const changed = Buffer.from(bytes)
      changed[i] = (changed[i] as number) ^ 0x01
      const r = openSession(prefix + changed.toString('base64'), () => key.secret)
      expect(r.ok, `byte ${i}`).toBe(false)
    }
  })
})
