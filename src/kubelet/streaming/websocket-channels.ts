/**
 * The channel.k8s.io WebSocket protocols (apimachinery's wsstream): every message is one channel's bytes,
 * prefixed by the channel number: a byte in binary protocols (`channel.k8s.io`, `v4.`, `v5.`), an ASCII digit
 * followed by base64 text in the base64 ones. v5 adds a CLOSE message `[255, channel]`: the client half-closes
 * a channel (stdin). Also the byte-stream view of a WebSocket that tunnels SPDY (kubectl 1.31+ port-forward).
 */
import { Duplex, Readable, Writable } from 'node:stream'
import type { WebSocket } from 'ws'

export const V5_CHANNEL = 'v5.channel.k8s.io'
export const V4_CHANNEL = 'v4.channel.k8s.io'
export const V4_BASE64_CHANNEL = 'v4.base64.channel.k8s.io'
export const CHANNEL = 'channel.k8s.io'
export const BASE64_CHANNEL = 'base64.channel.k8s.io'
/** kubectl 1.31+ port-forward: SPDY/3.1 bytes inside binary WebSocket messages. */
export const SPDY_TUNNEL_PORT_FORWARD = 'SPDY/3.1+portforward.k8s.io'
const CLOSE_CHANNEL = 255
/** Messages queued in ws beyond this make writers wait. */
const MAX_BUFFERED = 4 * 1024 * 1024

export interface ChannelSocket {
  readonly protocol: string
  /** What the client sends on a channel, ending when it half-closes it (v5) or leaves. */
  input(channel: number): Readable
  /** A writer for a channel; its end() sends nothing (channels are not closed towards the client). */
  output(channel: number): Writable
  /** Sends one message on a channel (an empty one is the readiness signal real servers send first). */
  send(channel: number, data: Buffer): Promise<void>
  /** Normal closure (1000) after what was sent. */
  close(): void
  /** Resolves when the WebSocket has closed, whoever closed it. */
  readonly gone: Promise<void>
}

/** Wraps an open WebSocket that negotiated one of the channel protocols. */
export function channelSocket(ws: WebSocket, protocol: string): ChannelSocket {
  const base64 = protocol.includes('base64')
  const v5 = protocol === V5_CHANNEL
  const inputs = new Map<number, Readable>()
  const blocked = new Set<number>()
  const gone = new Promise<void>((resolve) => ws.once('close', () => resolve()))

  const input = (channel: number): Readable => {
    let r = inputs.get(channel)
    if (!r) {
      r = new Readable({
        read() {
          if (blocked.delete(channel) && blocked.size === 0) ws.resume()
        },
      })
      inputs.set(channel, r)
    }
    return r
  }

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!Buffer.isBuffer(data) || data.length === 0) return
    if (v5 && data[0] === CLOSE_CHANNEL) {
      if (data.length === 2) input(data[1]).push(null)
      return
    }
    let channel: number
    let payload: Buffer
    if (base64) {
      if (isBinary) return
      channel = data[0] - 0x30
      payload = Buffer.from(data.subarray(1).toString('latin1'), 'base64')
    } else {
      if (!isBinary) return // client-go rejects text frames too
      channel = data[0]
      payload = data.subarray(1)
    }
    const r = input(channel)
    if (r.readableEnded || r.destroyed) return
    if (payload.length && !r.push(payload)) {
      blocked.add(channel)
      ws.pause()
    }
  })
  void gone.then(() => {
    for (const r of inputs.values()) if (!r.readableEnded) r.push(null)
  })

  const send = (channel: number, data: Buffer): Promise<void> =>
    new Promise((resolve) => {
      if (ws.readyState !== ws.OPEN) return resolve()
      const frame = base64 ? String.fromCharCode(0x30 + channel) + data.toString('base64') : Buffer.concat([Buffer.of(channel), data])
      ws.send(frame, { binary: !base64 }, () => resolve())
    })

  return {
    protocol,
    input,
    output(channel: number): Writable {
      return new Writable({
        write(chunk: Buffer, _enc, done) {
          void send(channel, chunk).then(() => {
            if (ws.bufferedAmount < MAX_BUFFERED) return done()
            const wait = setInterval(() => {
              if (ws.bufferedAmount < MAX_BUFFERED || ws.readyState !== ws.OPEN) {
                clearInterval(wait)
                done()
              }
            }, 5)
          })
        },
      })
    },
    send,
    close() {
      if (ws.readyState === ws.OPEN) ws.close(1000)
    },
    gone,
  }
}

/** A WebSocket as a byte stream: binary messages in, binary messages out (the SPDY tunnel of port-forward). */
export function webSocketDuplex(ws: WebSocket): Duplex {
  const duplex = new Duplex({
    read() {
      ws.resume()
    },
    write(chunk: Buffer, _enc, done) {
      if (ws.readyState !== ws.OPEN) return done()
      ws.send(chunk, { binary: true }, () => done())
    },
    final(done) {
      if (ws.readyState === ws.OPEN) ws.close(1000)
      done()
    },
    destroy(err, done) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.terminate()
      done(err)
    },
  })
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return
    if (!duplex.push(data)) ws.pause()
  })
  ws.once('close', () => {
    duplex.push(null)
    duplex.destroy()
  })
  ws.on('error', () => duplex.destroy())
  return duplex
}
