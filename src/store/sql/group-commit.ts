/**
 * Group commit: items added in the same turn of the event loop are written together by one call
 * of `write` (one transaction), and each caller's promise settles only once that write has
 * committed, so an acknowledged item survives a crash. A failed write rejects its whole batch.
 */
interface Pending<T, R> {
  readonly item: T
  readonly resolve: (r: R) => void
  readonly reject: (e: unknown) => void
}

export class GroupCommit<T, R> {
  private readonly write: (items: readonly T[]) => Promise<R[]>
  private pending: Pending<T, R>[] = []

  /** `write` returns one result per item, in order. */
  constructor(write: (items: readonly T[]) => Promise<R[]>) {
    this.write = write
  }

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject })
      if (this.pending.length === 1) setImmediate(() => void this.flush())
    })
  }

  /** Write what is pending now (also called on close); settles once that batch has. */
  async flush(): Promise<void> {
    const batch = this.pending
    this.pending = []
    if (batch.length === 0) return
    try {
      const results = await this.write(batch.map((b) => b.item))
      batch.forEach((b, i) => b.resolve(results[i] as R))
    } catch (e) {
      for (const b of batch) b.reject(e)
    }
  }
}
