import { bytesText } from './codec.ts'
import { metadataOffset } from './json-splice.ts'

/**
 * One object as the watch cache holds it: its stored JSON bytes (not a decoded object: they are a fraction of the
 * memory, and LIST bodies are spliced from them as they are) and its revision. Never changed once made: a newer
 * version is a new CachedObject, so a LIST that collected some keeps a consistent snapshot.
 */
export class CachedObject {
  /** Where metadata's members start in `bytes` (json-splice.ts), or -1: this one is decoded to be served. */
  readonly offset: number
  /** metadata.labels, parsed the first time a label selector looks (null: none). */
  private labelsCache?: Readonly<Record<string, string>> | null

  constructor(
    readonly key: string,
    readonly bytes: Uint8Array,
    readonly revision: number,
    offset?: number,
  ) {
    this.offset = offset ?? metadataOffset(bytes)
  }

  /** The same stored value at another revision (a DELETED event carries the last value at the delete's revision). */
  at(revision: number): CachedObject {
    return new CachedObject(this.key, this.bytes, revision, this.offset)
  }

  /** The stored JSON, as text. */
  get text(): string {
    return bytesText(this.bytes)
  }

  get labels(): Readonly<Record<string, string>> | undefined {
    if (this.labelsCache === undefined) this.labelsCache = (JSON.parse(this.text)?.metadata?.labels as Record<string, string> | undefined) ?? null
    return this.labelsCache ?? undefined
  }
}

/**
 * Etcd's key order (bytes of UTF-8), which is UTF-16 code unit order except that surrogates (code points above
 * U+FFFF) sort after U+E000–U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i)
    let y = b.charCodeAt(i)
    if (x === y) continue
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000
    }
    return x - y
  }
  return a.length - b.length
}

/** The current objects of one resource: by key, and in etcd's key order for LISTs and their pages. */
export class ObjectIndex {
  private readonly byKey = new Map<string, CachedObject>()
  private sorted: CachedObject[] = []

  get size(): number {
    return this.sorted.length
  }

  get(key: string): CachedObject | undefined {
    return this.byKey.get(key)
  }

  set(obj: CachedObject): void {
    const i = this.lowerBound(obj.key)
    if (this.byKey.has(obj.key)) this.sorted[i] = obj
    else this.sorted.splice(i, 0, obj)
    this.byKey.set(obj.key, obj)
  }

  delete(key: string): void {
    if (!this.byKey.delete(key)) return
    const i = this.lowerBound(key)
    if (this.sorted[i]?.key === key) this.sorted.splice(i, 1)
  }

  /** Replaces everything (a relist). */
  reset(objects: CachedObject[]): void {
    this.byKey.clear()
    for (const obj of objects) this.byKey.set(obj.key, obj)
    this.sorted = [...this.byKey.values()].sort((a, b) => compareKeys(a.key, b.key))
  }

  /** The objects under `prefix`, in key order (a copy: later changes do not show in it). */
  under(prefix: string): CachedObject[] {
    const from = this.lowerBound(prefix)
    let to = from
    while (to < this.sorted.length && this.sorted[to]!.key.startsWith(prefix)) to++
    return this.sorted.slice(from, to)
  }

  /** Index of the first object whose key is >= `key`. */
  private lowerBound(key: string): number {
    let lo = 0
    let hi = this.sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareKeys(this.sorted[mid]!.key, key) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
