/**
 * `kubectl logs|exec|attach|cp|port-forward` end to end, with the real kubectl 1.27, 1.29, 1.30, 1.31 and 1.33,
 * against `cluster serve` with a Docker kubelet: the API server proxies to the kubelet's streaming endpoint,
 * which speaks what each version speaks (1.27/1.29: SPDY; 1.30+: WebSocket v5 for exec/attach; 1.31+: SPDY
 * tunnelled in a WebSocket for port-forward).
 *
 * The node gets a name of its own (--node-name): other kubebox servers on the same Docker engine would otherwise
 * share the host name and take this one's sandboxes for orphans. Needs Docker, etcd on PATH, and the test images
 * (scripts/test-images.sh). Only 127.0.0.1 is dialled.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { get } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { freePort } from '../../src/util/free-port.ts'
import { api } from '../helpers/http-api.ts'
import { freshCacheDir, kubectl, retry, spawnKubectl, waitFor, type KubectlVersion } from '../helpers/kubectl.ts'
import { repoRoot, startServer, type ServerProcess } from '../helpers/server-process.ts'

const VERSIONS: KubectlVersion[] = ['1.27', '1.29', '1.30', '1.31', '1.33']
const BUSYBOX = 'kubebox-test/busybox:latest'
const NODE = `e2e-streaming-${randomUUID().slice(0, 6)}`

const container = (name: string, script: string, extra: Record<string, unknown> = {}) => ({ name, image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script], ...extra })
const podManifest = (name: string, containers: unknown[], extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers, ...extra } })

/** httpd on 80 and a line every 0.3 s on stdout (logs -f, attach). */
const WEB = podManifest('web', [container('web', 'mkdir -p /www && echo hello-from-web > /www/index.html && echo started; while true; do echo tick; sleep 0.3; done & exec httpd -f -p 80 -h /www')])
/** Prints a line and fails after a moment: restarted, so `--previous` has something. */
const CRASHER = podManifest('crasher', [container('crasher', 'echo crash-line; sleep 1; exit 1')])
const MULTI = podManifest('multi', [container('a', 'exec sleep 1000'), container('b', 'exec sleep 1000')])

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', timeout: 10_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => (body += c))
      res.on('end', () => resolve(body))
    })
      .on('error', reject)
      .on('timeout', function (this: { destroy(e: Error): void }) {
        this.destroy(new Error('timeout'))
      })
  })
}

describe('kubectl logs, exec, attach, cp, port-forward through the API server', () => {
  let server: ServerProcess
  const opts = () => ({ kubeconfig: server.kubeconfig, cacheDir: freshCacheDir(), timeoutMs: 60_000 })

  before(async () => {
    await promisify(execFile)('bash', ['scripts/test-images.sh'], { cwd: repoRoot })
    server = await startServer({ args: ['--runtime', 'docker', '--node-name', NODE, '--pod-infra-image', 'kubebox-test/pause:latest', '--port-forward-image', BUSYBOX, '--cleanup'] })
    for (const p of [WEB, CRASHER, MULTI]) {
      const file = join(server.dir, `${p.metadata.name}.json`)
      await writeFile(file, JSON.stringify(p))
      const r = await kubectl('1.33', ['apply', '-f', file], opts())
      assert.equal(r.code, 0, r.stderr)
    }
    const running = async (name: string, restarts = 0) => {
      const r = await kubectl('1.33', ['get', 'pod', name, '-o', 'json'], opts())
      const statuses = JSON.parse(r.stdout).status?.containerStatuses ?? []
      return statuses.length > 0 && statuses.every((s: any) => s.state?.running && s.restartCount >= restarts)
    }
    await waitFor('web to run', () => running('web'), { timeoutMs: 60_000, intervalMs: 500 })
    await waitFor('multi to run', () => running('multi'), { timeoutMs: 60_000, intervalMs: 500 })
    await waitFor('crasher to have restarted', () => running('crasher', 1), { timeoutMs: 90_000, intervalMs: 500 })
  })
  after(async () => {
    await server?.stop()
  })

  for (const v of VERSIONS) {
    describe(`kubectl ${v}`, () => {
      // One discovery cache per version (fresh for it): kubectl fetches discovery once, not per command.
      const cacheDir = freshCacheDir()
      const vopts = () => ({ ...opts(), cacheDir })
      const k = (args: string[], extra: { stdin?: string } = {}) => kubectl(v, args, { ...vopts(), ...extra })

      it('logs, --tail, --timestamps, --limit-bytes', async () => {
        const all = await k(['logs', 'web'])
        assert.equal(all.code, 0, all.stderr)
        assert.match(all.stdout, /^started\ntick\n/)
        const tail = await k(['logs', 'web', '--tail=1'])
        assert.equal(tail.stdout, 'tick\n')
        const stamped = await k(['logs', 'web', '--tail=2', '--timestamps'])
        assert.match(stamped.stdout, /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z tick\n){2}$/)
        const limited = await k(['logs', 'web', '--limit-bytes=4'])
        assert.equal(limited.stdout, 'star')
      })

      it('logs -f streams new lines until killed', async () => {
        const follow = spawnKubectl(v, ['logs', '-f', 'web', '--tail=1'], vopts())
        await follow.waitFor(/tick\n[\s\S]*tick\n[\s\S]*tick\n/, { timeoutMs: 20_000 })
        await follow.kill()
      })

      it('logs --previous shows the instance before a restart', async () => {
        const r = await k(['logs', 'crasher', '--previous'])
        assert.equal(r.code, 0, r.stderr)
        assert.equal(r.stdout, 'crash-line\n')
      })

      it('exec: output, exit codes (3; 126/127 for a missing command), stdin', async () => {
        const hi = await k(['exec', 'web', '--', 'echo', 'hi'])
        assert.equal(hi.code, 0, hi.stderr)
        assert.equal(hi.stdout, 'hi\n')
        const three = await k(['exec', 'web', '--', 'sh', '-c', 'exit 3'])
        assert.equal(three.code, 3, three.stderr)
        assert.match(three.stderr, /command terminated with exit code 3/)
        const nope = await k(['exec', 'web', '--', 'nope'])
        assert.ok(nope.code === 126 || nope.code === 127, `exit code ${nope.code}: ${nope.stderr}`)
        const cat = await k(['exec', '-i', 'web', '--', 'sh', '-c', 'cat; echo done'], { stdin: 'line one\nline two\n' })
        assert.equal(cat.code, 0, cat.stderr)
        assert.equal(cat.stdout, 'line one\nline two\ndone\n')
        const multi = await k(['exec', 'multi', '-c', 'b', '--', 'echo', 'from-b'])
        assert.equal(multi.stdout, 'from-b\n')
      })

      it('cp a file in and out', async () => {
        const local = join(server.dir, `cp-in-${v}.txt`)
        const back = join(server.dir, `cp-out-${v}.txt`)
        await writeFile(local, `copied with ${v}\n`)
        const put = await k(['cp', local, `web:/tmp/in-${v}.txt`])
        assert.equal(put.code, 0, put.stderr)
        assert.equal((await k(['exec', 'web', '--', 'cat', `/tmp/in-${v}.txt`])).stdout, `copied with ${v}\n`)
        const fetch = await k(['cp', `web:/tmp/in-${v}.txt`, back])
        assert.equal(fetch.code, 0, fetch.stderr)
        assert.equal(await readFile(back, 'utf8'), `copied with ${v}\n`)
      })

      it('port-forward to httpd, and an HTTP GET through it', async () => {
        const port = await freePort()
        const pf = spawnKubectl(v, ['port-forward', 'pod/web', `${port}:80`], vopts())
        try {
          await pf.waitFor(/Forwarding from 127\.0\.0\.1/, { timeoutMs: 20_000 })
          assert.equal(await retry(() => httpGet(port), { timeoutMs: 15_000 }), 'hello-from-web\n')
          assert.equal(await httpGet(port), 'hello-from-web\n', 'a second connection')
        } finally {
          await pf.kill()
        }
      })

      it('attach to a container printing lines', async () => {
        const attach = spawnKubectl(v, ['attach', 'web'], vopts())
        await attach.waitFor(/tick\n[\s\S]*tick\n/, { timeoutMs: 20_000 })
        await attach.kill()
      })
    })
  }

  describe('errors', () => {
    it('a container name must be chosen in a pod of several (400 from the API server)', async () => {
      const r = await api(server.url, 'GET', '/api/v1/namespaces/default/pods/multi/log')
      assert.equal(r.status, 400)
      assert.equal(r.body.message, 'a container name must be specified for pod multi, choose one of: [a b]')
    })

    it('a container waiting to start: 400 with its reason', async () => {
      const file = join(server.dir, 'waiting.json')
      await writeFile(file, JSON.stringify(podManifest('waiting', [{ name: 'w', image: 'kubebox-test/absent:never', imagePullPolicy: 'Never', command: ['true'] }])))
      await kubectl('1.33', ['apply', '-f', file], opts())
      const r = await retry(async () => {
        const res = await kubectl('1.33', ['logs', 'waiting'], opts())
        assert.match(res.stderr, /container "w" in pod "waiting" is waiting to start: \w+/)
        return res
      }, { timeoutMs: 30_000 })
      assert.equal(r.code, 1)
      const exec = await kubectl('1.33', ['exec', 'waiting', '--', 'true'], opts())
      assert.notEqual(exec.code, 0)
    })

    it('exec into a pod that does not exist: NotFound', async () => {
      const r = await kubectl('1.33', ['exec', 'ghost', '--', 'true'], opts())
      assert.equal(r.code, 1)
      assert.match(r.stderr, /pods "ghost" not found/)
    })

    it('503 when the kubelet of the node can not be reached', async () => {
      const file = join(server.dir, 'stray.json')
      await writeFile(file, JSON.stringify({ ...podManifest('stray', [container('s', 'true')]), spec: { nodeName: 'no-such-node', containers: [container('s', 'true')] } }))
      await kubectl('1.33', ['apply', '-f', file], opts())
      const r = await api(server.url, 'GET', '/api/v1/namespaces/default/pods/stray/log')
      assert.equal(r.status, 503)
      assert.equal(r.body.reason, 'ServiceUnavailable')
    })
  })
})
