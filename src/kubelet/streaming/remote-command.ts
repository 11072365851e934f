/**
 * exec and attach, whatever the transport (WebSocket channels or SPDY streams): connects the client's channels
 * to a runtime StreamSession, forwards terminal resizes, and ends with the status on the error channel (kubelet's
 * ServeExec / ServeAttach). A client that leaves early closes the session, which kills what the exec started.
 */
import { once } from 'node:events'
import type { Readable, Writable } from 'node:stream'
import type { Logger } from '../../log/logger.ts'
import type { StreamSession } from '../runtime/container-runtime.ts'
import { exitStatus, internalErrorStatus, successStatus, type StreamStatus } from './stream-status.ts'

/** The client's side of a remote command, as a transport presents it. */
export interface RemoteCommandChannels {
  stdin?: Readable
  stdout?: Writable
  stderr?: Writable
  /** JSON terminal sizes `{"Width":…,"Height":…}`, back to back. */
  resize?: Readable
  /** Sends the final status (resolves once handed to the transport). */
  writeStatus(status: StreamStatus): Promise<void>
  /** Ends the connection, after the status. */
  close(): void
  /** Resolves if the client goes away. */
  gone: Promise<void>
}

export interface RemoteCommandRequest {
  /** exec reports the command's exit code; attach always ends in Success (as the kubelet's attach). */
  kind: 'exec' | 'attach'
  start(): Promise<StreamSession>
}

export async function serveRemoteCommand(req: RemoteCommandRequest, ch: RemoteCommandChannels, log: Logger): Promise<void> {
  let session: StreamSession
  try {
    session = await req.start()
  } catch (err) {
    await ch.writeStatus(internalErrorStatus(`error executing command in container: ${(err as Error).message}`)).catch(() => {})
    ch.close()
    return
  }
  let gone = false
  void ch.gone.then(() => {
    gone = true
    session.close()
  })

  if (ch.stdin) {
    if (session.stdin) {
      const sink = session.stdin
      ch.stdin.pipe(sink)
      ch.stdin.on('error', () => sink.end())
    } else ch.stdin.resume()
  }
  if (ch.resize) forwardResizes(ch.resize, session, log)

  const copy = async (from: Readable | undefined, to: Writable | undefined) => {
    if (!from) {
      to?.end()
      return
    }
    if (!to) {
      from.resume()
      await once(from, 'end').catch(() => {})
      return
    }
    from.pipe(to, { end: false })
    await new Promise<void>((resolve) => {
      from.once('end', resolve)
      from.once('close', resolve)
      from.once('error', resolve)
    })
    await new Promise<void>((resolve) => to.end(() => resolve()))
  }
  await Promise.all([copy(session.stdout, ch.stdout), copy(session.stderr, ch.stderr)])
  if (gone) return
  let status: StreamStatus
  try {
    status = req.kind === 'exec' ? exitStatus(await session.exitCode) : successStatus()
  } catch (err) {
    status = internalErrorStatus((err as Error).message)
  }
  await ch.writeStatus(status).catch(() => {})
  ch.close()
}

/** Decodes the resize channel (Go's json.Encoder output: objects, newline-separated) into session.resize calls. */
function forwardResizes(source: Readable, session: StreamSession, log: Logger): void {
  let text = ''
  source.setEncoding('utf8')
  source.on('data', (chunk: string) => {
    text += chunk
    for (;;) {
      const start = text.indexOf('{')
      const end = text.indexOf('}', start)
      if (start < 0 || end < 0) break
      const json = text.slice(start, end + 1)
      text = text.slice(end + 1)
      try {
        const size = JSON.parse(json) as { Width?: number; Height?: number }
        if (size.Width && size.Height) void session.resize(size.Width, size.Height)
      } catch {
        log.debug({ json }, 'ignoring a malformed terminal size')
      }
    }
    if (text.length > 4096) text = ''
  })
  source.on('error', () => {})
}
