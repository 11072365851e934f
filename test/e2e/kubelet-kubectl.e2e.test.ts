/**
 * The kubelet end to end: `cluster serve --runtime docker --cleanup` as a user starts it (a child process on a
 * throwaway etcd), driven by the real kubectl 1.31 and 1.33: `create -f` a two-container pod, `get pods`
 * (2/2 Running), `wait --for=condition=Ready`, `describe pod` (the kubelet's events), `delete pod` (returns once
 * the containers are gone), `get nodes -o wide` (Ready, docker://); and after SIGTERM no container of the
 * cluster is left on the engine.
 *
 * Needs a Docker engine, `etcd` and the kubectl binaries; builds the test images (scripts/test-images.sh).
 * The node has a name of its own, and containers are found by its node label: nothing else is touched.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import Docker from 'dockerode'
import { LABELS } from '../../src/kubelet/runtime/container-runtime.ts'
import { randomSuffix } from '../../src/util/random.ts'
import { freshCacheDir, kubectl, retry, type KubectlResult, type KubectlVersion } from '../helpers/kubectl.ts'
import { repoRoot, startServer, type ServerProcess } from '../helpers/server-process.ts'

const BUSYBOX = process.env.BUSYBOX_IMAGE ?? 'kubebox-test/busybox:latest'
const PAUSE = process.env.PAUSE_IMAGE ?? 'kubebox-test/pause:latest'
const NODE = `e2e-kubelet-${randomSuffix(6)}`
const VERSIONS: KubectlVersion[] = ['1.31', '1.33']
const run = promisify(execFile)
const docker = new Docker()

let server: ServerProcess | undefined

/**
 * Containers of this test's node (sandboxes included), optionally of one pod. The node label on the engine is
 * `<cluster scope>/<node name>` (clusters sharing an engine must not see each other's containers).
 */
async function ourContainers(podName?: string): Promise<Docker.ContainerInfo[]> {
  const label: string[] = [LABELS.node]
  if (podName) label.push(`${LABELS.podName}=${podName}`)
  const all = await docker.listContainers({ all: true, filters: { label } })
  return all.filter((c) => c.Labels[LABELS.node]?.endsWith(`/${NODE}`))
}

function ok(r: KubectlResult, what: string): string {
  assert.equal(r.code, 0, `${what} failed (${r.code}${r.timedOut ? ', timed out' : ''}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
  return r.stdout
}

const twoContainerPod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: name } },
  spec: {
    terminationGracePeriodSeconds: 2,
    containers: [
      {
        name: 'web',
        image: BUSYBOX,
        imagePullPolicy: 'IfNotPresent',
        command: ['sh', '-c', 'mkdir -p /tmp/www && echo hi > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www'],
        ports: [{ containerPort: 8080 }],
        readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
      },
      {
        name: 'sidecar',
        image: BUSYBOX,
        imagePullPolicy: 'IfNotPresent',
        // Honours SIGTERM at once (sh with a trap), so `delete` does not wait out the grace period.
        command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1 & wait $!; done"],
      },
    ],
  },
})

before(async () => {
  await run('bash', ['scripts/test-images.sh'], { cwd: repoRoot, env: { ...process.env, BUSYBOX_IMAGE: BUSYBOX, PAUSE_IMAGE: PAUSE } })
  server = await startServer({ args: ['--runtime', 'docker', '--pod-infra-image', PAUSE, '--node-name', NODE, '--cleanup'] })
})

after(async () => {
  await server?.stop()
  // Whatever a failure left behind.
  for (const c of await ourContainers().catch(() => [])) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {})
})

for (const version of VERSIONS) {
  describe(`kubectl ${version} with the kubelet on Docker`, () => {
    const name = `web-${version.replace('.', '-')}`
    let cacheDir: string
    const k = (args: string[], timeoutMs = 120_000) => kubectl(version, args, { kubeconfig: server!.kubeconfig, cacheDir, timeoutMs })

    before(() => {
      cacheDir = freshCacheDir()
    })

    it('get nodes -o wide: the node is Ready with the docker:// runtime', async () => {
      const out = await retry(async () => {
        const out = ok(await k(['get', 'nodes', '-o', 'wide']), 'get nodes')
        assert.match(out, new RegExp(`^${NODE}\\s+Ready\\s+`, 'm'))
        return out
      }, { timeoutMs: 60_000, intervalMs: 500 })
      const header = out.split('\n')[0]!
      assert.match(header, /CONTAINER-RUNTIME/)
      assert.match(out, /docker:\/\/\d+\.\d+\.\d+/)
      assert.match(out, /127\.0\.0\.1/) // INTERNAL-IP
    })

    it('create -f a two-container pod; get pods shows 2/2 Running; wait --for=condition=Ready', async () => {
      const file = join(server!.dir, `${name}.json`)
      await writeFile(file, JSON.stringify(twoContainerPod(name)))
      assert.match(ok(await k(['create', '-f', file]), 'create -f'), new RegExp(`pod/${name} created`))
      ok(await k(['wait', '--for=condition=Ready', `pod/${name}`, '--timeout=120s'], 150_000), 'wait --for=condition=Ready')
      await retry(async () => {
        const out = ok(await k(['get', 'pods']), 'get pods')
        assert.match(out, new RegExp(`^${name}\\s+2/2\\s+Running\\s+0\\s+`, 'm'))
      }, { timeoutMs: 30_000, intervalMs: 500 })
      const wide = ok(await k(['get', 'pod', name, '-o', 'wide']), 'get pod -o wide')
      assert.match(wide, new RegExp(`${name}\\s+2/2\\s+Running\\s+0\\s+\\S+\\s+\\d+\\.\\d+\\.\\d+\\.\\d+\\s+${NODE}\\s`))
      // The containers are on the engine: a sandbox and two containers.
      assert.equal((await ourContainers(name)).length, 3)
    })

    it('describe pod shows the containers and the kubelet’s events', async () => {
      await retry(async () => {
        const out = ok(await k(['describe', 'pod', name]), 'describe pod')
        assert.match(out, /Status:\s+Running/)
        assert.match(out, new RegExp(`Node:\\s+${NODE}/127\\.0\\.0\\.1`))
        assert.match(out, /Container ID:\s+docker:\/\/[0-9a-f]{64}/)
        assert.match(out, /Ready\s+True/)
        for (const reason of ['Pulled', 'Created', 'Started']) assert.match(out, new RegExp(`Normal\\s+${reason}\\s+.*kubelet`), reason)
        assert.match(out, /Started container web/)
        assert.match(out, /Started container sidecar/)
      }, { timeoutMs: 30_000, intervalMs: 500 })
    })

    it('delete pod returns once its containers are gone', async () => {
      const started = Date.now()
      assert.match(ok(await k(['delete', 'pod', name], 120_000), 'delete pod'), new RegExp(`pod "${name}" deleted`))
      const tookMs = Date.now() - started
      assert.deepEqual((await ourContainers(name)).map((c) => c.Names[0]), [], `no container of ${name} remains when delete returns`)
      assert.ok(tookMs < 60_000, `delete took ${tookMs} ms`)
      const out = await k(['get', 'pod', name])
      assert.notEqual(out.code, 0)
      assert.match(out.stderr, /NotFound/)
    })
  })
}

it('leaves no container behind after SIGTERM with --cleanup', async () => {
  const cacheDir = freshCacheDir()
  const file = join(server!.dir, 'leftover.json')
  await writeFile(file, JSON.stringify(twoContainerPod('leftover')))
  ok(await kubectl('1.33', ['create', '-f', file], { kubeconfig: server!.kubeconfig, cacheDir }), 'create -f')
  ok(await kubectl('1.33', ['wait', '--for=condition=Ready', 'pod/leftover', '--timeout=120s'], { kubeconfig: server!.kubeconfig, cacheDir, timeoutMs: 150_000 }), 'wait')
  assert.equal((await ourContainers()).length, 3)
  await server!.stop()
  assert.deepEqual((await ourContainers()).map((c) => c.Names[0]), [])
})
