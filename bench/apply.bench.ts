import { readFile } from 'node:fs/promises'
import { BenchClient, runConcurrent, stats, type Stats } from './load.ts'

const CONCURRENCY = 8
const NS = 'bench-apply'
const CM = `/api/v1/namespaces/${NS}/configmaps`

function expectOk(r: { status: number; body: string }, what: string): void {
  if (r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${r.body.slice(0, 300)}`)
}

/** The resident set of a process (VmRSS of /proc/PID/status), in bytes. */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024
}

export interface ApplyBenchResult {
  rows: { name: string; stats: Stats; note?: string }[]
  openapi: {
    /** The first GET /openapi/v3/apis/apps/v1 (the document is built then), and one served from the cache. */
    firstMs: number
    cachedMs: number
    bytes: number
    /** The server's RSS just before and after the first request (when its pid is known). */
    rssBefore?: number
    rssAfter?: number
  }
}

const configMap = (name: string, counter: number) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels: { app: 'bench' } },
  data: { counter: String(counter), a: 'x'.repeat(100), b: 'y'.repeat(100), c: 'z' },
})

/**
 * One object per client: each operation takes a name no other running operation holds, so the figures are
 * those of the patch, not of retries on a contended object (8 writers of one object exhaust the registry's retries).
 */
function objectPool(size: number) {
  const free = Array.from({ length: size }, (_, i) => `applied-${i}`)
  return async <T>(op: (name: string) => Promise<T>): Promise<T> => {
    const name = free.pop()!
    try {
      return await op(name)
    } finally {
      free.push(name)
    }
  }
}

/**
 * Issue 3's figures, against a running server: the cost of the OpenAPI documents (the first GET of the apps/v1
 * v3 document, which builds it, and the server's RSS around it), then p50/p99 with 8 concurrent clients of
 * server-side apply (the same object applied again and again, one field changing; one object per client),
 * strategic merge patch, JSON merge patch and JSON patch of those objects (each changing one field).
 * Run it before anything fetched OpenAPI.
 */
export async function runApplyBench(baseUrl: string, opts: { requests: number; pid?: number }): Promise<ApplyBenchResult> {
  const client = new BenchClient(baseUrl, CONCURRENCY)
  const rows: ApplyBenchResult['rows'] = []
  try {
    const rssBefore = opts.pid ? await rssOf(opts.pid) : undefined
    let t0 = performance.now()
    const first = await client.request('GET', '/openapi/v3/apis/apps/v1')
    const firstMs = performance.now() - t0
    expectOk(first, 'openapi v3 apps/v1')
    const rssAfter = opts.pid ? await rssOf(opts.pid) : undefined
    t0 = performance.now()
    expectOk(await client.request('GET', '/openapi/v3/apis/apps/v1'), 'openapi v3 apps/v1 (cached)')
    const cachedMs = performance.now() - t0

    expectOk(await client.request('POST', '/api/v1/namespaces', { metadata: { name: NS } }), 'create namespace')
    const pool = objectPool(CONCURRENCY)
    const apply = (name: string, counter: number) =>
      client.request('PATCH', `${CM}/${name}?fieldManager=bench&force=true`, configMap(name, counter), { 'Content-Type': 'application/apply-patch+yaml' })
    // Create-on-apply, then each object applied again and again with one field changing.
    const created = await runConcurrent(CONCURRENCY, CONCURRENCY, () => pool(async (name) => expectOk(await apply(name, -1), 'create-on-apply')))
    if (created.latencies.length !== CONCURRENCY) throw new Error('create-on-apply did not run')
    const applied = await runConcurrent(CONCURRENCY, opts.requests, (i) => pool(async (name) => expectOk(await apply(name, i), 'apply')))
    rows.push({ name: 'server-side apply', stats: stats(applied.latencies, applied.elapsedMs), note: 'same object re-applied, a field changing' })

    const patch = (name: string, type: string, body: unknown) => client.request('PATCH', `${CM}/${name}?fieldManager=bench-patch`, body, { 'Content-Type': type })
    const smp = await runConcurrent(CONCURRENCY, opts.requests, (i) =>
      pool(async (name) => expectOk(await patch(name, 'application/strategic-merge-patch+json', { data: { counter: `s${i}` } }), 'strategic merge patch')),
    )
    rows.push({ name: 'strategic merge patch', stats: stats(smp.latencies, smp.elapsedMs) })
    const merge = await runConcurrent(CONCURRENCY, opts.requests, (i) =>
      pool(async (name) => expectOk(await patch(name, 'application/merge-patch+json', { data: { counter: `m${i}` } }), 'merge patch')),
    )
    rows.push({ name: 'JSON merge patch', stats: stats(merge.latencies, merge.elapsedMs) })
    const json = await runConcurrent(CONCURRENCY, opts.requests, (i) =>
      pool(async (name) => expectOk(await patch(name, 'application/json-patch+json', [{ op: 'replace', path: '/data/counter', value: `j${i}` }]), 'json patch')),
    )
    rows.push({ name: 'JSON patch', stats: stats(json.latencies, json.elapsedMs) })

    return { rows, openapi: { firstMs, cachedMs, bytes: Buffer.byteLength(first.body), rssBefore, rssAfter } }
  } finally {
    client.close()
  }
}
