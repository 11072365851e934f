import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import os, { tmpdir } from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { EmbeddedStore, StoreCorruptError, type EmbeddedStoreOptions } from '../../src/store/embedded-store.ts'
import { CompactedError, StoreUnavailableError, type StoreEvent } from '../../src/store/store.ts'
import { runStoreContract } from '../contract/store.contract.ts'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const storeModule = fileURLToPath(new URL('../../src/store/embedded-store.ts', import.meta.url))
const enc = (s: string) => new TextEncoder().encode(s)
const dec = (b: Uint8Array) => new TextDecoder().decode(b)

const dirs: string[] = []
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kubebox-embedded-'))
  dirs.push(dir)
  return dir
}
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

runStoreContract('EmbeddedStore', async () => {
  const dir = await tempDir()
  const store = await EmbeddedStore.open(dir)
  return { store, cleanup: () => store.close() }
})

// The same suite with a snapshot every few KiB and an fsync per batch, so rotation happens under the contract's load.
runStoreContract('EmbeddedStore (tiny snapshots, fsync per batch)', async () => {
  const dir = await tempDir()
  const store = await EmbeddedStore.open(dir, { snapshotAfterBytes: 4096, syncIntervalMs: 0 })
  return { store, cleanup: () => store.close() }
})

/** A logger whose lines the test can read. */
function capturingLogger() {
  const lines: Array<{ level: number; msg: string; [k: string]: unknown }> = []
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) })
  return { logger, lines }
}

async function files(dir: string): Promise<Array<{ name: string; size: number }>> {
  const out = []
  for (const name of (await readdir(dir)).sort()) {
    const st = await stat(path.join(dir, name)).catch(() => undefined) // a snapshot's .tmp may be renamed meanwhile
    if (st) out.push({ name, size: st.size })
  }
  return out
}

async function walFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter(n => n.startsWith('wal-')).sort().map(n => path.join(dir, n))
}

async function open(dir: string, opts?: EmbeddedStoreOptions) {
  return EmbeddedStore.open(dir, opts)
}

/** Runs `body` (JavaScript, with `EmbeddedStore` and `dir` in scope) in a child process; resolves with the child. */
function child(dir: string, body: string) {
  const code = `const { EmbeddedStore } = await import(${JSON.stringify(storeModule)}); const dir = ${JSON.stringify(dir)};\n${body}`
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>(resolve => proc.on('exit', code => resolve(code)))
  return {
    proc,
    exited,
    async until(text: string, timeoutMs = 30_000): Promise<void> {
      const deadline = Date.now() + timeoutMs
      while (!out.includes(text)) {
        if (Date.now() > deadline) assert.fail(`child did not print ${JSON.stringify(text)}; printed ${JSON.stringify(out)}`)
        await sleep(20)
      }
    },
  }
}

describe('EmbeddedStore persistence', () => {
  it('keeps values across close and reopen, and the revision continues', async () => {
    const dir = await tempDir()
    let store = await open(dir)
    const revs = new Map<string, number>()
    for (let i = 0; i < 200; i++) revs.set(`/registry/pods/ns/p${i}`, await store.create(`/registry/pods/ns/p${i}`, enc(`v${i}`)))
    for (let i = 0; i < 200; i += 3) {
      const key = `/registry/pods/ns/p${i}`
      revs.set(key, await store.update(key, enc(`u${i}`), revs.get(key)!))
    }
    const before = await store.list('/registry/pods/')
    const last = await store.currentRevision()
    await store.close()

    store = await open(dir)
    assert.equal(await store.currentRevision(), last)
    const again = await store.list('/registry/pods/')
    assert.deepEqual(
      again.items.map(kv => [kv.key, dec(kv.value), kv.createRevision, kv.modRevision]),
      before.items.map(kv => [kv.key, dec(kv.value), kv.createRevision, kv.modRevision]),
    )
    assert.equal(dec((await store.get('/registry/pods/ns/p3'))!.value), 'u3')
    assert.equal(await store.create('/registry/pods/ns/new', enc('n')), last + 1, 'the next write continues the revisions')
    await store.close()
  })

  it('keeps deletes across reopen', async () => {
    const dir = await tempDir()
    let store = await open(dir)
    const r = await store.create('/k/a', enc('a'))
    await store.create('/k/b', enc('b'))
    await store.delete('/k/a', r)
    await store.close()
    store = await open(dir)
    assert.equal(await store.get('/k/a'), undefined)
    assert.deepEqual((await store.list('/k/')).items.map(kv => kv.key), ['/k/b'])
    assert.equal(await store.count('/k/'), 1)
    const recreated = await store.create('/k/a', enc('again'))
    assert.equal((await store.get('/k/a'))?.createRevision, recreated)
    await store.close()
  })

  it('treats history before the reopen as compacted, and watches from the reopen revision on', async () => {
    const dir = await tempDir()
    let store = await open(dir)
    const fresh: Error[] = []
    const w0 = await store.watch('/h/', 0, { event: () => {}, error: err => void fresh.push(err) })
    const r1 = await store.create('/h/a', enc('1'))
    await sleep(20)
    w0.close()
    assert.deepEqual(fresh, [], 'a fresh store is watchable from revision 0, as a new etcd is')
    const r2 = await store.update('/h/a', enc('2'), r1)
    await store.close()
    store = await open(dir)
    assert.equal(dec((await store.get('/h/a', { revision: r2 }))!.value), '2', 'the reopen revision itself is readable')
    await assert.rejects(store.get('/h/a', { revision: r1 }), CompactedError)
    await assert.rejects(store.list('/h/', { revision: r1 }), CompactedError)

    const errors: Error[] = []
    const events: StoreEvent[] = []
    const handler = { event: (ev: StoreEvent) => void events.push(ev), error: (err: Error) => void errors.push(err) }
    // From r1 the watch would need the event at r2, which the reopened store does not have.
    const old = await store.watch('/h/', r1, handler)
    await sleep(20)
    old.close()
    assert.equal(errors.length, 1)
    assert.ok(errors[0] instanceof CompactedError)

    const w = await store.watch('/h/', r2, handler)
    const r3 = await store.update('/h/a', enc('3'), r2)
    await sleep(20)
    w.close()
    assert.deepEqual(events.map(e => e.kv.modRevision), [r3])
    await store.close()
  })

  it('truncates a torn last record with a log line and carries on from the record before it', async () => {
    const dir = await tempDir()
    let store = await open(dir)
    let rev = 0
    for (let i = 0; i < 50; i++) rev = await store.create(`/t/${i}`, enc(`value-${i}`))
    await store.close()
    const [wal] = await walFiles(dir)
    const size = (await stat(wal!)).size
    await truncate(wal!, size - 3) // the crash hit in the middle of writing the last record

    const { logger, lines } = capturingLogger()
    store = await open(dir, { logger })
    assert.equal(await store.currentRevision(), rev - 1)
    assert.equal(await store.get('/t/49'), undefined, 'the torn record is gone')
    assert.equal(dec((await store.get('/t/48'))!.value), 'value-48')
    const warning = lines.find(l => l.msg.includes('torn'))
    assert.ok(warning, `expected a warning about the torn record; got ${JSON.stringify(lines)}`)
    assert.equal(warning.file, wal)
    // The log goes on from the truncation point, and a further reopen is clean.
    assert.equal(await store.create('/t/49', enc('rewritten')), rev)
    await store.close()
    const { logger: logger2, lines: lines2 } = capturingLogger()
    store = await open(dir, { logger: logger2 })
    assert.equal(dec((await store.get('/t/49'))!.value), 'rewritten')
    assert.equal(await store.currentRevision(), rev)
    assert.equal(lines2.filter(l => l.msg.includes('torn')).length, 0)
    await store.close()
  })

  it('treats zero bytes after the last good record as a torn write', async () => {
    const dir = await tempDir()
    let store = await open(dir)
    const rev = await store.create('/z/a', enc('a'))
    await store.close()
    const [wal] = await walFiles(dir)
    await writeFile(wal!, Buffer.alloc(4096), { flag: 'a' }) // the file grew, its blocks never got written
    store = await open(dir)
    assert.equal(await store.currentRevision(), rev)
    assert.equal(dec((await store.get('/z/a'))!.value), 'a')
    await store.close()
  })

  it('recovers a log segment whose header was torn (created just before a crash)', async () => {
    const dir = await tempDir()
    let store = await open(dir)
    await store.close()
    const [wal] = await walFiles(dir)
    await truncate(wal!, 3)
    store = await open(dir)
    const r = await store.create('/th/a', enc('a'))
    await store.close()
    store = await open(dir)
    assert.equal((await store.get('/th/a'))?.modRevision, r)
    await store.close()
  })

  it('refuses to open on a garbage byte in the middle of the log, naming the file, and keeps the file', async () => {
    const dir = await tempDir()
    let store = await open(dir)
    for (let i = 0; i < 50; i++) await store.create(`/g/${i}`, enc(`value-${i}`))
    await store.close()
    const [wal] = await walFiles(dir)
    const bytes = await readFile(wal!)
    for (const at of [Math.floor(bytes.length / 2), 8 + 1 /* the first record's length field */]) {
      const damaged = Buffer.from(bytes)
      damaged[at] = damaged[at]! ^ 0x5a
      await writeFile(wal!, damaged)
      await assert.rejects(open(dir), (err: unknown) => {
        assert.ok(err instanceof StoreCorruptError, String(err))
        assert.equal(err.file, wal)
        assert.match(err.message, new RegExp(`${path.basename(wal!)} is corrupt at byte \\d+`))
        return true
      })
      assert.equal((await stat(wal!)).size, bytes.length, 'nothing was truncated')
    }
    assert.ok(!(await readdir(dir)).includes('LOCK'), 'a failed open releases the lock')
    await writeFile(wal!, bytes)
    store = await open(dir)
    assert.equal(await store.count('/g/'), 50)
    await store.close()
  })

  it('refuses to open a damaged snapshot, naming it', async () => {
    const dir = await tempDir()
    let store = await open(dir, { snapshotAfterBytes: 1024 })
    for (let i = 0; i < 100; i++) await store.create(`/s/${i}`, enc('x'.repeat(100)))
    await store.close()
    const snap = (await readdir(dir)).find(n => n.endsWith('.snap'))
    assert.ok(snap, 'a snapshot was taken')
    const file = path.join(dir, snap)
    const bytes = await readFile(file)
    bytes[bytes.length - 10] ^= 0xff
    await writeFile(file, bytes)
    await assert.rejects(open(dir), (err: unknown) => err instanceof StoreCorruptError && err.file === file)
  })

  it('refuses to open when the newest snapshot is missing (the log before it is gone)', async () => {
    const dir = await tempDir()
    let store = await open(dir, { snapshotAfterBytes: 1024 })
    for (let i = 0; i < 100; i++) {
      await store.create(`/m/${i}`, enc('x'.repeat(100)))
      await new Promise(setImmediate)
    }
    await store.close()
    const names = await readdir(dir)
    const snap = names.find(n => n.endsWith('.snap'))!
    assert.ok(!names.includes('wal-0000000000000002.log'), `the first segment was superseded: ${names}`)
    await rm(path.join(dir, snap))
    await assert.rejects(open(dir), (err: unknown) => err instanceof StoreCorruptError && /starts at revision/.test(err.message))
  })

  it('refuses a second open of a directory in use, and allows it after close', async () => {
    const dir = await tempDir()
    const first = await open(dir)
    await assert.rejects(open(dir), new RegExp(`the data dir is in use by process ${process.pid}`))
    await first.create('/l/a', enc('a'))
    await first.close()
    const second = await open(dir)
    assert.equal(dec((await second.get('/l/a'))!.value), 'a')
    await second.close()
  })

  it('refuses a directory locked by another live process', async () => {
    const dir = await tempDir()
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })
    try {
      await writeFile(path.join(dir, 'LOCK'), `${other.pid}\n`)
      await assert.rejects(open(dir), new RegExp(`the data dir is in use by process ${other.pid}\\b`))
    } finally {
      other.kill('SIGKILL')
    }
  })

  it('takes over a stale lock whose process is gone', async () => {
    const dir = await tempDir()
    const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
    await new Promise(resolve => gone.on('exit', resolve))
    await writeFile(path.join(dir, 'LOCK'), `${gone.pid}\n`)
    const { logger, lines } = capturingLogger()
    const store = await open(dir, { logger })
    assert.equal((await readFile(path.join(dir, 'LOCK'), 'utf8')).trim(), String(process.pid))
    assert.ok(lines.some(l => l.msg.includes('stale lock') && l.pid === gone.pid))
    await store.close()
    assert.ok(!(await readdir(dir)).includes('LOCK'), 'close releases the lock')
  })

  it('keeps the directory small through snapshots while the same keys are updated over and over', async t => {
    const dir = await tempDir()
    const snapshotAfterBytes = 64 * 1024
    let store = await open(dir, { snapshotAfterBytes })
    const value = (i: number, n: number) => enc(JSON.stringify({ i, n, pad: 'x'.repeat(1000) }))
    const revs: number[] = []
    for (let i = 0; i < 20; i++) revs[i] = await store.create(`/c/${i}`, value(i, 0))
    let peak = 0
    const rounds = 1000 // 20,000 updates of ~1 KiB: ~20 MiB of log without snapshots
    for (let n = 1; n <= rounds; n++) {
      for (let i = 0; i < 20; i++) revs[i] = await store.update(`/c/${i}`, value(i, n), revs[i]!)
      await new Promise(setImmediate) // as between requests: lets the log write and snapshots run
      if (n % 100 === 0) {
        peak = Math.max(peak, (await files(dir)).reduce((sum, f) => sum + f.size, 0))
      }
    }
    await store.compact(await store.currentRevision())
    const last = await store.currentRevision()
    await store.close()
    const listing = await files(dir)
    const total = listing.reduce((sum, f) => sum + f.size, 0)
    // State ~21 KiB. A snapshot is due every 64 KiB of log; while one is written the log may run up to 4 times that
    // ahead (then writes wait), so two segments of that size, two snapshots and a batch at most: ~20 MiB without snapshots.
    assert.ok(total < 4 * snapshotAfterBytes, `directory holds ${total} bytes: ${JSON.stringify(listing)}`)
    assert.ok(peak < 12 * snapshotAfterBytes, `the directory peaked at ${peak} bytes`)
    t.diagnostic(`directory peak ${peak} bytes, final ${total} bytes, after ~${((rounds * 20 * 1030) / 2 ** 20).toFixed(0)} MiB of updates`)
    assert.ok(listing.length <= 4, `files: ${JSON.stringify(listing)}`)

    store = await open(dir)
    assert.equal(await store.currentRevision(), last)
    const items = (await store.list('/c/')).items
    assert.equal(items.length, 20)
    for (const kv of items) assert.equal(JSON.parse(dec(kv.value)).n, rounds)
    await store.close()
  })

  it('survives a crash (the process is killed without close) with the writes flushed before it', async () => {
    const dir = await tempDir()
    const c = child(
      dir,
      `const store = await EmbeddedStore.open(dir)
       let last = 0
       for (let i = 0; i < 500; i++) last = await store.create('/crash/' + i, new TextEncoder().encode('v' + i))
       await store.delete('/crash/0')
       last = (await store.delete('/crash/1')).revision
       await new Promise(r => setTimeout(r, 1200)) // past the 1 s fsync
       console.log('ready ' + last)
       setInterval(() => {}, 1000)`,
    )
    await c.until('ready')
    c.proc.kill('SIGKILL')
    await c.exited
    assert.match(await readFile(path.join(dir, 'LOCK'), 'utf8'), new RegExp(`^${c.proc.pid}\\b`), 'the dead process left its lock')

    const store = await open(dir)
    assert.equal(await store.count('/crash/'), 498)
    assert.equal(await store.get('/crash/1'), undefined)
    assert.equal(dec((await store.get('/crash/499'))!.value), 'v499')
    assert.equal(await store.currentRevision(), 1 + 500 + 2)
    await store.close()
  })

  it('loses nothing on close even right after a burst of writes (no waiting for the fsync timer)', async () => {
    const dir = await tempDir()
    let store = await open(dir, { syncIntervalMs: 60_000 })
    const writes = Array.from({ length: 1000 }, (_, i) => store.create(`/burst/${i}`, enc(String(i))))
    const last = Math.max(...(await Promise.all(writes)))
    await store.close()
    await assert.rejects(store.create('/burst/x', enc('x')), StoreUnavailableError)
    store = await open(dir)
    assert.equal(await store.count('/burst/'), 1000)
    assert.equal(await store.currentRevision(), last)
    await store.close()
  })

  // Figures, not assertions: a benchmark, run on request (BENCH=1) so the unit tier stays fast.
  it('measures open time for 10,000 objects and write throughput (figures only, no timing assertions)', { skip: !process.env.BENCH && 'set BENCH=1 to measure' }, async t => {
    const dir = await tempDir()
    const object = (i: number, gen: number) =>
      enc(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `cm-${i}`, namespace: 'default', labels: { app: 'bench', gen: String(gen) } },
          data: { payload: 'x'.repeat(700) },
        }),
      )
    let store = await open(dir)
    let t0 = performance.now()
    let cpu0 = process.cpuUsage()
    const cpuMs = () => {
      const d = process.cpuUsage(cpu0)
      return (d.user + d.system) / 1000
    }
    const revs: number[] = []
    for (let i = 0; i < 10_000; i++) revs[i] = await store.create(`/registry/configmaps/default/cm-${String(i).padStart(5, '0')}`, object(i, 0))
    const createMs = performance.now() - t0
    const createCpu = cpuMs()

    t0 = performance.now()
    cpu0 = process.cpuUsage()
    const updates = 100_000
    for (let n = 0; n < updates; n++) {
      const i = n % 10_000
      revs[i] = await store.update(`/registry/configmaps/default/cm-${String(i).padStart(5, '0')}`, object(i, 1 + Math.floor(n / 10_000)), revs[i]!)
    }
    const updateMs = performance.now() - t0
    const updateCpu = cpuMs()
    t0 = performance.now()
    await store.close()
    const closeMs = performance.now() - t0
    const onDisk = (await files(dir)).reduce((sum, f) => sum + f.size, 0)

    t0 = performance.now()
    cpu0 = process.cpuUsage()
    store = await open(dir)
    const openMs = performance.now() - t0
    const openCpu = cpuMs()
    assert.equal(await store.count('/registry/configmaps/'), 10_000)
    await store.close()

    // The same state from the log alone (snapshots put off): 10,000 creates to replay.
    const logOnly = await tempDir()
    store = await open(logOnly, { snapshotAfterBytes: 2 ** 40 })
    for (let i = 0; i < 10_000; i++) await store.create(`/registry/configmaps/default/cm-${i}`, object(i, 0))
    await store.close()
    assert.ok(!(await readdir(logOnly)).some(n => n.endsWith('.snap')))
    t0 = performance.now()
    cpu0 = process.cpuUsage()
    store = await open(logOnly)
    const openLogMs = performance.now() - t0
    const openLogCpu = cpuMs()
    assert.equal(await store.count('/registry/configmaps/'), 10_000)
    await store.close()

    const rate = (n: number, ms: number) => Math.round(n / (ms / 1000)).toLocaleString('en')
    const figures = [
      `load average ${os.loadavg().map(l => l.toFixed(1)).join(' ')} on ${os.availableParallelism()} CPUs (wall-clock figures suffer from it; CPU time less so)`,
      `10,000 creates (~0.9 KiB each): ${createMs.toFixed(0)} ms wall = ${rate(10_000, createMs)} writes/s; ` +
        `${createCpu.toFixed(0)} ms CPU = ${rate(10_000, createCpu)} writes/s`,
      `${updates.toLocaleString('en')} updates: ${updateMs.toFixed(0)} ms wall = ${rate(updates, updateMs)} writes/s; ` +
        `${updateCpu.toFixed(0)} ms CPU = ${rate(updates, updateCpu)} writes/s; close (final snapshot + fsync) ${closeMs.toFixed(0)} ms`,
      `directory after 110,000 writes: ${(onDisk / 1024 / 1024).toFixed(1)} MiB`,
      `open 10,000 objects from a snapshot: ${openMs.toFixed(0)} ms wall, ${openCpu.toFixed(0)} ms CPU; ` +
        `from the log alone: ${openLogMs.toFixed(0)} ms wall, ${openLogCpu.toFixed(0)} ms CPU`,
    ]
    for (const f of figures) {
      t.diagnostic(f)
      console.log(`[embedded-store] ${f}`)
    }
  })
})
