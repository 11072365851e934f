/**
 * `npm run bench:startup`: how fast a cluster starts and how much memory it holds idle.
 *   - `cluster up` (background, etcd in Docker, Docker runtime) until it reports a Ready node, median of 5: the
 *     single executable build/cluster (built first when missing or older than the sources) and the tsx form
 *     (bin/cluster.js), each with its steps as the cluster's log records them ("cluster started")
 *   - `startCluster()` to the first successful API call, per mode, median of 5 after a first call (reported apart:
 *     it loads the API server's modules, which are imported when first needed)
 *   - idle RSS of the `cluster up` process and of `cluster serve` (on etcd, no kubelet), for both forms, with
 *     what it is made of: file-backed pages (the executable's code and data, mapped), anonymous memory, and of
 *     that the V8 heap (a diagnostic report, SIGUSR2); the executable's figures with it in the page cache (as just
 *     built) and not (evictFromPageCache)
 * Needs Docker, etcd on PATH and the local test images (scripts/test-images.sh). BENCH_RUNS sets the runs
 * (default 5); BENCH_ONLY=up,library,rss picks sections; BENCH_BINARY=path measures another executable.
 */
import { execFile, spawn } from 'node:child_process'
import { loadavg, tmpdir } from 'node:os'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { binaryIsCurrent } from '../build/binary-freshness.ts'
import { startEtcd } from '../test/helpers/etcd.ts'
import { startCluster, type ClusterOptions } from '../src/index.ts'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..')
const BINARY = process.env.BENCH_BINARY ?? join(ROOT, 'build/cluster')
const runs = Number(process.env.BENCH_RUNS ?? 5)
const only = process.env.BENCH_ONLY?.split(',')
const wanted = (section: string) => !only || only.includes(section)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const images = { etcdImage: 'kubebox-test/etcd:latest', podInfraImage: 'kubebox-test/pause:latest' }
const load = () => loadavg()[0].toFixed(1)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function ensureBinary(): Promise<void> {
  if (process.env.BENCH_BINARY) return
  if (await binaryIsCurrent(BINARY)) return
  console.log('building build/cluster (npm run build:binary)…')
  await run(process.execPath, ['--import', 'tsx', 'build/sea.ts'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 })
}

// ---------------------------------------------------------------------------------------------------------------
// memory

interface Memory {
  rss: number
  /** Pages of mapped files: the executable's (or node's) code and read-only data. */
  file: number
  /** Anonymous memory: the V8 heap, malloc'ed native memory (buffers, ICU, compiled code outside the heap…). */
  anon: number
  /** The V8 heap as committed, as used, and its young generation (new space) as committed. */
  heapCommitted?: number
  heapUsed?: number
  newSpace?: number
  /** Memory V8 knows is held outside its heap for JS objects (Buffers, ArrayBuffers), and V8's own malloc. */
  external?: number
  malloced?: number
}

const MB = (kb: number) => kb / 1024

async function memoryOf(pid: number, reportDir?: string): Promise<Memory> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0)
  const memory: Memory = { rss: MB(kb('Rss')), file: MB(kb('Rss') - kb('Anonymous')), anon: MB(kb('Anonymous')) }
  if (reportDir) {
    // --report-on-signal: SIGUSR2 writes a diagnostic report with the heap's figures.
    const before = new Set(await readdir(reportDir))
    process.kill(pid, 'SIGUSR2')
    for (let i = 0; i < 50; i++) {
      const fresh = (await readdir(reportDir)).filter((f) => !before.has(f) && f.endsWith('.json'))
      if (fresh.length) {
        await sleep(100)
        const heap = (JSON.parse(await readFile(join(reportDir, fresh[0]), 'utf8')) as { javascriptHeap: Record<string, number> & { heapSpaces: Record<string, { committedMemory: number }> } }).javascriptHeap
        memory.heapCommitted = heap.totalCommittedMemory / 2 ** 20
        memory.heapUsed = heap.usedMemory / 2 ** 20
        memory.newSpace = heap.heapSpaces.new_space.committedMemory / 2 ** 20
        memory.external = heap.externalMemory / 2 ** 20
        memory.malloced = heap.mallocedMemory / 2 ** 20
        break
      }
      await sleep(100)
    }
  }
  return memory
}

const describeMemory = (m: Memory) =>
  `${m.rss.toFixed(0)} MB  (file-backed ${m.file.toFixed(0)}, anonymous ${m.anon.toFixed(0)}` +
  (m.heapCommitted !== undefined
    ? `: V8 heap ${m.heapCommitted.toFixed(0)} committed (young generation ${m.newSpace!.toFixed(0)}) / ${m.heapUsed!.toFixed(0)} used; external ${m.external!.toFixed(0)}, V8 malloc ${m.malloced!.toFixed(0)}`
    : '') +
  ')'

const reportEnv = (dir: string) => ({ NODE_OPTIONS: `--report-on-signal --report-signal=SIGUSR2 --report-directory=${dir}` })

// ---------------------------------------------------------------------------------------------------------------
// cluster up

interface UpRun {
  ms: number
  /** From the cluster's log line "cluster started". */
  startClusterMs: number
  /** From its process start to that line. */
  processMs: number
  steps: Record<string, number>
}

/**
 * Drops the executable's pages from the page cache (GNU dd), as after a reboot. Just built (or downloaded), all of
 * it is cached, and the kernel then maps up to 16 cached pages around each page the process touches: 10–15 MB
 * more of its file-backed RSS, clean pages it can drop at any time.
 */
async function evictFromPageCache(file: string): Promise<boolean> {
  try {
    await run('sync', [file])
    await run('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none'])
    return true
  } catch {
    return false
  }
}

async function clusterUp(form: 'binary' | 'tsx', measureMemory: boolean): Promise<{ runs: UpRun[]; memory: [string, Memory][] }> {
  const home = await mkdtemp(join(tmpdir(), `kubebox-bench-up-${form}-`))
  const reports = join(home, 'reports')
  const env = { ...process.env, KUBEBOX_HOME: home, CI: '1', ...(measureMemory ? reportEnv(reports) : {}) }
  const [cmd, pre] = form === 'binary' ? [BINARY, []] : [process.execPath, [join(ROOT, 'bin', 'cluster.js')]]
  const log = join(home, 'default', 'cluster.log')
  const out: UpRun[] = []
  const memory: [string, Memory][] = []
  try {
    await run('mkdir', ['-p', reports])
    for (let i = 0; i < runs; i++) {
      // The binary's last run starts with it out of the page cache; the one before, as it is (just built).
      const cold = measureMemory && form === 'binary' && i === runs - 1 && (await evictFromPageCache(BINARY))
      const t0 = performance.now()
      await run(cmd, [...pre, 'up', '--runtime', 'docker', '--etcd', 'docker', '--etcd-image', images.etcdImage, '--pod-infra-image', images.podInfraImage, '--kubeconfig', join(home, 'kubeconfig')], { env })
      const ms = performance.now() - t0
      const started = (await readFile(log, 'utf8'))
        .trimEnd()
        .split('\n')
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as { msg?: string; ms?: number; processMs?: number; steps?: Record<string, number> }]
          } catch {
            return [] // not a log record (Node's own messages go to the same file)
          }
        })
        .filter((l) => l.msg === 'cluster started')
        .at(-1)
      out.push({ ms, startClusterMs: started?.ms ?? NaN, processMs: started?.processMs ?? NaN, steps: started?.steps ?? {} })
      if (measureMemory && (i === runs - 1 || (form === 'binary' && i === runs - 2))) {
        await sleep(5000) // settle, then measure idle
        const state = JSON.parse(await readFile(join(home, 'default', 'cluster.json'), 'utf8'))
        memory.push([`cluster up process (${form}${form === 'binary' ? (cold ? ', not in the page cache' : ', in the page cache') : ''})`, await memoryOf(state.pid, reports)])
      }
      await run(cmd, [...pre, 'down'], { env })
    }
  } finally {
    await run(cmd, [...pre, 'down', '--purge'], { env }).catch(() => {})
    await rm(home, { recursive: true, force: true })
  }
  return { runs: out, memory }
}

function printUp(name: string, r: UpRun[], loads: string): void {
  const total = r.map((x) => x.ms)
  console.log(`${name.padEnd(58)} ${median(total).toFixed(0).padStart(6)} ms   (min ${Math.min(...total).toFixed(0)}, max ${Math.max(...total).toFixed(0)}; load ${loads})`)
  const med = (f: (x: UpRun) => number) => median(r.map(f)).toFixed(0)
  console.log(`    launcher and process start: ${med((x) => x.ms - x.processMs)} ms, child start until startCluster: ${med((x) => x.processMs - x.startClusterMs)} ms, startCluster: ${med((x) => x.startClusterMs)} ms`)
  const names = [...new Set(r.flatMap((x) => Object.keys(x.steps)))]
  console.log(`    steps (median ms): ${names.map((n) => `${n} ${med((x) => x.steps[n] ?? 0)}`).join(', ')}`)
}

// ---------------------------------------------------------------------------------------------------------------
// startCluster, serve

async function library(opts: ClusterOptions): Promise<{ first: number; ms: number[] }> {
  const ms: number[] = []
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now()
    const cluster = await startCluster({ ...images, ...opts })
    const res = await fetch(`${cluster.server}/api/v1/namespaces/default/configmaps`)
    if (!res.ok) throw new Error(`first API call failed: ${res.status}`)
    ms.push(performance.now() - t0)
    await cluster.stop()
  }
  return { first: ms[0], ms: ms.slice(1) }
}

/** `cluster serve --runtime none` on a real etcd, idle for 5 s: its memory. */
async function serveMemory(form: 'binary' | 'tsx', etcdUrl: string, cold = false): Promise<Memory> {
  const dir = await mkdtemp(join(tmpdir(), 'kubebox-bench-serve-'))
  if (cold) await evictFromPageCache(BINARY)
  const [cmd, pre] = form === 'binary' ? [BINARY, []] : [process.execPath, [join(ROOT, 'bin', 'cluster.js')]]
  const child = spawn(cmd, [...pre, 'serve', '--etcd-servers', etcdUrl, '--port', '0', '--data-dir', dir, '--runtime', 'none', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...reportEnv(dir) },
  })
  try {
    await new Promise<void>((resolve, reject) => {
      let out = ''
      child.stdout!.on('data', (c) => {
        out += c
        if (/listening on/.test(out)) resolve()
      })
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
    })
    await sleep(5000)
    return await memoryOf(child.pid!, dir)
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
    await rm(dir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------------------------------

const lines: string[] = []
const row = (name: string, ms: number[], loads: string) =>
  lines.push(`${name.padEnd(58)} ${median(ms).toFixed(0).padStart(6)} ms   (min ${Math.min(...ms).toFixed(0)}, max ${Math.max(...ms).toFixed(0)}; load ${loads})`)

console.log(`kubebox start-up — median of ${runs} runs (load average before → after each row)\n`)
if (wanted('up') || wanted('rss')) await ensureBinary()
const memories: [string, Memory][] = []
if (wanted('up')) {
  for (const form of ['binary', 'tsx'] as const) {
    const before = load()
    const up = await clusterUp(form, wanted('rss'))
    printUp(`cluster up, ${form === 'binary' ? 'build/cluster' : 'tsx'} (etcd in Docker, Docker runtime) → Ready`, up.runs, `${before} → ${load()}`)
    memories.push(...up.memory)
  }
}
if (wanted('library')) {
  const variants: [string, ClusterOptions][] = [
    ["startCluster({store:'memory', runtime:'fake'})", { store: 'memory', runtime: 'fake' }],
    ["startCluster({runtime:'fake', etcd:'exec'})", { runtime: 'fake', etcd: 'exec' }],
    ["startCluster({runtime:'fake', etcd:'docker'})", { runtime: 'fake', etcd: 'docker' }],
    ["startCluster({runtime:'docker', etcd:'docker'})", { runtime: 'docker', etcd: 'docker' }],
  ]
  for (const [name, opts] of variants) {
    const before = load()
    const { first, ms } = await library(opts)
    row(name, ms, `${before} → ${load()}; first call ${first.toFixed(0)} ms`)
  }
}
if (wanted('rss')) {
  const etcd = await startEtcd()
  try {
    memories.push(['serve --runtime none on etcd (binary, in the page cache)', await serveMemory('binary', etcd.endpoint)])
    memories.push(['serve --runtime none on etcd (binary, not in the page cache)', await serveMemory('binary', etcd.endpoint, true)])
    memories.push(['serve --runtime none on etcd (tsx)', await serveMemory('tsx', etcd.endpoint)])
  } finally {
    await etcd.stop()
  }
}
if (lines.length) console.log(lines.join('\n'))
if (memories.length) {
  console.log('\nidle RSS, 5 s after start:')
  for (const [name, m] of memories) console.log(`  ${name.padEnd(62)} ${describeMemory(m)}`)
}
