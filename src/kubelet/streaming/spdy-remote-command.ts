/**
 * exec/attach over SPDY (kubectl ≤ 1.29, and the fallback of newer ones), as the kubelet's
 * remotecommand/httpstream.go: the client opens one stream per channel, each with a `streamtype` header
 * (`error` first, then `stdin`, `stdout`, `stderr`, `resize`); the server accepts each, waits up to 30 s for all
 * it expects, runs the command, writes the status to the error stream (JSON from v4.channel.k8s.io on, the bare
 * message of a failure before) and closes the connection.
 */
import type { Logger } from '../../log/logger.ts'
import type { RemoteCommandRequest } from './remote-command.ts'
import { serveRemoteCommand } from './remote-command.ts'
import { RstStatus } from './spdy/framer.ts'
import type { SpdySession, SpdyStream } from './spdy/session.ts'
import { statusText, type StreamStatus } from './stream-status.ts'

/** The remote command protocols SPDY carries, best first (v5 exists only on WebSockets). */
export const SPDY_REMOTE_COMMAND_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io']
/** DefaultStreamCreationTimeout. */
const STREAM_CREATION_TIMEOUT_MS = 30_000

export interface StdioOptions {
  stdin: boolean
  stdout: boolean
  stderr: boolean
  tty: boolean
}

export function serveSpdyRemoteCommand(session: SpdySession, protocol: string, opts: StdioOptions, req: RemoteCommandRequest, log: Logger): void {
  const resizable = opts.tty && (protocol === 'v4.channel.k8s.io' || protocol === 'v3.channel.k8s.io')
  const expected = 1 + Number(opts.stdin) + Number(opts.stdout) + Number(opts.stderr) + Number(resizable)
  const streams = new Map<string, SpdyStream>()
  let started = false
  const timer = setTimeout(() => {
    log.warn({ received: [...streams.keys()] }, 'timed out waiting for the client to create streams')
    session.close()
  }, STREAM_CREATION_TIMEOUT_MS)
  timer.unref()
  session.on('close', () => clearTimeout(timer))
  session.on('stream', (stream) => {
    const type = stream.headers.streamtype ?? ''
    if (started || streams.has(type) || !['error', 'stdin', 'stdout', 'stderr', 'resize'].includes(type)) {
      stream.reset(RstStatus.refusedStream)
      return
    }
    stream.reply()
    streams.set(type, stream)
    stream.on('error', () => {})
    if (streams.size < expected) return
    started = true
    clearTimeout(timer)
    const error = streams.get('error')
    const gone = new Promise<void>((resolve) => session.once('close', () => resolve()))
    void serveRemoteCommand(
      req,
      {
        stdin: streams.get('stdin'),
        stdout: streams.get('stdout'),
        stderr: streams.get('stderr'),
        resize: streams.get('resize'),
        writeStatus: (status: StreamStatus) =>
          new Promise<void>((resolve) => {
            if (!error) return resolve()
            const text = protocol === 'v4.channel.k8s.io' ? JSON.stringify(status) : statusText(status)
            if (text) error.end(text, () => resolve())
            else error.end(() => resolve())
          }),
        close: () => session.close(),
        gone,
      },
      log,
    )
  })
}
