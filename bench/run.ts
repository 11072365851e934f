/**
 * `npm run bench`: starts a real etcd and `cluster serve` (as its own process, so its memory is measured
 * alone), runs the API benchmark with 8 concurrent clients on loopback, and prints the figures.
 * BENCH_REQUESTS sets the operations per row (default 4000).
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEtcd } from '../test/helpers/etcd.ts'
import { runApiBench } from './api.bench.ts'
import { runApplyBench } from './apply.bench.ts'

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024
}

async function startServer(etcd: string, dataDir: string): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--etcd-servers', etcd, '--port', '0', '--data-dir', dataDir, '--runtime', 'none', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (c) => {
      out += c
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) resolve(m[1])
    })
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)))
  })
  return {
    url,
    pid: child.pid!,
    stop: () => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))),
  }
}

const ms = (n: number) => `${n.toFixed(1)} ms`

async function main(): Promise<void> {
  const requests = Number(process.env.BENCH_REQUESTS ?? 4000)
  const etcd = await startEtcd()
  const dataDir = await mkdtemp(join(tmpdir(), 'kubebox-bench-'))
  const server = await startServer(etcd.endpoint, dataDir)
  try {
    const idleRss = await rssOf(server.pid)
    const { rows } = await runApiBench(server.url, { requests })
    const loadedRss = await rssOf(server.pid)
    console.log(`\nkubebox API benchmark — 8 concurrent clients on loopback, etcd ${etcd.endpoint}, ${requests} operations per row\n`)
    console.log(['operation'.padEnd(42), 'p50'.padStart(10), 'p99'.padStart(10), 'req/s'.padStart(9), '  note'].join(''))
    for (const r of rows)
      console.log([r.name.padEnd(42), ms(r.stats.p50).padStart(10), ms(r.stats.p99).padStart(10), r.stats.rps.toFixed(0).padStart(9), `  ${r.note ?? ''}`].join(''))
    // Issue 3: apply and patch rows, and what OpenAPI costs (nothing above fetched it).
    const apply = await runApplyBench(server.url, { requests, pid: server.pid })
    for (const r of apply.rows)
      console.log([r.name.padEnd(42), ms(r.stats.p50).padStart(10), ms(r.stats.p99).padStart(10), r.stats.rps.toFixed(0).padStart(9), `  ${r.note ?? ''}`].join(''))
    const { openapi } = apply
    const mb = (n = 0) => `${(n / 2 ** 20).toFixed(0)} MB`
    console.log(`\nOpenAPI: first GET /openapi/v3/apis/apps/v1 ${ms(openapi.firstMs)} (${(openapi.bytes / 1024).toFixed(0)} KiB), cached ${ms(openapi.cachedMs)}; server RSS ${mb(openapi.rssBefore)} before, ${mb(openapi.rssAfter)} after`)
    console.log(`\nserver RSS: ${(idleRss / 2 ** 20).toFixed(0)} MB idle after start, ${(loadedRss / 2 ** 20).toFixed(0)} MB after the API rows, ${mb(await rssOf(server.pid))} at the end`)
  } finally {
    await server.stop()
    await etcd.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}

await main()
