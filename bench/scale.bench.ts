/**
 * `npm run bench:scale`: how kubebox copes with many pods, on the fake runtime, through its HTTP API. Each row runs
 * a fresh cluster in a child process (so the CPU time and RSS reported are the server's own):
 *
 *   1. Scheduling throughput: BENCH_PODS pods (default 10,000) over BENCH_NODES fake nodes (default 100), created
 *      by 8 keep-alive HTTP clients; one watch times all created, all bound (spec.nodeName), all Running
 *      (status.phase). Aim: 10,000 pods bound and Running in under 30 s. Run twice: `cluster serve` on a real
 *      etcd, and startCluster({ store: 'memory' }) (bench/scale-cluster.ts).
 *   2. A Deployment of BENCH_REPLICAS replicas (default 1,000, at most BENCH_PODS) on BENCH_SMALL_NODES nodes
 *      (default 10): create → status.availableReplicas == replicas.
 *   3. BENCH_BURST pods (default 1,000, at most BENCH_PODS) over BENCH_SMALL_NODES nodes → all Running. Aim: 10 s.
 *
 * Figures: wall time from the first request, the server's CPU time over the same interval (utime+stime from
 * /proc, in core-seconds; on a loaded machine the steadier figure), etcd's CPU time, the server's peak RSS, and
 * the load average at the start and end of the row. Then *settled*: when the writes the row caused have stopped
 * (Events are written asynchronously and may trail the goal), with the server's CPU time until then — the figure to
 * compare when a change moves work rather than removes it. Also the server's idle CPU (nodes Ready, no pods) and its
 * steady CPU afterwards (all pods Running), each over BENCH_IDLE_S seconds (default 3).
 *
 * Also: writes per pod (the store's revision delta over the row: every create, binding, status update and Event),
 * the Events recorded by reason, and the server's warnings grouped by message.
 *
 * BENCH_SKIP=sched-etcd,sched-memory,deploy,burst leaves rows out. BENCH_PROFILE=1 runs each server with
 * `node --cpu-prof` and prints, per row, where its CPU time went from the first request until settled
 * (bench/cpuprofile-summary.ts; the .cpuprofile files are kept, their paths printed). BENCH_TIMEOUT_S (default
 * 600) bounds each wait after the creates. The servers run on this process's Node unless BENCH_NODE names
 * another binary, with the Node flags of a cluster process
 * (src/cluster/node-flags.ts); BENCH_NODE_ARGS adds node flags to the servers'
 * command lines (for instance `--import tsx --import /path/to/patch.ts`, to measure a change to src/ before
 * making it).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEtcd, type EtcdInstance } from '../test/helpers/etcd.ts'
import { formatSummary, readProfile, summarizeProfile } from './cpuprofile-summary.ts'
import { BenchClient, runConcurrent } from './load.ts'
import { CLUSTER_NODE_FLAGS } from '../src/cluster/node-flags.ts'

const PODS = Number(process.env.BENCH_PODS ?? 10_000)
const NODES = Number(process.env.BENCH_NODES ?? 100)
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? Math.min(1000, PODS))
const BURST = Number(process.env.BENCH_BURST ?? Math.min(1000, PODS))
const SMALL_NODES = Number(process.env.BENCH_SMALL_NODES ?? 10)
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 3)
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 600) * 1000
const PROFILE = process.env.BENCH_PROFILE === '1'
const CONCURRENCY = 8
const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean))
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()
const IMAGE = 'registry.k8s.io/pause:3.10'
const NODE_BIN = process.env.BENCH_NODE ?? process.execPath
/** More node flags for the servers, e.g. `--import tsx --import ./patch.ts` to measure a change before making it. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)
const NODE_VERSION = execFileSync(NODE_BIN, ['--version'], { encoding: 'utf8' }).trim()

// ---------------------------------------------------------------------------------------------------------------
// /proc readings

/** utime + stime of a process, in seconds (0 once it is gone). */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (!pid) return 0
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
  } catch {
    return 0
  }
}

async function memory(pid: number): Promise<{ rss: number; hwm: number }> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') }
  } catch {
    return { rss: 0, hwm: 0 }
  }
}

/** The pid of the etcd this process started for `endpoint` (startEtcd does not say it). */
async function etcdPid(endpoint: string): Promise<number | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')
    if (cmdline.includes(`--listen-client-urls=${endpoint}`)) return Number(entry)
  }
  return undefined
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')
/** CLOCK_MONOTONIC in µs: the clock of a V8 .cpuprofile's timestamps, in every process on this machine. */
const monoUs = () => Number(process.hrtime.bigint() / 1000n)

// ---------------------------------------------------------------------------------------------------------------
// The server under test

interface Server {
  store: 'etcd' | 'memory'
  url: string
  pid: number
  etcdPid?: number
  client: BenchClient
  profileDir?: string
  /** stderr lines (warnings) the server printed. */
  stderrLines: string[]
  stop(): Promise<void>
}

async function startServer(store: 'etcd' | 'memory', nodes: number): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), 'kubebox-bench-scale-'))
  const profileDir = PROFILE ? await mkdtemp(join(tmpdir(), 'kubebox-bench-prof-')) : undefined
  const nodeFlags = [...CLUSTER_NODE_FLAGS, ...NODE_ARGS, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])]
  let etcd: EtcdInstance | undefined
  let args: string[]
  if (store === 'etcd') {
    etcd = await startEtcd()
    args = [...nodeFlags, 'bin/cluster.js', 'serve', '--etcd-servers', etcd.endpoint, '--port', '0', '--data-dir', dir, '--kubeconfig', join(dir, 'kubeconfig'), '--runtime', 'fake', '--nodes', String(nodes), '--log-level', 'warn']
  } else {
    args = [...nodeFlags, '--import', 'tsx', 'bench/scale-cluster.ts', String(nodes), dir]
  }
  const child: ChildProcess = spawn(NODE_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBEBOX_HOME: dir } })
  const stderrLines: string[] = []
  let partial = ''
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    const lines = (partial + c).split('\n')
    partial = lines.pop()!
    for (const l of lines) if (stderrLines.length < 10_000) stderrLines.push(l)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stopChild = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      // Writing a big .cpuprofile takes a while.
      const timer = setTimeout(() => child.kill('SIGKILL'), 180_000)
      await exited
      clearTimeout(timer)
    }
  }
  const cleanup = async () => {
    await stopChild()
    await etcd?.stop()
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout!.setEncoding('utf8').on('data', (c: string) => {
        out += c
        const m = /API server listening on (http:\/\/\S+)/.exec(out)
        if (m) resolve(m[1]!)
      })
      child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${stderrLines.slice(-20).join('\n')}`)))
      setTimeout(() => reject(new Error('server did not start within 120 s')), 120_000).unref()
    })
    const client = new BenchClient(url, CONCURRENCY)
    await waitFor(`${nodes} Ready nodes`, async () => {
      const res = await client.request('GET', '/api/v1/nodes')
      const items: any[] = JSON.parse(res.body).items ?? []
      return items.filter((n) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).length >= nodes
    })
    return {
      store,
      url,
      pid: child.pid!,
      etcdPid: etcd ? await etcdPid(etcd.endpoint) : undefined,
      client,
      profileDir,
      stderrLines,
      async stop() {
        client.close()
        await cleanup()
      },
    }
  } catch (err) {
    await cleanup()
    throw err
  }
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = TIMEOUT_MS, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await Promise.resolve(check()).catch(() => false)) return true
    if (Date.now() > deadline) {
      console.error(`timed out waiting for ${what}`)
      return false
    }
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring

/** The store's current revision (a list's resourceVersion): the number of writes so far, all kinds together. */
async function revision(server: Server): Promise<number> {
  const res = await server.client.request('GET', '/api/v1/namespaces/default/configmaps?limit=1')
  return Number(JSON.parse(res.body).metadata?.resourceVersion ?? 0)
}

/** The Events recorded in a namespace, by reason. */
async function eventsByReason(server: Server, ns: string): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  let cont = ''
  do {
    const path = `/api/v1/namespaces/${ns}/events?limit=2000${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`
    let res = await server.client.request('GET', path)
    for (let attempt = 0; res.status !== 200 && attempt < 5; attempt++) {
      await new Promise((r) => setTimeout(r, 1000))
      res = await server.client.request('GET', path)
    }
    if (res.status !== 200) throw new Error(`listing events: ${res.status} ${res.body.slice(0, 200)}`)
    const list = JSON.parse(res.body)
    for (const e of list.items ?? []) out.set(e.reason, (out.get(e.reason) ?? 0) + 1)
    cont = list.metadata?.continue ?? ''
  } while (cont)
  return out
}

/** The server's stderr (pino JSON at warn and above), grouped by message. */
function warningsOf(lines: string[]): string {
  const byMsg = new Map<string, number>()
  for (const line of lines) {
    if (!line.trim()) continue
    let msg = line.slice(0, 160)
    try {
      const j = JSON.parse(line)
      msg = `${j.msg ?? ''}${j.err ? ` (${String(j.err).slice(0, 100)})` : ''}`
    } catch {}
    byMsg.set(msg, (byMsg.get(msg) ?? 0) + 1)
  }
  return [...byMsg].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([m, n]) => `${n}× "${m}"`).join(', ')
}

interface Sample {
  rev: number
  at: number
  mono: number
  server: number
  etcd: number
  bench: number
  load: string
}

async function sample(server: Server): Promise<Sample> {
  const [s, e] = await Promise.all([cpuSeconds(server.pid), cpuSeconds(server.etcdPid)])
  const u = process.cpuUsage()
  const rev = await revision(server).catch(() => 0)
  return { rev, at: performance.now(), mono: monoUs(), server: s, etcd: e, bench: (u.user + u.system) / 1e6, load: load() }
}

/** The server's CPU use (fraction of one core) over `seconds` of doing nothing asked of it. */
async function quietCpu(server: Server, seconds: number): Promise<number> {
  const a = await sample(server)
  await new Promise((r) => setTimeout(r, seconds * 1000))
  const b = await sample(server)
  return (b.server - a.server) / ((b.at - a.at) / 1000)
}

interface Row {
  scenario: string
  store: string
  pods: number
  nodes: number
  /** Wall ms from the first request to each milestone (undefined: not reached). */
  createdMs?: number
  boundMs?: number
  runningMs?: number
  availableMs?: number
  /** The milestone the aim is about. */
  goalMs?: number
  /** When the writes the row caused had stopped (see settle()), and the server's CPU time until then. */
  settledMs?: number
  settledCpuS?: number
  aimMs?: number
  serverCpuS: number
  etcdCpuS?: number
  benchCpuS: number
  idleCpu: number
  steadyCpu: number
  rssPeak: number
  rssEnd: number
  loadStart: string
  loadEnd: string
  /** Store writes (revision delta, first request → settled) per pod. */
  writesPerPod: number
  events: string
  notes: string[]
  profile?: string
}

/** One watch on a namespace's pods: when each was first seen, bound, Running. */
async function watchPods(server: Server, ns: string) {
  const seenAt = new Map<string, number>()
  const boundAt = new Map<string, number>()
  const runningAt = new Map<string, number>()
  let events = 0
  const close = await server.client.watch(`/api/v1/namespaces/${ns}/pods?watch=1`, (ev, at) => {
    events++
    const pod = ev.object
    const name: string | undefined = pod?.metadata?.name
    if (!name || (ev.type !== 'ADDED' && ev.type !== 'MODIFIED')) return
    if (!seenAt.has(name)) seenAt.set(name, at)
    if (pod.spec?.nodeName && !boundAt.has(name)) boundAt.set(name, at)
    if (pod.status?.phase === 'Running' && !runningAt.has(name)) runningAt.set(name, at)
  })
  return { seenAt, boundAt, runningAt, events: () => events, close }
}

const maxOf = (m: Map<string, number>) => Math.max(...m.values())

async function createNamespace(server: Server, name: string): Promise<void> {
  const res = await server.client.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } })
  if (res.status !== 201) throw new Error(`creating namespace ${name}: ${res.status} ${res.body}`)
  // The service account controller adds `default`; pods do not need it (no admission waits for it here).
}

const podManifest = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { bench: 'scale' } },
  spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: IMAGE }] },
})

/** POST with a few retries on 429 / 5xx (counted). */
async function create(server: Server, path: string, body: unknown, retries: { n: number }): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const res = await server.client.request('POST', path, body)
    if (res.status === 201) return
    if (attempt < 5 && (res.status === 429 || res.status >= 500)) {
      retries.n++
      await new Promise((r) => setTimeout(r, 50 * 2 ** attempt))
      continue
    }
    throw new Error(`POST ${path}: ${res.status} ${res.body.slice(0, 300)}`)
  }
}

/**
 * Waits until the writes the row caused have stopped (what components do after the goal, e.g. Events written
 * asynchronously, status updates that trail): the first half second in which the store's revision moved by no
 * more than the nodes' lease renewals (one per node every 10 s) and a couple of writes. Answers the sample taken
 * then, or undefined after TIMEOUT_MS.
 */
async function settle(server: Server, nodes: number, from: Sample): Promise<Sample | undefined> {
  const allowance = nodes / 20 + 2
  const deadline = performance.now() + TIMEOUT_MS
  let prev = from
  while (performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500))
    const next = await sample(server)
    if (next.rev && next.rev - prev.rev <= allowance) return prev
    prev = next
  }
  return undefined
}

async function finishRow(server: Server, ns: string, row: Omit<Row, 'serverCpuS' | 'etcdCpuS' | 'benchCpuS' | 'rssPeak' | 'rssEnd' | 'loadEnd' | 'steadyCpu' | 'writesPerPod' | 'events' | 'settledMs' | 'settledCpuS'>, a: Sample, b: Sample): Promise<Row> {
  const settled = await settle(server, row.nodes, b)
  const end = settled ?? b
  const steadyCpu = await quietCpu(server, IDLE_S)
  const mem = await memory(server.pid)
  let events: string
  try {
    events = [...(await eventsByReason(server, ns))].sort((x, y) => y[1] - x[1]).map(([r, n]) => `${r} ${n}`).join(', ') || 'none'
  } catch (err) {
    events = `not counted: ${(err as Error).message}`
  }
  const done: Row = {
    writesPerPod: (end.rev - a.rev) / row.pods,
    events,
    ...row,
    settledMs: settled && settled.at - a.at,
    settledCpuS: settled && settled.server - a.server,
    serverCpuS: b.server - a.server,
    etcdCpuS: server.etcdPid ? b.etcd - a.etcd : undefined,
    benchCpuS: b.bench - a.bench,
    steadyCpu,
    rssPeak: mem.hwm,
    rssEnd: mem.rss,
    loadEnd: b.load,
  }
  const warnings = warningsOf(server.stderrLines)
  if (warnings) done.notes.push(`server warnings: ${warnings}`)
  await server.stop()
  if (server.profileDir) {
    const files = (await readdir(server.profileDir)).filter((f) => f.endsWith('.cpuprofile'))
    if (files.length) {
      const path = join(server.profileDir, files[0]!)
      // Up to the settle point: work a component defers past the goal (queued Events) is still work the pods caused.
      done.profile = formatSummary(summarizeProfile(await readProfile(path), { fromUs: a.mono, toUs: end.mono, top: 30 }), `CPU profile of the server, ${row.scenario} (${row.store}, ${row.pods} pods, ${row.nodes} nodes), first request → settled — ${path}`, end.server - a.server)
    } else done.notes.push('no .cpuprofile written (the server did not exit cleanly)')
  }
  return done
}

/** Rows 1 and 3: `count` pods created by 8 clients, scheduled over the nodes, until all are Running. */
async function podBurst(scenario: string, store: 'etcd' | 'memory', count: number, nodes: number, aimMs: number | undefined): Promise<Row> {
  const server = await startServer(store, nodes)
  try {
    const idleCpu = await quietCpu(server, IDLE_S)
    const ns = `scale-${Date.now().toString(36)}`
    await createNamespace(server, ns)
    const watch = await watchPods(server, ns)
    const retries = { n: 0 }
    const a = await sample(server)
    const { latencies } = await runConcurrent(CONCURRENCY, count, (i) => create(server, `/api/v1/namespaces/${ns}/pods`, podManifest(`p-${i}`), retries))
    const createdMs = performance.now() - a.at
    const allRunning = await waitFor(`${count} pods Running`, () => watch.runningAt.size >= count, TIMEOUT_MS, 20)
    const b = await sample(server)
    watch.close()
    latencies.sort((x, y) => x - y)
    const notes = [
      `create p50 ${latencies[Math.floor(latencies.length / 2)]!.toFixed(1)} ms, p99 ${latencies[Math.floor(latencies.length * 0.99)]!.toFixed(1)} ms; ${watch.events()} watch events`,
    ]
    if (retries.n) notes.push(`${retries.n} creates retried (429/5xx)`)
    if (!allRunning) notes.push(`TIMED OUT: ${watch.boundAt.size} bound, ${watch.runningAt.size} Running of ${count}`)
    const runningMs = allRunning ? maxOf(watch.runningAt) - a.at : undefined
    return await finishRow(
      server,
      ns,
      {
        scenario,
        store,
        pods: count,
        nodes,
        createdMs,
        boundMs: watch.boundAt.size >= count ? maxOf(watch.boundAt) - a.at : undefined,
        runningMs,
        goalMs: runningMs,
        aimMs,
        idleCpu,
        loadStart: a.load,
        notes,
      },
      a,
      b,
    )
  } catch (err) {
    await server.stop()
    throw err
  }
}

/** Row 2: a Deployment of `replicas` until status.availableReplicas == replicas. */
async function deployment(store: 'etcd' | 'memory', replicas: number, nodes: number): Promise<Row> {
  const server = await startServer(store, nodes)
  try {
    const idleCpu = await quietCpu(server, IDLE_S)
    const ns = `deploy-${Date.now().toString(36)}`
    await createNamespace(server, ns)
    const pods = await watchPods(server, ns)
    let availableAt: number | undefined
    let available = 0
    const closeDeploy = await server.client.watch(`/apis/apps/v1/namespaces/${ns}/deployments?watch=1`, (ev, at) => {
      available = ev.object?.status?.availableReplicas ?? 0
      if (availableAt === undefined && available >= replicas) availableAt = at
    })
    const a = await sample(server)
    await create(
      server,
      `/apis/apps/v1/namespaces/${ns}/deployments`,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'scale' },
        spec: {
          replicas,
          selector: { matchLabels: { app: 'scale' } },
          template: { metadata: { labels: { app: 'scale' } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: IMAGE }] } },
        },
      },
      { n: 0 },
    )
    const ok = await waitFor(`Deployment Available (${replicas})`, () => availableAt !== undefined, TIMEOUT_MS, 20)
    const b = await sample(server)
    closeDeploy()
    pods.close()
    const at = (m: Map<string, number>) => (m.size >= replicas ? maxOf(m) - a.at : undefined)
    const notes = [`${pods.events()} pod watch events`]
    if (!ok) notes.push(`TIMED OUT: availableReplicas ${available}; ${pods.seenAt.size} pods created, ${pods.boundAt.size} bound, ${pods.runningAt.size} Running`)
    const availableMs = availableAt === undefined ? undefined : availableAt - a.at
    return await finishRow(
      server,
      ns,
      {
        scenario: 'Deployment → Available',
        store,
        pods: replicas,
        nodes,
        createdMs: at(pods.seenAt),
        boundMs: at(pods.boundAt),
        runningMs: at(pods.runningAt),
        availableMs,
        goalMs: availableMs,
        idleCpu,
        loadStart: a.load,
        notes,
      },
      a,
      b,
    )
  } catch (err) {
    await server.stop()
    throw err
  }
}

// ---------------------------------------------------------------------------------------------------------------

const sec = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`)
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`

function printTable(rows: Row[]): void {
  console.log(`\nkubebox scale benchmark — fake runtime, through the HTTP API, ${CONCURRENCY} clients; servers on Node ${NODE_VERSION}; ${nproc()} cores\n`)
  const head = ['scenario'.padEnd(24), 'store'.padEnd(7), 'pods'.padStart(6), 'nodes'.padStart(6), 'created'.padStart(9), 'bound'.padStart(9), 'Running'.padStart(9), 'Avail.'.padStart(9), 'aim'.padStart(13), 'srv CPU'.padStart(9), 'settled'.padStart(9), 'CPU→set'.padStart(9), 'etcd CPU'.padStart(9), 'wr/pod'.padStart(7), 'idle/steady'.padStart(12), 'RSS peak'.padStart(9), '  load avg start → end']
  console.log(head.join(''))
  for (const r of rows) {
    const verdict = r.aimMs === undefined ? '—' : `${sec(r.aimMs)} ${r.goalMs !== undefined && r.goalMs <= r.aimMs ? 'met' : 'MISS'}`
    console.log(
      [
        r.scenario.padEnd(24),
        r.store.padEnd(7),
        String(r.pods).padStart(6),
        String(r.nodes).padStart(6),
        sec(r.createdMs).padStart(9),
        sec(r.boundMs).padStart(9),
        sec(r.runningMs).padStart(9),
        sec(r.availableMs).padStart(9),
        verdict.padStart(13),
        `${r.serverCpuS.toFixed(1)} s`.padStart(9),
        sec(r.settledMs).padStart(9),
        (r.settledCpuS === undefined ? '—' : `${r.settledCpuS.toFixed(1)} s`).padStart(9),
        (r.etcdCpuS === undefined ? '—' : `${r.etcdCpuS.toFixed(1)} s`).padStart(9),
        r.writesPerPod.toFixed(1).padStart(7),
        `${(r.idleCpu * 100).toFixed(0)}%/${(r.steadyCpu * 100).toFixed(0)}%`.padStart(12),
        mb(r.rssPeak).padStart(9),
        `  ${r.loadStart} → ${r.loadEnd}`,
      ].join(''),
    )
  }
  console.log('\nnotes:')
  for (const r of rows) {
    const cpuShare = r.goalMs ? ` server used ${((r.serverCpuS / (r.goalMs / 1000)) * 100).toFixed(0)}% of a core on average, ${((r.serverCpuS * 1000) / r.pods).toFixed(1)} ms CPU per pod;` : ''
    console.log(`  ${r.scenario} (${r.store}, ${r.pods} pods):${cpuShare} bench client CPU ${r.benchCpuS.toFixed(1)} s; RSS at end ${mb(r.rssEnd)}; ${r.notes.join('; ')}`)
    console.log(`    Events: ${r.events}`)
  }
  console.log(
    '\n  times: wall clock from the first request; srv/etcd CPU: core-seconds (utime+stime) from then to the goal;' +
      '\n  settled / CPU→set: when the writes the row caused stopped (queued Events included), and the server CPU until then;' +
      `\n  wr/pod: store writes (revision delta, all kinds, until settled) per pod; idle/steady: server CPU (share of one core) over ${IDLE_S} s` +
      `\n  with the nodes Ready and no pods / after all pods Running.`,
  )
}

function nproc(): number {
  try {
    return Number(execFileSync('nproc', { encoding: 'utf8' }).trim())
  } catch {
    return 0
  }
}

async function main(): Promise<void> {
  const rows: Row[] = []
  const run = async (key: string, fn: () => Promise<Row>) => {
    if (skip.has(key)) return
    process.stderr.write(`[bench:scale] ${key}… (load ${load()})\n`)
    const row = await fn()
    process.stderr.write(`[bench:scale] ${key}: ${sec(row.goalMs)} to the goal, server CPU ${row.serverCpuS.toFixed(1)} s (load ${load()})\n`)
    rows.push(row)
  }
  await run('sched-etcd', () => podBurst('scheduling throughput', 'etcd', PODS, NODES, PODS >= 10_000 ? 30_000 : undefined))
  await run('sched-memory', () => podBurst('scheduling throughput', 'memory', PODS, NODES, PODS >= 10_000 ? 30_000 : undefined))
  await run('deploy', () => deployment('etcd', REPLICAS, SMALL_NODES))
  await run('burst', () => podBurst('pods → Running', 'etcd', BURST, SMALL_NODES, BURST >= 1000 ? 10_000 : undefined))
  printTable(rows)
  for (const r of rows) if (r.profile) console.log(r.profile)
}

await main()
