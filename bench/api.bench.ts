import { BenchClient, runConcurrent, stats, type Stats } from './load.ts'

const CONCURRENCY = 8
const NS = '/api/v1/namespaces/bench'

function expectOk(r: { status: number; body: string }, what: string): void {
  if (r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${r.body.slice(0, 200)}`)
}

const configMap = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { key: 'value', other: 'x'.repeat(200) } })

export interface ApiBenchResult {
  rows: { name: string; stats: Stats; note?: string }[]
}

/** The API figures of issue 2: GET, create, get+update, LIST of 1,000, watch delivery to 100 watchers. */
export async function runApiBench(baseUrl: string, opts: { requests: number }): Promise<ApiBenchResult> {
  const client = new BenchClient(baseUrl, CONCURRENCY)
  const rows: ApiBenchResult['rows'] = []
  try {
    expectOk(await client.request('POST', '/api/v1/namespaces', { metadata: { name: 'bench' } }), 'create namespace')

    // create: distinct names, 8 concurrent clients
    const created = await runConcurrent(CONCURRENCY, opts.requests, async (i) => expectOk(await client.request('POST', `${NS}/configmaps`, configMap(`cm-${i}`, { app: i % 10 === 0 ? 'tenth' : 'rest' })), 'create'))
    rows.push({ name: 'create', stats: stats(created.latencies, created.elapsedMs) })

    // single-object GET
    const got = await runConcurrent(CONCURRENCY, opts.requests, async (i) => expectOk(await client.request('GET', `${NS}/configmaps/cm-${i % 100}`), 'get'))
    rows.push({ name: 'GET one object', stats: stats(got.latencies, got.elapsedMs) })

    // get-then-update: read, change, PUT with the read resourceVersion (each client its own objects: no conflicts)
    const updated = await runConcurrent(CONCURRENCY, opts.requests, async (i) => {
      const name = `cm-${i % opts.requests}`
      const r = await client.request('GET', `${NS}/configmaps/${name}`)
      expectOk(r, 'get for update')
      const obj = JSON.parse(r.body)
      obj.data.key = `v${i}`
      expectOk(await client.request('PUT', `${NS}/configmaps/${name}`, obj), 'update')
    })
    rows.push({ name: 'get + update', stats: stats(updated.latencies, updated.elapsedMs) })

    // LIST of 1,000 objects, with and without a label selector
    const listNs = '/api/v1/namespaces/bench-list'
    expectOk(await client.request('POST', '/api/v1/namespaces', { metadata: { name: 'bench-list' } }), 'create namespace')
    await runConcurrent(CONCURRENCY, 1000, async (i) => expectOk(await client.request('POST', `${listNs}/configmaps`, configMap(`l-${i}`, { app: i % 10 === 0 ? 'tenth' : 'rest' })), 'create for list'))
    const listRuns = Math.max(20, Math.round(opts.requests / 50))
    const listed = await runConcurrent(CONCURRENCY, listRuns, async () => {
      const r = await client.request('GET', `${listNs}/configmaps`)
      expectOk(r, 'list')
      if (JSON.parse(r.body).items.length !== 1000) throw new Error('list did not return 1,000 items')
    })
    rows.push({ name: 'LIST 1,000 objects', stats: stats(listed.latencies, listed.elapsedMs) })
    const selected = await runConcurrent(CONCURRENCY, listRuns, async () => {
      const r = await client.request('GET', `${listNs}/configmaps?labelSelector=app%3Dtenth`)
      expectOk(r, 'list with selector')
      if (JSON.parse(r.body).items.length !== 100) throw new Error('selector did not return 100 items')
    })
    rows.push({ name: 'LIST 1,000, label selector (100 match)', stats: stats(selected.latencies, selected.elapsedMs) })

    rows.push(await watchDelivery(client, 100, Math.max(50, Math.round(opts.requests / 20))))
  } finally {
    client.close()
  }
  return { rows }
}

/** 100 watchers on one namespace; each write's delivery latency to every watcher (write sent → event read). */
async function watchDelivery(client: BenchClient, watchers: number, writes: number): Promise<{ name: string; stats: Stats; note: string }> {
  const ns = '/api/v1/namespaces/bench-watch'
  expectOk(await client.request('POST', '/api/v1/namespaces', { metadata: { name: 'bench-watch' } }), 'create namespace')
  const list = await client.request('GET', `${ns}/configmaps`)
  const rv = JSON.parse(list.body).metadata.resourceVersion
  const sentAt = new Map<string, number>()
  const latencies: number[] = []
  let received = 0
  let allDone!: () => void
  const done = new Promise<void>((r) => (allDone = r))
  const closers = await Promise.all(
    Array.from({ length: watchers }, () =>
      client.watch(`${ns}/configmaps?watch=true&resourceVersion=${rv}`, (ev, at) => {
        const t0 = sentAt.get(ev.object?.metadata?.name)
        if (t0 !== undefined) latencies.push(at - t0)
        if (++received === watchers * writes) allDone()
      }),
    ),
  )
  const started = performance.now()
  for (let i = 0; i < writes; i++) {
    const name = `w-${i}`
    sentAt.set(name, performance.now())
    expectOk(await client.request('POST', `${ns}/configmaps`, configMap(name)), 'create for watch')
    await new Promise((r) => setTimeout(r, 10))
  }
  await Promise.race([done, new Promise((r) => setTimeout(r, 30_000))])
  const elapsed = performance.now() - started
  for (const close of closers) close()
  return { name: `watch delivery to ${watchers} watchers`, stats: stats(latencies, elapsed), note: `${received}/${watchers * writes} events delivered` }
}
