/**
 * Workloads end to end: the real kubectl 1.31 against `cluster serve --runtime fake --nodes 2` on a throwaway etcd.
 * create deployment, rollout status / history / undo, scale, set image, describe, create job + wait, expose +
 * endpoints and endpointslices, delete with the garbage collector taking the pods.
 */
import assert from 'node:assert/strict'
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { realpathSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { startEtcd, type EtcdInstance } from '../helpers/etcd.ts'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const STARTUP_DEADLINE_MS = 60_000

/** kubectl 1.31, installed next to the `kubectl` on PATH. */
function kubectlBinary(): string {
  const onPath = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim()
  return join(dirname(realpathSync(onPath)), 'kubectl.1.31')
}

interface Result {
  code: number
  stdout: string
  stderr: string
}

let etcd: EtcdInstance
let server: ChildProcess | undefined
let serverOutput = ''
let dir: string
let kubeconfig: string
let kubectlPath: string

function kubectl(args: string[]): Promise<Result> {
  return new Promise((resolvePromise) => {
    execFile(kubectlPath, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'kube-cache'), ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0
      resolvePromise({ code, stdout, stderr })
    })
  })
}

/** Runs kubectl and fails the test, with its output, unless it succeeds. */
async function ok(...args: string[]): Promise<string> {
  const r = await kubectl(args)
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}\nserver:\n${serverOutput.slice(-3000)}`)
  return r.stdout
}

async function getJson(...args: string[]): Promise<any> {
  return JSON.parse(await ok('get', ...args, '-o', 'json'))
}

/** Polls `check` until it answers something truthy. */
async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value
      last = value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`)
    await sleep(250)
  }
}

const images = async (selector: string) =>
  (await getJson('pods', '-l', selector)).items.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => p.spec.containers[0].image)

async function startServer(etcdUrl: string): Promise<void> {
  kubeconfig = join(dir, 'kubeconfig')
  const args = ['bin/cluster.js', 'serve', '--etcd-servers', etcdUrl, '--port', '0', '--data-dir', dir, '--kubeconfig', kubeconfig, '--runtime', 'fake', '--nodes', '2', '--log-level', 'warn']
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
  server = child
  await new Promise<void>((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${STARTUP_DEADLINE_MS} ms:\n${serverOutput}`)), STARTUP_DEADLINE_MS)
    const onData = (chunk: Buffer) => {
      serverOutput = (serverOutput + chunk.toString()).slice(-20_000)
      if (/API server listening on http:\/\/\S+/.test(serverOutput)) {
        clearTimeout(timer)
        resolveStart()
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`server exited (code ${code}, signal ${signal}) before listening:\n${serverOutput}`))
    })
  })
}

async function stopServer(): Promise<void> {
  const child = server
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

before(async () => {
  kubectlPath = kubectlBinary()
  dir = await mkdtemp(join(tmpdir(), 'kubebox-workloads-e2e-'))
  etcd = await startEtcd()
  await startServer(etcd.endpoint)
})

after(async () => {
  await stopServer()
  await etcd?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('kubectl 1.31: deployments, jobs, services', { timeout: 600_000 }, () => {
  it('create deployment, then rollout status succeeds', async () => {
    assert.match(await ok('create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3'), /deployment.apps\/web created/)
    assert.match(await ok('rollout', 'status', 'deployment/web', '--timeout=90s'), /deployment "web" successfully rolled out/)
    const table = await ok('get', 'deployment', 'web')
    assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/)
    assert.match(table, /\nweb\s+3\/3\s+3\s+3\s+\S+\n/)
    const rs = await ok('get', 'replicasets', '-l', 'app=web')
    assert.match(rs, /\nweb-[a-z0-9]+\s+3\s+3\s+3\s+/)
    assert.equal((await images('app=web')).length, 3)
  })

  it('scale --replicas=5', async () => {
    assert.match(await ok('scale', 'deployment/web', '--replicas=5'), /deployment.apps\/web scaled/)
    await ok('rollout', 'status', 'deployment/web', '--timeout=90s')
    await eventually('5 available', async () => (await getJson('deployment', 'web')).status.availableReplicas === 5)
    assert.equal((await images('app=web')).length, 5)
  })

  it('set image rolls out a new ReplicaSet; rollout status waits for it', async () => {
    assert.match(await ok('set', 'image', 'deployment/web', 'nginx=nginx:1.26'), /deployment.apps\/web image updated/)
    assert.match(await ok('rollout', 'status', 'deployment/web', '--timeout=90s'), /successfully rolled out/)
    await eventually('every pod on nginx:1.26', async () => {
      const list = await images('app=web')
      return list.length === 5 && list.every((i: string) => i === 'nginx:1.26')
    })
    const rss = (await getJson('replicasets', '-l', 'app=web')).items
    assert.equal(rss.length, 2)
    assert.deepEqual(rss.map((r: any) => r.spec.replicas).sort(), [0, 5])
  })

  it('rollout history lists both revisions', async () => {
    const out = await ok('rollout', 'history', 'deployment/web')
    assert.match(out, /REVISION\s+CHANGE-CAUSE/)
    assert.match(out, /\n1\s+<none>/)
    assert.match(out, /\n2\s+<none>/)
  })

  it('rollout undo goes back to nginx:1.25 as revision 3', async () => {
    assert.match(await ok('rollout', 'undo', 'deployment/web'), /deployment.apps\/web rolled back/)
    assert.match(await ok('rollout', 'status', 'deployment/web', '--timeout=90s'), /successfully rolled out/)
    await eventually('every pod back on nginx:1.25', async () => {
      const list = await images('app=web')
      return list.length === 5 && list.every((i: string) => i === 'nginx:1.25')
    })
    const d = await getJson('deployment', 'web')
    assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '3')
    const history = await ok('rollout', 'history', 'deployment/web')
    assert.match(history, /\n2\s+<none>/)
    assert.match(history, /\n3\s+<none>/)
    assert.doesNotMatch(history, /\n1\s+<none>/)
    assert.equal((await getJson('replicasets', '-l', 'app=web')).items.length, 2)
  })

  it('describe deployment shows the conditions, the ReplicaSets and the ScalingReplicaSet events', async () => {
    const out = await ok('describe', 'deployment', 'web')
    assert.match(out, /Replicas:\s+5 desired \| 5 updated \| 5 total \| 5 available \| 0 unavailable/)
    assert.match(out, /Available\s+True\s+MinimumReplicasAvailable/)
    assert.match(out, /Progressing\s+True\s+NewReplicaSetAvailable/)
    assert.match(out, /NewReplicaSet:\s+web-\S+ \(5\/5 replicas created\)/)
    assert.match(out, /Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set web-\S+ from 0 to 3/)
  })

  it('create job, then wait --for=condition=complete', async () => {
    assert.match(await ok('create', 'job', 'j', '--image=busybox', '--', 'fake-exit:0'), /job.batch\/j created/)
    assert.match(await ok('wait', '--for=condition=complete', 'job/j', '--timeout=90s'), /job.batch\/j condition met/)
    const table = await ok('get', 'job', 'j')
    assert.match(table, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\n/)
    assert.match(table, /\nj\s+Complete\s+1\/1\s+\S+\s+\S+\n/)
    const pods = await getJson('pods', '-l', 'job-name=j')
    assert.equal(pods.items.length, 1)
    assert.equal(pods.items[0].status.phase, 'Succeeded')
  })

  it('expose deployment, then get endpoints lists the 5 pods', async () => {
    assert.match(await ok('expose', 'deployment', 'web', '--port=80'), /service\/web exposed/)
    const ips = await eventually('5 endpoint addresses', async () => {
      const out = await ok('get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[*].addresses[*].ip}')
      const list = out.trim().split(/\s+/).filter(Boolean)
      return list.length === 5 && list
    })
    const podIPs = (await getJson('pods', '-l', 'app=web')).items.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => p.status.podIP)
    assert.deepEqual([...ips].sort(), [...podIPs].sort())
    assert.match(await ok('get', 'endpoints', 'web'), /\nweb\s+\S+:80,\S+:80,\S+:80 \+ 2 more\.\.\.\s+\S+\n/)
    const slices = await ok('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web')
    assert.match(slices, /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE\n/)
    assert.match(slices, /\nweb-\S+\s+IPv4\s+80\s+\S+ \+ 2 more\.\.\.\s+\S+\n/)
  })

  it('delete deployment removes its ReplicaSets and pods', async () => {
    assert.match(await ok('delete', 'deployment', 'web'), /deployment.apps "web" deleted/)
    await eventually('no ReplicaSets of web', async () => (await getJson('replicasets', '-l', 'app=web')).items.length === 0)
    await eventually('no pods of web', async () => (await getJson('pods', '-l', 'app=web')).items.length === 0)
    // The service stays, now without endpoints.
    await eventually('no endpoints left', async () => {
      const ep = await getJson('endpoints', 'web')
      return !ep.subsets
    })
  })
})
