/**
 * `npm run bench:pods`: pod start latency, create → Running as a watch sees it, through the HTTP API of a
 * whole `serve()` (API server, controllers, scheduler, kubelets) on a real etcd:
 *
 *   1. Docker runtime, one node: BENCH_PODS pods (default 50, image present), BENCH_DOCKER_CONCURRENCY at a
 *      time (default 1: each pod is created once the one before runs, so what is measured is latency, not a
 *      queue); p50 / p99 / max.
 *   2. Fake runtime, one node: the same, so the difference is the engine.
 *   0. The floor: the same sandbox + container started straight through the Docker API (no kubelet, no API
 *      server), one pod after another — what the engine alone needs; the Docker row minus this is ours.
 *   3. Fake runtime, 10 nodes: BENCH_BURST pods (default 1,000) created by 8 clients at once and placed by the
 *      scheduler; time until all are bound, and until all are Running.
 *
 * Each row also gives the CPU time this process used over it (server, kubelets and client are all in it) and the
 * 1-minute load average at its start and end: on a shared machine the wall times alone mislead.
 *
 * BENCH_PROFILE=1 also prints, for the Docker row, where each pod's start went (API and watch → kubelet sync →
 * sandbox → container → status write → watch), and how often each runtime call was made and how long it took.
 * BENCH_SKIP=docker (or raw, fake, burst) leaves rows out. Everything it creates on Docker carries
 * dev.kubebox.bench=<run id> and is removed at the end.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { KubeObject } from '../src/api/meta.ts'
import { core, type ApiClient } from '../src/client/api-client.ts'
import { HttpClient } from '../src/client/http-client.ts'
import { LoopbackClient } from '../src/client/loopback-client.ts'
import { PodSyncer } from '../src/kubelet/sync-pod.ts'
import { serve, type RunningServer } from '../src/cluster/serve.ts'
import { DockerRuntime } from '../src/kubelet/runtime/docker-runtime.ts'
import { silentLogger } from '../src/log/logger.ts'
import { randomSuffix } from '../src/util/random.ts'
import { startEtcd, type EtcdInstance } from '../test/helpers/etcd.ts'

const PODS = core('pods')
const NODES = core('nodes')
const BUSYBOX = process.env.BUSYBOX_IMAGE ?? 'kubebox-test/busybox:latest'
const PAUSE = process.env.PAUSE_IMAGE ?? 'kubebox-test/pause:latest'
const BENCH_LABEL = 'dev.kubebox.bench'
const runId = randomSuffix(8)
const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean))
const PROFILE = process.env.BENCH_PROFILE === '1'

interface Row {
  name: string
  pods: number
  p50?: number
  p99?: number
  max?: number
  totalMs: number
  note: string
  /** CPU time of this process (server, kubelets and the bench's client: all in one) over the row, in core-seconds. */
  cpuS?: number
  /** The 1-minute load average at the start and the end of the row. */
  load?: string
}

const load1 = () => loadavg()[0]!.toFixed(1)

/** Runs a row, adding the process's CPU time and the load average over it (on a shared machine wall time alone misleads). */
async function measured(run: () => Promise<Row>): Promise<Row> {
  const loadStart = load1()
  const before = process.cpuUsage()
  const row = await run()
  const used = process.cpuUsage(before)
  return { ...row, cpuS: (used.user + used.system) / 1e6, load: `${loadStart} → ${load1()}` }
}

interface Cluster {
  running: RunningServer
  client: ApiClient
  stop(): Promise<void>
}

async function startCluster(runtime: 'docker' | 'fake', nodes: number): Promise<Cluster> {
  const etcd: EtcdInstance = await startEtcd()
  const dataDir = await mkdtemp(join(tmpdir(), 'kubebox-bench-pods-'))
  const running = await serve({
    etcdServers: [etcd.endpoint],
    port: 0,
    bindAddress: '127.0.0.1',
    dataDir,
    serviceClusterIpRange: '10.96.0.0/12',
    log: silentLogger(),
    runtime,
    nodes,
    nodeName: `bench-${runtime}-${runId}`,
    podInfraImage: PAUSE,
    cleanup: true,
    containerLabels: { [BENCH_LABEL]: runId },
  })
  const client = new HttpClient({ server: running.url, userAgent: 'kubebox-bench' })
  await until(`${nodes} Ready nodes`, async () => (await client.list(NODES)).items.filter((n) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).length === nodes, 60_000)
  return {
    running,
    client,
    async stop() {
      await running.stop()
      await etcd.stop()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const isRunning = (p: KubeObject) => p.status?.phase === 'Running' && (p.status?.containerStatuses ?? []).length > 0 && p.status.containerStatuses.every((c: any) => c.state?.running)

/** A watch on a namespace's pods: when each pod was first seen Running, and bound. */
async function watchPods(client: ApiClient, namespace: string) {
  const runningAt = new Map<string, number>()
  const boundAt = new Map<string, number>()
  const waiters = new Map<string, () => void>()
  const watch = await client.watch(PODS, { namespace, resourceVersion: '0' }, {
    event: (_type, pod) => {
      const name = pod.metadata.name!
      if (pod.spec?.nodeName && !boundAt.has(name)) boundAt.set(name, performance.now())
      if (!runningAt.has(name) && isRunning(pod)) {
        runningAt.set(name, performance.now())
        waiters.get(name)?.()
      }
    },
    end: (err) => console.error(`watch ended: ${err.message}`),
  })
  return {
    runningAt,
    boundAt,
    running: (name: string) => (runningAt.has(name) ? Promise.resolve() : new Promise<void>((resolve) => waiters.set(name, resolve))),
    close: () => watch.close(),
  }
}

const podManifest = (name: string, image: string, nodeName?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { bench: 'pods' } },
  spec: {
    ...(nodeName ? { nodeName } : {}),
    terminationGracePeriodSeconds: 0,
    containers: [{ name: 'app', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
  },
})

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

/** Pods created `concurrency` at a time, each slot creating its next pod once its last one runs. */
async function latencyRun(cluster: Cluster, label: string, count: number, concurrency: number, image: string): Promise<Row> {
  const ns = `lat-${randomSuffix(5)}`
  await cluster.client.create(core('namespaces'), '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
  const node = cluster.running.kubelets[0]!.nodeName
  const watch = await watchPods(cluster.client, ns)
  // Warm-up (not measured): first use of the image, the first sandbox, connections.
  await cluster.client.create(PODS, ns, podManifest('warmup', image, node))
  await watch.running('warmup')
  const latencies: number[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const name = `pod-${next++}`
        const t0 = performance.now()
        marks.set(name, { created: t0 })
        await cluster.client.create(PODS, ns, podManifest(name, image, node))
        await watch.running(name)
        latencies.push(watch.runningAt.get(name)! - t0)
        marks.get(name)!.running = watch.runningAt.get(name)!
      }
    }),
  )
  const totalMs = performance.now() - started
  watch.close()
  await cluster.client.deleteCollection(PODS, { namespace: ns, gracePeriodSeconds: 0 }).catch(() => {})
  latencies.sort((a, b) => a - b)
  return { name: label, pods: count, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1), totalMs, note: `${concurrency} at a time` }
}

async function burstRun(cluster: Cluster, count: number): Promise<Row> {
  const ns = `burst-${randomSuffix(5)}`
  await cluster.client.create(core('namespaces'), '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
  const watch = await watchPods(cluster.client, ns)
  const started = performance.now()
  let next = 0
  const createdAt = new Map<string, number>()
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < count) {
        const name = `pod-${next++}`
        createdAt.set(name, performance.now())
        await cluster.client.create(PODS, ns, podManifest(name, 'registry.k8s.io/pause:3.10'))
      }
    }),
  )
  const createdMs = performance.now() - started
  await until(`${count} pods Running`, async () => watch.runningAt.size >= count, 300_000)
  const totalMs = performance.now() - started
  // The row's CPU includes what the pods caused after they ran (Events are written asynchronously and may trail).
  const settledMs = (await settle(cluster, ns, 10)) - started
  const boundMs = Math.max(...watch.boundAt.values()) - started
  const latencies = [...createdAt].map(([name, t]) => watch.runningAt.get(name)! - t).sort((a, b) => a - b)
  const perNode = new Map<string, number>()
  for (const p of (await cluster.client.list(PODS, { namespace: ns })).items) perNode.set(p.spec!.nodeName, (perNode.get(p.spec!.nodeName) ?? 0) + 1)
  watch.close()
  const spread = [...perNode.values()]
  return {
    name: 'fake runtime, 10 nodes, burst',
    pods: count,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1),
    totalMs,
    note: `all created ${(createdMs / 1000).toFixed(1)} s, all bound ${(boundMs / 1000).toFixed(1)} s, all Running ${(totalMs / 1000).toFixed(1)} s, writes settled ${(settledMs / 1000).toFixed(1)} s; ${perNode.size} nodes, ${Math.min(...spread)}–${Math.max(...spread)} pods each`,
  }
}

/**
 * Waits until the writes a row caused have stopped: the store's revision (a list's resourceVersion) moved by no more
 * than the nodes' lease renewals and a couple of writes in half a second. Answers when (performance.now()).
 */
async function settle(cluster: Cluster, ns: string, nodes: number): Promise<number> {
  const revision = async () => Number((await cluster.client.list(core('configmaps'), { namespace: ns })).resourceVersion)
  let prev = { rev: await revision(), at: performance.now() }
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 500))
    const next = { rev: await revision(), at: performance.now() }
    if (next.rev - prev.rev <= nodes / 20 + 2) return prev.at
    prev = next
  }
  return prev.at
}

/** Per pod name: when each step of its start was first reached (BENCH_PROFILE=1). */
const marks = new Map<string, Record<string, number>>()
function mark(pod: string, step: string): void {
  const m = marks.get(pod) ?? {}
  m[step] ??= performance.now()
  marks.set(pod, m)
}

/** Marks the steps of each pod's start on its way through the kubelet, the runtime and the API client. */
function traceSteps(): void {
  const wrap = (proto: any, name: string, before?: (args: any[]) => void, after?: (args: any[], result: any) => void) => {
    const fn = proto[name]
    proto[name] = async function (this: unknown, ...args: any[]) {
      before?.(args)
      const result = await fn.apply(this, args)
      after?.(args, result)
      return result
    }
  }
  const podOfContainer = new Map<string, string>()
  wrap(PodSyncer.prototype, 'sync', ([, pod]) => pod && mark(pod.metadata.name, 'sync'))
  wrap(DockerRuntime.prototype, 'runSandbox', ([spec]) => mark(spec.podName, 'sandbox'), ([spec]) => mark(spec.podName, 'sandboxDone'))
  wrap(DockerRuntime.prototype, 'createContainer', ([sandbox]) => mark(sandbox.podName, 'create'), ([sandbox], id) => podOfContainer.set(id, sandbox.podName))
  wrap(DockerRuntime.prototype, 'startContainer', ([id]) => mark(podOfContainer.get(id)!, 'start'), ([id]) => mark(podOfContainer.get(id)!, 'startDone'))
  wrap(LoopbackClient.prototype, 'patch', undefined, ([r, , name, , , sub]) => r.resource === 'pods' && sub === 'status' && mark(name, 'status'))
}

const STEPS: [string, string, string][] = [
  ['created', 'sync', 'API + watch → kubelet sync'],
  ['sync', 'sandbox', 'listings, pause image check'],
  ['sandbox', 'sandboxDone', 'runSandbox (create+start)'],
  ['sandboxDone', 'create', 'volumes, env, image check'],
  ['create', 'start', 'createContainer'],
  ['start', 'startDone', 'startContainer'],
  ['startDone', 'status', 'list + status write'],
  ['status', 'running', 'API → watcher sees Running'],
]

function stepsTable(): string[] {
  const pods = [...marks.values()].filter((m) => STEPS.every(([from, to]) => m[from] !== undefined && m[to] !== undefined))
  if (!pods.length) return []
  const lines = [`\nWhere a Docker pod's start goes (${pods.length} pods):\n`, ['step'.padEnd(34), 'p50'.padStart(9), 'p99'.padStart(9), 'mean'.padStart(9)].join('')]
  for (const [from, to, label] of STEPS) {
    const d = pods.map((m) => m[to]! - m[from]!).sort((a, b) => a - b)
    lines.push([label.padEnd(34), fmt(percentile(d, 50)).padStart(9), fmt(percentile(d, 99)).padStart(9), fmt(d.reduce((a, b) => a + b, 0) / d.length).padStart(9)].join(''))
  }
  return lines
}

/** Counts and times every DockerRuntime call (BENCH_PROFILE=1). */
function profileDocker(): Map<string, { calls: number; totalMs: number }> {
  const table = new Map<string, { calls: number; totalMs: number }>()
  const proto = DockerRuntime.prototype as unknown as Record<string, unknown>
  for (const name of Object.getOwnPropertyNames(DockerRuntime.prototype)) {
    const fn = proto[name]
    if (name === 'constructor' || typeof fn !== 'function' || name === 'docker' || name === 'call' || name === 'unavailable') continue
    proto[name] = async function (this: unknown, ...args: unknown[]) {
      const t0 = performance.now()
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>).apply(this, args)
      } finally {
        const e = table.get(name) ?? { calls: 0, totalMs: 0 }
        e.calls++
        e.totalMs += performance.now() - t0
        table.set(name, e)
      }
    }
  }
  return table
}

/** The engine's own floor: a pause sandbox and a container joining its network, created and started directly. */
async function rawDockerRun(count: number): Promise<Row> {
  const { default: Docker } = await import('dockerode')
  const docker = new Docker()
  const Labels = { [BENCH_LABEL]: runId }
  const once = async () => {
    const sandbox = await docker.createContainer({ Image: PAUSE, Labels, HostConfig: { IpcMode: 'shareable' } })
    await sandbox.start()
    await sandbox.inspect()
    const mode = `container:${sandbox.id}`
    const app = await docker.createContainer({ Image: BUSYBOX, Cmd: ['sleep', '3600'], Labels, HostConfig: { NetworkMode: mode, IpcMode: mode } })
    await app.start()
  }
  await once() // warm-up
  const latencies: number[] = []
  const started = performance.now()
  for (let i = 0; i < count; i++) {
    const t0 = performance.now()
    await once()
    latencies.push(performance.now() - t0)
  }
  const totalMs = performance.now() - started
  await removeBenchContainers()
  latencies.sort((a, b) => a - b)
  return { name: 'Docker API alone (floor)', pods: count, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1), totalMs, note: 'sandbox + container, no kubelet' }
}

async function removeBenchContainers(): Promise<void> {
  const { default: Docker } = await import('dockerode')
  const docker = new Docker()
  const left = await docker.listContainers({ all: true, filters: { label: [`${BENCH_LABEL}=${runId}`] } }).catch(() => [])
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {})))
}

const fmt = (n: number | undefined) => (n === undefined ? '' : `${n.toFixed(0)} ms`)

async function main(): Promise<void> {
  const count = Number(process.env.BENCH_PODS ?? 50)
  const dockerConcurrency = Number(process.env.BENCH_DOCKER_CONCURRENCY ?? 1)
  const burst = Number(process.env.BENCH_BURST ?? 1000)
  const rows: Row[] = []
  let profile: Map<string, { calls: number; totalMs: number }> | undefined
  let steps: string[] = []

  if (!skip.has('raw') || !skip.has('docker')) await promisify(execFile)('bash', ['scripts/test-images.sh'])
  if (!skip.has('raw')) rows.push(await measured(() => rawDockerRun(count)))
  if (!skip.has('docker')) {
    if (PROFILE) {
      traceSteps()
      profile = profileDocker()
    }
    const cluster = await startCluster('docker', 1)
    try {
      profile?.clear()
      rows.push(await measured(() => latencyRun(cluster, 'Docker runtime, 1 node', count, dockerConcurrency, BUSYBOX)))
      steps = stepsTable()
      marks.clear()
    } finally {
      await cluster.stop()
      await removeBenchContainers()
    }
  }
  if (!skip.has('fake')) {
    const cluster = await startCluster('fake', 1)
    try {
      rows.push(await measured(() => latencyRun(cluster, 'fake runtime, 1 node', count, 1, BUSYBOX)))
    } finally {
      await cluster.stop()
    }
  }
  if (!skip.has('burst')) {
    const cluster = await startCluster('fake', 10)
    try {
      rows.push(await measured(() => burstRun(cluster, burst)))
    } finally {
      await cluster.stop()
    }
  }

  console.log('\nkubebox pod start latency — create → Running seen through a watch (HTTP API, real etcd)\n')
  console.log(['scenario'.padEnd(32), 'pods'.padStart(6), 'p50'.padStart(9), 'p99'.padStart(9), 'max'.padStart(9), 'total'.padStart(10), 'CPU'.padStart(9), '  load 1m', '  note'].join(''))
  for (const r of rows)
    console.log(
      [
        r.name.padEnd(32),
        String(r.pods).padStart(6),
        fmt(r.p50).padStart(9),
        fmt(r.p99).padStart(9),
        fmt(r.max).padStart(9),
        `${(r.totalMs / 1000).toFixed(1)} s`.padStart(10),
        (r.cpuS === undefined ? '' : `${r.cpuS.toFixed(1)} s`).padStart(9),
        `  ${r.load ?? ''}`,
        `  ${r.note}`,
      ].join(''),
    )
  console.log('\n  CPU: this process (API server, controllers, scheduler, kubelets and the bench client together) over the row, core-seconds.')
  for (const line of steps) console.log(line)
  if (profile) {
    console.log('\nDocker runtime calls during the Docker row (all kubelet work, including resyncs):\n')
    console.log(['call'.padEnd(20), 'calls'.padStart(8), 'mean'.padStart(10), 'total'.padStart(10)].join(''))
    for (const [name, e] of [...profile].sort((a, b) => b[1].totalMs - a[1].totalMs))
      console.log([name.padEnd(20), String(e.calls).padStart(8), `${(e.totalMs / e.calls).toFixed(1)} ms`.padStart(10), `${(e.totalMs / 1000).toFixed(1)} s`.padStart(10)].join(''))
  }
}

await main()
