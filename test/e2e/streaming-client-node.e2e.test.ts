/**
 * @kubernetes/client-node's Log, Exec and PortForward against `cluster serve` with a Docker kubelet: logs over
 * HTTP, exec and port-forward over WebSocket channels (client-node offers v5…v1; exec gets v5, port-forward v4
 * with its 2-byte port header). Needs Docker, etcd on PATH and the test images. Only 127.0.0.1 is dialled.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { PassThrough, Writable } from 'node:stream'
import { promisify } from 'node:util'
import { CoreV1Api, Exec, KubeConfig, Log, PortForward, type V1Status } from '@kubernetes/client-node'
import { waitFor } from '../helpers/kubectl.ts'
import { repoRoot, startServer, type ServerProcess } from '../helpers/server-process.ts'

const BUSYBOX = 'kubebox-test/busybox:latest'
const NODE = `e2e-cn-streaming-${randomUUID().slice(0, 6)}`

/** A writable that keeps what it was given. */
function collector(): Writable & { text(): string } {
  const chunks: Buffer[] = []
  const w = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(Buffer.from(chunk))
      done()
    },
  }) as Writable & { text(): string }
  w.text = () => Buffer.concat(chunks).toString()
  return w
}

describe('@kubernetes/client-node Log, Exec, PortForward', () => {
  let server: ServerProcess
  let kc: KubeConfig

  before(async () => {
    await promisify(execFile)('bash', ['scripts/test-images.sh'], { cwd: repoRoot })
    server = await startServer({ args: ['--runtime', 'docker', '--node-name', NODE, '--pod-infra-image', 'kubebox-test/pause:latest', '--port-forward-image', BUSYBOX, '--cleanup'] })
    kc = new KubeConfig()
    kc.loadFromFile(server.kubeconfig)
    const core = kc.makeApiClient(CoreV1Api)
    await core.createNamespacedPod({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: {
          nodeName: NODE,
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'web', image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'mkdir -p /www && echo hello-client-node > /www/index.html && echo started; while true; do echo tick; sleep 0.3; done & exec httpd -f -p 8080 -h /www'] }],
        },
      },
    })
    await waitFor('web to run', async () => (await core.readNamespacedPod({ namespace: 'default', name: 'web' })).status?.containerStatuses?.[0]?.state?.running, { timeoutMs: 60_000, intervalMs: 300 })
  })
  after(async () => {
    await server?.stop()
  })

  it('Log: the whole log, tailLines, and a follow that the server ends at limitBytes', async () => {
    const all = collector()
    await new Log(kc).log('default', 'web', 'web', all, { follow: false })
    await waitFor('the log', () => all.text().startsWith('started\ntick\n'), { timeoutMs: 10_000 })
    const tail = collector()
    await new Log(kc).log('default', 'web', 'web', tail, { tailLines: 1 })
    await waitFor('the tail', () => tail.text() === 'tick\n', { timeoutMs: 10_000 })
    // Aborting a followed log makes client-node 2.0.1 throw an unhandled AbortError; a limit ends it cleanly.
    const follow = collector()
    const finished = new Promise((resolve) => follow.on('finish', resolve))
    await new Log(kc).log('default', 'web', 'web', follow, { follow: true, tailLines: 1, limitBytes: 20 })
    await finished
    assert.equal(follow.text(), 'tick\ntick\ntick\ntick\n', 'lines that came while following')
  })

  it('Exec: stdout and a Success status', async () => {
    const stdout = collector()
    const stderr = collector()
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(kc).exec('default', 'web', 'web', ['echo', 'hi'], stdout, stderr, null, false, resolve).catch(reject)
    })
    assert.equal(status.status, 'Success')
    assert.equal(stdout.text(), 'hi\n')
  })

  it('Exec: a non-zero exit code in the status, stderr apart', async () => {
    const stdout = collector()
    const stderr = collector()
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(kc).exec('default', 'web', 'web', ['sh', '-c', 'echo bad >&2; exit 3'], stdout, stderr, null, false, resolve).catch(reject)
    })
    assert.equal(status.status, 'Failure')
    assert.equal(status.reason, 'NonZeroExitCode')
    assert.equal(status.details?.causes?.[0]?.message, '3')
    assert.equal(stderr.text(), 'bad\n')
  })

  it('Exec: stdin, half-closed with the v5 CLOSE message when it ends', async () => {
    const stdout = collector()
    const stdin = new PassThrough()
    const done = new Promise<V1Status>((resolve, reject) => {
      new Exec(kc).exec('default', 'web', 'web', ['cat'], stdout, null, stdin, false, resolve).catch(reject)
    })
    stdin.write('from client-node\n')
    stdin.end()
    assert.equal((await done).status, 'Success')
    assert.equal(stdout.text(), 'from client-node\n')
  })

  it('PortForward: an HTTP request to the pod port over WebSocket channels', async () => {
    const output = collector()
    const errors = collector()
    const input = new PassThrough()
    const ws = (await new PortForward(kc).portForward('default', 'web', [8080], output, errors, input)) as { close(): void; protocol: string }
    assert.equal(ws.protocol, 'v4.channel.k8s.io')
    input.write('GET / HTTP/1.0\r\n\r\n')
    await waitFor('the answer', () => output.text().endsWith('hello-client-node\n'), { timeoutMs: 20_000 })
    assert.match(output.text(), /^HTTP\/1\.[01] 200/)
    assert.equal(errors.text(), '')
    ws.close()
  })
})
