/** Bound the objects one finding lists (resources, evidence): the first `n`, 25 unless the rule says. */
export function cap<T>(list: readonly T[], n = 25): T[] {
  return list.slice(0, n)
}
