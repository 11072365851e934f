import { spawn } from 'node:child_process'
import { openSync, readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { parse } from 'yaml'
import { mergeKubeconfig, defaultKubeconfigPath } from '../kubeconfig/merge.ts'
import type { Logger } from '../log/logger.ts'
import { portIsFree } from '../util/free-port.ts'
import { logFile, processAlive, readState, writeState, type ClusterState } from './cluster-state.ts'
import { startCluster, type ClusterOptions } from './start-cluster.ts'
import { untilSignal } from '../util/until-signal.ts'

export interface UpOptions {
  name: string
  dataDir: string
  runtime: NonNullable<ClusterOptions['runtime']>
  store: NonNullable<ClusterOptions['store']>
  etcd: NonNullable<ClusterOptions['etcd']>
  etcdServers?: string[]
  etcdImage?: string
  nodes: number
  port?: number
  podInfraImage?: string
  /** Write the kubeconfig here instead of merging a context into ~/.kube/config. */
  kubeconfig?: string
  log: Logger
  /** Progress lines for a person (quiet under CI). */
  progress: (line: string) => void
}

export class UpError extends Error {}

/**
 * `cluster up --foreground`: runs the cluster in this process until SIGINT/SIGTERM, recording its state in
 * the data dir and its context in the kubeconfig. The data dir keeps etcd's data: the next `up` finds the
 * cluster as it was, on the same port when that is still free.
 */
export async function runClusterForeground(opts: UpOptions, onReady?: (state: ClusterState) => void): Promise<void> {
  const previous = await readState(opts.dataDir)
  if (previous?.pid && previous.pid !== process.pid && processAlive(previous.pid))
    throw new UpError(`cluster "${opts.name}" is already running (pid ${previous.pid}) at ${previous.server}`)
  const port = opts.port ?? (previous?.port && (await portIsFree(previous.port)) ? previous.port : 0)
  const cluster = await startCluster({
    name: opts.name,
    dataDir: opts.dataDir,
    runtime: opts.runtime,
    store: opts.store,
    etcd: opts.etcd,
    etcdServers: opts.etcdServers,
    etcdImage: opts.etcdImage,
    nodes: opts.nodes,
    port,
    podInfraImage: opts.podInfraImage,
    log: opts.log,
    onProgress: opts.progress,
  })
  const config = parse(cluster.kubeconfig)
  const kubeconfigPath = opts.kubeconfig ?? defaultKubeconfigPath()
  await mergeKubeconfig(kubeconfigPath, config)
  const state: ClusterState = {
    name: opts.name,
    pid: process.pid,
    server: cluster.server,
    port: Number(new URL(cluster.server).port),
    kubeconfigPath,
    runtime: cluster.running.kubelets.length ? cluster.runtime : 'none',
    storeMode: cluster.storeMode,
    nodes: cluster.running.kubelets.length,
    startedAt: new Date().toISOString(),
    ready: true,
  }
  await writeState(opts.dataDir, state)
  onReady?.(state)
  await untilSignal()
  opts.log.info('stopping the cluster')
  await cluster.stop()
  await writeState(opts.dataDir, { ...state, pid: undefined, ready: false })
}

/**
 * `cluster up`: starts the cluster as a background process (this same program with `--foreground`, its
 * logs in the data dir) and returns once it is ready, or fails with the log's last lines.
 */
export async function startClusterInBackground(opts: { name: string; dataDir: string; argv: string[]; deadlineMs?: number }): Promise<ClusterState> {
  const running = await readState(opts.dataDir)
  if (running?.pid && processAlive(running.pid) && running.ready) return running
  await mkdir(opts.dataDir, { recursive: true })
  const log = logFile(opts.dataDir)
  const out = openSync(log, 'a')
  const child = spawn(process.execPath, [...(await selfInvocation()), 'up', '--foreground', '--log-format', 'json', ...opts.argv], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, KUBEBOX_BACKGROUND: '1' },
  })
  let exited: number | null | undefined
  child.on('exit', (code) => (exited = code))
  child.unref()
  const deadline = Date.now() + (opts.deadlineMs ?? 180_000)
  for (;;) {
    const state = await readState(opts.dataDir)
    if (state && state.pid === child.pid && state.ready) return state
    if (exited !== undefined) throw new UpError(`cluster "${opts.name}" failed to start:\n${tail(log, 15)}`)
    if (Date.now() > deadline) throw new UpError(`cluster "${opts.name}" was not ready in time; see ${log}\n${tail(log, 15)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** How to run this program again: the SEA binary alone, or node + its flags + the entry script. */
async function selfInvocation(): Promise<string[]> {
  const sea = await import('node:sea').catch(() => undefined)
  if ((sea as { isSea?: () => boolean } | undefined)?.isSea?.()) return []
  return [...process.execArgv, process.argv[1]]
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}
