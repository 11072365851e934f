/**
 * `cluster serve` as a child process on a throwaway etcd, for end-to-end tests that drive real clients
 * (kubectl, @kubernetes/client-node, the Python client) against it exactly as a user would: the server is
 * started by its command line, found by the line it prints, and stopped by SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startEtcd, type EtcdInstance } from './etcd.ts'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

export interface ServerProcess {
  /** e.g. http://127.0.0.1:41234 */
  url: string
  /** The kubeconfig the server wrote (plain HTTP, `insecure-skip-tls-verify: true`). */
  kubeconfig: string
  /** The throwaway etcd (absent on the embedded store). */
  etcd?: EtcdInstance
  /** A temp directory of this server (data dir, kubeconfig); removed by stop(). Tests may put files in it. */
  dir: string
  /** What the server printed so far (stdout and stderr, interleaved), for failure messages. */
  output(): string
  /** SIGTERM, wait for the exit (SIGKILL after a while), stop etcd, remove the temp directory. Idempotent. */
  stop(): Promise<void>
}

export interface StartServerOptions {
  /**
   * Extra `cluster serve` flags. The default `--runtime none` serves the API without kubelets, so that what
   * the tests see depends on the API server alone (no Docker, no node registering itself).
   */
  args?: string[]
  /** How long to wait for the "listening" line (a loaded 2-core machine needs a while to load tsx). */
  startupTimeoutMs?: number
  /** `embedded`: no etcd; the server keeps its objects in `<dir>/data/store` (`--store embedded`). */
  store?: 'etcd' | 'embedded'
  /** Use this directory and keep it at stop, so that a second server finds the first one's data. */
  dir?: string
}

const LISTENING = /API server listening on (http:\/\/127\.0\.0\.1:\d+)/
const STOP_GRACE_MS = 10_000

export async function startServer(opts: StartServerOptions = {}): Promise<ServerProcess> {
  const etcd = opts.store === 'embedded' ? undefined : await startEtcd()
  let dir: string | undefined
  try {
    dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'kubebox-e2e-')))
    return await spawnServer(etcd, dir, opts)
  } catch (err) {
    await etcd?.stop()
    if (dir && !opts.dir) await rm(dir, { recursive: true, force: true })
    throw err
  }
}

async function spawnServer(etcd: EtcdInstance | undefined, dir: string, opts: StartServerOptions): Promise<ServerProcess> {
  const kubeconfig = join(dir, 'kubeconfig')
  const args = [
    join(repoRoot, 'bin/cluster.js'),
    'serve',
    ...(etcd ? ['--etcd-servers', etcd.endpoint] : ['--store', 'embedded']),
    '--port', '0',
    '--data-dir', join(dir, 'data'),
    '--kubeconfig', kubeconfig,
    '--log-level', 'warn',
    ...(opts.args ?? ['--runtime', 'none']),
  ]
  const child: ChildProcess = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const append = (chunk: string) => {
    output = (output + chunk).slice(-64_000)
  }
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined
  const exitedPromise = new Promise<void>((resolveExit) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal }
      resolveExit()
    }),
  )
  const killOnExit = () => child.kill('SIGKILL')
  process.on('exit', killOnExit)

  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      process.off('exit', killOnExit)
      if (!exited) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
        await exitedPromise
        clearTimeout(timer)
      }
      await etcd?.stop()
      if (!opts.dir) await rm(dir, { recursive: true, force: true })
    })())

  const timeoutMs = opts.startupTimeoutMs ?? 90_000
  try {
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`cluster serve printed no "API server listening" line within ${timeoutMs} ms`)), timeoutMs)
      let stdoutText = ''
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        append(chunk)
        stdoutText += chunk
        const m = LISTENING.exec(stdoutText)
        if (m) {
          clearTimeout(timer)
          resolveUrl(m[1]!)
        }
      })
      child.stderr!.setEncoding('utf8').on('data', append)
      child.on('error', (err) => {
        clearTimeout(timer)
        reject(new Error(`could not start cluster serve: ${err.message}`))
      })
      void exitedPromise.then(() => {
        clearTimeout(timer)
        reject(new Error(`cluster serve exited (code ${exited?.code}, signal ${exited?.signal}) before listening`))
      })
    })
    return { url, kubeconfig, etcd, dir, output: () => output, stop }
  } catch (err) {
    await stop()
    throw new Error(`${(err as Error).message}\nargs: ${args.join(' ')}\noutput:\n${output}`)
  }
}
