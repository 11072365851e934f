/**
 * `npm run bench:startup`: how fast a cluster starts and how much memory it holds idle.
 *   - `cluster up` (background, etcd in Docker, Docker runtime) until it reports a Ready node, median of 5
 *   - `startCluster()` to the first successful API call, per mode, median of 5
 *   - idle RSS of the `cluster up` process
 * Needs Docker and the local test images (scripts/test-images.sh); BENCH_RUNS sets the runs (default 5).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startCluster, type ClusterOptions } from '../src/index.ts'

const run = promisify(execFile)
const runs = Number(process.env.BENCH_RUNS ?? 5)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const images = { etcdImage: 'kubebox-test/etcd:latest', podInfraImage: 'kubebox-test/pause:latest' }

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024
}

async function clusterUp(): Promise<{ ms: number[]; rss: number }> {
  const home = await mkdtemp(join(tmpdir(), 'kubebox-bench-up-'))
  const env = { ...process.env, KUBEBOX_HOME: home, CI: '1' }
  const cli = [join(import.meta.dirname, '..', 'bin', 'cluster.js')]
  const ms: number[] = []
  let rss = 0
  try {
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now()
      await run(process.execPath, [...cli, 'up', '--runtime', 'docker', '--etcd', 'docker', '--etcd-image', images.etcdImage, '--pod-infra-image', images.podInfraImage, '--kubeconfig', join(home, 'kubeconfig')], { env })
      ms.push(performance.now() - t0)
      if (i === runs - 1) {
        await new Promise((r) => setTimeout(r, 5000)) // settle, then measure idle
        const state = JSON.parse(await readFile(join(home, 'default', 'cluster.json'), 'utf8'))
        rss = await rssMb(state.pid)
      }
      await run(process.execPath, [...cli, 'down'], { env })
    }
  } finally {
    await run(process.execPath, [...cli, 'down', '--purge'], { env }).catch(() => {})
    await rm(home, { recursive: true, force: true })
  }
  return { ms, rss }
}

async function library(opts: ClusterOptions): Promise<number[]> {
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    const cluster = await startCluster({ ...images, ...opts })
    const res = await fetch(`${cluster.server}/api/v1/namespaces/default/configmaps`)
    if (!res.ok) throw new Error(`first API call failed: ${res.status}`)
    ms.push(performance.now() - t0)
    await cluster.stop()
  }
  return ms
}

const rows: [string, number[]][] = []
rows.push(["startCluster({store:'memory', runtime:'fake'})", await library({ store: 'memory', runtime: 'fake' })])
rows.push(["startCluster({runtime:'fake', etcd:'exec'})", await library({ runtime: 'fake', etcd: 'exec' })])
rows.push(["startCluster({runtime:'fake', etcd:'docker'})", await library({ runtime: 'fake', etcd: 'docker' })])
rows.push(["startCluster({runtime:'docker', etcd:'docker'})", await library({ runtime: 'docker', etcd: 'docker' })])
const up = await clusterUp()
rows.push(['cluster up (etcd in Docker, Docker runtime) → Ready node', up.ms])

console.log(`\nkubebox start-up — median of ${runs} runs\n`)
for (const [name, ms] of rows) console.log(`${name.padEnd(58)} ${median(ms).toFixed(0).padStart(6)} ms   (min ${Math.min(...ms).toFixed(0)}, max ${Math.max(...ms).toFixed(0)})`)
console.log(`\nidle RSS of the cluster up process: ${up.rss.toFixed(0)} MB`)
