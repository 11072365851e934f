/**
 * `kubectl debug`: an ephemeral container added to a running pod through pods/ephemeralcontainers, run by the
 * kubelet on Docker in the pod's namespaces, with its logs, an interactive attach, its status and `describe`;
 * what the subresource refuses. `cluster serve --runtime docker --cleanup` on a throwaway etcd, the real kubectl
 * 1.27 (SPDY) and 1.33 (WebSocket); after SIGTERM no container of the node is left, debug containers included.
 */
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import Docker from 'dockerode'
import { LABELS } from '../../src/kubelet/runtime/container-runtime.ts'
import { randomSuffix } from '../../src/util/random.ts'
import { freshCacheDir, kubectl, kubectlPath, retry, type KubectlResult, type KubectlVersion } from '../helpers/kubectl.ts'
import { repoRoot, startServer, type ServerProcess } from '../helpers/server-process.ts'

const BUSYBOX = process.env.BUSYBOX_IMAGE ?? 'kubebox-test/busybox:latest'
const PAUSE = process.env.PAUSE_IMAGE ?? 'kubebox-test/pause:latest'
const NODE = `e2e-debug-${randomSuffix(6)}`
const VERSIONS: KubectlVersion[] = ['1.27', '1.33']
const run = promisify(execFile)
const docker = new Docker()

let server: ServerProcess | undefined

async function ourContainers(): Promise<Docker.ContainerInfo[]> {
  const all = await docker.listContainers({ all: true, filters: { label: [LABELS.node] } })
  return all.filter((c) => c.Labels[LABELS.node]?.endsWith(`/${NODE}`))
}

function ok(r: KubectlResult, what: string): string {
  assert.equal(r.code, 0, `${what} failed (${r.code}${r.timedOut ? ', timed out' : ''}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
  return r.stdout
}

/**
 * `kubectl debug -i … -- sh` fed a line on stdin, which stays open until the reply is seen: as a person at the
 * keyboard (a debug container has stdin but not stdinOnce, so closing stdin would end the attach at once).
 */
function interactiveDebug(version: KubectlVersion, args: string[], cacheDir: string, line: string, expect: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlPath(version), ['--kubeconfig', server!.kubeconfig, '--cache-dir', cacheDir, 'debug', '-i', ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c))
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c
      if (expect.test(out)) child.stdin.end('exit\n')
    })
    child.stdin.on('error', () => {})
    child.stdin.write(line + '\n')
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0 && expect.test(out)) resolve(out)
      else reject(new Error(`kubectl debug -i exited ${code}\nstdout: ${out}\nstderr: ${err}`))
    })
  })
}

before(async () => {
  await run('bash', ['scripts/test-images.sh'], { cwd: repoRoot, env: { ...process.env, BUSYBOX_IMAGE: BUSYBOX, PAUSE_IMAGE: PAUSE } })
  server = await startServer({ args: ['--runtime', 'docker', '--pod-infra-image', PAUSE, '--node-name', NODE, '--cleanup'] })
})

after(async () => {
  await server?.stop()
  for (const c of await ourContainers().catch(() => [])) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {})
})

for (const version of VERSIONS) {
  describe(`kubectl ${version} debug`, () => {
    const pod = `target-${version.replace('.', '-')}`
    let cacheDir: string
    const k = (args: string[], timeoutMs = 120_000) => kubectl(version, args, { kubeconfig: server!.kubeconfig, cacheDir, timeoutMs })

    before(async () => {
      cacheDir = freshCacheDir()
      ok(await k(['run', pod, `--image=${BUSYBOX}`, '--image-pull-policy=IfNotPresent', '--command', '--', 'sleep', '3600']), 'run')
      ok(await k(['wait', '--for=condition=Ready', `pod/${pod}`, '--timeout=120s'], 150_000), 'wait Ready')
    })

    it('adds an ephemeral container that runs in the pod (its hostname) and whose log kubectl reads', async () => {
      const out = await k(['debug', pod, `--image=${BUSYBOX}`, '--image-pull-policy=IfNotPresent', '-c', 'dbg', '--', 'sh', '-c', 'echo from-debug; hostname'])
      ok(out, 'debug')
      const logs = await retry(async () => ok(await k(['logs', pod, '-c', 'dbg']), 'logs -c dbg'), { timeoutMs: 60_000, intervalMs: 500 })
      assert.equal(logs, `from-debug\n${pod}\n`)
      const status = JSON.parse(ok(await k(['get', 'pod', pod, '-o', 'jsonpath={.status.ephemeralContainerStatuses[0]}']), 'get status'))
      assert.equal(status.name, 'dbg')
      assert.equal(status.ready, false)
      assert.match(status.containerID, /^docker:\/\/[0-9a-f]{64}$/)
      assert.ok(status.state.terminated || status.state.running, JSON.stringify(status.state))
      // The pod itself is untouched: still 1/1 Running, no restart.
      assert.match(ok(await k(['get', 'pod', pod]), 'get pod'), new RegExp(`^${pod}\\s+1/1\\s+Running\\s+0\\s`, 'm'))
    })

    it('debug -i attaches to the new container once it runs', async () => {
      const out = await interactiveDebug(version, [pod, `--image=${BUSYBOX}`, '--image-pull-policy=IfNotPresent', '-c', 'shell', '--', 'sh'], cacheDir, 'echo hello-$((6*7))', /hello-42/)
      assert.match(out, /hello-42/)
    })

    it('debug --target sees the target container’s processes', async () => {
      ok(await k(['debug', pod, `--image=${BUSYBOX}`, '--image-pull-policy=IfNotPresent', '-c', 'peek', `--target=${pod}`, '--', 'ps']), 'debug --target')
      const logs = await retry(async () => {
        const out = ok(await k(['logs', pod, '-c', 'peek']), 'logs -c peek')
        assert.match(out, /PID/)
        return out
      }, { timeoutMs: 60_000, intervalMs: 500 })
      assert.match(logs, /sleep 3600/)
    })

    it('describe shows the ephemeral containers', async () => {
      const out = ok(await k(['describe', 'pod', pod]), 'describe')
      assert.match(out, /Ephemeral Containers:\s+dbg:/)
      assert.match(out, /shell:/)
      assert.match(out, /peek:/)
    })

    it('an ephemeral container may not be removed, nor set on create', async () => {
      // (kubectl patch --subresource takes only status and scale: the PATCH is sent as kubectl debug sends its own.)
      const res = await fetch(`${server!.url}/api/v1/namespaces/default/pods/${pod}/ephemeralcontainers`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json-patch+json' },
        body: JSON.stringify([{ op: 'remove', path: '/spec/ephemeralContainers/0' }]),
      })
      const status: any = await res.json()
      assert.equal(res.status, 422)
      assert.equal(status.reason, 'Invalid')
      assert.match(status.message, /spec\.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be removed/)
      const withEphemeral = JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `eph-${version.replace('.', '-')}` },
        spec: { containers: [{ name: 'c', image: BUSYBOX }], ephemeralContainers: [{ name: 'e', image: BUSYBOX }] },
      })
      const refused = await kubectl(version, ['create', '-f', '-'], { kubeconfig: server!.kubeconfig, cacheDir, stdin: withEphemeral })
      assert.notEqual(refused.code, 0)
      assert.match(refused.stderr, /spec\.ephemeralContainers: Forbidden: cannot be set on create/)
    })
  })
}

it('kubectl debug node/<node>: a pod in the host’s process namespace with the host’s root at /host', async () => {
  const cacheDir = freshCacheDir()
  const k = (args: string[]) => kubectl('1.33', args, { kubeconfig: server!.kubeconfig, cacheDir, timeoutMs: 120_000 })
  const script = 'cat /proc/1/comm; test -d /host/proc && echo host-root-mounted'
  const out = ok(await k(['debug', `node/${NODE}`, `--image=${BUSYBOX}`, '--image-pull-policy=IfNotPresent', '--', 'sh', '-c', script]), 'debug node')
  const pod = /pod (node-debugger-\S+)/.exec(out)?.[1]
  assert.ok(pod, out)
  const logs = await retry(async () => {
    const l = ok(await k(['logs', pod]), 'logs')
    assert.match(l, /host-root-mounted/)
    return l
  }, { timeoutMs: 60_000, intervalMs: 500 })
  // PID 1 in the container is the host's PID 1.
  assert.equal(logs.split('\n')[0], (await readFile('/proc/1/comm', 'utf8')).trim())
  ok(await k(['delete', 'pod', pod, '--wait=false']), 'delete')
})

it('leaves no container behind after SIGTERM with --cleanup, debug containers included', async () => {
  assert.ok((await ourContainers()).some((c) => c.Labels[LABELS.containerName] === 'dbg'))
  await server!.stop()
  assert.deepEqual((await ourContainers()).map((c) => c.Names[0]), [])
})
