import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { core } from '../client/api-client.ts'
import type { LoopbackClient } from '../client/loopback-client.ts'
import { OWNER_LABELS } from '../docker/owner-labels.ts'
import { removeOrphanContainers } from '../docker/orphans.ts'
import { createLogger, silentLogger, type Logger } from '../log/logger.ts'
import type { EmbeddedStore } from '../store/embedded-store.ts'
import { randomSuffix } from '../util/random.ts'
import { dockerAnswers } from '../kubelet/runtime/create-runtime.ts'
import { NoEtcdError, provideEtcd, type EtcdMode, type ProvidedEtcd } from './choose-etcd.ts'
import { DEFAULT_POD_INFRA_IMAGE } from './images.ts'
import type { RunningServer } from './serve.ts'

export interface ClusterOptions {
  /** Names the cluster's containers and kubeconfig context (`kubebox-<name>`). Default: a random one. */
  name?: string
  /** Where pods run: `docker`, `fake` (no containers, pods go Running), `none` (API only), `auto` (Docker if it answers, else fake). */
  runtime?: 'docker' | 'fake' | 'none' | 'auto'
  /**
   * The store of record: `etcd` (default), `embedded` (in this process, persisted in the data dir; one
   * process only) or `memory` (in this process, gone at stop: the fastest for tests). `auto`: etcd when
   * Docker or an etcd binary can run it, else embedded (said in one line).
   */
  store?: 'etcd' | 'embedded' | 'memory' | 'auto'
  /** How etcd runs: in a container (`docker`), as the `etcd` binary on PATH (`exec`), or `auto`. */
  etcd?: EtcdMode
  /** Use these etcd servers instead of starting one. */
  etcdServers?: string[]
  etcdImage?: string
  nodes?: number
  /** API server port; 0 (default) = a free one. */
  port?: number
  /** Kept data (etcd, kubeconfig, pod volumes); default a temp dir removed at stop. */
  dataDir?: string
  kubeconfigPath?: string
  podInfraImage?: string
  /** The image of the port-forward helper container (needs `nc`; default busybox:1.36). */
  portForwardImage?: string
  serviceClusterIpRange?: string
  /** A logger, or a level for a JSON logger on stderr; default silent. */
  log?: Logger | 'debug' | 'info' | 'warn' | 'error'
  /** Progress lines (image pulls, boot steps). */
  onProgress?: (line: string) => void
  /** Wait until every node is Ready before returning (default true). */
  waitForNodes?: boolean
}

export interface Cluster {
  name: string
  /** The API server URL, e.g. http://127.0.0.1:43211 */
  server: string
  /** The kubeconfig (YAML) pointing at it. */
  kubeconfig: string
  kubeconfigPath: string
  dataDir: string
  /** How etcd runs (`docker`, `exec`, `external`), or `embedded` / `memory`. */
  storeMode: string
  /** Where pods run: `docker`, `fake` or `none` (what `auto` chose). */
  runtime: string
  /** The running pieces, for the CLI. */
  running: RunningServer
  stop(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

const NODE_READY_DEADLINE_MS = 60_000

/** Named durations of the start-up steps, in ms, for the log line that says the cluster is up. */
class StepClock {
  readonly steps: Record<string, number> = {}
  private readonly t0 = performance.now()
  async time<T>(name: string, work: Promise<T> | (() => Promise<T>)): Promise<T> {
    const started = performance.now()
    try {
      return await (typeof work === 'function' ? work() : work)
    } finally {
      this.steps[name] = Math.round(performance.now() - started)
    }
  }
  get totalMs(): number {
    return Math.round(performance.now() - this.t0)
  }
}

/**
 * A whole cluster in this process: etcd (a container, a child process, or given), the API server,
 * controllers and kubelets; ready when every node is Ready. `stop()` (or `await using`) removes every
 * container it made. Containers left by a crashed earlier process are removed first.
 *
 * What can overlap does: the clean-up of those containers runs while etcd starts (only the kubelets wait for
 * it), and the API server's code is loaded while the engine starts etcd's container and etcd elects itself.
 */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const clock = new StepClock()
  const name = opts.name ?? `test-${randomSuffix(6)}`
  const log = typeof opts.log === 'object' ? opts.log : opts.log ? createLogger({ level: opts.log }) : silentLogger()
  const tempDir = opts.dataDir ? undefined : await mkdtemp(join(tmpdir(), `kubebox-${name}-`))
  const dataDir = opts.dataDir ?? tempDir!
  const requested = opts.runtime ?? 'auto'
  let store = opts.store ?? 'etcd'
  const etcdMayUseDocker = (store === 'etcd' || store === 'auto') && !opts.etcdServers?.length && opts.etcd !== 'exec'
  // One look at the engine, for whoever asks (runtime auto, etcd auto).
  let engine: Promise<boolean> | undefined
  const engineAnswers = () => (engine ??= clock.time('docker', dockerAnswers()))
  const runtimeChoice = requested === 'auto' ? engineAnswers().then((up) => (up ? 'docker' : 'fake')) : Promise.resolve(requested)
  // Started now, awaited only before the kubelets start (they must not adopt what is about to be removed).
  const orphansRemoved = clock.time('orphans', async () => {
    if ((await runtimeChoice) !== 'docker' && !etcdMayUseDocker) return
    // This cluster's own etcd container, if left, is replaced by startEtcdContainer.
    const removed = await removeOrphanContainers(undefined, { keep: [`kubebox-${name}-etcd`] })
    if (removed) log.info({ removed }, 'removed containers left by a process that is gone')
  })
  // The API server's modules, loaded while the engine starts etcd's container (or etcd's process starts), else
  // when needed. Not sooner: in the single executable import() runs a module at once, blocking this thread (the
  // engine calls before the container's start would wait), and from files one loader thread loads one module at a
  // time (the engine's client, needed first, would wait).
  let serveModule: Promise<typeof import('./serve.ts')> | undefined
  const loadServer = () => (serveModule ??= clock.time('load', import('./serve.ts')))
  let etcd: ProvidedEtcd | undefined
  let embedded: EmbeddedStore | undefined
  let running: RunningServer | undefined
  const cleanup = async () => {
    await orphansRemoved.catch(() => {})
    await running?.stop().catch((err) => log.warn({ err: err.message }, 'stopping the cluster'))
    await etcd?.stop().catch((err) => log.warn({ err: err.message }, 'stopping etcd'))
    await embedded?.close().catch((err) => log.warn({ err: err.message }, 'closing the embedded store'))
    if (tempDir) await rm(tempDir, { recursive: true, force: true })
  }
  let runtime: string = requested
  try {
    if (store === 'etcd' || store === 'auto') {
      opts.onProgress?.('starting etcd')
      try {
        etcd = await clock.time(
          'etcd',
          provideEtcd({
            mode: opts.etcd ?? 'auto',
            servers: opts.etcdServers,
            image: opts.etcdImage,
            cluster: name,
            dataDir,
            onProgress: opts.onProgress,
            onStarting: () => void loadServer().catch(() => {}),
            dockerAnswers: etcdMayUseDocker && opts.etcd !== 'docker' ? engineAnswers() : undefined,
          }),
        )
        store = 'etcd'
      } catch (err) {
        if (!(store === 'auto' && err instanceof NoEtcdError)) throw err
        const line = `no Docker engine and no etcd binary found: using the embedded store (state in ${join(dataDir, 'store')})`
        log.warn(line)
        opts.onProgress?.(line)
        store = 'embedded'
      }
    }
    if (store === 'embedded') embedded = await clock.time('store', async () => (await import('../store/embedded-store.ts')).EmbeddedStore.open(join(dataDir, 'store')))
    const memory = store === 'memory' ? new (await import('../store/memory-store.ts')).MemoryStore() : undefined
    const { serve } = await loadServer()
    runtime = await runtimeChoice
    opts.onProgress?.('starting the API server')
    running = await clock.time(
      'serve',
      serve({
        etcdServers: etcd?.endpoints ?? [],
        store: memory ?? embedded,
        port: opts.port ?? 0,
        bindAddress: '127.0.0.1',
        kubeconfig: opts.kubeconfigPath,
        dataDir,
        serviceClusterIpRange: opts.serviceClusterIpRange ?? '10.96.0.0/12',
        runtime: runtime as 'docker' | 'fake' | 'none',
        nodes: opts.nodes ?? 1,
        podInfraImage: opts.podInfraImage ?? DEFAULT_POD_INFRA_IMAGE,
        portForwardImage: opts.portForwardImage,
        cleanup: true,
        containerLabels: OWNER_LABELS(name),
        runtimeScope: name,
        contextName: `kubebox-${name}`,
        kubeletsAfter: orphansRemoved,
        log,
      }),
    )
    if (opts.waitForNodes !== false && running.kubelets.length) {
      opts.onProgress?.('waiting for the nodes to be Ready')
      const { LoopbackClient } = await import('../client/loopback-client.ts') // loaded with the API server already
      await clock.time('nodesReady', waitForReadyNodes(new LoopbackClient(running.apiServer), running.kubelets.length))
    }
  } catch (err) {
    await cleanup()
    throw err
  }
  const kubeconfig = await readFile(running.kubeconfigPath, 'utf8')
  log.info({ ms: clock.totalMs, steps: { ...clock.steps, ...etcd?.timings, ...running.timings }, processMs: Math.round(performance.now()) }, 'cluster started')
  let stopping: Promise<void> | undefined
  const stop = () => (stopping ??= cleanup())
  return {
    name,
    server: running.url,
    kubeconfig,
    kubeconfigPath: running.kubeconfigPath,
    dataDir,
    storeMode: etcd?.mode ?? store,
    runtime,
    running,
    stop,
    [Symbol.asyncDispose]: stop,
  }
}

async function waitForReadyNodes(client: LoopbackClient, count: number): Promise<void> {
  const deadline = Date.now() + NODE_READY_DEADLINE_MS
  for (;;) {
    const { items } = await client.list(core('nodes'))
    const ready = items.filter((n) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'))
    if (ready.length >= count) return
    if (Date.now() > deadline) throw new Error(`only ${ready.length} of ${count} nodes became Ready within ${NODE_READY_DEADLINE_MS / 1000}s`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
