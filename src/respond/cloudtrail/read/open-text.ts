/** A CloudTrail input file as UTF-8 text chunks, gunzipped when it is gzip (by its magic bytes, not its name). */
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { createGunzip } from 'node:zlib'
import { IrsaError } from '../../../errors.js'

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r')
  try {
    const b = Buffer.alloc(2)
    const { bytesRead } = await fh.read(b, 0, 2, 0)
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b
  } finally {
    await fh.close()
  }
}

/** Text chunks of the file; `onBytes` is told how many (compressed) bytes of the file were read. */
export async function* openText(path: string, onBytes?: (n: number) => void): AsyncGenerator<string> {
  const gz = await isGzip(path)
  // The pipe and the byte counter are attached together, before any data flows.
  const raw = createReadStream(path)
  const stream = gz ? raw.pipe(createGunzip()) : raw
  if (gz) raw.on('error', (e) => stream.destroy(e))
  if (onBytes !== undefined) raw.on('data', (b) => onBytes(typeof b === 'string' ? Buffer.byteLength(b) : b.length))
  stream.setEncoding('utf8')
  try {
    for await (const chunk of stream) yield chunk as string
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    if (gz && err.code?.startsWith('Z_') === true) throw new IrsaError('ERR_CLI_INPUT', `${path}: not a valid gzip file (${err.message})`)
    throw e
  } finally {
    raw.destroy()
  }
}
