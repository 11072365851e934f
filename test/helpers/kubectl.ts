/**
 * The real kubectl binaries, run as a user runs them. The versioned ones (`kubectl.1.27` … `kubectl.1.33`)
 * are installed beside the `kubectl` on PATH (its symlink resolved); 'default' is that `kubectl` itself.
 * Every run names the kubeconfig and a cache directory explicitly: kubectl caches discovery for 6 hours,
 * and a test must never see another server's (or another test's) discovery.
 */
import assert from 'node:assert/strict'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, realpathSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

export const KUBECTL_VERSIONS = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33'] as const
export type KubectlVersion = (typeof KUBECTL_VERSIONS)[number] | 'default'

export interface KubectlResult {
  code: number
  stdout: string
  stderr: string
  /** Killed because it ran past its timeout (code is then -1). */
  timedOut: boolean
}

export interface KubectlOptions {
  kubeconfig: string
  /** `--cache-dir`; a fresh temp directory when absent (discovery is then fetched again). */
  cacheDir?: string
  /** Written to kubectl's stdin (for `-f -`). */
  stdin?: string
  /** Default 60 s; past it kubectl is SIGKILLed and the result has timedOut. */
  timeoutMs?: number
  env?: Record<string, string>
}

let kubectlDir: string | undefined

/** The directory of the real kubectl on PATH (where the versioned binaries are). */
function binDir(): string {
  if (!kubectlDir) {
    const onPath = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim()
    if (!onPath) throw new Error('kubectl is not on PATH')
    kubectlDir = dirname(realpathSync(onPath))
  }
  return kubectlDir
}

export function kubectlPath(version: KubectlVersion): string {
  return version === 'default' ? join(binDir(), 'kubectl') : join(binDir(), `kubectl.${version}`)
}

/** Whether that kubectl is installed (for a suite that skips without it); false too when no kubectl is on PATH. */
export function kubectlInstalled(version: KubectlVersion): boolean {
  try {
    return existsSync(kubectlPath(version))
  } catch {
    return false
  }
}

/** A fresh, empty `--cache-dir`. */
export function freshCacheDir(): string {
  return mkdtempSync(join(tmpdir(), 'kubectl-cache-'))
}

function commonArgs(opts: KubectlOptions): string[] {
  return ['--kubeconfig', opts.kubeconfig, '--cache-dir', opts.cacheDir ?? freshCacheDir()]
}

/** Runs kubectl to completion; never throws for a non-zero exit (tests assert on code and output). */
export function kubectl(version: KubectlVersion, args: string[], opts: KubectlOptions): Promise<KubectlResult> {
  return new Promise((resolveResult, reject) => {
    const child = spawn(kubectlPath(version), [...commonArgs(opts), ...args], {
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, opts.timeoutMs ?? 60_000)
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(new Error(`could not run ${kubectlPath(version)}: ${err.message}`))
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolveResult({ code: timedOut ? -1 : (code ?? -1), stdout, stderr, timedOut })
    })
    child.stdin.on('error', () => {}) // kubectl may exit before reading all of stdin
    child.stdin.end(opts.stdin ?? '')
  })
}

export interface KubectlClientOptions extends KubectlOptions {
  /** What the server printed (e.g. `ServerProcess.output`); its tail goes into the message when a command fails. */
  serverOutput?: () => string
}

/**
 * One kubectl version bound to one server: its kubeconfig, cache directory, env and timeout are given once, and a
 * test file's many commands name only their arguments.
 */
export interface KubectlClient {
  readonly version: KubectlVersion
  /** Runs to completion; never throws for a non-zero exit. `opts` override the bound options for this run (env is merged). */
  run(args: string[], opts?: Partial<KubectlOptions>): Promise<KubectlResult>
  /** Runs, and fails the test with kubectl's output (and the server's) unless kubectl exits 0. */
  ok(args: string[], opts?: Partial<KubectlOptions>): Promise<KubectlResult>
  /** `get ARGS -o json`, parsed (through ok). */
  getJson(...args: string[]): Promise<any>
}

export function kubectlClient(version: KubectlVersion, bound: KubectlClientOptions): KubectlClient {
  const { serverOutput, ...defaults } = bound
  const run = (args: string[], opts: Partial<KubectlOptions> = {}) =>
    kubectl(version, args, { ...defaults, ...opts, env: { ...defaults.env, ...opts.env } })
  const ok = async (args: string[], opts?: Partial<KubectlOptions>) => {
    const r = await run(args, opts)
    if (r.code !== 0) {
      const server = serverOutput ? `\nserver:\n${serverOutput().slice(-3000)}` : ''
      assert.fail(`kubectl ${version} ${args.join(' ')} failed (${r.code}${r.timedOut ? ', timed out' : ''}):\n${r.stderr}\n${r.stdout}${server}`)
    }
    return r
  }
  return { version, run, ok, getJson: async (...args) => JSON.parse((await ok(['get', ...args, '-o', 'json'])).stdout) }
}

/** A long-running kubectl (`get -w`, `port-forward`…): its output so far, a way to wait on it, and kill(). */
export interface KubectlProcess {
  readonly child: ChildProcess
  stdout(): string
  stderr(): string
  /** Waits until stdout (or stderr with `stream: 'stderr'`) matches; fails with the output on timeout or exit. */
  waitFor(pattern: RegExp, opts?: { stream?: 'stdout' | 'stderr'; timeoutMs?: number }): Promise<RegExpMatchArray>
  /** Resolves with the exit code once kubectl exits by itself (throws past the timeout). */
  exited(timeoutMs?: number): Promise<number | null>
  /** SIGTERM (SIGKILL if it lingers); resolves with the exit code once it has exited. */
  kill(): Promise<number | null>
}

export function spawnKubectl(version: KubectlVersion, args: string[], opts: KubectlOptions): KubectlProcess {
  const child = spawn(kubectlPath(version), [...commonArgs(opts), ...args], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const out = { stdout: '', stderr: '' }
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out.stdout += c))
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out.stderr += c))
  let exitCode: number | null | undefined
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r((exitCode = code))))
  const killOnExit = () => child.kill('SIGKILL')
  process.on('exit', killOnExit)
  void exited.then(() => process.off('exit', killOnExit))
  return {
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    async waitFor(pattern, { stream = 'stdout', timeoutMs = 20_000 } = {}) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const m = out[stream].match(pattern)
        if (m) return m
        const why = exitCode !== undefined ? `kubectl exited (${exitCode})` : Date.now() > deadline ? `no match within ${timeoutMs} ms` : undefined
        if (why) throw new Error(`${why} waiting for ${pattern} on ${stream}\nstdout:\n${out.stdout}\nstderr:\n${out.stderr.slice(-4000)}`)
        await sleep(20)
      }
    },
    async exited(timeoutMs = 20_000) {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`kubectl still running after ${timeoutMs} ms\nstdout:\n${out.stdout}\nstderr:\n${out.stderr.slice(-4000)}`)), timeoutMs)
      })
      try {
        return await Promise.race([exited, timeout])
      } finally {
        clearTimeout(timer)
      }
    },
    async kill() {
      if (exitCode === undefined) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      }
      return exitCode ?? null
    },
  }
}

export interface PollOptions {
  timeoutMs?: number
  intervalMs?: number
}

/** Polls `check` until it returns a truthy value, which is returned; past the deadline, throws with the last result. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, opts: PollOptions = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000)
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value
      last = value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`)
    await sleep(opts.intervalMs ?? 100)
  }
}

/** Runs `fn` until it does not throw (an assertion that needs the server to catch up); rethrows the last error past the deadline. */
export async function retry<T>(fn: () => Promise<T> | T, opts: PollOptions = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000)
  for (;;) {
    try {
      return await fn()
    } catch (err) {
      if (Date.now() > deadline) throw err
      await sleep(opts.intervalMs ?? 100)
    }
  }
}
