/**
 * Re-read a file when it changes. The directory is watched (as upstream's fsnotify watcher does),
 * so an atomic rename or a Kubernetes ConfigMap/Secret symlink swap is seen too; a slow periodic
 * re-read covers filesystems where watching does not work. `onChange` runs only when the bytes
 * differ from the last successful read.
 */
import { watch } from 'node:fs'
import type { FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'

export interface FileWatchOptions {
  /** Called with the new content; a throw is reported to onError and retried on the next change. */
  readonly onChange: (content: string | undefined) => void
  readonly onError?: (e: unknown) => void
  /** Periodic re-read as a fallback, ms; default 10 s; 0 disables. */
  readonly pollMs?: number
  /** Coalesce bursts of events, ms; default 25. */
  readonly debounceMs?: number
}

export interface FileWatch {
  /** Read now (also used for the initial load). Resolves after onChange ran, if it did. */
  reload(): Promise<void>
  close(): void
}

/** Read a file; undefined if it does not exist. */
async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return undefined
    throw e
  }
}

export function watchFile(path: string, o: FileWatchOptions): FileWatch {
  let last: string | undefined | null = null // null: never read successfully
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let again = false
  const reload = async (): Promise<void> => {
    if (running !== undefined) {
      again = true
      return running
    }
    running = (async () => {
      do {
        again = false
        try {
          const content = await readIfExists(path)
          if (content !== last) {
            o.onChange(content)
            last = content
          }
        } catch (e) {
          o.onError?.(e)
        }
      } while (again)
    })()
    try {
      await running
    } finally {
      running = undefined
    }
  }
  const schedule = (): void => {
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      void reload()
    }, o.debounceMs ?? 25)
  }
  let watcher: FSWatcher | undefined
  try {
    const name = basename(path)
    watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      // A ConfigMap volume swaps a `..data` symlink: any event in the directory may be ours.
      if (file === null || file === name || file.startsWith('..')) schedule()
    })
    watcher.on('error', (e) => o.onError?.(e))
  } catch (e) {
    o.onError?.(e)
  }
  const pollMs = o.pollMs ?? 10_000
  const poll = pollMs > 0 ? setInterval(() => void reload(), pollMs) : undefined
  poll?.unref()
  return {
    reload,
    close() {
      watcher?.close()
      if (poll !== undefined) clearInterval(poll)
      if (timer !== undefined) clearTimeout(timer)
    },
  }
}
