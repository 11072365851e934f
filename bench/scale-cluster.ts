/**
 * A whole cluster on the in-process memory store, for bench/scale.bench.ts to run as a child process (so its CPU
 * time and RSS are its own): `node --import tsx bench/scale-cluster.ts <nodes> <data-dir>`. Prints the same line
 * as `cluster serve` (`API server listening on http://…`) once every node is Ready.
 *
 * On SIGTERM / SIGINT it exits at once with process.exit (so a `--cpu-prof` profile is written): there is nothing
 * outside the process to clean up (memory store, fake runtime; the bench removes the data dir), and
 * cluster.stop() would have every kubelet tear its pods down one by one, which takes minutes with 10,000 pods.
 */
import { startCluster } from '../src/index.ts'
import { untilSignal } from '../src/util/until-signal.ts'

const nodes = Number(process.argv[2] ?? 1)
const dataDir = process.argv[3]
const cluster = await startCluster({ store: 'memory', runtime: 'fake', nodes, dataDir, log: 'warn' })
process.stdout.write(`API server listening on ${cluster.server}\n`)
await untilSignal()
process.exit(0)
