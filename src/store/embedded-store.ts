/**
 * The embedded store: MemoryStore's MVCC semantics plus durable state in a directory, for the zero-dependency mode
 * (no etcd, no Docker): `cluster down` / `cluster up` on the same data dir finds the state again.
 *
 *   const store = await EmbeddedStore.open('/var/lib/kubebox/store', { logger })
 *   ...
 *   await store.close() // flushes and fsyncs: a clean close loses nothing
 *
 * `EmbeddedStore.open(dir, opts?)` creates the directory when needed, takes its lock, loads the latest snapshot,
 * replays the write-ahead log after it and resolves to a ready store whose next write continues from the last
 * revision. It rejects with "the data dir is in use by process N" while another live process holds the dir, and
 * with a StoreCorruptError naming the file when anything but a torn last record is damaged.
 *
 * How it works. A MemoryStore holds the state and does all the reading, checking, revision counting and watching;
 * its `onCommit` hook hands every committed write, in revision order, to the write-ahead log here. The log is
 * write-behind: records go to the OS on the next turn of the event loop (a killed process loses nothing already
 * acknowledged) and are fsynced at most `syncIntervalMs` (1 s) later (a power loss loses at most about that much).
 * When the log since the last snapshot outgrows both `snapshotAfterBytes` and the last snapshot, the current state
 * is written to a new snapshot, the log moves on to a new segment, and the older segments and snapshot are removed,
 * so the directory stays within a small multiple of the live data.
 *
 * On-disk format (all integers big-endian; u64 revisions as two u32 halves):
 *   LOCK                        the owner's pid, as text
 *   snapshot-<rev>.snap         "KBXSNAP1", then records: a header { revision u64, count u32 }, then `count`
 *                               entries { createRevision u64, modRevision u64, keyLength u32, key, value }
 *   wal-<first rev>.log         "KBXWAL01", then one record per write, consecutive revisions from <first rev>:
 *                               { type u8 (1 create, 2 update, 3 delete), revision u64, createRevision u64,
 *                                 keyLength u32, key (UTF-8), value (the rest; empty for a delete) }
 *   <rev> is 16 zero-padded decimal digits. Every record is framed as
 *     length u32 | ~length u32 | crc32(payload) u32 | payload
 *   A bad record at the end of the newest segment (cut short, or followed only by zero bytes) is a write torn by a
 *   crash: it is truncated away with a warning. A bad record anywhere else, a gap in the revisions or a damaged
 *   snapshot stops open() with a StoreCorruptError naming the file and offset; nothing is dropped silently.
 *
 * History does not survive a restart: the reopened store has the current state at its last revision, and reads or
 * watches from older revisions get CompactedError (the API answers 410 Gone and clients relist), as after an etcd
 * compaction. Compaction only trims the in-memory history (snapshots never hold history); like kubebox's etcd
 * (`--auto-compaction-retention=5m`) the store compacts itself periodically so memory does not grow without bound.
 *
 * Known limit of write-behind: after a power loss (not a process crash) the last second of acknowledged writes can
 * be gone, and their revisions are handed out again.
 */
import { mkdir, open, readdir, readFile, rename, truncate, unlink, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { crc32 } from 'node:zlib'
import { silentLogger, type Logger } from '../log/logger.ts'
import { MemoryStore, type Commit } from './memory-store.ts'
import {
  StoreUnavailableError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type StoreWatch,
  type WatchHandler,
} from './store.ts'

export interface EmbeddedStoreOptions {
  /** Upper bound on how long a written record waits for its fsync; 0 = fsync after every batch. Default 1000. */
  syncIntervalMs?: number
  /**
   * Take a snapshot once the log since the last one passes this many bytes and the size of the last snapshot.
   * Default 8 MiB.
   */
  snapshotAfterBytes?: number
  /** Every this many ms, compact away the history older than the previous period; 0 = never. Default 5 min. */
  autoCompactionMs?: number
  /** Where recovery (torn records, stale locks) and write failures are reported. Default: silent. */
  logger?: Logger
}

/** A store file is damaged in a way that is not a write torn by a crash; the store refuses to open. */
export class StoreCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`embedded store: ${file} is corrupt at byte ${offset}: ${reason}; refusing to open rather than lose data`)
    this.name = 'StoreCorruptError'
  }
}

const WAL_MAGIC = Buffer.from('KBXWAL01')
const SNAP_MAGIC = Buffer.from('KBXSNAP1')
const FRAME = 12 // length, ~length, crc32
const MAX_RECORD = 1 << 30
/** Queued record bytes that make the log write at once instead of on the next turn of the event loop. */
const PENDING_LIMIT = 4 * 1024 * 1024
/** The size of the buffers records are encoded into. */
const ARENA = 1024 * 1024
/** How far (in snapshot thresholds) the log may run ahead of a snapshot in progress before writes wait for it. */
const BACKLOG = 4
const LOCK_FILE = 'LOCK'
const CREATE = 1
const UPDATE = 2
const DELETE = 3
const TYPE_NAMES: Record<number, Commit['type']> = { [CREATE]: 'create', [UPDATE]: 'update', [DELETE]: 'delete' }
const TYPES: Record<Commit['type'], number> = { create: CREATE, update: UPDATE, delete: DELETE }

/** Lock files this process holds, so a second open in the same process fails while a pid-reuse leftover does not. */
const heldLocks = new Set<string>()

interface Segment {
  start: number
  file: string
}

export class EmbeddedStore implements Store {
  private readonly memory: MemoryStore
  private readonly log: Logger
  private readonly syncIntervalMs: number
  private readonly snapshotAfterBytes: number

  private fh!: FileHandle
  private segmentFile!: string
  /**
   * Encoded records not yet handed to a write, in revision order: finished regions in `pending`, then the bytes of
   * `arena` from `arenaStart` to `arenaUsed`. Records are encoded straight into the arena (one allocation per MiB,
   * not one per write); a region is never written to again once taken.
   */
  private pending: Buffer[] = []
  private pendingBytes = 0
  private arena = Buffer.allocUnsafeSlow(ARENA)
  private arenaStart = 0
  private arenaUsed = 0
  private drainScheduled = false
  /** A write of the pending records is queued in the chain and has not started. */
  private writeQueued = false
  /** A rotation to a new segment is queued or running: records queued now go to the new segment. */
  private rotating = false
  /** Every file operation runs in this chain, one at a time, in the order it was queued. */
  private chain: Promise<void> = Promise.resolve()
  /** Written to the current segment but not yet fsynced. */
  private dirty = false
  /** A segment was created since the last fsync: its directory entry needs one too. */
  private dirDirty = false
  private syncTimer: NodeJS.Timeout | undefined
  private compactionTimer: NodeJS.Timeout | undefined
  /** Set once a write or fsync failed: later writes are refused, close() reports it. */
  private failure: Error | undefined
  /** Bytes of log since the last snapshot (queued ones included). */
  private logBytes = 0
  /** The revision of the last record queued. */
  private lastRevision = 1
  private snapshotBytes = 0
  private snapshotting: Promise<void> | undefined
  private closing: Promise<void> | undefined

  private constructor(
    private readonly dir: string,
    private readonly lockFile: string,
    opts: EmbeddedStoreOptions,
  ) {
    this.log = opts.logger ?? silentLogger()
    this.syncIntervalMs = opts.syncIntervalMs ?? 1000
    this.snapshotAfterBytes = opts.snapshotAfterBytes ?? 8 * 1024 * 1024
    this.memory = new MemoryStore({ onCommit: c => this.append(c) })
  }

  /** Opens (creating it when needed) the store in `dir`; see the header comment. */
  static async open(dir: string, opts: EmbeddedStoreOptions = {}): Promise<EmbeddedStore> {
    const absDir = path.resolve(dir)
    await mkdir(absDir, { recursive: true })
    const log = opts.logger ?? silentLogger()
    const lockFile = await acquireLock(absDir, log)
    const store = new EmbeddedStore(absDir, lockFile, opts)
    try {
      await store.load()
    } catch (err) {
      await releaseLock(lockFile)
      throw err
    }
    const every = opts.autoCompactionMs ?? 5 * 60_000
    if (every > 0) store.startAutoCompaction(every)
    return store
  }

  get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined> {
    return this.memory.get(key, opts)
  }

  list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    return this.memory.list(prefix, opts)
  }

  count(prefix: string): Promise<number> {
    return this.memory.count(prefix)
  }

  create(key: string, value: Uint8Array): Promise<number> {
    if (this.backlogged()) return this.admit().then(() => this.memory.create(key, value))
    return this.memory.create(key, value)
  }

  update(key: string, value: Uint8Array, expectedModRevision: number): Promise<number> {
    if (this.backlogged()) return this.admit().then(() => this.memory.update(key, value, expectedModRevision))
    return this.memory.update(key, value, expectedModRevision)
  }

  delete(key: string, expectedModRevision?: number): Promise<{ prev: KeyValue; revision: number }> {
    if (this.backlogged()) return this.admit().then(() => this.memory.delete(key, expectedModRevision))
    return this.memory.delete(key, expectedModRevision)
  }

  watch(prefix: string, afterRevision: number, handler: WatchHandler): Promise<StoreWatch> {
    return this.memory.watch(prefix, afterRevision, handler)
  }

  currentRevision(): Promise<number> {
    return this.memory.currentRevision()
  }

  /** Trims the in-memory history; nothing on disk holds history, so there is nothing more to drop there. */
  compact(revision: number): Promise<void> {
    return this.memory.compact(revision)
  }

  /** Ends watches, writes and fsyncs everything queued, and releases the directory. Rejects if a write had failed. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.compactionTimer)
      await this.snapshotting // (writes meanwhile are still taken, and logged below)
      // A snapshot on the way out when one is due, so that the next open has less log to replay.
      if (!this.failure && this.snapshotDue()) this.startSnapshot()
      await this.memory.close() // no commits after this
      await this.snapshotting
      clearTimeout(this.syncTimer)
      this.syncTimer = undefined
      await this.enqueue(async () => {
        await this.writeBatch(this.takePending())
        await this.sync()
      })
      await this.fh.close().catch(() => {})
      await releaseLock(this.lockFile)
      if (this.failure) throw this.failure
    })()
    return this.closing
  }

  // ---- the write path ---------------------------------------------------------------------------------------------

  /** MemoryStore's onCommit: queue the record; throwing here fails the write before it takes effect. */
  private append(c: Commit): void {
    if (this.failure) throw new StoreUnavailableError(this.failure.message)
    const size = encodeCommit(c, n => this.reserve(n))
    this.lastRevision = c.revision
    this.pendingBytes += size
    this.logBytes += size
    // A writer that never yields to the event loop would otherwise pile everything up in memory. (Only the write:
    // a snapshot must wait for drain(), since this write is not applied to the memory store yet.)
    if (this.pendingBytes >= PENDING_LIMIT) this.flushPending()
    if (!this.drainScheduled) {
      this.drainScheduled = true
      setImmediate(() => this.drain())
    }
  }

  private drain(): void {
    this.drainScheduled = false
    if (this.closing) return
    this.flushPending()
    if (!this.snapshotting && this.snapshotDue()) this.startSnapshot()
  }

  /**
   * Makes sure a write of the queued records is coming. At most one is queued at a time and it takes whatever is
   * queued when it runs, so a backlog turns into one bigger write instead of many small ones.
   */
  private flushPending(): void {
    if (this.writeQueued || this.pendingBytes === 0) return
    this.writeQueued = true
    void this.enqueue(async () => {
      this.writeQueued = false
      // During a rotation the queued records belong to the next segment; the rotation writes them once it exists.
      if (!this.rotating) await this.writeBatch(this.takePending())
    })
  }

  /**
   * Back-pressure: while a snapshot is being written, the log keeps growing; a writer faster than the disk would
   * make it grow without bound, so past BACKLOG times the snapshot threshold writes wait for the snapshot.
   */
  private backlogged(): boolean {
    return this.snapshotting !== undefined && this.logBytes >= BACKLOG * this.snapshotThreshold()
  }

  private async admit(): Promise<void> {
    while (this.backlogged()) await this.snapshotting
  }

  private snapshotThreshold(): number {
    return Math.max(this.snapshotAfterBytes, this.snapshotBytes)
  }

  /** The log since the last snapshot has outgrown both the threshold and the snapshot itself. */
  private snapshotDue(): boolean {
    return this.logBytes > 0 && this.logBytes >= this.snapshotThreshold()
  }

  /** Room for a record of `n` bytes at the end of the queue. */
  private reserve(n: number): Buffer {
    if (n > ARENA / 4) {
      this.closeRegion()
      const own = Buffer.allocUnsafeSlow(n)
      this.pending.push(own)
      return own
    }
    if (this.arenaUsed + n > ARENA) {
      this.closeRegion()
      this.arena = Buffer.allocUnsafeSlow(ARENA)
      this.arenaStart = this.arenaUsed = 0
    }
    this.arenaUsed += n
    return this.arena.subarray(this.arenaUsed - n, this.arenaUsed)
  }

  private closeRegion(): void {
    if (this.arenaUsed > this.arenaStart) this.pending.push(this.arena.subarray(this.arenaStart, this.arenaUsed))
    this.arenaStart = this.arenaUsed
  }

  private takePending(): Buffer[] {
    this.closeRegion()
    const batch = this.pending
    this.pending = []
    this.pendingBytes = 0
    return batch
  }

  /** Queues a file operation behind the others; after a failure nothing more runs. */
  private enqueue(task: () => Promise<void>): Promise<void> {
    this.chain = this.chain
      .then(() => (this.failure ? undefined : task()))
      .catch((err: unknown) => this.fail(err))
    return this.chain
  }

  private fail(err: unknown): void {
    if (this.failure) return
    const message = err instanceof Error ? err.message : String(err)
    this.failure = new StoreUnavailableError(`embedded store: writing ${this.segmentFile} failed: ${message}`)
    this.log.error({ file: this.segmentFile, err: message }, 'embedded store: write-ahead log failed; refusing writes')
  }

  private async writeBatch(batch: Buffer[]): Promise<void> {
    if (batch.length === 0) return
    await writeAllv(this.fh, batch)
    this.dirty = true
    if (this.syncIntervalMs === 0) await this.sync()
    else this.syncTimer ??= setTimeout(() => {
      this.syncTimer = undefined
      void this.enqueue(() => this.sync())
    }, this.syncIntervalMs).unref()
  }

  private async sync(): Promise<void> {
    if (!this.dirty) return
    this.dirty = false
    await this.fh.sync()
    if (this.dirDirty) {
      // The segment's directory entry, for a segment created since the last fsync.
      this.dirDirty = false
      await syncDir(this.dir)
    }
  }

  // ---- snapshots --------------------------------------------------------------------------------------------------

  /**
   * Captures the state now (values are immutable, so holding the references is enough), moves the log on to a new
   * segment that starts after it, then writes the snapshot beside the log and drops what it supersedes.
   */
  private startSnapshot(): void {
    const { revision, items } = this.memory.currentState()
    if (revision !== this.lastRevision) {
      // Never expected: every committed write went through append() first. Better no snapshot than a wrong one.
      this.log.error({ revision, logged: this.lastRevision }, 'embedded store: state and log disagree; no snapshot')
      return
    }
    const batch = this.takePending() // all at or below `revision`: they belong to the old segment
    this.logBytes = 0
    this.rotating = true
    const rotated = this.enqueue(async () => {
      try {
        await this.writeBatch(batch)
        this.dirty = true
        await this.sync() // the old segment is complete on disk before the new one gets a byte
        const seg = segmentName(this.dir, revision + 1)
        // (Already there when nothing was written since a rotation whose snapshot failed.)
        if (seg !== this.segmentFile) {
          await this.fh.close()
          this.segmentFile = seg
          this.fh = await createSegment(seg) // its header and directory entry are fsynced with its first records
          this.dirDirty = true
          this.dirty = true
        }
      } finally {
        this.rotating = false
      }
      await this.writeBatch(this.takePending()) // what came in meanwhile
    })
    this.snapshotting = rotated
      .then(async () => {
        if (this.failure) return
        this.snapshotBytes = await writeSnapshot(this.dir, revision, items)
        await this.removeSuperseded(revision)
      })
      .catch((err: unknown) => {
        // The log is intact, so the store carries on; the next snapshot tries again.
        this.log.warn({ dir: this.dir, err: (err as Error).message }, 'embedded store: snapshot failed')
      })
      .finally(() => {
        this.snapshotting = undefined
      })
  }

  /** Removes the snapshots before `revision` and the segments whose records all lie at or below it. */
  private async removeSuperseded(revision: number): Promise<void> {
    const { snapshots, segments } = await listFiles(this.dir)
    const doomed = snapshots.filter(s => s.revision < revision).map(s => s.file)
    for (let i = 0; i < segments.length; i++) {
      const next = segments[i + 1]
      if (next && next.start <= revision + 1) doomed.push(segments[i]!.file)
    }
    // No directory fsync: should a removal be lost to a crash, open() skips and removes the file again.
    for (const file of doomed) await unlink(file).catch(() => {})
  }

  private startAutoCompaction(every: number): void {
    // Each tick forgets what is older than the previous tick: history spans one to two periods, as etcd keeps it.
    let previous = 0
    this.compactionTimer = setInterval(() => {
      if (this.closing) return
      const compactTo = previous
      this.memory
        .currentRevision()
        .then(async now => {
          previous = now
          if (compactTo > 0) await this.memory.compact(compactTo)
        })
        .catch(() => {}) // closed meanwhile
    }, every).unref()
  }

  // ---- opening ----------------------------------------------------------------------------------------------------

  /** Loads the latest snapshot, replays the log after it, truncates a torn tail, and opens the log for appending. */
  private async load(): Promise<void> {
    const { snapshots, segments, temporary } = await listFiles(this.dir)
    for (const file of temporary) await unlink(file).catch(() => {}) // a snapshot cut short by a crash
    const state = new Map<string, KeyValue>()
    let revision = 1
    const latest = snapshots.at(-1)
    if (latest) {
      const snap = await readSnapshot(latest.file)
      for (const kv of snap.items) state.set(kv.key, kv)
      revision = snap.revision
      this.snapshotBytes = snap.bytes
    }
    const snapshotRevision = revision

    // A segment is superseded when the next one starts at or below the revision after the snapshot.
    const live = segments.filter((s, i) => !(segments[i + 1] && segments[i + 1]!.start <= snapshotRevision + 1))
    let tailEnd = 0
    for (const [i, seg] of live.entries()) {
      const last = i === live.length - 1
      // The first live segment may hold records the snapshot already has; later ones continue exactly.
      if (i === 0 ? seg.start > revision + 1 : seg.start !== revision + 1) {
        throw new StoreCorruptError(seg.file, 0, `it starts at revision ${seg.start}, but the state before it ends at ${revision}`)
      }
      const { bytes, nextRevision, end } = await this.replaySegment(seg, last, revision, state)
      revision = nextRevision
      tailEnd = end
      this.logBytes += bytes
    }
    for (const s of snapshots.slice(0, -1)) await unlink(s.file).catch(() => {})
    for (const s of segments) if (!live.includes(s)) await unlink(s.file).catch(() => {})

    this.lastRevision = revision
    // A store that never had a write stays as fresh as a new MemoryStore (watchable from revision 0).
    if (revision > 1 || state.size > 0) {
      // Copies, so that the files' buffers (views of which the replay kept) do not stay pinned in memory.
      this.memory.restore(
        Array.from(state.values(), kv => ({ ...kv, value: Buffer.from(kv.value) })),
        revision,
      )
    }
    // Append to the last segment, unless the snapshot is ahead of it (its records would not continue from there).
    const tail = live.at(-1)
    if (tail && tailEnd === revision) {
      this.segmentFile = tail.file
      this.fh = await open(tail.file, 'a')
    } else {
      this.segmentFile = segmentName(this.dir, revision + 1)
      this.fh = await createSegment(this.segmentFile)
      await syncDir(this.dir)
    }
    this.log.info(
      { dir: this.dir, revision, keys: state.size, snapshot: latest?.revision ?? null, replayed: revision - snapshotRevision },
      'embedded store opened',
    )
  }

  /** Applies a segment's records after `revision` to `state`; returns its record bytes and the last revision. */
  private async replaySegment(
    seg: Segment,
    last: boolean,
    revision: number,
    state: Map<string, KeyValue>,
  ): Promise<{ bytes: number; nextRevision: number; end: number }> {
    let buf = await readFile(seg.file)
    if (buf.length < WAL_MAGIC.length || !buf.subarray(0, WAL_MAGIC.length).equals(WAL_MAGIC)) {
      const tornHeader = allZero(buf, 0) || (buf.length < WAL_MAGIC.length && buf.equals(WAL_MAGIC.subarray(0, buf.length)))
      if (!(last && tornHeader)) throw new StoreCorruptError(seg.file, 0, 'not a kubebox write-ahead log segment')
      // Created but its header never reached the disk: start it over.
      this.log.warn({ file: seg.file }, 'embedded store: rewrote the torn header of the last log segment')
      const fh = await createSegment(seg.file, 'w')
      await fh.close()
      buf = WAL_MAGIC
    }
    const scan = scanRecords(buf, WAL_MAGIC.length)
    let expected = seg.start
    let bytes = 0
    for (const { offset, payload } of scan.records) {
      const c = decodeCommit(payload, seg.file, offset)
      if (c.revision !== expected) {
        throw new StoreCorruptError(seg.file, offset, `revision ${c.revision} where ${expected} was expected`)
      }
      expected++
      if (c.revision <= revision) continue // already in the snapshot
      applyCommit(state, c, seg.file, offset)
      revision = c.revision
      bytes += FRAME + payload.length
    }
    if (scan.bad) {
      const { offset, reason, torn } = scan.bad
      if (!last || !torn) throw new StoreCorruptError(seg.file, offset, reason)
      await truncate(seg.file, offset)
      const fh = await open(seg.file, 'r+')
      await fh.sync().finally(() => fh.close())
      this.log.warn(
        { file: seg.file, offset, dropped: buf.length - offset, revision },
        `embedded store: truncated a torn record at the end of the write-ahead log (${reason})`,
      )
    }
    return { bytes, nextRevision: revision, end: expected - 1 }
  }
}

// ---- records ------------------------------------------------------------------------------------------------------

function writeU64(buf: Buffer, value: number, offset: number): void {
  buf.writeUInt32BE(Math.floor(value / 2 ** 32), offset)
  buf.writeUInt32BE(value >>> 0, offset + 4)
}

function readU64(buf: Buffer, offset: number): number {
  return buf.readUInt32BE(offset) * 2 ** 32 + buf.readUInt32BE(offset + 4)
}

/** Fills in the frame of a record whose payload starts at FRAME. */
function seal(buf: Buffer): Buffer {
  const length = buf.length - FRAME
  buf.writeUInt32BE(length, 0)
  buf.writeUInt32BE(~length >>> 0, 4)
  buf.writeUInt32BE(crc32(buf.subarray(FRAME)), 8)
  return buf
}

/** Encodes one log record (type u8, revision u64, createRevision u64, keyLength u32, key, value); returns its size. */
function encodeCommit(c: Commit, alloc: (size: number) => Buffer): number {
  const keyLength = Buffer.byteLength(c.key)
  const value = c.type === 'delete' ? undefined : c.value
  const buf = alloc(FRAME + 21 + keyLength + (value?.length ?? 0))
  let o = FRAME
  buf[o++] = TYPES[c.type]
  writeU64(buf, c.revision, o)
  writeU64(buf, c.type === 'update' ? c.createRevision : c.type === 'create' ? c.revision : 0, o + 8)
  buf.writeUInt32BE(keyLength, o + 16)
  o += 20
  o += buf.write(c.key, o, 'utf8')
  if (value) buf.set(value, o)
  seal(buf)
  return buf.length
}

interface DecodedCommit {
  type: Commit['type']
  revision: number
  createRevision: number
  key: string
  value: Buffer
}

function decodeCommit(p: Buffer, file: string, offset: number): DecodedCommit {
  const type = TYPE_NAMES[p[0]!]
  if (p.length < 21 || !type) throw new StoreCorruptError(file, offset, 'unknown record type')
  const keyLength = p.readUInt32BE(17)
  if (21 + keyLength > p.length) throw new StoreCorruptError(file, offset, 'key longer than its record')
  return {
    type,
    revision: readU64(p, 1),
    createRevision: readU64(p, 9),
    key: p.toString('utf8', 21, 21 + keyLength),
    value: p.subarray(21 + keyLength), // a view into the file's buffer; load() copies the survivors
  }
}

function applyCommit(state: Map<string, KeyValue>, c: DecodedCommit, file: string, offset: number): void {
  const prev = state.get(c.key)
  const wrong = (why: string) => new StoreCorruptError(file, offset, `${c.type} of ${c.key} at revision ${c.revision}: ${why}`)
  switch (c.type) {
    case 'create':
      if (prev) throw wrong('the key exists')
      state.set(c.key, { key: c.key, value: c.value, modRevision: c.revision, createRevision: c.revision })
      break
    case 'update':
      if (!prev) throw wrong('the key does not exist')
      state.set(c.key, { key: c.key, value: c.value, modRevision: c.revision, createRevision: prev.createRevision })
      break
    case 'delete':
      if (!prev) throw wrong('the key does not exist')
      state.delete(c.key)
      break
  }
}

interface Scan {
  records: Array<{ offset: number; payload: Buffer }>
  /** The first record that does not check out; `torn` when it looks like a write cut short at the end of the file. */
  bad?: { offset: number; reason: string; torn: boolean }
}

/** Reads framed records from `start` up to the end, stopping at the first bad one. */
function scanRecords(buf: Buffer, start: number): Scan {
  const records: Scan['records'] = []
  let o = start
  while (o < buf.length) {
    if (buf.length - o < FRAME) return { records, bad: { offset: o, reason: 'a partial record header', torn: true } }
    const length = buf.readUInt32BE(o)
    if ((~length >>> 0) !== buf.readUInt32BE(o + 4) || length > MAX_RECORD) {
      return { records, bad: { offset: o, reason: 'a bad record length', torn: allZero(buf, o) } }
    }
    const end = o + FRAME + length
    if (end > buf.length) return { records, bad: { offset: o, reason: 'a record cut short', torn: true } }
    const payload = buf.subarray(o + FRAME, end)
    if (crc32(payload) !== buf.readUInt32BE(o + 8)) {
      return { records, bad: { offset: o, reason: 'a checksum mismatch', torn: allZero(buf, end) } }
    }
    records.push({ offset: o, payload })
    o = end
  }
  return { records }
}

function allZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false
  return true
}

// ---- files --------------------------------------------------------------------------------------------------------

const pad = (n: number) => String(n).padStart(16, '0')
const segmentName = (dir: string, start: number) => path.join(dir, `wal-${pad(start)}.log`)
const snapshotName = (dir: string, revision: number) => path.join(dir, `snapshot-${pad(revision)}.snap`)

async function listFiles(dir: string) {
  const snapshots: Array<{ revision: number; file: string }> = []
  const segments: Segment[] = []
  const temporary: string[] = []
  for (const name of await readdir(dir)) {
    let m: RegExpMatchArray | null
    if ((m = /^snapshot-(\d{16})\.snap$/.exec(name))) snapshots.push({ revision: Number(m[1]), file: path.join(dir, name) })
    else if ((m = /^wal-(\d{16})\.log$/.exec(name))) segments.push({ start: Number(m[1]), file: path.join(dir, name) })
    else if (/^snapshot-\d{16}\.tmp$/.test(name)) temporary.push(path.join(dir, name))
  }
  snapshots.sort((a, b) => a.revision - b.revision)
  segments.sort((a, b) => a.start - b.start)
  return { snapshots, segments, temporary }
}

/** A new segment with its header (not fsynced: a header torn by a crash is recovered like a torn record). */
async function createSegment(file: string, flags = 'wx'): Promise<FileHandle> {
  const fh = await open(file, flags)
  try {
    await writeAll(fh, WAL_MAGIC)
    return fh
  } catch (err) {
    await fh.close()
    throw err
  }
}

async function writeAll(fh: FileHandle, data: Buffer): Promise<void> {
  for (let o = 0; o < data.length; ) {
    const { bytesWritten } = await fh.write(data, o, data.length - o)
    o += bytesWritten
  }
}

/** Writes the buffers in order with gathered writes (no concatenation), IOV_MAX at a time. */
async function writeAllv(fh: FileHandle, buffers: Buffer[]): Promise<void> {
  for (let i = 0; i < buffers.length; i += 1024) {
    const group = buffers.slice(i, i + 1024)
    const want = group.reduce((n, b) => n + b.length, 0)
    const { bytesWritten } = await fh.writev(group)
    if (bytesWritten !== want) {
      // A short write (rare: a full disk, a signal); finish the rest byte-exactly.
      await writeAll(fh, Buffer.concat(group).subarray(bytesWritten))
    }
  }
}

/** Makes renames, creations and removals in `dir` durable (best effort where directories can not be fsynced). */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => undefined)
  if (!fh) return
  await fh.sync().catch(() => {})
  await fh.close()
}

/** Writes the snapshot to a temporary file, fsyncs it and renames it into place; returns its size. */
async function writeSnapshot(dir: string, revision: number, items: KeyValue[]): Promise<number> {
  const final = snapshotName(dir, revision)
  const tmp = final.replace(/\.snap$/, '.tmp')
  const fh = await open(tmp, 'w')
  let size = 0
  try {
    const header = Buffer.allocUnsafe(FRAME + 12)
    writeU64(header, revision, FRAME)
    header.writeUInt32BE(items.length, FRAME + 8)
    let chunk: Buffer[] = [SNAP_MAGIC, seal(header)]
    let chunkBytes = SNAP_MAGIC.length + header.length
    const flush = async () => {
      await writeAll(fh, Buffer.concat(chunk, chunkBytes))
      size += chunkBytes
      chunk = []
      chunkBytes = 0
    }
    for (const kv of items) {
      const keyLength = Buffer.byteLength(kv.key)
      const rec = Buffer.allocUnsafe(FRAME + 20 + keyLength + kv.value.length)
      writeU64(rec, kv.createRevision, FRAME)
      writeU64(rec, kv.modRevision, FRAME + 8)
      rec.writeUInt32BE(keyLength, FRAME + 16)
      rec.write(kv.key, FRAME + 20, 'utf8')
      rec.set(kv.value, FRAME + 20 + keyLength)
      chunk.push(seal(rec))
      chunkBytes += rec.length
      if (chunkBytes >= 1 << 20) await flush() // also lets the event loop breathe on a big state
    }
    await flush()
    await fh.sync()
  } catch (err) {
    await fh.close().catch(() => {})
    await unlink(tmp).catch(() => {})
    throw err
  }
  await fh.close()
  await rename(tmp, final)
  await syncDir(dir)
  return size
}

async function readSnapshot(file: string): Promise<{ revision: number; items: KeyValue[]; bytes: number }> {
  const buf = await readFile(file)
  if (!buf.subarray(0, SNAP_MAGIC.length).equals(SNAP_MAGIC)) throw new StoreCorruptError(file, 0, 'not a kubebox snapshot')
  const scan = scanRecords(buf, SNAP_MAGIC.length)
  // Snapshots are renamed into place only once complete and fsynced: any bad record is damage, never a torn write.
  if (scan.bad) throw new StoreCorruptError(file, scan.bad.offset, scan.bad.reason)
  const [header, ...entries] = scan.records
  if (!header || header.payload.length !== 12) throw new StoreCorruptError(file, SNAP_MAGIC.length, 'a bad header')
  const revision = readU64(header.payload, 0)
  const count = header.payload.readUInt32BE(8)
  if (entries.length !== count) {
    throw new StoreCorruptError(file, buf.length, `${entries.length} entries where the header promises ${count}`)
  }
  const items = entries.map(({ offset, payload: p }): KeyValue => {
    const keyLength = p.length >= 20 ? p.readUInt32BE(16) : Infinity
    if (20 + keyLength > p.length) throw new StoreCorruptError(file, offset, 'key longer than its record')
    const kv = {
      createRevision: readU64(p, 0),
      modRevision: readU64(p, 8),
      key: p.toString('utf8', 20, 20 + keyLength),
      value: p.subarray(20 + keyLength), // a view; load() copies
    }
    if (kv.modRevision > revision || kv.createRevision > kv.modRevision || kv.createRevision < 1) {
      throw new StoreCorruptError(file, offset, `revisions ${kv.createRevision}/${kv.modRevision} of ${kv.key} do not fit ${revision}`)
    }
    return kv
  })
  return { revision, items, bytes: buf.length }
}

// ---- the lock -----------------------------------------------------------------------------------------------------

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' // exists, owned by someone else
  }
}

/**
 * Takes `dir/LOCK` (created exclusively, holding our pid). A lock whose pid is dead, or is our own pid without this
 * process holding it (pid reuse, e.g. pid 1 in a restarted container), is stale and taken over.
 */
async function acquireLock(dir: string, log: Logger): Promise<string> {
  const file = path.join(dir, LOCK_FILE)
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(file, 'wx')
      try {
        await fh.writeFile(`${process.pid}\n`)
        await fh.sync()
      } finally {
        await fh.close()
      }
      heldLocks.add(file)
      return file
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const content = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined // released meanwhile: try again
      throw err
    })
    if (content === undefined) continue
    const pid = /^\d+$/.test(content.trim()) ? Number(content.trim()) : 0
    if (pid === 0 && attempt < 5) {
      // Being written by a process that has just created it; give it a moment before calling it stale.
      await new Promise(resolve => setTimeout(resolve, 50))
      continue
    }
    const ours = pid === process.pid
    if (ours ? heldLocks.has(file) : pid > 0 && isAlive(pid)) {
      throw new Error(`the data dir is in use by process ${pid}${ours ? ' (this process)' : ''}: ${dir} (lock file ${file})`)
    }
    if (attempt >= 10) throw new Error(`could not take the lock ${file}: it keeps changing`)
    // Stale. Remove it only if it is still the one we judged, then race for it again with 'wx'.
    if ((await readFile(file, 'utf8').catch(() => undefined)) !== content) continue
    log.warn({ file, pid: pid || null }, 'embedded store: taking over a stale lock')
    await unlink(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err
    })
  }
}

async function releaseLock(file: string): Promise<void> {
  heldLocks.delete(file)
  const content = await readFile(file, 'utf8').catch(() => undefined)
  if (content?.trim() === String(process.pid)) await unlink(file).catch(() => {})
}
