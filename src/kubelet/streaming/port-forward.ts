/**
 * port-forward, as the kubelet's portforward/httpstream.go and websocket.go serve it.
 *
 * SPDY (`portforward.k8s.io`; every kubectl, directly or tunnelled in a WebSocket): per TCP connection the
 * client opens two streams with headers `streamtype` (error|data), `port` and `requestid`; once both are there
 * the bytes of the data stream are piped to the pod's port and back. A failure is written to the error stream
 * as text. When the pod side ends, both streams are finished (the client waits for the error stream's end).
 *
 * WebSocket (`v4.channel.k8s.io`, client-node, Python): `?ports=a,b` opens one connection per port at once;
 * port i uses channel 2i for data and 2i+1 for errors, and the first message on each is the port number as two
 * little-endian bytes.
 */
import type { Duplex, Writable } from 'node:stream'
import type { Logger } from '../../log/logger.ts'
import { RstStatus } from './spdy/framer.ts'
import type { SpdySession, SpdyStream } from './spdy/session.ts'
import type { ChannelSocket } from './websocket-channels.ts'

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io'
const STREAM_CREATION_TIMEOUT_MS = 30_000

/** Opens a connection to a port of the pod (the runtime's portForward). */
export type PortDialer = (port: number) => Promise<Duplex>

function parsePort(value: string | undefined): number | undefined {
  if (!value || !/^\d+$/.test(value)) return undefined
  const port = Number(value)
  return port >= 1 && port <= 65535 ? port : undefined
}

/**
 * Pipes a client channel and a pod connection both ways. Resolves when both directions are done; rejects with
 * the connection's error (nothing listens, the pod went away). `clientGone` drops the connection.
 */
async function splice(data: Duplex, conn: Duplex, clientGone: Promise<void>): Promise<void> {
  data.pipe(conn) // the client's FIN half-closes the pod connection
  conn.pipe(data) // the pod's end finishes the client's stream
  void clientGone.then(() => conn.destroy())
  await new Promise<void>((resolve, reject) => {
    conn.once('error', reject)
    conn.once('end', () => resolve())
    conn.once('close', () => resolve())
  })
}

export function serveSpdyPortForward(session: SpdySession, dial: PortDialer, log: Logger): void {
  const pairs = new Map<string, { data?: SpdyStream; error?: SpdyStream; timer: NodeJS.Timeout }>()
  const sessionGone = new Promise<void>((resolve) => session.once('close', () => resolve()))
  session.on('stream', (stream) => {
    const port = parsePort(stream.headers.port)
    const type = stream.headers.streamtype
    if (!port || (type !== 'data' && type !== 'error')) {
      stream.reset(RstStatus.protocolError)
      return
    }
    stream.reply()
    stream.on('error', () => {})
    // Clients before requestID numbered the pair by stream ID: the error stream, then the data stream.
    const requestId = stream.headers.requestid ?? String(type === 'error' ? stream.id : stream.id - 2)
    let pair = pairs.get(requestId)
    if (!pair) {
      const timer = setTimeout(() => {
        pairs.delete(requestId)
        pair?.error?.end(`timed out waiting for the streams of request ${requestId}`)
        pair?.data?.reset()
      }, STREAM_CREATION_TIMEOUT_MS)
      timer.unref()
      pair = { timer }
      pairs.set(requestId, pair)
    }
    if (pair[type]) {
      stream.reset(RstStatus.protocolError)
      return
    }
    pair[type] = stream
    if (!pair.data || !pair.error) return
    clearTimeout(pair.timer)
    pairs.delete(requestId)
    const { data, error } = pair
    error.resume() // the client sends nothing on it
    const streamGone = new Promise<void>((resolve) => {
      data.once('close', () => resolve())
      void sessionGone.then(() => resolve())
    })
    void (async () => {
      try {
        const conn = await dial(port)
        await splice(data, conn, streamGone)
        error.end()
      } catch (err) {
        const message = `error forwarding port ${port} to pod: ${(err as Error).message}`
        log.debug({ port, err: (err as Error).message }, 'port-forward connection failed')
        error.end(message)
        data.reset()
      }
    })()
  })
}

/** Serves `?ports=` over a channel WebSocket; closes it when every port's connection is done. */
export function serveWebSocketPortForward(socket: ChannelSocket, ports: number[], dial: PortDialer, log: Logger): void {
  void Promise.all(
    ports.map(async (port, i) => {
      const header = Buffer.alloc(2)
      header.writeUInt16LE(port)
      await socket.send(2 * i, header)
      await socket.send(2 * i + 1, header)
      const input = socket.input(2 * i)
      const output: Writable = socket.output(2 * i)
      try {
        const conn = await dial(port)
        input.pipe(conn)
        conn.pipe(output, { end: false })
        void socket.gone.then(() => conn.destroy())
        await new Promise<void>((resolve, reject) => {
          conn.once('error', reject)
          conn.once('end', () => resolve())
          conn.once('close', () => resolve())
        })
        await new Promise<void>((resolve) => output.end(() => resolve())) // what was read is sent
      } catch (err) {
        log.debug({ port, err: (err as Error).message }, 'port-forward connection failed')
        await socket.send(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod: ${(err as Error).message}`))
      }
    }),
  ).then(() => socket.close())
}
