/**
 * `npm run bench:streaming`: exec round-trips and port-forward throughput through the API server and the
 * kubelet's streaming endpoint, on a real Docker engine. Starts its own etcd and `cluster serve` (Docker kubelet,
 * a node name of its own), one busybox pod with httpd serving a 100 MB file, then measures:
 *
 * - `exec -- true` round-trip, p50/p99: with @kubernetes/client-node's Exec (WebSocket v5, no process start-up
 *   in the figure) and with kubectl 1.33 (WebSocket v5) and 1.27 (SPDY), whole command including kubectl's own
 *   start-up;
 * - port-forward throughput: an HTTP GET of the 100 MB file through `kubectl port-forward` (1.33: SPDY tunnelled
 *   in a WebSocket; 1.27: SPDY), in MB/s.
 *
 * BENCH_EXECS (default 100) sets the client-node execs, BENCH_MB (default 100) the file size. Only 127.0.0.1.
 */
import { execFile, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { CoreV1Api, Exec, KubeConfig, type V1Status } from '@kubernetes/client-node'
import { freePort } from '../src/util/free-port.ts'
import { startEtcd } from '../test/helpers/etcd.ts'
import { kubectl, spawnKubectl, waitFor, type KubectlVersion } from '../test/helpers/kubectl.ts'
import { stats, type Stats } from './load.ts'

export interface StreamingBenchResult {
  exec: { client: string; stats: Stats; n: number }[]
  portForward: { client: string; megabytes: number; seconds: number; mbPerSecond: number }[]
}

const BUSYBOX = 'kubebox-test/busybox:latest'
const sink = () => new Writable({ write: (_c, _e, done) => done() })

/** Starts everything, measures, stops everything. */
export async function runStreamingBench(opts: { execs?: number; megabytes?: number; log?: (line: string) => void } = {}): Promise<StreamingBenchResult> {
  const execs = opts.execs ?? 100
  const megabytes = opts.megabytes ?? 100
  const log = opts.log ?? (() => {})
  await promisify(execFile)('bash', ['scripts/test-images.sh'])
  const etcd = await startEtcd()
  const dir = await mkdtemp(join(tmpdir(), 'kubebox-bench-streaming-'))
  const node = `bench-streaming-${randomUUID().slice(0, 6)}`
  const kubeconfig = join(dir, 'kubeconfig')
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--etcd-servers', etcd.endpoint, '--port', '0', '--data-dir', join(dir, 'data'), '--kubeconfig', kubeconfig, '--runtime', 'docker', '--node-name', node, '--pod-infra-image', 'kubebox-test/pause:latest', '--port-forward-image', BUSYBOX, '--cleanup', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    await new Promise<void>((resolve, reject) => {
      let out = ''
      child.stdout!.on('data', (c) => {
        out += c
        if (/listening on http/.test(out)) resolve()
      })
      child.once('exit', (code) => reject(new Error(`cluster serve exited with ${code}`)))
    })
    log('server up; starting the pod')
    const kc = new KubeConfig()
    kc.loadFromFile(kubeconfig)
    const core = kc.makeApiClient(CoreV1Api)
    const script = `mkdir -p /www && dd if=/dev/zero of=/www/big bs=1048576 count=${megabytes} 2>/dev/null && echo ok > /www/ready && exec httpd -f -p 8080 -h /www`
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'bench' }, spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'bench', image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script] }] } } })
    await waitFor('the pod to run', async () => (await core.readNamespacedPod({ namespace: 'default', name: 'bench' })).status?.containerStatuses?.[0]?.state?.running, { timeoutMs: 60_000, intervalMs: 300 })
    const exec = new Exec(kc)
    const run = (command: string[]) =>
      new Promise<V1Status>((resolve, reject) => {
        exec.exec('default', 'bench', 'bench', command, sink(), sink(), null, false, resolve).catch(reject)
      })
    await waitFor('httpd to be ready', async () => (await run(['test', '-f', '/www/ready'])).status === 'Success', { timeoutMs: 60_000, intervalMs: 300 })

    const result: StreamingBenchResult = { exec: [], portForward: [] }
    const timed = async (n: number, one: () => Promise<unknown>) => {
      const latencies: number[] = []
      const started = performance.now()
      for (let i = 0; i < n; i++) {
        const t0 = performance.now()
        await one()
        latencies.push(performance.now() - t0)
      }
      return stats(latencies, performance.now() - started)
    }
    log(`exec × ${execs} with client-node`)
    await run(['true'])
    result.exec.push({ client: 'client-node Exec (WebSocket v5)', n: execs, stats: await timed(execs, () => run(['true'])) })
    for (const [v, what] of [['1.33', 'WebSocket v5'], ['1.27', 'SPDY']] as [KubectlVersion, string][]) {
      const cacheDir = join(dir, `cache-${v}`)
      const n = Math.max(10, Math.round(execs / 5))
      log(`exec × ${n} with kubectl ${v}`)
      await kubectl(v, ['exec', 'bench', '--', 'true'], { kubeconfig, cacheDir })
      const s = await timed(n, async () => {
        const r = await kubectl(v, ['exec', 'bench', '--', 'true'], { kubeconfig, cacheDir })
        if (r.code !== 0) throw new Error(`kubectl ${v} exec failed: ${r.stderr}`)
      })
      result.exec.push({ client: `kubectl ${v} exec (${what}, incl. kubectl start-up)`, n, stats: s })
    }
    for (const [v, what] of [['1.33', 'SPDY in WebSocket'], ['1.27', 'SPDY']] as [KubectlVersion, string][]) {
      log(`port-forward ${megabytes} MB with kubectl ${v}`)
      const port = await freePort()
      const pf = spawnKubectl(v, ['port-forward', 'pod/bench', `${port}:8080`], { kubeconfig, cacheDir: join(dir, `cache-${v}`) })
      try {
        await pf.waitFor(/Forwarding from 127\.0\.0\.1/, { timeoutMs: 30_000 })
        const t0 = performance.now()
        const bytes = await download(port, '/big')
        const seconds = (performance.now() - t0) / 1000
        if (bytes !== megabytes * 2 ** 20) throw new Error(`got ${bytes} bytes, wanted ${megabytes * 2 ** 20}`)
        result.portForward.push({ client: `kubectl ${v} port-forward (${what})`, megabytes, seconds, mbPerSecond: megabytes / seconds })
      } finally {
        await pf.kill()
      }
    }
    return result
  } finally {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
    await etcd.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/** GET → the number of body bytes (only 127.0.0.1). */
function download(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let n = 0
      res.on('data', (c: Buffer) => (n += c.length))
      res.on('end', () => resolve(n))
      res.on('error', reject)
    }).on('error', reject)
  })
}

const ms = (n: number) => `${n.toFixed(1)} ms`

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runStreamingBench({ execs: Number(process.env.BENCH_EXECS ?? 100), megabytes: Number(process.env.BENCH_MB ?? 100), log: (l) => console.error(`… ${l}`) })
  console.log('\nkubebox streaming benchmark — through the API server and the kubelet, Docker engine, loopback\n')
  console.log(['exec -- true'.padEnd(58), 'n'.padStart(5), 'p50'.padStart(10), 'p99'.padStart(10)].join(''))
  for (const e of r.exec) console.log([e.client.padEnd(58), String(e.n).padStart(5), ms(e.stats.p50).padStart(10), ms(e.stats.p99).padStart(10)].join(''))
  console.log(`\n${'port-forward, HTTP GET of one file'.padEnd(58)}${'MB'.padStart(5)}${'s'.padStart(10)}${'MB/s'.padStart(10)}`)
  for (const p of r.portForward) console.log([p.client.padEnd(58), String(p.megabytes).padStart(5), p.seconds.toFixed(2).padStart(10), p.mbPerSecond.toFixed(1).padStart(10)].join(''))
}
