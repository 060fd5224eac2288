import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openRuntime } from '../../src/cli/bootstrap.js'

const dirs: string[] = []
async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'irsa-bootstrap-'))
  dirs.push(dir)
  return dir
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

describe('openRuntime: what cannot start says why, with a code for the kind of problem', () => {
  it('a state of another account is a conflict with the state', async () => {
    const data = await dataDir()
    const { rt } = await openRuntime({ data, account: '111122223333' })
    await rt.store.close()
    await expect(openRuntime({ data, account: '444455556666' })).rejects.toMatchObject({
      code: 'ERR_STATE_CONFLICT',
      message: 'this state belongs to account 111122223333, not 444455556666',
    })
  })

  it('bad server configuration (account, admin credentials) is ERR_SERVER_CONFIG', async () => {
    await expect(openRuntime({ data: await dataDir(), account: '1234' })).rejects.toMatchObject({ code: 'ERR_SERVER_CONFIG', message: 'account must be 12 digits, not 1234' })
    await expect(openRuntime({ data: await dataDir(), env: { IRSA_ADMIN_ACCESS_KEY_ID: 'AKIAEXAMPLE' } })).rejects.toMatchObject({ code: 'ERR_SERVER_CONFIG' })
    const data = await dataDir()
    await writeFile(join(data, 'admin-credentials.json'), '{"accessKeyId": 1}')
    await expect(openRuntime({ data, env: {} })).rejects.toMatchObject({ code: 'ERR_SERVER_CONFIG', message: `${join(data, 'admin-credentials.json')} is malformed` })
  })
})
