/**
 * `npm run bench`: starts a real etcd and `cluster serve` (as its own process, so its memory is measured
 * alone), runs the API benchmark with 8 concurrent clients on loopback, then the same rows on a second
 * server on the embedded store (issue 8), and prints the figures side by side.
 * BENCH_REQUESTS sets the operations per row (default 4000). The servers run with the V8 flags `cluster up` gives
 * its cluster process (CLUSTER_NODE_FLAGS), so the bench measures what users run. BENCH_PROFILE=1 runs them with
 * `node --cpu-prof` and prints the directory of the .cpuprofile files (summarize the main thread's, `*.001.*`, with
 * bench/cpuprofile-summary.ts). BENCH_NODE_ARGS adds node flags (e.g. `--trace-gc`, whose output is passed on to
 * stderr). BENCH_SKIP_EMBEDDED=1 leaves out the embedded-store server. BENCH_NODE names the node binary of the
 * servers (default: this one), e.g. the Node 24 that `npm run build:binary` caches, which the executable embeds.
 * BENCH_SERVER=binary runs the servers as the built executable instead (build it first: npm run build:binary).
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEtcd } from '../test/helpers/etcd.ts'
import { CLUSTER_NODE_FLAGS } from '../src/cluster/node-flags.ts'
import { runApiBench } from './api.bench.ts'
import { runApplyBench } from './apply.bench.ts'
import { binaryIsCurrent } from '../build/binary-freshness.ts'

const PROFILE = process.env.BENCH_PROFILE === '1'
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)
/** BENCH_SERVER=binary: the servers are the built executable (build/cluster, what users run), not the sources. */
const BINARY = process.env.BENCH_SERVER === 'binary' ? join(import.meta.dirname, '..', 'build', 'cluster') : undefined

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024
}

/** `cluster serve` on etcd (`--etcd-servers`) or on the embedded store (`--store embedded`), no kubelets. */
async function startServer(storeArgs: string[], dataDir: string): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const profileFlags = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${await mkdtemp(join(tmpdir(), 'kubebox-bench-prof-'))}`] : []
  const serveArgs = ['serve', ...storeArgs, '--port', '0', '--data-dir', dataDir, '--runtime', 'none', '--log-level', 'warn']
  // The executable has the cluster's Node flags built in (build/sea.ts).
  const [command, args] = BINARY
    ? [BINARY, serveArgs]
    : [process.env.BENCH_NODE || process.execPath, [...CLUSTER_NODE_FLAGS, ...NODE_ARGS, ...profileFlags, '--import', 'tsx', 'src/main.ts', ...serveArgs]]
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  if (profileFlags.length) child.once('exit', () => console.error(`server CPU profile in ${profileFlags[1]!.slice('--cpu-prof-dir='.length)}`))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    let found = false
    child.stdout!.on('data', (c) => {
      // Once the URL is found, what extra node flags print (--trace-gc) goes to our stderr.
      if (found) return NODE_ARGS.length > 0 && process.stderr.write(c)
      out += c
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) (found = true), resolve(m[1])
    })
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)))
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    url,
    pid: child.pid!,
    // Safe to call twice: the second call waits for the same exit.
    stop: () => (child.exitCode === null && child.signalCode === null && child.kill('SIGTERM'), exited),
  }
}

const ms = (n: number) => `${n.toFixed(1)} ms`
const mb = (n = 0) => `${(n / 2 ** 20).toFixed(0)} MB`
const cells = (r?: { stats: { p50: number; p99: number; rps: number } }) =>
  r ? [ms(r.stats.p50).padStart(10), ms(r.stats.p99).padStart(10), r.stats.rps.toFixed(0).padStart(7)].join('') : ''.padStart(27)

async function main(): Promise<void> {
  if (BINARY && !(await binaryIsCurrent(BINARY))) throw new Error(`${BINARY} is missing or older than the sources: npm run build:binary`)
  const requests = Number(process.env.BENCH_REQUESTS ?? 4000)
  const etcd = await startEtcd()
  const dataDir = await mkdtemp(join(tmpdir(), 'kubebox-bench-'))
  const server = await startServer(['--etcd-servers', etcd.endpoint], dataDir)
  try {
    const idleRss = await rssOf(server.pid)
    const { rows } = await runApiBench(server.url, { requests, pid: server.pid })
    const loadedRss = await rssOf(server.pid)
    // Issue 3: apply and patch rows, and what OpenAPI costs (nothing above fetched it).
    const apply = await runApplyBench(server.url, { requests, pid: server.pid })
    const endRss = await rssOf(server.pid)
    await server.stop()
    await etcd.stop()

    // Issue 8: the same API rows on the embedded store, in a server of its own.
    let embeddedRows: typeof rows = []
    let embeddedRss = { idle: 0, loaded: 0 }
    const skipEmbedded = process.env.BENCH_SKIP_EMBEDDED === '1'
    if (!skipEmbedded) {
      const embeddedDir = await mkdtemp(join(tmpdir(), 'kubebox-bench-embedded-'))
      const embedded = await startServer(['--store', 'embedded'], embeddedDir)
      try {
        const idle = await rssOf(embedded.pid)
        embeddedRows = (await runApiBench(embedded.url, { requests, pid: embedded.pid })).rows
        embeddedRss = { idle, loaded: await rssOf(embedded.pid) }
      } finally {
        await embedded.stop()
        await rm(embeddedDir, { recursive: true, force: true })
      }
    }

    const serverForm = BINARY ? `the executable (${BINARY})` : `the sources on Node ${process.env.BENCH_NODE ? 'at ' + process.env.BENCH_NODE : process.version} (tsx)`
    console.log(`\nkubebox API benchmark — 8 concurrent clients on loopback, ${requests} operations per row; server: ${serverForm}\n`)
    console.log(['operation'.padEnd(42), 'etcd p50'.padStart(10), 'p99'.padStart(10), 'req/s'.padStart(7), 'embedded p50'.padStart(14), 'p99'.padStart(10), 'req/s'.padStart(7), '  note'].join(''))
    for (const r of rows) {
      const e = embeddedRows.find((x) => x.name === r.name)
      console.log([r.name.padEnd(42), cells(r), '    ', cells(e), `  ${r.note ?? ''}`].join(''))
    }
    for (const r of apply.rows) console.log([r.name.padEnd(42), cells(r), '    ', ''.padStart(27), `  ${r.note ?? ''}`].join(''))
    const { openapi } = apply
    console.log(`\nOpenAPI: first GET /openapi/v3/apis/apps/v1 ${ms(openapi.firstMs)} (${(openapi.bytes / 1024).toFixed(0)} KiB), cached ${ms(openapi.cachedMs)}; server RSS ${mb(openapi.rssBefore)} before, ${mb(openapi.rssAfter)} after`)
    console.log(`\nserver RSS on etcd: ${mb(idleRss)} idle after start, ${mb(loadedRss)} after the API rows, ${mb(endRss)} at the end`)
    if (!skipEmbedded) console.log(`server RSS on the embedded store (objects held in the process): ${mb(embeddedRss.idle)} idle after start, ${mb(embeddedRss.loaded)} after the API rows`)
  } finally {
    await server.stop()
    await etcd.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}

await main()
