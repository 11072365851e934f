import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { core } from '../client/api-client.ts'
import { LoopbackClient } from '../client/loopback-client.ts'
import { OWNER_LABELS } from '../docker/owner-labels.ts'
import { removeOrphanContainers } from '../docker/orphans.ts'
import { createLogger, silentLogger, type Logger } from '../log/logger.ts'
import { EmbeddedStore } from '../store/embedded-store.ts'
import { MemoryStore } from '../store/memory-store.ts'
import { randomSuffix } from '../util/random.ts'
import { dockerAnswers } from '../kubelet/runtime/create-runtime.ts'
import { NoEtcdError, provideEtcd, type EtcdMode, type ProvidedEtcd } from './choose-etcd.ts'
import { DEFAULT_POD_INFRA_IMAGE, serve, type RunningServer } from './serve.ts'

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

/**
 * A whole cluster in this process: etcd (a container, a child process, or given), the API server,
 * controllers and kubelets; ready when every node is Ready. `stop()` (or `await using`) removes every
 * container it made. Containers left by a crashed earlier process are removed first.
 */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const name = opts.name ?? `test-${randomSuffix(6)}`
  const log = typeof opts.log === 'object' ? opts.log : opts.log ? createLogger({ level: opts.log }) : silentLogger()
  const tempDir = opts.dataDir ? undefined : await mkdtemp(join(tmpdir(), `kubebox-${name}-`))
  const dataDir = opts.dataDir ?? tempDir!
  const requested = opts.runtime ?? 'auto'
  const runtime = requested === 'auto' ? ((await dockerAnswers()) ? 'docker' : 'fake') : requested
  let store = opts.store ?? 'etcd'
  const etcdMayUseDocker = (store === 'etcd' || store === 'auto') && !opts.etcdServers?.length && opts.etcd !== 'exec'
  if (runtime === 'docker' || etcdMayUseDocker) {
    const removed = await removeOrphanContainers()
    if (removed) log.info({ removed }, 'removed containers left by a process that is gone')
  }
  let etcd: ProvidedEtcd | undefined
  let embedded: EmbeddedStore | undefined
  let running: RunningServer | undefined
  const cleanup = async () => {
    await running?.stop().catch((err) => log.warn({ err: err.message }, 'stopping the cluster'))
    await etcd?.stop().catch((err) => log.warn({ err: err.message }, 'stopping etcd'))
    await embedded?.close().catch((err) => log.warn({ err: err.message }, 'closing the embedded store'))
    if (tempDir) await rm(tempDir, { recursive: true, force: true })
  }
  try {
    if (store === 'etcd' || store === 'auto') {
      opts.onProgress?.('starting etcd')
      try {
        etcd = await provideEtcd({ mode: opts.etcd ?? 'auto', servers: opts.etcdServers, image: opts.etcdImage, cluster: name, dataDir, onProgress: opts.onProgress })
        store = 'etcd'
      } catch (err) {
        if (!(store === 'auto' && err instanceof NoEtcdError)) throw err
        const line = `no Docker engine and no etcd binary found: using the embedded store (state in ${join(dataDir, 'store')})`
        log.warn(line)
        opts.onProgress?.(line)
        store = 'embedded'
      }
    }
    if (store === 'embedded') embedded = await EmbeddedStore.open(join(dataDir, 'store'))
    opts.onProgress?.('starting the API server')
    running = await serve({
      etcdServers: etcd?.endpoints ?? [],
      store: store === 'memory' ? new MemoryStore() : embedded,
      port: opts.port ?? 0,
      bindAddress: '127.0.0.1',
      kubeconfig: opts.kubeconfigPath,
      dataDir,
      serviceClusterIpRange: opts.serviceClusterIpRange ?? '10.96.0.0/12',
      runtime,
      nodes: opts.nodes ?? 1,
      podInfraImage: opts.podInfraImage ?? DEFAULT_POD_INFRA_IMAGE,
      portForwardImage: opts.portForwardImage,
      cleanup: true,
      containerLabels: OWNER_LABELS(name),
      runtimeScope: name,
      contextName: `kubebox-${name}`,
      log,
    })
    if (opts.waitForNodes !== false && running.kubelets.length) {
      opts.onProgress?.('waiting for the nodes to be Ready')
      await waitForReadyNodes(new LoopbackClient(running.apiServer), running.kubelets.length)
    }
  } catch (err) {
    await cleanup()
    throw err
  }
  const kubeconfig = await readFile(running.kubeconfigPath, 'utf8')
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
    await new Promise((r) => setTimeout(r, 50))
  }
}
