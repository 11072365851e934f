/**
 * The kubelet on a real Docker engine and a real etcd, through a whole `serve()` (API server, controllers,
 * scheduler, three kubelets sharing one engine): a pod's lifecycle from Pending to Running to deleted (SIGTERM,
 * the grace period, SIGKILL), containers sharing localhost, host ports, restart policies and back-off, init
 * containers, probes (exec, httpGet, tcpSocket), volumes and env from ConfigMaps, Secrets and the downward API,
 * image pull errors, Docker limits, a kubelet restart that adopts its containers, a node whose Docker does not
 * answer, node leases and events.
 *
 * Needs a Docker engine and `etcd` on PATH; builds its images locally (scripts/test-images.sh). Network: only
 * 127.0.0.1 and the pod IPs of containers this engine started for the test. Every container carries
 * RUN_LABEL=runId and is removed by it at the end, also after failures; nothing else on the engine is touched.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import Docker from 'dockerode'
import type { KubeObject } from '../../src/api/meta.ts'
import { core, type ApiClient } from '../../src/client/api-client.ts'
import { LoopbackClient } from '../../src/client/loopback-client.ts'
import { serve, type RunningServer } from '../../src/cluster/serve.ts'
import { ApiError } from '../../src/errors/api-error.ts'
import { Kubelet } from '../../src/kubelet/kubelet.ts'
import { LABELS } from '../../src/kubelet/runtime/container-runtime.ts'
import { DockerRuntime } from '../../src/kubelet/runtime/docker-runtime.ts'
import { silentLogger } from '../../src/log/logger.ts'
import { randomSuffix } from '../../src/util/random.ts'
import { startEtcd, type EtcdInstance } from '../helpers/etcd.ts'

const BUSYBOX = process.env.BUSYBOX_IMAGE ?? 'kubebox-test/busybox:latest'
const PAUSE = process.env.PAUSE_IMAGE ?? 'kubebox-test/pause:latest'
const RUN_LABEL = 'dev.kubebox.test-run'
const runId = `kubelet-${randomSuffix(8)}`
const NODE = `kt-${randomSuffix(5)}`
const NS = 'default'
const PODS = core('pods')
const NODES = core('nodes')
const EVENTS = core('events')
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' }
/** A loaded 2-core machine starts a Docker container in up to a few seconds: waits are generous. */
const WAIT_MS = 90_000

const docker = new Docker()
const run = promisify(execFile)
let etcd: EtcdInstance | undefined
let dataDir: string
let running: RunningServer | undefined
let client: ApiClient
const extraKubelets: Kubelet[] = []

// ---- helpers ----

interface PodOptions {
  node?: string
  restartPolicy?: 'Always' | 'OnFailure' | 'Never'
  grace?: number
  volumes?: any[]
  initContainers?: any[]
  labels?: Record<string, string>
}

function pod(name: string, containers: any[], o: PodOptions = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: o.labels ?? { test: name } },
    spec: {
      nodeName: o.node ?? NODE,
      restartPolicy: o.restartPolicy ?? 'Always',
      terminationGracePeriodSeconds: o.grace ?? 1,
      containers,
      ...(o.initContainers ? { initContainers: o.initContainers } : {}),
      ...(o.volumes ? { volumes: o.volumes } : {}),
    },
  }
}

/** A busybox container running a shell script. */
function sh(name: string, script: string, extra: Record<string, unknown> = {}): any {
  return { name, image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script], ...extra }
}

async function create(obj: KubeObject): Promise<KubeObject> {
  return client.create(PODS, NS, obj)
}

async function getPod(name: string): Promise<KubeObject | undefined> {
  try {
    return await client.get(PODS, NS, name)
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined
    throw err
  }
}

/** Polls until `check` returns something truthy; fails with what it saw last. */
async function until<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await check()
      if (v) return v
      last = v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)?.slice(0, 3000)}`)
    await sleep(100)
  }
}

/** Waits until the pod satisfies `pred`; returns it. The failure message shows the pod's status. */
async function waitPod(name: string, what: string, pred: (p: KubeObject) => unknown, timeoutMs = WAIT_MS): Promise<KubeObject> {
  let last: KubeObject | undefined
  try {
    return await until(`${name}: ${what}`, async () => {
      last = await getPod(name)
      return last && pred(last) ? last : undefined
    }, timeoutMs)
  } catch (err) {
    throw new Error(`${(err as Error).message}\nstatus: ${JSON.stringify(last?.status, null, 1)}`)
  }
}

const cond = (p: KubeObject, type: string) => p.status?.conditions?.find((c: any) => c.type === type)?.status
const cstatus = (p: KubeObject, name: string) => p.status?.containerStatuses?.find((c: any) => c.name === name)
const isRunning = (p: KubeObject) => p.status?.phase === 'Running' && (p.status?.containerStatuses ?? []).every((c: any) => c.state?.running)
const waitingReason = (p: KubeObject, name: string) => cstatus(p, name)?.state?.waiting?.reason

/** Every waiting reason a container goes through, as a watch delivers them (polling could miss a short one). */
async function watchReasons(podName: string, container: string): Promise<{ seen: string[]; close(): void }> {
  const seen: string[] = []
  const w = await client.watch(PODS, { namespace: NS, fieldSelector: `metadata.name=${podName}` }, {
    event: (_type, obj) => {
      const reason = waitingReason(obj, container)
      if (reason && seen.at(-1) !== reason) seen.push(reason)
    },
    end: () => {},
  })
  return { seen, close: () => w.close() }
}

async function deletePod(name: string, gracePeriodSeconds?: number): Promise<void> {
  await client.delete(PODS, NS, name, gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }).catch((err) => {
    if (!(err instanceof ApiError && err.code === 404)) throw err
  })
}

async function waitGone(name: string, timeoutMs = WAIT_MS): Promise<void> {
  await until(`${name} deleted`, async () => (await getPod(name)) === undefined, timeoutMs)
}

/** The engine's containers of a pod (sandbox included), by pod name. */
async function containersOf(podName: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${runId}`, `${LABELS.podName}=${podName}`] } })
}

async function eventsOf(podName: string): Promise<KubeObject[]> {
  const { items } = await client.list(EVENTS, { namespace: NS, fieldSelector: `involvedObject.name=${podName}` })
  return items
}

async function waitEvent(podName: string, reason: string, fieldPath?: string, message?: RegExp): Promise<KubeObject> {
  return until(`event ${reason} of ${podName}`, async () =>
    (await eventsOf(podName)).find(
      (e) => e.reason === reason && (fieldPath === undefined || e.involvedObject?.fieldPath === fieldPath) && (message === undefined || message.test(e.message)),
    ),
  )
}

/** A directory the test shares with its containers (hostPath). */
async function hostDir(name: string): Promise<string> {
  const dir = join(dataDir, 'host', name)
  await mkdir(dir, { recursive: true })
  return dir
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

async function removeOurContainers(): Promise<number> {
  const ours = await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${runId}`] } }).catch(() => [])
  await Promise.all(ours.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {})))
  return ours.length
}

/** A kubelet of its own node on the same API server (tests that stop or break their kubelet). */
function kubeletFor(nodeName: string, runtime = new DockerRuntime()): Kubelet {
  const k = new Kubelet({
    client,
    runtime,
    nodeName,
    address: '127.0.0.1',
    dataDir: join(dataDir, 'kubelet', nodeName),
    podInfraImage: PAUSE,
    containerLabels: { [RUN_LABEL]: runId },
    log: silentLogger(),
  })
  extraKubelets.push(k)
  return k
}

// ---- the cluster ----

before(async () => {
  try {
    await run('bash', ['scripts/test-images.sh'], { env: { ...process.env, BUSYBOX_IMAGE: BUSYBOX, PAUSE_IMAGE: PAUSE } })
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    throw new Error(`these tests need a Docker engine (docker info) and the test images; scripts/test-images.sh failed: ${e.stderr || e.message}`)
  }
  dataDir = await mkdtemp(join(tmpdir(), 'kubebox-kubelet-'))
  etcd = await startEtcd()
  running = await serve({
    etcdServers: [etcd.endpoint],
    port: 0,
    bindAddress: '127.0.0.1',
    dataDir,
    serviceClusterIpRange: '10.96.0.0/12',
    log: silentLogger(),
    runtime: 'docker',
    nodes: 3,
    nodeName: NODE,
    podInfraImage: PAUSE,
    cleanup: true,
    containerLabels: { [RUN_LABEL]: runId },
  })
  client = new LoopbackClient(running.apiServer)
})

after(async () => {
  for (const k of extraKubelets) await k.stop().catch(() => {})
  await running?.stop()
  await etcd?.stop()
  await removeOurContainers()
  if (dataDir) await rm(dataDir, { recursive: true, force: true }).catch(() => {})
})

describe('kubelet on Docker', { concurrency: 6 }, () => {
  it('runs a pod Pending → Running with the status kubectl expects, and deletes it with its containers', async () => {
    const created = await create(pod('life', [sh('app', 'sleep 3600'), sh('sidecar', 'sleep 3600')]))
    assert.equal(created.status?.phase, 'Pending')
    const p = await waitPod('life', 'Running', (p) => isRunning(p) && cond(p, 'Ready') === 'True')
    const s = p.status!
    assert.equal(s.phase, 'Running')
    for (const type of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) assert.equal(cond(p, type), 'True', type)
    assert.match(s.podIP, /^\d+\.\d+\.\d+\.\d+$/)
    assert.deepEqual(s.podIPs, [{ ip: s.podIP }])
    assert.equal(s.hostIP, '127.0.0.1')
    assert.ok(!Number.isNaN(Date.parse(s.startTime)), 'startTime')
    assert.equal(s.qosClass, 'BestEffort')
    assert.equal(s.containerStatuses.length, 2)
    const ids = new Set<string>()
    for (const c of s.containerStatuses) {
      assert.match(c.containerID, /^docker:\/\/[0-9a-f]{64}$/)
      assert.match(c.imageID, /^docker(-pullable)?:\/\/(sha256:[0-9a-f]{64}|.+@sha256:[0-9a-f]{64})$/)
      assert.equal(c.image, BUSYBOX)
      assert.equal(c.ready, true)
      assert.equal(c.started, true)
      assert.equal(c.restartCount, 0)
      assert.ok(c.state.running.startedAt)
      ids.add(c.containerID.slice('docker://'.length))
    }
    // The containers are the engine's: one sandbox and two containers, labelled with the pod.
    const engine = await containersOf('life')
    assert.equal(engine.length, 3)
    for (const id of ids) assert.ok(engine.some((c) => c.Id === id && c.State === 'running'), `container ${id} runs`)
    for (const reason of ['Pulled', 'Created', 'Started']) {
      const e = await waitEvent('life', reason, 'spec.containers{app}')
      assert.equal(e.involvedObject.kind, 'Pod')
      assert.equal(e.source?.component, 'kubelet')
    }
    await deletePod('life')
    await waitGone('life')
    assert.deepEqual(await containersOf('life'), [], 'no container of the pod remains once the pod object is gone')
    await waitEvent('life', 'Killing', 'spec.containers{app}')
  })

  it('stops a container that honours SIGTERM at once, and kills one that ignores it after the grace period', async () => {
    // sh traps TERM and exits; a bare `sleep` as PID 1 has no handler, so the kernel drops SIGTERM for it.
    await create(pod('term-ok', [sh('app', "trap 'exit 0' TERM; while true; do sleep 1 & wait $!; done")], { grace: 60 }))
    await create(pod('term-ignored', [{ name: 'app', image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }], { grace: 3 }))
    await waitPod('term-ok', 'Running', isRunning)
    await waitPod('term-ignored', 'Running', isRunning)
    const t0 = Date.now()
    await Promise.all([deletePod('term-ok'), deletePod('term-ignored')])
    const [okMs, ignoredMs] = await Promise.all([
      waitGone('term-ok').then(() => Date.now() - t0),
      waitGone('term-ignored').then(() => Date.now() - t0),
    ])
    assert.ok(okMs < 30_000, `a container that exits on SIGTERM is gone long before its 60 s grace period (took ${okMs} ms)`)
    assert.ok(ignoredMs >= 2_900, `SIGKILL only after the 3 s grace period (took ${ignoredMs} ms)`)
    assert.deepEqual(await containersOf('term-ok'), [])
    assert.deepEqual(await containersOf('term-ignored'), [])
  })

  it('lets the containers of a pod reach each other on localhost', async () => {
    const dir = await hostDir('localhost')
    await create(
      pod(
        'localhost',
        [
          sh('server', 'mkdir -p /tmp/www && echo hello-from-server > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www'),
          sh('client', 'until wget -q -O /tmp/got http://localhost:8080/; do sleep 0.3; done; cp /tmp/got /out/got; exec sleep 3600', {
            volumeMounts: [{ name: 'out', mountPath: '/out' }],
          }),
        ],
        { volumes: [{ name: 'out', hostPath: { path: dir } }] },
      ),
    )
    const got = await until('the client fetched the page', () => readFile(join(dir, 'got'), 'utf8').catch(() => undefined))
    assert.equal(got.trim(), 'hello-from-server')
    const p = await waitPod('localhost', 'Running', isRunning)
    // One network namespace: both containers joined the sandbox.
    for (const c of p.status!.containerStatuses) {
      const info = await docker.getContainer(c.containerID.slice('docker://'.length)).inspect()
      assert.match(info.HostConfig.NetworkMode!, /^container:[0-9a-f]{64}$/)
    }
    await deletePod('localhost', 0)
  })

  it('publishes a hostPort on 127.0.0.1', async () => {
    const port = await freePort()
    await create(pod('hostport', [sh('web', 'mkdir -p /tmp/www && echo via-host-port > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www', { ports: [{ containerPort: 8080, hostPort: port }] })]))
    await waitPod('hostport', 'Running', isRunning)
    const body = await until('an answer on the host port', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) })
      return res.ok ? res.text() : undefined
    })
    assert.equal(body.trim(), 'via-host-port')
    await deletePod('hostport', 0)
  })

  it('restarts a crashing container with back-off (CrashLoopBackOff), keeping its last state', async () => {
    await create(pod('crash', [sh('app', 'echo crashing; exit 3')], { restartPolicy: 'Always' }))
    const p = await waitPod('crash', 'CrashLoopBackOff', (p) => waitingReason(p, 'app') === 'CrashLoopBackOff' && cstatus(p, 'app').restartCount >= 1)
    const c = cstatus(p, 'app')
    assert.equal(c.lastState.terminated.exitCode, 3)
    assert.equal(c.lastState.terminated.reason, 'Error')
    assert.match(c.lastState.terminated.containerID, /^docker:\/\//)
    assert.equal(c.ready, false)
    assert.equal(p.status!.phase, 'Running', 'a pod whose container will be restarted is still Running')
    assert.match(c.state.waiting.message, /back-off \d+s restarting failed container=app/)
    // The back-off runs out (10 s) and the container is started again.
    const later = await waitPod('crash', 'restartCount ≥ 2', (p) => cstatus(p, 'app').restartCount >= 2, 60_000)
    assert.equal(cstatus(later, 'app').lastState.terminated.exitCode, 3)
    const backoff = await waitEvent('crash', 'BackOff', 'spec.containers{app}')
    assert.equal(backoff.type, 'Warning')
    // Only the current and previous instances are kept.
    const instances = (await containersOf('crash')).filter((c) => c.Labels[LABELS.type] === 'container')
    assert.ok(instances.length <= 2, `at most two instances of the container are kept (found ${instances.length})`)
    await deletePod('crash', 0)
  })

  it('restartPolicy OnFailure: a container exiting 0 makes the pod Succeeded', async () => {
    await create(pod('onfailure', [sh('app', 'exit 0')], { restartPolicy: 'OnFailure' }))
    const p = await waitPod('onfailure', 'Succeeded', (p) => p.status?.phase === 'Succeeded')
    const c = cstatus(p, 'app')
    assert.equal(c.state.terminated.exitCode, 0)
    assert.equal(c.state.terminated.reason, 'Completed')
    assert.equal(c.restartCount, 0)
    assert.equal(cond(p, 'Ready'), 'False')
    await deletePod('onfailure', 0)
  })

  it('restartPolicy Never: a container exiting 1 makes the pod Failed', async () => {
    await create(pod('never', [sh('app', 'exit 1')], { restartPolicy: 'Never' }))
    const p = await waitPod('never', 'Failed', (p) => p.status?.phase === 'Failed')
    const c = cstatus(p, 'app')
    assert.equal(c.state.terminated.exitCode, 1)
    assert.equal(c.state.terminated.reason, 'Error')
    assert.equal(c.restartCount, 0)
    await sleep(1500)
    const instances = (await containersOf('never')).filter((c) => c.Labels[LABELS.type] === 'container')
    assert.equal(instances.length, 1, 'not restarted')
    await deletePod('never', 0)
  })

  it('runs init containers in order before the main container, sharing an emptyDir', async () => {
    const dir = await hostDir('init')
    const volumes = [{ name: 'work', emptyDir: {} }, { name: 'out', hostPath: { path: dir } }]
    const mounts = [{ name: 'work', mountPath: '/work' }]
    await create(
      pod(
        'init',
        [sh('main', 'cat /work/order > /out/order; echo main >> /out/order; exec sleep 3600', { volumeMounts: [...mounts, { name: 'out', mountPath: '/out' }] })],
        {
          volumes,
          initContainers: [
            sh('first', 'sleep 1; echo first >> /work/order', { volumeMounts: mounts }),
            sh('second', 'test -f /work/order && echo second >> /work/order', { volumeMounts: mounts }),
          ],
        },
      ),
    )
    const p = await waitPod('init', 'Running', isRunning)
    assert.equal(cond(p, 'Initialized'), 'True')
    const order = await until('the main container’s report', async () => {
      const text = await readFile(join(dir, 'order'), 'utf8').catch(() => '')
      return text.endsWith('main\n') ? text : undefined
    })
    assert.deepEqual(order.trim().split('\n'), ['first', 'second', 'main'])
    for (const s of p.status!.initContainerStatuses) {
      assert.equal(s.state.terminated.exitCode, 0, s.name)
      assert.equal(s.state.terminated.reason, 'Completed')
      assert.equal(s.ready, true)
    }
    await deletePod('init', 0)
  })

  it('fails a restartPolicy Never pod whose init container fails, never starting the main container', async () => {
    await create(pod('init-fail', [sh('main', 'sleep 3600')], { restartPolicy: 'Never', initContainers: [sh('setup', 'exit 2')] }))
    const p = await waitPod('init-fail', 'Failed', (p) => p.status?.phase === 'Failed')
    assert.equal(p.status!.initContainerStatuses[0].state.terminated.exitCode, 2)
    assert.equal(cond(p, 'Initialized'), 'False')
    assert.ok(!cstatus(p, 'main')?.state?.running)
    const names = (await containersOf('init-fail')).map((c) => c.Labels[LABELS.containerName])
    assert.ok(!names.includes('main'), `the main container was never created (${names.join(', ')})`)
    await deletePod('init-fail', 0)
  })

  it('flips Ready when an exec readiness probe starts to succeed, and keeps it', async () => {
    const readiness = { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 }
    await create(pod('ready', [sh('app', 'sleep 4; touch /tmp/ready; exec sleep 3600', { readinessProbe: readiness })]))
    const notYet = await waitPod('ready', 'Running, not Ready', (p) => isRunning(p))
    assert.equal(cond(notYet, 'Ready'), 'False')
    assert.equal(cstatus(notYet, 'app').ready, false)
    const p = await waitPod('ready', 'Ready', (p) => cond(p, 'Ready') === 'True')
    assert.equal(cstatus(p, 'app').ready, true)
    assert.equal(cond(p, 'ContainersReady'), 'True')
    // It stays Ready while the probe keeps succeeding (no flapping from one sync to the next).
    const since = cstatus(p, 'app').state.running.startedAt
    for (let i = 0; i < 10; i++) {
      await sleep(300)
      const again = (await getPod('ready'))!
      assert.equal(cond(again, 'Ready'), 'True', `still Ready after ${(i + 1) * 300} ms`)
      assert.equal(cstatus(again, 'app').state.running.startedAt, since)
    }
    await deletePod('ready', 0)
  })

  it('restarts a container whose liveness probe fails (Unhealthy, Killing)', async () => {
    const liveness = { exec: { command: ['test', '-f', '/tmp/alive'] }, periodSeconds: 1, failureThreshold: 2 }
    await create(pod('liveness', [sh('app', 'touch /tmp/alive; sleep 3; rm /tmp/alive; exec sleep 3600', { livenessProbe: liveness })], { grace: 1 }))
    const p = await waitPod('liveness', 'restarted', (p) => cstatus(p, 'app')?.restartCount >= 1)
    assert.ok(cstatus(p, 'app').lastState.terminated, 'the killed instance is the last state')
    const unhealthy = await waitEvent('liveness', 'Unhealthy', 'spec.containers{app}')
    assert.equal(unhealthy.type, 'Warning')
    assert.match(unhealthy.message, /^Liveness probe failed/)
    const killing = await waitEvent('liveness', 'Killing', 'spec.containers{app}')
    assert.match(killing.message, /failed liveness probe, will be restarted/)
    await deletePod('liveness', 0)
  })

  it('probes over the network: httpGet and tcpSocket against the pod IP', async () => {
    const web = 'mkdir -p /tmp/www && echo ok > /tmp/www/healthz && exec httpd -f -p 8080 -h /tmp/www'
    await create(
      pod('netprobe', [
        sh('http', web, { ports: [{ name: 'web', containerPort: 8080 }], readinessProbe: { httpGet: { path: '/healthz', port: 'web' }, periodSeconds: 1 } }),
        sh('tcp', 'mkdir -p /tmp/www && exec httpd -f -p 9090 -h /tmp/www', { readinessProbe: { tcpSocket: { port: 9090 }, periodSeconds: 1 } }),
      ]),
    )
    const p = await waitPod('netprobe', 'Ready', (p) => cond(p, 'Ready') === 'True')
    assert.equal(cstatus(p, 'http').ready, true)
    assert.equal(cstatus(p, 'tcp').ready, true)
    // A probe of a port nobody listens on keeps the container unready.
    await create(pod('netprobe-bad', [sh('app', 'exec sleep 3600', { readinessProbe: { tcpSocket: { port: 9999 }, periodSeconds: 1 } })]))
    const bad = await waitPod('netprobe-bad', 'Running', isRunning)
    const unhealthy = await waitEvent('netprobe-bad', 'Unhealthy', 'spec.containers{app}')
    assert.match(unhealthy.message, /^Readiness probe failed/)
    assert.equal(cond((await getPod('netprobe-bad'))!, 'Ready'), 'False', JSON.stringify(bad.status))
    await Promise.all([deletePod('netprobe', 0), deletePod('netprobe-bad', 0)])
  })

  it('shares an emptyDir between two containers', async () => {
    const dir = await hostDir('emptydir')
    const shared = { name: 'shared', mountPath: '/shared' }
    await create(
      pod(
        'emptydir',
        [
          sh('writer', 'echo from-writer > /shared/msg; exec sleep 3600', { volumeMounts: [shared] }),
          sh('reader', 'until [ -f /shared/msg ]; do sleep 0.2; done; cp /shared/msg /out/reader-saw; exec sleep 3600', { volumeMounts: [shared, { name: 'out', mountPath: '/out' }] }),
        ],
        { volumes: [{ name: 'shared', emptyDir: {} }, { name: 'out', hostPath: { path: dir } }] },
      ),
    )
    const saw = await until('the reader saw the writer’s file', () => readFile(join(dir, 'reader-saw'), 'utf8').catch(() => undefined))
    assert.equal(saw.trim(), 'from-writer')
    await deletePod('emptydir', 0)
  })

  it('mounts configMap, secret, downwardAPI and hostPath volumes, and resolves env from them', async () => {
    const dir = await hostDir('volumes')
    await writeFile(join(dir, 'from-host'), 'host-file\n')
    await client.create(core('configmaps'), NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'vol-cm' }, data: { greeting: 'hello', 'app.conf': 'x=1\n' } })
    await client.create(core('secrets'), NS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'vol-secret' }, data: { password: Buffer.from('s3cret').toString('base64') } })
    const script = [
      'set -e',
      'cat /etc/cm/greeting > /host/cm-greeting',
      'cat /etc/cm/app.conf > /host/cm-conf',
      'cat /etc/secret/password > /host/secret',
      'cat /etc/podinfo/labels > /host/labels',
      'cat /etc/podinfo/name > /host/downward-name',
      'cat /host/from-host > /host/host-seen',
      'echo "$GREETING|$PASSWORD|$POD_NAME|$POD_NAMESPACE|$POD_IP" > /host/env',
      'exec sleep 3600',
    ].join('\n')
    await create(
      pod(
        'volumes',
        [
          sh('app', script, {
            env: [
              { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'vol-cm', key: 'greeting' } } },
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'vol-secret', key: 'password' } } },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            ],
            volumeMounts: [
              { name: 'cm', mountPath: '/etc/cm' },
              { name: 'secret', mountPath: '/etc/secret', readOnly: true },
              { name: 'podinfo', mountPath: '/etc/podinfo' },
              { name: 'host', mountPath: '/host' },
            ],
          }),
        ],
        {
          labels: { app: 'volumes', tier: 'test' },
          volumes: [
            { name: 'cm', configMap: { name: 'vol-cm' } },
            { name: 'secret', secret: { secretName: 'vol-secret' } },
            {
              name: 'podinfo',
              downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] },
            },
            { name: 'host', hostPath: { path: dir } },
          ],
        },
      ),
    )
    const p = await waitPod('volumes', 'Running', isRunning)
    const env = (await until('the env report', () => readFile(join(dir, 'env'), 'utf8').catch(() => undefined))).trim()
    const read = (f: string) => readFile(join(dir, f), 'utf8')
    assert.equal(await read('cm-greeting'), 'hello')
    assert.equal(await read('cm-conf'), 'x=1\n')
    assert.equal(await read('secret'), 's3cret')
    assert.equal(await read('labels'), 'app="volumes"\ntier="test"')
    assert.equal(await read('downward-name'), 'volumes')
    assert.equal(await read('host-seen'), 'host-file\n')
    assert.equal(env, `hello|s3cret|volumes|${NS}|${p.status!.podIP}`)
    await deletePod('volumes', 0)
  })

  it('waits in CreateContainerConfigError for a missing configmap, and starts once it exists', async () => {
    await create(pod('needs-cm', [sh('app', 'echo "$VALUE"; exec sleep 3600', { env: [{ name: 'VALUE', valueFrom: { configMapKeyRef: { name: 'late-cm', key: 'value' } } }] })]))
    const p = await waitPod('needs-cm', 'CreateContainerConfigError', (p) => waitingReason(p, 'app') === 'CreateContainerConfigError')
    assert.match(cstatus(p, 'app').state.waiting.message, /configmap "late-cm" not found/)
    assert.equal(p.status!.phase, 'Pending')
    await client.create(core('configmaps'), NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late-cm' }, data: { value: 'now' } })
    await waitPod('needs-cm', 'Running once the configmap exists', isRunning)
    await deletePod('needs-cm', 0)
  })

  it('reports ErrImageNeverPull for a missing image under imagePullPolicy Never', async () => {
    await create(pod('never-pull', [{ name: 'app', image: 'kubebox-test/absent-image:never', imagePullPolicy: 'Never' }]))
    const p = await waitPod('never-pull', 'ErrImageNeverPull', (p) => waitingReason(p, 'app') === 'ErrImageNeverPull')
    assert.match(cstatus(p, 'app').state.waiting.message, /not present with pull policy of Never/)
    await waitEvent('never-pull', 'ErrImageNeverPull', 'spec.containers{app}')
    await deletePod('never-pull', 0)
  })

  it('reports ErrImagePull, then ImagePullBackOff, for an image it cannot pull, and tries again after the back-off', async () => {
    const image = '127.0.0.1:1/nope:1'
    const reasons = await watchReasons('bad-pull', 'app')
    await create(pod('bad-pull', [{ name: 'app', image, imagePullPolicy: 'IfNotPresent' }]))
    await waitPod('bad-pull', 'ImagePullBackOff', (p) => waitingReason(p, 'app') === 'ImagePullBackOff')
    reasons.close()
    assert.deepEqual(reasons.seen.slice(0, 2), ['ErrImagePull', 'ImagePullBackOff'])
    const failed = await waitEvent('bad-pull', 'Failed', 'spec.containers{app}', /^Failed to pull image/)
    assert.match(failed.message, /127\.0\.0\.1:1\/nope:1/)
    assert.equal(failed.type, 'Warning')
    await waitEvent('bad-pull', 'Failed', 'spec.containers{app}', /^Error: ErrImagePull$/)
    await waitEvent('bad-pull', 'BackOff', 'spec.containers{app}', /^Back-off pulling image/)
    // After the 10 s back-off the kubelet pulls again.
    await until('a second pull', async () => (await eventsOf('bad-pull')).find((e) => e.reason === 'Pulling' && (e.count ?? 1) >= 2), 60_000)
    await deletePod('bad-pull', 0)
  })

  it('turns resources.limits into Docker limits', async () => {
    await create(pod('limits', [sh('app', 'exec sleep 3600', { resources: { limits: { memory: '64Mi', cpu: '250m' } } })]))
    const p = await waitPod('limits', 'Running', isRunning)
    assert.equal(p.status!.qosClass, 'Guaranteed')
    const info = await docker.getContainer(cstatus(p, 'app').containerID.slice('docker://'.length)).inspect()
    assert.equal(info.HostConfig.Memory, 64 * 1024 * 1024)
    assert.equal(info.HostConfig.NanoCpus, 250_000_000)
    await deletePod('limits', 0)
  })

  it('a restarted kubelet adopts running containers without duplicating them, and removes those of pods deleted meanwhile', async () => {
    const node = `${NODE}-restart`
    const first = kubeletFor(node)
    await first.start()
    await create(pod('adopt-keep', [sh('app', 'exec sleep 3600'), sh('side', 'exec sleep 3600')], { node }))
    await create(pod('adopt-gone', [sh('app', 'exec sleep 3600')], { node }))
    const before = await waitPod('adopt-keep', 'Running', (p) => isRunning(p) && cond(p, 'Ready') === 'True')
    await waitPod('adopt-gone', 'Running', isRunning)
    const engineBefore = (await containersOf('adopt-keep')).map((c) => c.Id).sort()
    await first.stop()
    // While the kubelet is down, one pod is deleted for good (forced: no kubelet is there to confirm).
    await deletePod('adopt-gone', 0)
    await waitGone('adopt-gone')
    assert.equal((await containersOf('adopt-gone')).length, 2, 'its sandbox and container are still there while the kubelet is down')
    const second = kubeletFor(node)
    await second.start()
    await until('the orphaned containers removed', async () => (await containersOf('adopt-gone')).length === 0)
    await sleep(2500) // a few resyncs
    const engineAfter = (await containersOf('adopt-keep')).map((c) => c.Id).sort()
    assert.deepEqual(engineAfter, engineBefore, 'the same sandbox and containers, none added')
    const after = (await getPod('adopt-keep'))!
    for (const name of ['app', 'side']) {
      assert.equal(cstatus(after, name).containerID, cstatus(before, name).containerID, name)
      assert.equal(cstatus(after, name).restartCount, 0, name)
      assert.ok(cstatus(after, name).state.running, name)
    }
    assert.equal(after.status!.podIP, before.status!.podIP)
    await deletePod('adopt-keep')
    await waitGone('adopt-keep')
    assert.deepEqual(await containersOf('adopt-keep'), [])
    await second.stop()
  })

  it('reports the node NotReady, with the reason, when its Docker engine does not answer', async () => {
    const node = `${NODE}-nodocker`
    const k = kubeletFor(node, new DockerRuntime({ socketPath: join(dataDir, 'no-such-docker.sock') }))
    await k.start()
    const n = await until('the node registered NotReady', async () => {
      const n = await client.get(NODES, '', node).catch(() => undefined)
      return n?.status?.conditions?.some((c: any) => c.type === 'Ready') ? n : undefined
    })
    const ready = n.status!.conditions.find((c: any) => c.type === 'Ready')
    assert.equal(ready.status, 'False')
    assert.equal(ready.reason, 'KubeletNotReady')
    assert.match(ready.message, /container runtime is down.*does not answer/)
    await k.stop()
    await client.delete(NODES, '', node)
  })

  it('hears of its node’s container changes from Docker’s event stream (no polling needed)', async () => {
    const runtime = new DockerRuntime()
    const seen: string[] = []
    const node = `${NODE}-events`
    const unwatch = await runtime.watchChanges({ node }, (uid) => seen.push(uid), () => {})
    try {
      const labels = { [RUN_LABEL]: runId, [LABELS.podUid]: 'uid-mine', [LABELS.node]: node }
      const others = { [RUN_LABEL]: runId, [LABELS.podUid]: 'uid-other', [LABELS.node]: `${node}-other` }
      for (const Labels of [labels, others]) {
        const c = await docker.createContainer({ Image: BUSYBOX, Cmd: ['true'], Labels })
        await c.start()
        await c.wait()
        await c.remove()
      }
      await until('start, die and destroy of the node’s container', async () => seen.length >= 3)
      await sleep(300)
      assert.deepEqual([...new Set(seen)], ['uid-mine'], 'only the node’s own containers')
    } finally {
      unwatch()
    }
  })

  it('registers --nodes 3 as three Ready nodes with leases in kube-node-lease', async () => {
    const names = [NODE, `${NODE}-2`, `${NODE}-3`]
    for (const name of names) {
      const n = await until(`node ${name} Ready`, async () => {
        const n = await client.get(NODES, '', name)
        return n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ? n : undefined
      })
      assert.equal(n.metadata.labels!['kubernetes.io/hostname'], name)
      assert.ok(n.metadata.labels!['kubernetes.io/os'])
      assert.ok(n.metadata.labels!['kubernetes.io/arch'])
      assert.match(n.status!.nodeInfo.containerRuntimeVersion, /^docker:\/\/\d+\.\d+/)
      assert.deepEqual(n.status!.addresses.find((a: any) => a.type === 'InternalIP'), { type: 'InternalIP', address: '127.0.0.1' })
      for (const r of ['cpu', 'memory', 'pods']) assert.ok(n.status!.allocatable[r], r)
      const lease = await client.get(LEASES, 'kube-node-lease', name)
      assert.equal(lease.spec.holderIdentity, name)
      assert.match(lease.spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
      assert.equal(lease.metadata.ownerReferences?.[0]?.uid, n.metadata.uid)
    }
  })
})

it('leaves no container of its pods behind once the cluster stops with cleanup', async () => {
  await create(pod('leftover', [sh('app', 'exec sleep 3600')]))
  await waitPod('leftover', 'Running', isRunning)
  for (const k of extraKubelets) await k.stop()
  await running!.stop()
  running = undefined
  const left = await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${runId}`] } })
  assert.deepEqual(left.map((c) => c.Names[0]), [])
})
