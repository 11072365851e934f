/**
 * controller.slowStartBatch: runs `count` calls in batches of 1, 2, 4, … (each batch at once), and stops at the first
 * batch with a failure, so that a quota or a broken template costs one failed call, not a thousand. Answers how many
 * calls succeeded and the first error.
 */
export async function slowStartBatch(count: number, initialBatchSize: number, call: () => Promise<unknown>): Promise<{ successes: number; error?: Error }> {
  let remaining = count
  let successes = 0
  for (let size = Math.min(remaining, initialBatchSize); size > 0; size = Math.min(2 * size, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: size }, () => call()))
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    successes += results.filter((r) => r.status === 'fulfilled').length
    if (failed) return { successes, error: failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason)) }
    remaining -= size
  }
  return { successes }
}
