/**
 * The protobuf wire format, as much of it as Kubernetes' generated.proto (proto2) uses: varints (int32, int64,
 * bool, enums-as-strings need none), 64-bit (double), length-delimited (strings, bytes, messages, packed).
 * No zigzag: Kubernetes has no sint32/sint64, so a negative int32/int64 is a 10-byte two's complement varint.
 *
 * Written here rather than taken from protobufjs: it is ~150 lines, reads 64-bit values without Long, and
 * reports a malformed body as a WireError the codec turns into a 400 (protobufjs throws RangeError text).
 */

export const WireType = { VARINT: 0, FIXED64: 1, LEN: 2, FIXED32: 5 } as const

/** A body that is not valid protobuf: truncated, a varint too long, an unknown wire type. */
export class WireError extends Error {}

const utf8 = new TextDecoder()
const TWO_32 = 2 ** 32

export class ProtoReader {
  pos: number
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start
  }

  get done(): boolean {
    return this.pos >= this.end
  }

  /** A varint as two unsigned 32-bit halves (a 64-bit value cannot be a JS number exactly). */
  private varint(): { lo: number; hi: number } {
    let lo = 0
    let hi = 0
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('unexpected end of message inside a varint')
      const b = this.buf[this.pos++]!
      if (i < 4) lo |= (b & 0x7f) << (7 * i)
      else if (i === 4) {
        lo |= (b & 0x0f) << 28
        hi |= (b & 0x7f) >> 4
      } else hi |= (b & 0x7f) << (7 * i - 32)
      if (b < 0x80) return { lo: lo >>> 0, hi: hi >>> 0 }
    }
    throw new WireError('varint longer than 10 bytes')
  }

  /** A tag: field number and wire type. */
  tag(): { field: number; wireType: number } {
    const { lo, hi } = this.varint()
    if (hi !== 0 || lo >>> 3 === 0) throw new WireError(`invalid field tag ${lo}`)
    return { field: lo >>> 3, wireType: lo & 7 }
  }

  uint32(): number {
    return this.varint().lo
  }

  /** int32: the low 32 bits, signed (a negative one arrives sign-extended to 10 bytes). */
  int32(): number {
    return this.varint().lo | 0
  }

  /** int64 as a number: exact up to 2^53, which every Kubernetes int64 in practice is. */
  int64(): number {
    const { lo, hi } = this.varint()
    return (hi | 0) * TWO_32 + lo
  }

  bool(): boolean {
    const { lo, hi } = this.varint()
    return lo !== 0 || hi !== 0
  }

  double(): number {
    const at = this.advance(8)
    return new DataView(this.buf.buffer, this.buf.byteOffset + at, 8).getFloat64(0, true)
  }

  /** The bytes of a length-delimited field (a view, not a copy). */
  bytes(): Uint8Array {
    const len = this.uint32()
    const at = this.advance(len)
    return this.buf.subarray(at, at + len)
  }

  string(): string {
    return utf8.decode(this.bytes())
  }

  /** A reader over a length-delimited field: an embedded message. */
  message(): ProtoReader {
    const len = this.uint32()
    const at = this.advance(len)
    return new ProtoReader(this.buf, at, at + len)
  }

  /** Skips a field of an unknown number. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.VARINT:
        this.varint()
        return
      case WireType.FIXED64:
        this.advance(8)
        return
      case WireType.LEN:
        this.advance(this.uint32())
        return
      case WireType.FIXED32:
        this.advance(4)
        return
      default:
        throw new WireError(`unsupported wire type ${wireType}`)
    }
  }

  private advance(n: number): number {
    const at = this.pos
    if (n < 0 || at + n > this.end) throw new WireError('unexpected end of message')
    this.pos = at + n
    return at
  }
}

/**
 * Appends to one growing buffer. An embedded message is written in place: `fork()` reserves one byte for its
 * length, `join(mark)` writes the length there, moving the content right only when it needs a longer prefix.
 */
export class ProtoWriter {
  private buf = Buffer.allocUnsafe(1024)
  private pos = 0

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos)
  }

  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length)
    this.buf.set(bytes, this.pos)
    this.pos += bytes.length
    return this
  }

  tag(field: number, wireType: number): this {
    return this.uint32(((field << 3) | wireType) >>> 0)
  }

  uint32(n: number): this {
    this.ensure(5)
    while (n > 0x7f) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80
      n >>>= 7
    }
    this.buf[this.pos++] = n
    return this
  }

  /** int32 and int64 alike: non-negative values as plain varints, negative ones as 10-byte two's complement. */
  int64(n: number): this {
    if (n >= 0 && n <= 0xffffffff) return this.uint32(n)
    let v = BigInt.asUintN(64, BigInt(Math.trunc(n)))
    this.ensure(10)
    while (v > 0x7fn) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80
      v >>= 7n
    }
    this.buf[this.pos++] = Number(v)
    return this
  }

  bool(b: boolean): this {
    return this.uint32(b ? 1 : 0)
  }

  double(n: number): this {
    this.ensure(8)
    this.buf.writeDoubleLE(n, this.pos)
    this.pos += 8
    return this
  }

  bytes(b: Uint8Array): this {
    return this.uint32(b.length).raw(b)
  }

  string(s: string): this {
    const n = s.length
    if (n < 128) {
      // Short ASCII (nearly every Kubernetes string) is copied char by char: no encoder call.
      this.ensure(n + 1)
      const at = this.pos
      let i = 0
      for (; i < n; i++) {
        const c = s.charCodeAt(i)
        if (c >= 0x80) break
        this.buf[at + 1 + i] = c
      }
      if (i === n) {
        this.buf[at] = n
        this.pos = at + 1 + n
        return this
      }
    }
    const len = Buffer.byteLength(s, 'utf8')
    this.uint32(len)
    this.ensure(len)
    this.pos += this.buf.write(s, this.pos, len, 'utf8')
    return this
  }

  /** Starts an embedded message (after its tag); returns the mark to `join`. */
  fork(): number {
    this.ensure(1)
    return this.pos++
  }

  /** Ends the embedded message started at `mark` by writing its length before it. */
  join(mark: number): this {
    const len = this.pos - mark - 1
    if (len < 0x80) {
      this.buf[mark] = len
      return this
    }
    let size = 1
    while (len >= 2 ** (7 * size)) size++
    this.ensure(size - 1)
    this.buf.copyWithin(mark + size, mark + 1, this.pos)
    const end = this.pos + size - 1
    this.pos = mark
    this.uint32(len)
    this.pos = end
    return this
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }
}
