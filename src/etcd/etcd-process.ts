import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { freePort } from '../util/free-port.ts'
import { waitForEtcd } from './etcd-health.ts'

export interface RunningEtcd {
  /** Client URL, e.g. http://127.0.0.1:41234 */
  endpoint: string
  stop(): Promise<void>
}

export interface EtcdProcessOptions {
  /** Where etcd keeps its data (kept across runs: the cluster's state). */
  dataDir: string
  /** The client port (default: a free one). */
  clientPort?: number
  binary?: string
  startupDeadlineMs?: number
  /**
   * Auto-compaction keeps history bounded, as the kube-apiserver's periodic compaction does
   * (watchers older than this get 410 Expired and relist).
   */
  autoCompactionRetention?: string
  /** Called once the process is spawned, while etcd starts. */
  onSpawned?: () => void
}

/**
 * A single-member etcd elects itself after its election timeout less one heartbeat ("fast-forwarding election
 * ticks"), that is after 1 to 10 heartbeats: 0.1–1 s with the defaults (100 ms, 1 s), the longest wait of a
 * cluster's start. With 20 ms heartbeats it is 20–100 ms. A single member has no peer to send heartbeats to or
 * to lose an election to, so the shorter intervals cost only the ticks themselves (50 a second, idle).
 */
export const ETCD_FAST_ELECTION_FLAGS = ['--heartbeat-interval=20', '--election-timeout=100']

export class EtcdNotFoundError extends Error {}
export class EtcdPortInUseError extends Error {}

/**
 * Runs an `etcd` binary from PATH as a child process on 127.0.0.1 (kubebox's `--etcd exec`, and the tests'
 * etcd): free ports, its own data dir, killed with the parent if the parent dies first.
 */
export async function startEtcdProcess(opts: EtcdProcessOptions): Promise<RunningEtcd> {
  await mkdir(opts.dataDir, { recursive: true })
  const clientPort = opts.clientPort ?? (await freePort())
  const peerPort = await freePort()
  const clientUrl = `http://127.0.0.1:${clientPort}`
  const peerUrl = `http://127.0.0.1:${peerPort}`
  const name = 'kubebox'
  const args = [
    `--name=${name}`,
    `--data-dir=${opts.dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${name}=${peerUrl}`,
    '--initial-cluster-state=new',
    `--auto-compaction-mode=periodic`,
    `--auto-compaction-retention=${opts.autoCompactionRetention ?? '5m'}`,
    ...ETCD_FAST_ELECTION_FLAGS,
    // etcd 3.4 defaults to the capnslog logger, which ignores --log-level; zap honours it.
    '--logger=zap',
    '--log-level=error',
  ]
  let stderr = ''
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined
  let spawnError: Error | undefined
  const child: ChildProcess = spawn(opts.binary ?? 'etcd', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-16_000) // the tail is what explains a failure
  })
  child.on('error', (err) => (spawnError = err))
  const exitedPromise = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal }
      resolve()
    }),
  )
  // If this process dies without calling stop(), don't leave etcd running.
  const killOnExit = () => child.kill('SIGKILL')
  process.on('exit', killOnExit)
  opts.onSpawned?.()
  const shutdown = async () => {
    process.off('exit', killOnExit)
    if (!exited && !spawnError) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exitedPromise
      clearTimeout(timer)
    }
  }
  let stopping: Promise<void> | undefined
  const stop = () => (stopping ??= shutdown())
  try {
    await waitForEtcd(clientUrl, opts.startupDeadlineMs ?? 20_000, () => {
      if (spawnError) {
        const notFound = (spawnError as NodeJS.ErrnoException).code === 'ENOENT'
        return notFound ? 'no `etcd` binary on PATH (Debian/Ubuntu: apt-get install etcd-server)' : `could not start etcd: ${spawnError.message}`
      }
      if (exited) return `etcd exited (code ${exited.code}, signal ${exited.signal}) before becoming healthy\n${stderr}`
      return undefined
    })
  } catch (err) {
    await stop()
    const message = (err as Error).message
    if (spawnError && (spawnError as NodeJS.ErrnoException).code === 'ENOENT') throw new EtcdNotFoundError(message)
    if (/address already in use/.test(stderr)) throw new EtcdPortInUseError(message)
    throw new Error(`${message}\nstderr:\n${stderr}`)
  }
  return { endpoint: clientUrl, stop }
}
