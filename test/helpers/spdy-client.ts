/**
 * A minimal SPDY/3.1 client for protocol-level tests, speaking like client-go's spdystream: an HTTP/1.1 upgrade
 * (`Upgrade: SPDY/3.1`, `X-Stream-Protocol-Version`), then client streams (odd IDs) opened with SYN_STREAM and
 * headers, DATA frames, FIN to half-close. It reuses the server's framer (src/kubelet/streaming/spdy/framer.ts),
 * which encodes and decodes both directions. Only ever dials 127.0.0.1.
 */
import { connect, type Socket } from 'node:net'
import { SpdyFramer, type SpdyFrame, type SpdyHeaders } from '../../src/kubelet/streaming/spdy/framer.ts'

export interface ClientStream {
  id: number
  /** Everything the server sent on it. */
  received(): Buffer
  /** Resolves when the server finished (FIN) or reset it; `reset` says which. */
  finished: Promise<{ reset: boolean }>
  /** Resolves on the server's SYN_REPLY. */
  replied: Promise<void>
  write(data: Buffer | string): void
  /** FIN: nothing more from us. */
  end(): void
}

export interface SpdyClient {
  /** The negotiated X-Stream-Protocol-Version. */
  protocol: string
  open(headers: Record<string, string>): ClientStream
  /** Resolves when the server closed the connection. */
  closed: Promise<void>
  ping(id: number): Promise<void>
  close(): void
}

/** Dials 127.0.0.1:port, sends the SPDY upgrade request, and returns a client once the answer is 101 (else throws with status and body). */
export async function spdyConnect(port: number, path: string, protocols: string[], method = 'POST'): Promise<SpdyClient> {
  const socket = connect(port, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  socket.write(
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${protocols.map((p) => `X-Stream-Protocol-Version: ${p}\r\n`).join('')}Content-Length: 0\r\n\r\n`,
  )
  const { head, rest } = await readHead(socket)
  const status = Number(head.split(' ')[1])
  if (status !== 101) {
    socket.destroy()
    throw Object.assign(new Error(`upgrade answered ${status}: ${rest.toString()}`), { status, body: rest.toString() })
  }
  const protocol = /x-stream-protocol-version:\s*(\S+)/i.exec(head)?.[1] ?? ''
  return spdyOver(socket, protocol, rest)
}

/** Reads an HTTP response head; what follows it (up to what was read) is `rest`. */
export function readHead(socket: Socket): Promise<{ head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) return
      socket.off('data', onData)
      socket.pause()
      resolve({ head: buf.subarray(0, end).toString('latin1'), rest: buf.subarray(end + 4) })
    }
    socket.on('data', onData)
    socket.once('error', reject)
    socket.once('close', () => reject(new Error('closed before a response')))
  })
}

/** A SPDY client over any byte transport with write/end and data events (a socket, a WebSocket tunnel). */
export function spdyOver(transport: { write(b: Buffer): unknown; end(): unknown; destroy(): unknown; on(e: 'data', f: (b: Buffer) => void): unknown; on(e: 'close', f: () => void): unknown; resume?(): unknown }, protocol: string, initial?: Buffer): SpdyClient {
  const framer = new SpdyFramer()
  let nextId = 1
  const streams = new Map<number, { data: Buffer[]; finish: (v: { reset: boolean }) => void; reply: () => void }>()
  const pings = new Map<number, () => void>()
  let closedResolve!: () => void
  const closed = new Promise<void>((r) => (closedResolve = r))
  const onFrame = (f: SpdyFrame) => {
    if (f.type === 'synReply') streams.get(f.streamId)?.reply()
    else if (f.type === 'data') {
      const s = streams.get(f.streamId)
      if (!s) return
      if (f.data.length) s.data.push(f.data)
      if (f.fin) s.finish({ reset: false })
    } else if (f.type === 'rstStream') {
      streams.get(f.streamId)?.finish({ reset: true })
      streams.get(f.streamId)?.reply()
    } else if (f.type === 'ping') pings.get(f.id)?.()
    else if (f.type === 'goAway') for (const s of streams.values()) s.finish({ reset: true })
  }
  transport.on('data', (chunk: Buffer) => framer.push(chunk).forEach(onFrame))
  transport.on('close', () => {
    for (const s of streams.values()) s.finish({ reset: true })
    closedResolve()
  })
  if (initial?.length) framer.push(initial).forEach(onFrame)
  transport.resume?.()
  return {
    protocol,
    closed,
    open(headers) {
      const id = nextId
      nextId += 2
      const data: Buffer[] = []
      let finish!: (v: { reset: boolean }) => void
      let reply!: () => void
      const finished = new Promise<{ reset: boolean }>((r) => (finish = r))
      const replied = new Promise<void>((r) => (reply = r))
      streams.set(id, { data, finish, reply })
      const h: SpdyHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]]))
      transport.write(framer.synStream(id, h))
      return {
        id,
        received: () => Buffer.concat(data),
        finished,
        replied,
        write: (d) => void transport.write(framer.data(id, Buffer.from(d))),
        end: () => void transport.write(framer.data(id, Buffer.alloc(0), true)),
      }
    },
    ping(id) {
      return new Promise((resolve) => {
        pings.set(id, resolve)
        transport.write(framer.ping(id))
      })
    },
    close() {
      transport.write(framer.goAway(0))
      transport.end()
    },
  }
}
