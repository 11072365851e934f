/**
 * The server side of a SPDY/3.1 connection as client-go's spdystream peers expect it (kubectl exec/attach on
 * SPDY, every kubectl port-forward): the client opens streams (SYN_STREAM with headers such as `streamtype`),
 * the server accepts each with a SYN_REPLY, then both send DATA frames; FIN half-closes a direction, RST_STREAM
 * drops a stream, PINGs from the client are echoed, GOAWAY ends the connection.
 *
 * Flow control: spdystream neither sends nor honours WINDOW_UPDATE, so neither do we. Back-pressure is
 * per connection instead: a stream whose reader is full pauses reading from the transport, and writes wait for
 * the transport's 'drain'.
 */
import { EventEmitter } from 'node:events'
import { Duplex } from 'node:stream'
import { MAX_DATA_CHUNK, RstStatus, SpdyFramer, type SpdyFrame, type SpdyHeaders } from './framer.ts'

export class SpdyStream extends Duplex {
  /** Header values by lower-case name (the first value of each). */
  readonly headers: Record<string, string>
  private remoteFinished = false
  private localFinished = false
  private replied = false
  private wasReset = false

  constructor(
    readonly id: number,
    rawHeaders: SpdyHeaders,
    private readonly session: SpdySession,
  ) {
    super({ allowHalfOpen: true })
    this.headers = Object.fromEntries(Object.entries(rawHeaders).map(([k, v]) => [k, v[0] ?? '']))
  }

  /** Accepts the stream (SYN_REPLY); data may be sent only after this. */
  reply(headers: SpdyHeaders = {}): void {
    if (this.replied || this.wasReset) return
    this.replied = true
    this.session.send(this.session.framer.synReply(this.id, headers))
  }

  /** Drops the stream (RST_STREAM) in both directions. */
  reset(status: number = RstStatus.cancel): void {
    if (this.wasReset) return
    this.wasReset = true
    if (!this.session.closed) this.session.send(this.session.framer.rstStream(this.id, status))
    this.destroy()
  }

  /** @internal DATA from the peer. */
  onData(data: Buffer, fin: boolean): void {
    if (this.remoteFinished || this.destroyed) return
    if (data.length && !this.push(data)) this.session.pauseFor(this)
    if (fin) this.onRemoteFin()
  }

  /** @internal FIN from the peer. */
  onRemoteFin(): void {
    if (this.remoteFinished) return
    this.remoteFinished = true
    this.push(null)
    this.maybeDone()
  }

  /** @internal RST_STREAM from the peer, or the connection went away. */
  onReset(): void {
    this.wasReset = true
    this.remoteFinished = true
    this.localFinished = true
    this.destroy()
  }

  override _read(): void {
    this.session.resumeFor(this)
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.wasReset || this.session.closed) return done() // the peer is gone: drop silently, as spdystream
    this.reply()
    let at = 0
    const next = () => {
      if (at >= chunk.length) return done()
      const part = chunk.subarray(at, at + MAX_DATA_CHUNK)
      at += part.length
      this.session.send(this.session.framer.data(this.id, part), next)
    }
    next()
  }

  override _final(done: (err?: Error | null) => void): void {
    if (!this.wasReset && !this.session.closed) {
      this.reply()
      this.session.send(this.session.framer.data(this.id, Buffer.alloc(0), true))
    }
    this.localFinished = true
    this.maybeDone()
    done()
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.session.forget(this)
    done(err)
  }

  private maybeDone(): void {
    if (this.remoteFinished && this.localFinished) this.session.forget(this)
  }
}

export interface SpdySessionEvents {
  stream: [SpdyStream]
  close: []
}

/** One SPDY connection over a transport (a TCP socket, or a WebSocket tunnel). Emits 'stream' and 'close'. */
export class SpdySession extends EventEmitter<SpdySessionEvents> {
  readonly framer = new SpdyFramer()
  private readonly streams = new Map<number, SpdyStream>()
  private readonly blocked = new Set<SpdyStream>()
  private lastStreamId = 0
  closed = false

  constructor(private readonly transport: Duplex) {
    super()
    transport.on('data', (chunk: Buffer) => this.feed(chunk))
    transport.on('end', () => this.teardown())
    transport.on('close', () => this.teardown())
    transport.on('error', () => this.teardown())
  }

  /** Writes bytes to the transport; `done` runs once the transport can take more. */
  send(bytes: Buffer, done?: () => void): void {
    if (this.closed || this.transport.destroyed) return done?.()
    if (this.transport.write(bytes)) done?.()
    else if (done) this.transport.once('drain', done)
  }

  /** Sends GOAWAY and closes the connection once what was written is flushed. */
  close(): void {
    if (this.closed) return
    this.send(this.framer.goAway(this.lastStreamId))
    this.transport.end()
    this.teardown()
  }

  /** @internal */
  pauseFor(stream: SpdyStream): void {
    this.blocked.add(stream)
    this.transport.pause()
  }

  /** @internal */
  resumeFor(stream: SpdyStream): void {
    if (this.blocked.delete(stream) && this.blocked.size === 0 && !this.closed) this.transport.resume()
  }

  /** @internal */
  forget(stream: SpdyStream): void {
    this.streams.delete(stream.id)
    this.resumeFor(stream)
  }

  /** Bytes of the connection (also those read with the upgrade request). */
  feed(chunk: Buffer): void {
    let frames: SpdyFrame[]
    try {
      frames = this.framer.push(chunk)
    } catch {
      this.transport.destroy()
      return
    }
    for (const frame of frames) this.onFrame(frame)
  }

  private onFrame(frame: SpdyFrame): void {
    switch (frame.type) {
      case 'synStream': {
        if (this.streams.has(frame.streamId) || frame.streamId % 2 === 0) {
          this.send(this.framer.rstStream(frame.streamId, RstStatus.protocolError))
          return
        }
        this.lastStreamId = Math.max(this.lastStreamId, frame.streamId)
        const stream = new SpdyStream(frame.streamId, frame.headers, this)
        this.streams.set(frame.streamId, stream)
        if (frame.fin || frame.unidirectional) stream.onRemoteFin()
        this.emit('stream', stream)
        return
      }
      case 'data': {
        const stream = this.streams.get(frame.streamId)
        if (stream) stream.onData(frame.data, frame.fin)
        return
      }
      case 'headers':
        if (frame.fin) this.streams.get(frame.streamId)?.onRemoteFin()
        return
      case 'rstStream':
        this.streams.get(frame.streamId)?.onReset()
        return
      case 'ping':
        // Echo the client's pings (odd IDs); ours would be even, and we send none.
        if (frame.id % 2 === 1) this.send(this.framer.ping(frame.id))
        return
      case 'goAway':
        this.transport.end()
        this.teardown()
        return
      default:
        return // SETTINGS, WINDOW_UPDATE, SYN_REPLY (we open no streams): nothing to do
    }
  }

  private teardown(): void {
    if (this.closed) return
    this.closed = true
    for (const stream of [...this.streams.values()]) stream.onReset()
    this.streams.clear()
    this.blocked.clear()
    this.emit('close')
  }
}
