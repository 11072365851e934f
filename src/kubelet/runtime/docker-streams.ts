/**
 * The stream side of Docker's exec and attach: a hijacked connection (the engine's `Upgrade: tcp` answer) turned
 * into a StreamSession. Without a TTY the engine multiplexes stdout and stderr into frames of an 8-byte header
 * (stream type 1 or 2, three zero bytes, big-endian length) and the payload; with a TTY the bytes come raw.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { PassThrough, Writable, type Duplex, type Readable } from 'node:stream'
import type { StreamSession } from './container-runtime.ts'

/**
 * Splits Docker's multiplexed stream into stdout and stderr, with back-pressure: the source pauses while a
 * destination is full. Both destinations end when the source ends.
 */
export function demuxDockerStream(source: Readable, stdout: Writable, stderr: Writable): void {
  let pending: Buffer = Buffer.alloc(0)
  const waitFor = (dest: Writable) => {
    source.pause()
    dest.once('drain', () => source.resume())
  }
  source.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk
    while (pending.length >= 8) {
      const length = pending.readUInt32BE(4)
      if (pending.length < 8 + length) break
      const dest = pending[0] === 2 ? stderr : stdout
      const payload = pending.subarray(8, 8 + length)
      pending = pending.subarray(8 + length)
      if (payload.length && !dest.write(payload)) waitFor(dest)
    }
  })
  const finish = () => {
    if (!stdout.writableEnded) stdout.end()
    if (!stderr.writableEnded) stderr.end()
  }
  source.on('end', finish)
  source.on('close', finish)
  source.on('error', finish)
}

export interface HijackHooks {
  tty: boolean
  stdin: boolean
  resize(width: number, height: number): Promise<void>
  /** The exit code, asked once the output has ended. */
  exitCode(): Promise<number>
  /** Called by close() while the session still runs (kill the exec'd process). */
  kill?(): Promise<void>
}

/** A StreamSession over a hijacked engine connection. */
export function hijackedSession(socket: Duplex, hooks: HijackHooks): StreamSession {
  const stdout = new PassThrough()
  const stderr = hooks.tty ? undefined : new PassThrough()
  if (stderr) demuxDockerStream(socket, stdout, stderr)
  else {
    socket.pipe(stdout)
    socket.on('close', () => stdout.end())
    socket.on('error', () => stdout.end())
  }
  let ended = false
  const outputDone = new Promise<void>((resolve) => {
    let open = stderr ? 2 : 1
    const one = () => {
      if (--open === 0) resolve()
    }
    stdout.once('end', one).once('close', one)
    stderr?.once('end', one).once('close', one)
  }).then(() => {
    ended = true
  })
  // The output must be read for 'end' to come: a consumer that only wants the exit code still gets it.
  const exitCode = outputDone.then(() => hooks.exitCode())
  let stdin: Writable | undefined
  if (hooks.stdin) {
    stdin = new Writable({
      write(chunk: Buffer, _enc, done) {
        if (socket.destroyed || socket.writableEnded) return done()
        socket.write(chunk, () => done())
      },
      final(done) {
        // Half-close: the engine closes the process's stdin and keeps sending its output.
        if (!socket.destroyed && !socket.writableEnded) socket.end()
        done()
      },
    })
    stdin.on('error', () => {})
  }
  socket.on('error', () => {})
  return {
    stdin,
    stdout,
    stderr,
    resize: (w, h) => hooks.resize(w, h).catch(() => {}),
    exitCode,
    close() {
      const running = !ended
      socket.destroy()
      stdout.destroy()
      stderr?.destroy()
      if (running && hooks.kill) void hooks.kill().catch(() => {})
    },
  }
}

/**
 * Kills a process an exec started, and its descendants, by host PID, when the engine shares this machine's PID
 * namespace: only after checking in /proc that the PID still belongs to the container (PIDs are reused). Docker
 * has no API to kill an exec; where the check fails (a remote engine) the process is left alone.
 */
export function killContainerProcess(pid: number, containerId: string): boolean {
  if (!(pid > 0)) return false
  try {
    if (!readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(containerId)) return false
  } catch {
    return false
  }
  const children = new Map<number, number[]>()
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
        const list = children.get(ppid) ?? []
        list.push(Number(entry))
        children.set(ppid, list)
      } catch {}
    }
  } catch {}
  const tree: number[] = []
  const walk = (p: number) => {
    tree.push(p)
    for (const c of children.get(p) ?? []) walk(c)
  }
  walk(pid)
  for (const p of tree) {
    try {
      process.kill(p, 'SIGKILL')
    } catch {}
  }
  return true
}
