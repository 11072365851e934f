import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/**
 * Node 22 and later (V8 12): whose gc() takes the `last-resort` flavor, the memory-reducing collection V8 runs
 * under memory pressure: it compacts the old generation, flushes the bytecode of functions not running, shrinks
 * the young generation to its minimum and gives the freed pages back. Node 20's V8 ignores the flavor, and its
 * plain full collection grows the heap instead.
 */
export const canSettleMemory = (v8Version = process.versions.v8): boolean => Number(v8Version.split('.')[0]) >= 12

let collect: ((opts: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void) | undefined

/**
 * A cluster's process, once started, holds what its start-up burst grew V8's heap to: a young generation at its
 * maximum (2 × --max-semi-space-size) and the bytecode and garbage of everything that ran once. V8 keeps it while
 * nothing allocates, and an idle cluster allocates little. One memory-reducing collection then takes its idle RSS
 * down by a tenth (the single executable, `cluster up` on etcd and Docker: 118 → 107 MB; V8 heap 33 MB committed
 * → 23; measured at 80 ms of one core). The heap grows again as work comes.
 *
 * For processes that are a cluster (`cluster up`, `serve`, `agent`), not for startCluster() in someone's test
 * runner. `gc` is had the way jest's leak detector has it: --expose-gc set for a moment, gc() taken from a new
 * context (the main context gets no `gc` global), the flag set back so that V8's flag hash (which code caches are
 * checked against) is the one the process started with.
 */
export function settleMemory(): number | undefined {
  if (!canSettleMemory()) return undefined
  if (!collect) {
    setFlagsFromString('--expose-gc')
    try {
      collect = runInNewContext('gc') as typeof collect
    } finally {
      setFlagsFromString('--no-expose-gc')
    }
  }
  const started = performance.now()
  collect!({ type: 'major', execution: 'sync', flavor: 'last-resort' })
  return performance.now() - started
}

/** settleMemory() once, `delayMs` after the cluster is ready (its first syncs done), on a timer that keeps nothing alive. */
export function settleMemorySoon(onDone?: (ms: number) => void, delayMs = 2000): void {
  if (!canSettleMemory()) return
  setTimeout(() => {
    const ms = settleMemory()
    if (ms !== undefined) onDone?.(ms)
  }, delayMs).unref()
}
