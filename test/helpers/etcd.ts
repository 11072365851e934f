/**
 * Starts a throwaway single-member etcd for a test file: its own temp data dir and free ports on 127.0.0.1.
 * Needs the `etcd` binary on PATH (Debian: etcd-server; CI installs it). Without it, startEtcd throws: the
 * integration tests fail loudly instead of skipping.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

export interface EtcdInstance {
  /** Client URL, e.g. http://127.0.0.1:41234 */
  endpoint: string
  stop(): Promise<void>
}

const STARTUP_DEADLINE_MS = 20_000

/** A port that was free a moment ago: listen on port 0, note what the kernel chose, close. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise(resolve => server.close(resolve))
  if (!address || typeof address === 'string') throw new Error('could not read the port of a listening socket')
  return address.port
}

export async function startEtcd(): Promise<EtcdInstance> {
  // Another process can grab a "free" port before etcd binds it; such a start is retried on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce()
    } catch (err) {
      if (attempt < 3 && err instanceof PortInUseError) continue
      throw err
    }
  }
}

class PortInUseError extends Error {}

async function startOnce(): Promise<EtcdInstance> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kubebox-etcd-'))
  const [clientPort, peerPort] = [await freePort(), await freePort()]
  const clientUrl = `http://127.0.0.1:${clientPort}`
  const peerUrl = `http://127.0.0.1:${peerPort}`
  const name = 'kubebox-test'
  const args = [
    `--name=${name}`,
    `--data-dir=${join(dataDir, 'data')}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${name}=${peerUrl}`,
    '--initial-cluster-state=new',
    // etcd 3.4 defaults to the capnslog logger, which ignores --log-level; zap honours it.
    '--logger=zap',
    '--log-level=error',
  ]

  let stderr = ''
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined
  let spawnError: Error | undefined
  const child: ChildProcess = spawn('etcd', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-16_000) // the tail is what explains a failure
  })
  child.on('error', err => (spawnError = err))
  const exitedPromise = new Promise<void>(resolve =>
    child.on('exit', (code, signal) => {
      exited = { code, signal }
      resolve()
    }),
  )
  // If the test process dies without calling stop(), don't leave etcd running.
  const killOnExit = () => child.kill('SIGKILL')
  process.on('exit', killOnExit)

  const shutdown = async () => {
    process.off('exit', killOnExit)
    if (!exited && !spawnError) {
      child.kill('SIGTERM')
      // SIGKILL if it takes too long; the timer is cleared so it cannot keep the test process alive.
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exitedPromise
      clearTimeout(timer)
    }
    await rm(dataDir, { recursive: true, force: true })
  }
  let stopping: Promise<void> | undefined
  const stop = () => (stopping ??= shutdown()) // idempotent: after() may stop what a test already stopped

  const deadline = Date.now() + STARTUP_DEADLINE_MS
  for (;;) {
    if (spawnError) {
      await stop()
      const notFound = (spawnError as NodeJS.ErrnoException).code === 'ENOENT'
      throw new Error(
        notFound
          ? 'integration tests need the `etcd` binary on PATH (Debian/Ubuntu: apt-get install etcd-server)'
          : `could not start etcd: ${spawnError.message}`,
      )
    }
    if (exited) {
      await stop()
      const why = `etcd exited (code ${exited.code}, signal ${exited.signal}) before becoming healthy`
      if (/address already in use/.test(stderr)) throw new PortInUseError(`${why}: a port was taken\n${stderr}`)
      throw new Error(`${why}; args: ${args.join(' ')}\nstderr:\n${stderr}`)
    }
    if (await healthy(clientUrl)) return { endpoint: clientUrl, stop }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`etcd at ${clientUrl} not healthy within ${STARTUP_DEADLINE_MS} ms\nstderr:\n${stderr}`)
    }
    await sleep(50)
  }
}

/** etcd's /health answers {"health":"true"} once the member has a leader and serves requests. */
async function healthy(clientUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) })
    const body = (await res.json()) as { health?: string }
    return res.ok && body.health === 'true'
  } catch {
    return false // not listening yet, or not ready
  }
}
