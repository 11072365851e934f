/**
 * etcd's gRPC API spoken directly over node:http2, with hand-written protobuf for the few messages EtcdStore uses.
 *
 * Why not the `etcd3` client (on @grpc/grpc-js): every unary call went through cockatiel's retry and circuit
 * breaker policies, a host-shuffling generator, an auth-metadata promise, grpc-js' resolving, load-balancing,
 * retrying and subchannel call layers with their interceptors and metadata objects, and protobufjs decoding into
 * objects with every int64 as a string. Profiles of the API server put that at about a fifth of its CPU per write
 * (creates, updates, the gets before them). Here a call is one HTTP/2 stream: headers, one length-prefixed
 * message, and the response decoded straight from the received bytes (keys and values are views of them).
 *
 * gRPC over HTTP/2 (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md): a POST to
 * /<package>.<Service>/<Method> with `content-type: application/grpc` and `te: trailers`; each message is framed
 * as a compression flag byte (0), a 4-byte big-endian length and the protobuf bytes; the status comes in the
 * trailers (or in the headers of a "trailers-only" error response) as `grpc-status` and `grpc-message`.
 */
import http2 from 'node:http2'

// -------------------------------------------------------------------------------------------------------------
// Protobuf encoding

/** A message to encode: [field number, value] pairs. Numbers are varints, Uint8Arrays length-delimited bytes,
 * nested arrays messages; booleans varints. `undefined` fields are left out. */
export type ProtoMessage = readonly (readonly [number, ProtoValue])[]
type ProtoValue = number | boolean | Uint8Array | ProtoMessage | undefined

const varintLength = (n: number): number => {
  let len = 1
  while (n >= 0x80) {
    n = Math.floor(n / 128)
    len++
  }
  return len
}

function messageLength(msg: ProtoMessage): number {
  let size = 0
  for (const [no, v] of msg) {
    if (v === undefined) continue
    size += varintLength(no << 3)
    if (typeof v === 'number') size += varintLength(v)
    else if (typeof v === 'boolean') size += 1
    else if (v instanceof Uint8Array) size += varintLength(v.length) + v.length
    else {
      const n = messageLength(v)
      size += varintLength(n) + n
    }
  }
  return size
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n % 128) | 0x80
    n = Math.floor(n / 128)
  }
  buf[pos++] = n
  return pos
}

function writeMessage(buf: Buffer, pos: number, msg: ProtoMessage): number {
  for (const [no, v] of msg) {
    if (v === undefined) continue
    if (typeof v === 'number' || typeof v === 'boolean') {
      pos = writeVarint(buf, pos, no << 3)
      pos = writeVarint(buf, pos, Number(v))
    } else if (v instanceof Uint8Array) {
      pos = writeVarint(buf, pos, (no << 3) | 2)
      pos = writeVarint(buf, pos, v.length)
      buf.set(v, pos)
      pos += v.length
    } else {
      pos = writeVarint(buf, pos, (no << 3) | 2)
      pos = writeVarint(buf, pos, messageLength(v))
      pos = writeMessage(buf, pos, v)
    }
  }
  return pos
}

/** A message framed for gRPC: flag 0 (uncompressed), 4-byte length, the message. */
export function grpcFrame(msg: ProtoMessage): Buffer {
  const size = messageLength(msg)
  const buf = Buffer.allocUnsafe(5 + size)
  buf[0] = 0
  buf.writeUInt32BE(size, 1)
  writeMessage(buf, 5, msg)
  return buf
}

// -------------------------------------------------------------------------------------------------------------
// Protobuf decoding

/**
 * Reads the fields of one message in buf[start, end): `next()` moves to a field and sets `no`; then `int()` (a
 * varint: int64 values above 2^53 lose precision, only ids nobody reads are that large), `bytes()` (sets `from`,
 * `to`), `string()` or `skip()` reads it. No closures: tsx names every nested function (keepNames), which cost
 * more than the decoding itself when readers took callbacks.
 */
export class ProtoReader {
  pos: number
  no = 0
  wire = 0
  from = 0
  to = 0

  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start
  }

  next(): boolean {
    if (this.pos >= this.end) return false
    const tag = this.int()
    this.no = tag >>> 3
    this.wire = tag & 7
    return true
  }

  int(): number {
    const buf = this.buf
    let result = 0
    let mul = 1
    for (;;) {
      if (this.pos >= this.end) throw new Error('etcd response: truncated varint')
      const b = buf[this.pos++]!
      result += (b & 0x7f) * mul
      if (b < 0x80) return result
      mul *= 128
    }
  }

  bool(): boolean {
    return this.int() !== 0
  }

  /** A length-delimited field: its bounds in `from` and `to`. */
  bytes(): void {
    const len = this.int()
    if (this.pos + len > this.end) throw new Error('etcd response: truncated field')
    this.from = this.pos
    this.to = this.pos += len
  }

  string(): string {
    this.bytes()
    return this.buf.toString('utf8', this.from, this.to)
  }

  skip(): void {
    switch (this.wire) {
      case 0:
        this.int()
        return
      case 1:
        this.pos += 8
        return
      case 2:
        this.bytes()
        return
      case 5:
        this.pos += 4
        return
      default:
        throw new Error(`etcd response: unsupported wire type ${this.wire}`)
    }
  }
}

// -------------------------------------------------------------------------------------------------------------
// Calls

/** gRPC status codes that mean "etcd cannot be reached now" (or the call was cut off with its connection). */
export const GRPC_CANCELLED = 1
export const GRPC_DEADLINE_EXCEEDED = 4
export const GRPC_UNAVAILABLE = 14

/** A failed call: the gRPC status code and etcd's message (`etcdserver: mvcc: required revision has been compacted`). */
export class EtcdRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** True when the request certainly never reached etcd (no connection): safe to send again elsewhere. */
    readonly notSent = false,
  ) {
    super(message)
    this.name = 'EtcdRpcError'
  }

  /** The connection failed or the call timed out: etcd is unavailable rather than refusing the request. */
  get unavailable(): boolean {
    return this.code === GRPC_UNAVAILABLE || this.code === GRPC_DEADLINE_EXCEEDED || this.code === GRPC_CANCELLED
  }
}

/** A bidirectional stream (Watch): framed messages out, whole messages in. */
export interface RpcStream {
  write(msg: ProtoMessage): void
  /** Cancels the stream (RST_STREAM CANCEL); no callback fires after. */
  cancel(): void
}

export interface RpcStreamHandler {
  message(buf: Buffer, start: number, end: number): void
  /** The stream ended or failed (an EtcdRpcError); called once, never after cancel(). */
  end(err: EtcdRpcError): void
}

const { NGHTTP2_CANCEL } = http2.constants

/** An HTTP/2 session to one endpoint; replaced by a new one once it fails, closes or has made too many requests. */
class Connection {
  /** Whether the session connected (a failure before that means nothing was sent on it). */
  connected = false
  /** Calls and streams in flight: the session keeps the process alive only while there are some. */
  active = 0
  /** Requests made: a client's stream ids run out at 2^31, so the session is renewed well before. */
  requests = 0

  constructor(
    readonly endpoint: Endpoint,
    readonly session: http2.ClientHttp2Session,
  ) {}

  get usable(): boolean {
    return !this.session.destroyed && !this.session.closed && this.requests < MAX_REQUESTS_PER_SESSION
  }

  /** A stream for a call; the connection counts it in flight until release(). */
  request(headers: http2.OutgoingHttpHeaders): http2.ClientHttp2Stream {
    const req = this.session.request(headers, REQUEST_OPTIONS)
    this.requests++
    if (this.active++ === 0) this.session.ref()
    return req
  }

  release(): void {
    if (--this.active === 0) this.session.unref()
  }
}

interface Endpoint {
  url: string
  connection?: Connection
}

const MAX_REQUESTS_PER_SESSION = 2 ** 29

export interface EtcdRpcOptions {
  /** Client URLs, e.g. `http://127.0.0.1:2379` (https: TLS with the default CAs, and no client certificate). */
  endpoints: string[]
  /** Deadline of each unary call; default 15 s. */
  requestTimeoutMs?: number
}

/** A gRPC client for etcd's KV and Watch services, on one HTTP/2 connection (to the first endpoint that answers). */
export class EtcdRpc {
  private readonly endpoints: Endpoint[]
  private current = 0
  private closed = false
  readonly timeoutMs: number
  private readonly headers = new Map<string, http2.OutgoingHttpHeaders>()

  constructor(opts: EtcdRpcOptions) {
    if (!opts.endpoints.length) throw new Error('etcd: no endpoints')
    this.endpoints = opts.endpoints.map((e) => ({ url: /^[a-z]+:\/\//i.test(e) ? e : `http://${e}` }))
    this.timeoutMs = opts.requestTimeoutMs ?? 15_000
  }

  /**
   * A unary call: resolves with the response message (a view of the received bytes). A call that could not be
   * sent (no connection) goes to the next endpoint; a read (`idempotent`) is also sent once more after losing its
   * connection or an UNAVAILABLE answer. A write that may have reached etcd is not repeated.
   */
  async unary(path: string, msg: ProtoMessage, idempotent = false): Promise<Buffer> {
    const frame = grpcFrame(msg)
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.unaryOnce(path, frame)
      } catch (err) {
        if (!(err instanceof EtcdRpcError) || attempt > this.endpoints.length) throw err
        if (!(err.notSent || (idempotent && err.code === GRPC_UNAVAILABLE))) throw err
      }
    }
  }

  private unaryOnce(path: string, frame: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const conn = this.connection()
      const req = conn.request(this.headersFor(path, false)) as CallStream
      req[CALL] = new UnaryCall(this, conn, req, path, resolve, reject)
      req.on('response', onUnaryResponse)
      req.on('trailers', onUnaryTrailers)
      req.on('data', onUnaryData)
      req.on('error', onUnaryError)
      req.on('close', onUnaryClose)
      req.end(frame)
    })
  }

  /** @internal A unary call passed its deadline: it is cancelled, and its connection checked. */
  callTimedOut(call: UnaryCall): void {
    call.fail(new EtcdRpcError(GRPC_DEADLINE_EXCEEDED, `etcd: deadline of ${this.timeoutMs} ms exceeded on ${call.path}`))
    call.req.close(NGHTTP2_CANCEL)
    checkAlive(call.conn)
  }

  /** Opens a bidirectional stream (`/etcdserverpb.Watch/Watch`). */
  stream(path: string, handler: RpcStreamHandler): RpcStream {
    const conn = this.connection()
    const req = conn.request(this.headersFor(path, true))
    let done = false
    const finish = (err: EtcdRpcError | undefined) => {
      if (done) return
      done = true
      conn.release()
      if (err) handler.end(err)
    }
    let status: number | undefined
    let message = ''
    const onStatus = (headers: http2.IncomingHttpHeaders) => {
      const s = headers['grpc-status']
      if (s === undefined) return
      status = Number(s)
      const m = headers['grpc-message']
      if (typeof m === 'string') message = decodeGrpcMessage(m)
    }
    req.on('response', (headers) => {
      if (headers[':status'] === 200) return onStatus(headers)
      req.close(NGHTTP2_CANCEL)
      finish(new EtcdRpcError(GRPC_UNAVAILABLE, `etcd: HTTP ${headers[':status']} on ${path}`))
    })
    req.on('trailers', onStatus)
    // Messages may span chunks: chunks are kept until the message they complete is whole (one concat per message).
    let parts: Buffer[] = []
    let have = 0
    let need = 5
    req.on('data', (chunk: Buffer) => {
      if (done) return
      parts.push(chunk)
      have += chunk.length
      while (!done && have >= need) {
        const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, have)
        let pos = 0
        while (!done && buf.length - pos >= 5) {
          const len = buf.readUInt32BE(pos + 1)
          if (buf.length - pos - 5 < len) break
          try {
            handler.message(buf, pos + 5, pos + 5 + len)
          } catch (err) {
            req.close(NGHTTP2_CANCEL)
            return finish(new EtcdRpcError(13, `etcd: ${(err as Error).message}`))
          }
          pos += 5 + len
        }
        const rest = buf.subarray(pos)
        parts = rest.length ? [rest] : []
        have = rest.length
        need = rest.length >= 5 ? 5 + rest.readUInt32BE(1) : 5
      }
    })
    req.on('error', (err: Error) => finish(this.connectionError(conn, err)))
    req.on('close', () => {
      if (status !== undefined && status !== 0) finish(new EtcdRpcError(status, message || `etcd: ${path} failed with gRPC status ${status}`))
      else if (status === 0) finish(new EtcdRpcError(GRPC_UNAVAILABLE, `etcd ended the stream ${path}`))
      else finish(this.connectionError(conn, new Error(`stream closed (code ${req.rstCode})`)))
    })
    return {
      write: (msg) => {
        if (!done) req.write(grpcFrame(msg))
      },
      cancel: () => {
        if (done) return
        done = true
        conn.release()
        req.close(NGHTTP2_CANCEL)
      },
    }
  }

  close(): void {
    this.closed = true
    for (const ep of this.endpoints) {
      ep.connection?.session.destroy()
      ep.connection = undefined
    }
  }

  /** The connection for a new call: the current endpoint's, (re)connected when needed. */
  private connection(): Connection {
    if (this.closed) throw new EtcdRpcError(GRPC_CANCELLED, 'etcd client is closed')
    const ep = this.endpoints[this.current]!
    const conn = ep.connection
    if (conn?.usable) return conn
    if (conn && !conn.session.destroyed) conn.session.close() // renewed: the streams it has finish on it
    return (ep.connection = this.connect(ep))
  }

  /** The request headers of a method, built once (node:http2 copies them, it does not change them). */
  private headersFor(path: string, streaming: boolean): http2.OutgoingHttpHeaders {
    const key = streaming ? `stream ${path}` : path
    let headers = this.headers.get(key)
    if (!headers) {
      headers = Object.freeze({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        // etcd gives up on a call once its client no longer waits (streams have no deadline).
        ...(streaming ? {} : { 'grpc-timeout': `${Math.min(this.timeoutMs, 99_999_999)}m` }),
      })
      this.headers.set(key, headers)
    }
    return headers
  }

  private connect(ep: Endpoint): Connection {
    const session = http2.connect(ep.url, {
      settings: { initialWindowSize: 1 << 20 },
      // In MB. Responses are buffered here, not by nghttp2; Node's default (10) only refuses new streams once reached.
      maxSessionMemory: 1 << 20,
    })
    const conn = new Connection(ep, session)
    session.unref()
    session.on('connect', () => {
      conn.connected = true
      // A large connection window: a big LIST must not wait for a WINDOW_UPDATE every 64 KiB.
      session.setLocalWindowSize(1 << 26)
    })
    const drop = () => {
      if (ep.connection === conn) ep.connection = undefined
    }
    session.on('error', drop)
    session.on('close', drop)
    session.on('goaway', drop)
    return conn
  }

  /** @internal The error of a call whose stream failed; a connection that failed sends later calls to the next endpoint. */
  connectionError(conn: Connection, err: Error): EtcdRpcError {
    const notSent = !conn.connected
    if ((notSent || conn.session.destroyed) && this.endpoints[this.current] === conn.endpoint)
      this.current = (this.current + 1) % this.endpoints.length
    return new EtcdRpcError(GRPC_UNAVAILABLE, `etcd unavailable (${conn.endpoint.url}): ${err.message}`, notSent)
  }
}

/** After a deadline: a session that does not answer a ping within 5 s is dropped (the next call reconnects). */
function checkAlive(conn: Connection): void {
  const session = conn.session
  if (session.destroyed) return
  let answered = false
  const timer = setTimeout(() => {
    if (!answered && !session.destroyed) session.destroy(new Error('etcd did not answer a ping'))
  }, 5000)
  timer.unref()
  try {
    session.ping(() => {
      answered = true
      clearTimeout(timer)
    })
  } catch {
    clearTimeout(timer)
  }
}

// The listeners of unary calls: module-level functions reading the call from the stream they are called on, so
// that a call creates no closures (tsx, with esbuild's keepNames, adds a defineProperty to each named one).

const CALL = Symbol('unary call')
type CallStream = http2.ClientHttp2Stream & { [CALL]: UnaryCall }

/** The state of one unary call. */
class UnaryCall {
  readonly chunks: Buffer[] = []
  status: number | undefined
  message = ''
  done = false
  readonly timer: NodeJS.Timeout

  constructor(
    readonly rpc: EtcdRpc,
    readonly conn: Connection,
    readonly req: http2.ClientHttp2Stream,
    readonly path: string,
    readonly resolve: (msg: Buffer) => void,
    readonly reject: (err: EtcdRpcError) => void,
  ) {
    this.timer = setTimeout(onUnaryDeadline, rpc.timeoutMs, this)
  }

  /** Takes grpc-status and grpc-message from the trailers (or the headers of a trailers-only response). */
  takeStatus(headers: http2.IncomingHttpHeaders): void {
    const s = headers['grpc-status']
    if (s === undefined) return
    this.status = Number(s)
    const m = headers['grpc-message']
    if (typeof m === 'string') this.message = decodeGrpcMessage(m)
  }

  fail(err: EtcdRpcError): void {
    if (this.end()) this.reject(err)
  }

  /** Settles the call from what was received, once its stream closed. */
  finish(): void {
    if (!this.end()) return
    const { status, path } = this
    if (status === undefined) return this.reject(this.rpc.connectionError(this.conn, new Error(`stream closed (code ${this.req.rstCode})`)))
    if (status !== 0) return this.reject(new EtcdRpcError(status, this.message || `etcd: ${path} failed with gRPC status ${status}`))
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks)
    if (body.length < 5) return this.reject(new EtcdRpcError(GRPC_UNAVAILABLE, `etcd: ${path} returned no message`))
    if (body[0] !== 0) return this.reject(new EtcdRpcError(12, `etcd: ${path} returned a compressed message`))
    this.resolve(body.subarray(5, 5 + body.readUInt32BE(1)))
  }

  private end(): boolean {
    if (this.done) return false
    this.done = true
    clearTimeout(this.timer)
    this.conn.release()
    return true
  }
}

function onUnaryResponse(this: CallStream, headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader): void {
  const call = this[CALL]
  if (headers[':status'] === 200) return call.takeStatus(headers)
  call.fail(new EtcdRpcError(GRPC_UNAVAILABLE, `etcd: HTTP ${headers[':status']} on ${call.path}`))
  this.close(NGHTTP2_CANCEL)
}

function onUnaryTrailers(this: CallStream, headers: http2.IncomingHttpHeaders): void {
  this[CALL].takeStatus(headers)
}

function onUnaryData(this: CallStream, chunk: Buffer): void {
  this[CALL].chunks.push(chunk)
}

function onUnaryError(this: CallStream, err: Error): void {
  const call = this[CALL]
  call.fail(call.rpc.connectionError(call.conn, err))
}

function onUnaryClose(this: CallStream): void {
  this[CALL].finish()
}

function onUnaryDeadline(call: UnaryCall): void {
  call.rpc.callTimedOut(call)
}

const REQUEST_OPTIONS: http2.ClientSessionRequestOptions = Object.freeze({ endStream: false })

/** grpc-message is percent-encoded. */
function decodeGrpcMessage(m: string): string {
  try {
    return decodeURIComponent(m)
  } catch {
    return m
  }
}
