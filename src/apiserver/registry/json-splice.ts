/**
 * Serving stored JSON without parsing it: a stored object (codec.ts) has no resourceVersion and starts with
 * `{"apiVersion":"…","kind":"…","metadata":{`. A LIST item is those bytes with the definition's apiVersion and kind
 * (what fromStorage sets) and `"resourceVersion":"N"` inserted as metadata's first member.
 */

const QUOTE = 0x22
const COMMA = 0x2c
const BACKSLASH = 0x5c
const CLOSE_BRACE = 0x7d
const HEAD_API_VERSION = Buffer.from('{"apiVersion":"')
const KIND = Buffer.from('"kind":"')
const METADATA = Buffer.from('"metadata":{')
const RESOURCE_VERSION = Buffer.from('"resourceVersion"')

/**
 * Where metadata's members start in a stored value (just after `"metadata":{`), or -1 when the value does not have
 * the canonical head (written by an older encoder, hand-made) or names a resourceVersion anywhere: then it is decoded.
 */
export function metadataOffset(bytes: Uint8Array): number {
  if (!startsWithAt(bytes, HEAD_API_VERSION, 0)) return -1
  let at = plainStringEnd(bytes, HEAD_API_VERSION.length)
  if (at < 0 || bytes[at] !== COMMA || !startsWithAt(bytes, KIND, at + 1)) return -1
  at = plainStringEnd(bytes, at + 1 + KIND.length)
  if (at < 0 || bytes[at] !== COMMA || !startsWithAt(bytes, METADATA, at + 1)) return -1
  // JSON.stringify never writes a member twice, but a value from elsewhere might carry its own resourceVersion.
  if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(RESOURCE_VERSION) >= 0) return -1
  return at + 1 + METADATA.length
}

function startsWithAt(bytes: Uint8Array, literal: Uint8Array, at: number): boolean {
  if (bytes.length < at + literal.length) return false
  for (let i = 0; i < literal.length; i++) if (bytes[at + i] !== literal[i]) return false
  return true
}

/** The index after the closing quote of a JSON string without escapes whose contents start at `from`; -1 otherwise. */
function plainStringEnd(bytes: Uint8Array, from: number): number {
  for (let i = from; i < bytes.length; i++) {
    if (bytes[i] === QUOTE) return i + 1
    if (bytes[i] === BACKSLASH) return -1
  }
  return -1
}

/** The head every item of one kind starts with: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"resourceVersion":"`. */
export function itemHead(apiVersion: string, kind: string): Uint8Array {
  return Buffer.from(`{"apiVersion":${JSON.stringify(apiVersion)},"kind":${JSON.stringify(kind)},"metadata":{"resourceVersion":"`)
}

/** Size of the buffers a large body is written in. */
const CHUNK_BYTES = 64 * 1024
/** How many spare chunks are kept for the next bodies (4 MiB). */
const POOL_SIZE = 64
/**
 * Chunks whose bodies were sent. Reusing them matters more than it seems: a fresh 64 KiB from malloc is often
 * memory the process has just given back to the system, and touching it again costs page faults, several times
 * the cost of the copying itself.
 */
const pool: Buffer[] = []

/**
 * A response body built as a list of buffers of 64 KiB: a LIST of thousands of objects never becomes one huge
 * string (flattened, then encoded to UTF-8 again for the socket); stored bytes are copied into place. Call
 * `release` once the body is written, so that the chunks serve the next one.
 */
export class JsonChunks {
  private readonly chunks: Buffer[] = []
  private readonly owned: Buffer[] = []
  private buf: Buffer
  private pos = 0
  private total = 0

  constructor() {
    this.buf = this.take(CHUNK_BYTES)
  }

  /** Any text, as UTF-8. */
  text(text: string): void {
    this.room(Buffer.byteLength(text))
    this.pos += this.buf.write(text, this.pos)
  }

  /**
   * One LIST item spliced from stored bytes (metadataOffset(bytes) = offset >= 0): the head, the revision, then
   * the stored metadata members and everything after them.
   */
  item(head: Uint8Array, bytes: Uint8Array, offset: number, revision: number, comma: boolean): void {
    const rv = String(revision)
    const rest = bytes.length - offset
    this.room(1 + head.length + rv.length + 2 + rest)
    const buf = this.buf
    let pos = this.pos
    if (comma) buf[pos++] = COMMA
    buf.set(head, pos)
    pos += head.length
    for (let i = 0; i < rv.length; i++) buf[pos++] = rv.charCodeAt(i)
    buf[pos++] = QUOTE
    if (bytes[offset] !== CLOSE_BRACE) buf[pos++] = COMMA
    buf.set(offset ? bytes.subarray(offset) : bytes, pos)
    this.pos = pos + rest
  }

  /** Every chunk, the body's length in bytes, and what to call once the body is written (not before). */
  end(): { chunks: Buffer[]; length: number; release(): void } {
    this.flush()
    return {
      chunks: this.chunks,
      length: this.total,
      release: () => {
        for (const b of this.owned.splice(0)) if (b.length === CHUNK_BYTES && pool.length < POOL_SIZE) pool.push(b)
      },
    }
  }

  private take(bytes: number): Buffer {
    const buf = bytes <= CHUNK_BYTES ? (pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES)) : Buffer.allocUnsafeSlow(bytes)
    this.owned.push(buf)
    return buf
  }

  /** Makes room for `bytes` more: the current chunk is done when they do not fit in it. */
  private room(bytes: number): void {
    if (bytes <= this.buf.length - this.pos) return
    this.flush()
    this.buf = this.take(bytes)
  }

  private flush(): void {
    if (this.pos === 0) return
    this.chunks.push(this.buf.subarray(0, this.pos))
    this.total += this.pos
    this.pos = 0
  }
}
