/**
 * SPDY/3.1 frames (the subset client-go's spdystream speaks): encoding, and decoding of a byte stream into
 * frames. Name/value header blocks are zlib-compressed with the SPDY/3 dictionary, one compression context per
 * direction for the whole connection, each block ended with a sync flush (as Go's spdy.Framer does).
 *
 * Node's zlib has no synchronous stream that keeps its state across calls, and header blocks are rare (one per
 * stream), so: received blocks are inflated by inflating the connection's whole header history again
 * (inflateSync with a sync flush) and taking the new output; sent blocks are written as *stored* deflate blocks
 * (uncompressed, which any zlib reader accepts) after a zlib header, so no compressor state is needed at all.
 *
 * Frame layouts (draft-mbelshe-httpbis-spdy-00 / SPDY/3.1):
 *   control: 1 | version(15) = 3 | type(16) | flags(8) | length(24) | payload
 *   data:    0 | stream-id(31) | flags(8) | length(24) | payload
 */
import { constants, inflateSync } from 'node:zlib'
import { SPDY3_DICTIONARY } from './dictionary.ts'

export const SPDY_VERSION = 3

export const FrameType = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const

/** RST_STREAM status codes. */
export const RstStatus = {
  protocolError: 1,
  invalidStream: 2,
  refusedStream: 3,
  cancel: 5,
  internalError: 6,
} as const

const FLAG_FIN = 0x01
const FLAG_UNIDIRECTIONAL = 0x02
/** Longest DATA payload we send (the format allows 16 MiB - 1; smaller frames interleave streams better). */
export const MAX_DATA_CHUNK = 64 * 1024
/** Refuse frames longer than this (a header block or data frame of a peer gone wrong). */
const MAX_FRAME_LENGTH = 0xffffff

/** Header names are lower-case; a name may carry several values. */
export type SpdyHeaders = Record<string, string[]>

export type SpdyFrame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | { type: 'synStream'; streamId: number; associatedId: number; priority: number; fin: boolean; unidirectional: boolean; headers: SpdyHeaders }
  | { type: 'synReply'; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: 'headers'; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: 'rstStream'; streamId: number; status: number }
  | { type: 'settings' }
  | { type: 'ping'; id: number }
  | { type: 'goAway'; lastGoodStreamId: number; status: number }
  | { type: 'windowUpdate'; streamId: number; delta: number }
  | { type: 'unknown'; frameType: number }

export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SpdyProtocolError'
  }
}

/** A zlib stream header: deflate, 32K window, no preset dictionary ((0x78 << 8 | 0x01) % 31 === 0). */
const ZLIB_HEADER = Buffer.from([0x78, 0x01])

export class SpdyFramer {
  private pending: Buffer = Buffer.alloc(0)
  /** Every compressed header block received so far, and how much of it was inflated already. */
  private inflateHistory: Buffer[] = []
  private inflatedLength = 0
  private wroteZlibHeader = false

  /** Adds received bytes; returns the frames they complete. Throws SpdyProtocolError on garbage. */
  push(chunk: Buffer): SpdyFrame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk
    const frames: SpdyFrame[] = []
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt32BE(4) & 0xffffff
      if (this.pending.length < 8 + length) break
      const frame = this.pending.subarray(0, 8 + length)
      this.pending = this.pending.subarray(8 + length)
      frames.push(this.decode(frame))
    }
    return frames
  }

  private decode(frame: Buffer): SpdyFrame {
    const first = frame.readUInt32BE(0)
    const flags = frame[4]
    const payload = frame.subarray(8)
    if ((first & 0x80000000) === 0) return { type: 'data', streamId: first & 0x7fffffff, fin: (flags & FLAG_FIN) !== 0, data: payload }
    const version = (first >>> 16) & 0x7fff
    if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`)
    const type = first & 0xffff
    const need = (n: number) => {
      if (payload.length < n) throw new SpdyProtocolError(`control frame ${type} too short (${payload.length} bytes)`)
    }
    switch (type) {
      case FrameType.synStream:
        need(10)
        return {
          type: 'synStream',
          streamId: payload.readUInt32BE(0) & 0x7fffffff,
          associatedId: payload.readUInt32BE(4) & 0x7fffffff,
          priority: payload[8] >> 5,
          fin: (flags & FLAG_FIN) !== 0,
          unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0,
          headers: this.readHeaders(payload.subarray(10)),
        }
      case FrameType.synReply:
      case FrameType.headers:
        need(4)
        return { type: type === FrameType.synReply ? 'synReply' : 'headers', streamId: payload.readUInt32BE(0) & 0x7fffffff, fin: (flags & FLAG_FIN) !== 0, headers: this.readHeaders(payload.subarray(4)) }
      case FrameType.rstStream:
        need(8)
        return { type: 'rstStream', streamId: payload.readUInt32BE(0) & 0x7fffffff, status: payload.readUInt32BE(4) }
      case FrameType.settings:
        return { type: 'settings' }
      case FrameType.ping:
        need(4)
        return { type: 'ping', id: payload.readUInt32BE(0) }
      case FrameType.goAway:
        need(4)
        return { type: 'goAway', lastGoodStreamId: payload.readUInt32BE(0) & 0x7fffffff, status: payload.length >= 8 ? payload.readUInt32BE(4) : 0 }
      case FrameType.windowUpdate:
        need(8)
        return { type: 'windowUpdate', streamId: payload.readUInt32BE(0) & 0x7fffffff, delta: payload.readUInt32BE(4) & 0x7fffffff }
      default:
        return { type: 'unknown', frameType: type }
    }
  }

  private readHeaders(block: Buffer): SpdyHeaders {
    let raw: Buffer
    try {
      this.inflateHistory.push(block)
      const all = inflateSync(Buffer.concat(this.inflateHistory), { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH })
      raw = all.subarray(this.inflatedLength)
      this.inflatedLength = all.length
    } catch (err) {
      throw new SpdyProtocolError(`bad header block: ${(err as Error).message}`)
    }
    const headers: SpdyHeaders = {}
    let at = 0
    const u32 = () => {
      if (at + 4 > raw.length) throw new SpdyProtocolError('truncated header block')
      const v = raw.readUInt32BE(at)
      at += 4
      return v
    }
    const str = (n: number) => {
      if (at + n > raw.length) throw new SpdyProtocolError('truncated header block')
      const v = raw.toString('utf8', at, at + n)
      at += n
      return v
    }
    const count = u32()
    for (let i = 0; i < count; i++) {
      const name = str(u32()).toLowerCase()
      const values = str(u32()).split('\0')
      ;(headers[name] ??= []).push(...values)
    }
    return headers
  }

  private writeHeaders(headers: SpdyHeaders): Buffer {
    const parts: Buffer[] = []
    const u32 = (n: number) => {
      const b = Buffer.alloc(4)
      b.writeUInt32BE(n)
      parts.push(b)
    }
    const entries = Object.entries(headers)
    u32(entries.length)
    for (const [name, values] of entries) {
      const n = Buffer.from(name.toLowerCase())
      const v = Buffer.from(values.join('\0'))
      u32(n.length)
      parts.push(n)
      u32(v.length)
      parts.push(v)
    }
    return this.storedBlocks(Buffer.concat(parts))
  }

  /**
   * `raw` as stored (uncompressed) deflate blocks continuing this connection's zlib stream, ended like a sync
   * flush with an empty stored block: Go's flate reader hands out what it has when it meets that empty block,
   * instead of reading on for the next block header (which would fail at the end of the frame).
   */
  private storedBlocks(raw: Buffer): Buffer {
    const out: Buffer[] = []
    if (!this.wroteZlibHeader) {
      out.push(ZLIB_HEADER)
      this.wroteZlibHeader = true
    }
    const block = (part: Buffer) => {
      const head = Buffer.alloc(5)
      head[0] = 0x00 // BFINAL 0, BTYPE 00 (stored); stored blocks keep us on a byte boundary
      head.writeUInt16LE(part.length, 1)
      head.writeUInt16LE(~part.length & 0xffff, 3)
      out.push(head, part)
    }
    for (let at = 0; at < raw.length; at += 0xffff) block(raw.subarray(at, at + 0xffff))
    block(Buffer.alloc(0))
    return Buffer.concat(out)
  }

  private control(type: number, flags: number, payload: Buffer): Buffer {
    if (payload.length > MAX_FRAME_LENGTH) throw new SpdyProtocolError('control frame too long')
    const header = Buffer.alloc(8)
    header.writeUInt32BE((0x8000 | SPDY_VERSION) * 0x10000 + type)
    header.writeUInt32BE(flags * 0x1000000 + payload.length, 4)
    return Buffer.concat([header, payload])
  }

  synStream(streamId: number, headers: SpdyHeaders, fin = false): Buffer {
    const fixed = Buffer.alloc(10)
    fixed.writeUInt32BE(streamId)
    return this.control(FrameType.synStream, fin ? FLAG_FIN : 0, Buffer.concat([fixed, this.writeHeaders(headers)]))
  }

  synReply(streamId: number, headers: SpdyHeaders = {}, fin = false): Buffer {
    const id = Buffer.alloc(4)
    id.writeUInt32BE(streamId)
    return this.control(FrameType.synReply, fin ? FLAG_FIN : 0, Buffer.concat([id, this.writeHeaders(headers)]))
  }

  rstStream(streamId: number, status: number): Buffer {
    const p = Buffer.alloc(8)
    p.writeUInt32BE(streamId)
    p.writeUInt32BE(status, 4)
    return this.control(FrameType.rstStream, 0, p)
  }

  ping(id: number): Buffer {
    const p = Buffer.alloc(4)
    p.writeUInt32BE(id >>> 0)
    return this.control(FrameType.ping, 0, p)
  }

  goAway(lastGoodStreamId: number, status = 0): Buffer {
    const p = Buffer.alloc(8)
    p.writeUInt32BE(lastGoodStreamId)
    p.writeUInt32BE(status, 4)
    return this.control(FrameType.goAway, 0, p)
  }

  /** One DATA frame (callers split payloads longer than MAX_DATA_CHUNK). */
  data(streamId: number, data: Buffer, fin = false): Buffer {
    const header = Buffer.alloc(8)
    header.writeUInt32BE(streamId & 0x7fffffff)
    header.writeUInt32BE((fin ? FLAG_FIN : 0) * 0x1000000 + data.length, 4)
    return data.length ? Buffer.concat([header, data]) : header
  }
}
