import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import type { Logger } from '../log/logger.ts'
import { portIsFree } from '../util/free-port.ts'
import { logFile, processAlive, readState, writeState, type ClusterState } from './cluster-state.ts'
import type { ClusterOptions } from './start-cluster.ts'
import { untilSignal } from '../util/until-signal.ts'
import { settleMemorySoon } from './settle-memory.ts'
import { CLUSTER_NODE_FLAGS } from './node-flags.ts'

/**
 * The launcher (`cluster up` without --foreground) gives the process it starts this fd, a pipe, and reads the
 * ready state from it: no polling of the state file.
 */
const READY_FD_ENV = 'KUBEBOX_READY_FD'
const READY_FD = 3

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
  // Loaded here, not at the top: the launcher that only starts this process in the background does not need them.
  const { startCluster } = await import('./start-cluster.ts')
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
  const [{ parse }, { mergeKubeconfig, defaultKubeconfigPath }] = await Promise.all([import('yaml'), import('../kubeconfig/merge.ts')])
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
  notifyLauncher(state)
  onReady?.(state)
  settleMemorySoon((ms) => opts.log.debug({ ms: Math.round(ms) }, 'memory settled after start-up'))
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
    stdio: ['ignore', out, out, 'pipe'],
    // YARGS_DISABLE_WRAP: yargs renders the help of every command it runs (in case it fails later); that process
    // never shows it, and unwrapped it costs a few ms less.
    env: { ...process.env, KUBEBOX_BACKGROUND: '1', [READY_FD_ENV]: String(READY_FD), YARGS_DISABLE_WRAP: '1' },
  })
  closeSync(out)
  const ready = child.stdio[READY_FD] as Readable
  try {
    return await new Promise<ClusterState>((resolve, reject) => {
      let received = ''
      let settled = false
      const settle = (fn: () => void) => {
        if (settled) return
        settled = true
        clearTimeout(deadline)
        clearInterval(poll)
        fn()
      }
      // The state, as one JSON line, the moment the cluster is ready.
      ready.setEncoding('utf8').on('data', (chunk: string) => {
        received += chunk
        const nl = received.indexOf('\n')
        if (nl < 0) return
        try {
          const state = JSON.parse(received.slice(0, nl)) as ClusterState
          settle(() => resolve(state))
        } catch {}
      })
      ready.on('error', () => {})
      child.on('exit', () => settle(() => reject(new UpError(`cluster "${opts.name}" failed to start:\n${tail(log, 15)}`))))
      // The state file as well, slowly: what the pipe says, should it ever be lost.
      const poll = setInterval(() => {
        void readState(opts.dataDir).then((state) => {
          if (state && state.pid === child.pid && state.ready) settle(() => resolve(state))
        })
      }, 500)
      const deadline = setTimeout(
        () => settle(() => reject(new UpError(`cluster "${opts.name}" was not ready in time; see ${log}\n${tail(log, 15)}`))),
        opts.deadlineMs ?? 180_000,
      )
    })
  } finally {
    ready.destroy()
    child.unref()
  }
}

/** Tells the launcher that started this process (startClusterInBackground) that the cluster is ready. */
function notifyLauncher(state: ClusterState): void {
  if (process.env[READY_FD_ENV] !== String(READY_FD)) return
  delete process.env[READY_FD_ENV]
  try {
    writeSync(READY_FD, `${JSON.stringify(state)}\n`)
  } catch {
    // The launcher is gone (Ctrl-C): the cluster runs on; the state file says it is ready.
  }
  try {
    closeSync(READY_FD)
  } catch {}
}

/** How to run this program again: the SEA binary alone (its options are built in), or node + its flags + the entry script. */
async function selfInvocation(): Promise<string[]> {
  const sea = await import('node:sea').catch(() => undefined)
  if ((sea as { isSea?: () => boolean } | undefined)?.isSea?.()) return []
  const given = new Set(process.execArgv.map((a) => a.split('=')[0]))
  return [...CLUSTER_NODE_FLAGS.filter((o) => !given.has(o.split('=')[0])), ...process.execArgv, process.argv[1]]
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}
