/**
 * The kubelet's streaming endpoint (src/kubelet/streaming/) on a real Docker engine, at the protocol level: logs
 * over HTTP; exec and attach over WebSocket (v5, v4, v4.base64) with the `ws` client and over SPDY/3.1 with
 * test/helpers/spdy-client.ts; port-forward over SPDY, over SPDY tunnelled in a WebSocket (kubectl 1.31+) and
 * over WebSocket channels (client-node, Python); errors before the upgrade; no process or helper container left
 * behind by a client that goes away. Real-client coverage is in test/e2e/streaming-*.e2e.test.ts.
 *
 * Needs a Docker engine and builds its images with scripts/test-images.sh. Everything it creates carries the
 * label TEST_LABEL=runId and is removed afterwards. Only 127.0.0.1 is dialled.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { request } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import Docker from 'dockerode'
import WebSocket from 'ws'
import type { KubeObject } from '../../src/api/meta.ts'
import { type ContainerSpec, type SandboxInfo } from '../../src/kubelet/runtime/container-runtime.ts'
import { DockerRuntime } from '../../src/kubelet/runtime/docker-runtime.ts'
import { StreamServer } from '../../src/kubelet/streaming/stream-server.ts'
import { createLogger } from '../../src/log/logger.ts'
import { spdyConnect, spdyOver } from '../helpers/spdy-client.ts'

const BUSYBOX = process.env.BUSYBOX_IMAGE ?? 'kubebox-test/busybox:latest'
const PAUSE = process.env.PAUSE_IMAGE ?? 'kubebox-test/pause:latest'
const TEST_LABEL = 'dev.kubebox.test-run'
const runId = `streaming-${randomUUID().slice(0, 8)}`
const NS = 'default'
const POD = 'web'

const runtime = new DockerRuntime()
let server: StreamServer
let port = 0
let pod: KubeObject
let sandbox: SandboxInfo
const ids: Record<string, string> = {}

async function removeOurs(): Promise<void> {
  const docker = new Docker()
  const ours = await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${runId}`] } }).catch(() => [])
  await Promise.all(ours.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => {})))
}

function spec(name: string, command: string[], extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return { name, image: BUSYBOX, command, env: [], mounts: [], attempt: 0, labels: { [TEST_LABEL]: runId }, ...extra }
}

async function waitRunning(id: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const c = (await runtime.listContainers({ podUid: sandbox.podUid })).find((x) => x.id === id)
    if (c?.state === 'running') return
    await sleep(50)
  }
  throw new Error(`container ${id} did not start`)
}

function httpGet(path: string): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), type: res.headers['content-type'] }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** A WebSocket session: the messages it got (channel, payload), until the server closed it. */
async function wsSession(path: string, protocols: string[], send?: (ws: WebSocket) => void): Promise<{ protocol: string; messages: { channel: number; data: Buffer; binary: boolean }[]; code: number }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, protocols)
  const messages: { channel: number; data: Buffer; binary: boolean }[] = []
  ws.on('message', (data: Buffer, binary: boolean) => {
    if (binary) messages.push({ channel: data[0], data: data.subarray(1), binary })
    else messages.push({ channel: data[0] - 0x30, data: Buffer.from(data.subarray(1).toString(), 'base64'), binary })
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  send?.(ws)
  const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)))
  return { protocol: ws.protocol, messages, code }
}

/**
 * A client WebSocket whose subprotocol offer the `ws` client would refuse to send (`SPDY/3.1+…` is no RFC 6455
 * token, yet kubectl sends it): the handshake by hand, then ws on the upgraded socket in the client role.
 */
function rawWebSocket(path: string, protocol: string): Promise<{ ws: WebSocket; protocol: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), 'Sec-WebSocket-Protocol': protocol },
    })
    req.on('upgrade', (res, socket, head) => {
      const ws = new WebSocket(null as unknown as string, undefined, {})
      ;(ws as unknown as { _isServer: boolean })._isServer = false // frames from a client are masked
      ;(ws as unknown as { setSocket(s: unknown, h: Buffer, o: object): void }).setSocket(socket, head, { maxPayload: 0 })
      resolve({ ws, protocol: String(res.headers['sec-websocket-protocol'] ?? '') })
    })
    req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)))
    req.on('error', reject)
    req.end()
  })
}

const text = (messages: { channel: number; data: Buffer }[], channel: number) =>
  Buffer.concat(messages.filter((m) => m.channel === channel).map((m) => m.data)).toString()

const query = (params: Record<string, string | string[]>) => {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) q.append(k, x)
  return q.toString()
}

describe('kubelet streaming endpoint on Docker', () => {
  before(async () => {
    await promisify(execFile)('bash', ['scripts/test-images.sh'], { env: { ...process.env, BUSYBOX_IMAGE: BUSYBOX, PAUSE_IMAGE: PAUSE } })
    const uid = randomUUID()
    sandbox = await runtime.runSandbox({ podUid: uid, podName: POD, podNamespace: NS, node: `node-${runId}`, attempt: 0, image: PAUSE, hostname: POD, portMappings: [], hostNetwork: false, labels: { [TEST_LABEL]: runId } })
    const make = async (name: string, command: string[], extra: Partial<ContainerSpec> = {}) => {
      ids[name] = await runtime.createContainer(sandbox, spec(name, command, extra))
      await runtime.startContainer(ids[name])
      await waitRunning(ids[name])
    }
    await make('main', ['sh', '-c', 'echo one; echo two; echo three; exec sleep 1000'])
    await make('web', ['sh', '-c', 'mkdir -p /www && echo hello-pf > /www/index.html && exec httpd -f -p 8080 -h /www'])
    await make('cat', ['cat'], { stdin: true })
    const running = (name: string) => ({ name, state: { running: { startedAt: new Date().toISOString() } }, lastState: {}, ready: true, restartCount: 0, image: BUSYBOX, imageID: '', containerID: `docker://${ids[name]}` })
    pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: POD, namespace: NS, uid },
      spec: { containers: [{ name: 'main' }, { name: 'web' }, { name: 'cat' }, { name: 'pending' }] },
      status: { phase: 'Running', containerStatuses: [running('main'), running('web'), running('cat'), { name: 'pending', state: { waiting: { reason: 'ContainerCreating' } }, lastState: {} }] },
    }
    server = new StreamServer({
      runtime,
      findPod: (ns, name) => (ns === NS && name === POD ? pod : undefined),
      address: '127.0.0.1',
      portForwardImage: BUSYBOX,
      containerLabels: { [TEST_LABEL]: runId },
      log: createLogger({ level: 'silent' }),
    })
    port = await server.start()
  })
  after(async () => {
    await server?.stop()
    await removeOurs()
  })

  describe('logs', () => {
    it('streams a container log as text/plain, with tailLines and limitBytes', async () => {
      const all = await httpGet(`/containerLogs/${NS}/${POD}/main`)
      assert.equal(all.status, 200)
      assert.match(all.type ?? '', /^text\/plain/)
      assert.equal(all.body, 'one\ntwo\nthree\n')
      assert.equal((await httpGet(`/containerLogs/${NS}/${POD}/main?tailLines=1`)).body, 'three\n')
      assert.equal((await httpGet(`/containerLogs/${NS}/${POD}/main?limitBytes=5`)).body, 'one\nt')
      assert.match((await httpGet(`/containerLogs/${NS}/${POD}/main?timestamps=true&tailLines=1`)).body, /^\d{4}-\d\d-\d\dT[\d:.]+Z three\n$/)
    })

    it('answers 400 with a Status for a container waiting to start, and for a missing previous instance', async () => {
      const waiting = await httpGet(`/containerLogs/${NS}/${POD}/pending`)
      assert.equal(waiting.status, 400)
      const status = JSON.parse(waiting.body)
      assert.equal(status.kind, 'Status')
      assert.equal(status.message, 'container "pending" in pod "web" is waiting to start: ContainerCreating')
      const previous = await httpGet(`/containerLogs/${NS}/${POD}/main?previous=true`)
      assert.equal(previous.status, 400)
      assert.match(JSON.parse(previous.body).message, /previous terminated container "main" in pod "web" not found/)
      assert.equal((await httpGet(`/containerLogs/${NS}/nope/main`)).status, 404)
    })
  })

  describe('exec and attach over WebSocket', () => {
    it('v5: readiness frame, stdout, Success on the error channel, then close 1000', async () => {
      const r = await wsSession(`/exec/${NS}/${POD}/main?${query({ command: ['echo', 'hi'], stdout: 'true', stderr: 'true' })}`, ['v5.channel.k8s.io'])
      assert.equal(r.protocol, 'v5.channel.k8s.io')
      assert.deepEqual(r.messages[0], { channel: 1, data: Buffer.alloc(0), binary: true })
      assert.equal(text(r.messages, 1), 'hi\n')
      assert.deepEqual(JSON.parse(text(r.messages, 3)), { metadata: {}, status: 'Success' })
      assert.equal(r.code, 1000)
    })

    it('v5: a non-zero exit is NonZeroExitCode with the ExitCode cause first; stderr on channel 2', async () => {
      const r = await wsSession(`/exec/${NS}/${POD}/main?${query({ command: ['sh', '-c', 'echo oops >&2; exit 3'], stdout: 'true', stderr: 'true' })}`, ['v5.channel.k8s.io'])
      assert.equal(text(r.messages, 2), 'oops\n')
      const status = JSON.parse(text(r.messages, 3))
      assert.equal(status.status, 'Failure')
      assert.equal(status.reason, 'NonZeroExitCode')
      assert.deepEqual(status.details.causes[0], { reason: 'ExitCode', message: '3' })
    })

    it('v5: stdin, half-closed with [255, 0], reaches the command', async () => {
      const r = await wsSession(`/exec/${NS}/${POD}/main?${query({ command: 'cat', stdin: 'true', stdout: 'true' })}`, ['v5.channel.k8s.io'], (ws) => {
        ws.send(Buffer.concat([Buffer.of(0), Buffer.from('via stdin\n')]))
        ws.send(Buffer.of(255, 0))
      })
      assert.equal(text(r.messages, 1), 'via stdin\n')
      assert.equal(JSON.parse(text(r.messages, 3)).status, 'Success')
    })

    it('v4 (client-node offers v5..v1; v4 is taken when v5 is not offered) and v4.base64', async () => {
      const v4 = await wsSession(`/exec/${NS}/${POD}/main?${query({ command: ['echo', 'four'], stdout: 'true' })}`, ['v4.channel.k8s.io', 'channel.k8s.io'])
      assert.equal(v4.protocol, 'v4.channel.k8s.io')
      assert.equal(text(v4.messages, 1), 'four\n')
      const b64 = await wsSession(`/exec/${NS}/${POD}/main?${query({ command: ['echo', 'b64'], stdout: 'true' })}`, ['v4.base64.channel.k8s.io'])
      assert.equal(b64.protocol, 'v4.base64.channel.k8s.io')
      assert.ok(b64.messages.every((m) => !m.binary), 'base64 protocols use text frames')
      assert.equal(text(b64.messages, 1), 'b64\n')
      assert.equal(JSON.parse(text(b64.messages, 3)).status, 'Success')
    })

    it('a TTY exec takes resize messages and has no stderr channel', async () => {
      const r = await wsSession(`/exec/${NS}/${POD}/main?${query({ command: ['sh', '-c', 'sleep 0.5; stty size'], stdout: 'true', stderr: 'true', tty: 'true', stdin: 'true' })}`, ['v5.channel.k8s.io'], (ws) => {
        ws.send(Buffer.concat([Buffer.of(4), Buffer.from(JSON.stringify({ Width: 123, Height: 45 }))]))
      })
      assert.match(text(r.messages, 1), /45 123/)
      assert.equal(text(r.messages, 2), '')
    })

    it('attach: the main process of a container with stdin', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/attach/${NS}/${POD}/cat?stdin=true&stdout=true&stderr=true`, ['v5.channel.k8s.io'])
      let out = ''
      ws.on('message', (data: Buffer) => {
        if (data[0] === 1) out += data.subarray(1).toString()
      })
      await new Promise((resolve) => ws.once('open', resolve))
      ws.send(Buffer.concat([Buffer.of(0), Buffer.from('attached-line\n')]))
      for (let i = 0; i < 100 && !out.includes('attached-line'); i++) await sleep(50)
      assert.equal(out, 'attached-line\n')
      ws.close()
    })

    it('kills the process of a client that goes away mid-exec', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/exec/${NS}/${POD}/main?${query({ command: ['sleep', '4242'], stdout: 'true' })}`, ['v5.channel.k8s.io'])
      await new Promise((resolve) => ws.once('open', resolve))
      const running = async () => (await runtime.execSync(ids.main, ['ps'], 5)).stdout.includes('sleep 4242')
      for (let i = 0; i < 100 && !(await running()); i++) await sleep(50)
      assert.ok(await running(), 'the exec runs')
      ws.terminate()
      for (let i = 0; i < 100 && (await running()); i++) await sleep(50)
      assert.equal(await running(), false, 'the exec was killed')
    })
  })

  describe('exec over SPDY/3.1', () => {
    it('negotiates v4.channel.k8s.io out of what kubectl offers, runs, and writes the JSON status', async () => {
      const client = await spdyConnect(port, `/exec/${NS}/${POD}/main?${query({ command: ['sh', '-c', 'echo out; echo err >&2; exit 7'], stdout: 'true', stderr: 'true' })}`, ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'])
      assert.equal(client.protocol, 'v4.channel.k8s.io')
      const error = client.open({ streamType: 'error' })
      await error.replied
      error.end()
      const stdout = client.open({ streamType: 'stdout' })
      const stderr = client.open({ streamType: 'stderr' })
      await Promise.all([stdout.finished, stderr.finished, error.finished])
      assert.equal(stdout.received().toString(), 'out\n')
      assert.equal(stderr.received().toString(), 'err\n')
      const status = JSON.parse(error.received().toString())
      assert.equal(status.reason, 'NonZeroExitCode')
      assert.deepEqual(status.details.causes[0], { reason: 'ExitCode', message: '7' })
      await client.closed
    })

    it('passes stdin until its FIN, and echoes pings', async () => {
      const client = await spdyConnect(port, `/exec/${NS}/${POD}/main?${query({ command: 'cat', stdin: 'true', stdout: 'true' })}`, ['v4.channel.k8s.io'])
      await client.ping(1)
      const error = client.open({ streamType: 'error' })
      const stdin = client.open({ streamType: 'stdin' })
      const stdout = client.open({ streamType: 'stdout' })
      await stdout.replied
      stdin.write('spdy stdin\n')
      stdin.end()
      await stdout.finished
      assert.equal(stdout.received().toString(), 'spdy stdin\n')
      await error.finished
      assert.equal(JSON.parse(error.received().toString()).status, 'Success')
    })

    it('answers 403 with the accepted versions when no protocol matches', async () => {
      await assert.rejects(spdyConnect(port, `/exec/${NS}/${POD}/main?command=true&stdout=true`, ['v9.channel.k8s.io']), (err: any) => err.status === 403)
    })
  })

  describe('errors before the upgrade', () => {
    it('404 for an unknown pod, 400 without a command or without any stream', async () => {
      await assert.rejects(spdyConnect(port, `/exec/${NS}/nope/main?command=true&stdout=true`, ['v4.channel.k8s.io']), (err: any) => err.status === 404 && JSON.parse(err.body).reason === 'NotFound')
      await assert.rejects(spdyConnect(port, `/exec/${NS}/${POD}/main?stdout=true`, ['v4.channel.k8s.io']), (err: any) => err.status === 400)
      await assert.rejects(spdyConnect(port, `/exec/${NS}/${POD}/main?command=true`, ['v4.channel.k8s.io']), (err: any) => err.status === 400 && /at least 1 of stdin, stdout, stderr/.test(err.body))
      await assert.rejects(spdyConnect(port, `/exec/${NS}/${POD}/pending?command=true&stdout=true`, ['v4.channel.k8s.io']), (err: any) => err.status === 400 && /is waiting to start: ContainerCreating/.test(err.body))
    })
  })

  describe('port-forward', () => {
    const request = 'GET / HTTP/1.0\r\n\r\n'
    const helpers = async () => (await new Docker().listContainers({ all: true, filters: { label: ['io.kubernetes.docker.type=portforward', `${TEST_LABEL}=${runId}`] } })).length

    it('over SPDY (portforward.k8s.io): data and error streams per request ID', async () => {
      const client = await spdyConnect(port, `/portForward/${NS}/${POD}`, ['portforward.k8s.io'])
      assert.equal(client.protocol, 'portforward.k8s.io')
      const error = client.open({ streamType: 'error', port: '8080', requestID: '0' })
      error.end()
      const data = client.open({ streamType: 'data', port: '8080', requestID: '0' })
      await data.replied
      data.write(request)
      data.end()
      await data.finished
      assert.match(data.received().toString(), /^HTTP\/1\.[01] 200[\s\S]*hello-pf\n$/)
      assert.deepEqual(await error.finished, { reset: false })
      assert.equal(error.received().toString(), '')
      client.close()
    })

    it('over SPDY: a port nothing listens on reports on the error stream', async () => {
      const client = await spdyConnect(port, `/portForward/${NS}/${POD}`, ['portforward.k8s.io'])
      const error = client.open({ streamType: 'error', port: '9', requestID: '1' })
      const data = client.open({ streamType: 'data', port: '9', requestID: '1' })
      data.end()
      await error.finished
      assert.match(error.received().toString(), /error forwarding port 9 to pod/)
      client.close()
    })

    it('over SPDY tunnelled in a WebSocket (SPDY/3.1+portforward.k8s.io, kubectl 1.31+)', async () => {
      const { ws, protocol } = await rawWebSocket(`/portForward/${NS}/${POD}`, 'SPDY/3.1+portforward.k8s.io')
      assert.equal(protocol, 'SPDY/3.1+portforward.k8s.io')
      const transport = {
        write: (b: Buffer) => ws.send(b),
        end: () => ws.close(1000),
        destroy: () => ws.terminate(),
        on(event: 'data' | 'close', f: (b: Buffer) => void) {
          if (event === 'data') ws.on('message', (d: Buffer) => f(d))
          else ws.on('close', () => (f as () => void)())
        },
      }
      const client = spdyOver(transport, 'portforward.k8s.io')
      const error = client.open({ streamType: 'error', port: '8080', requestID: '0' })
      const data = client.open({ streamType: 'data', port: '8080', requestID: '0' })
      await data.replied
      data.write(request)
      data.end()
      await data.finished
      assert.match(data.received().toString(), /hello-pf\n$/)
      await error.finished
      client.close()
    })

    it('over WebSocket channels (v4.channel.k8s.io): the port header first on each channel, then data', async () => {
      const r = await wsSession(`/portForward/${NS}/${POD}?ports=8080`, ['v4.channel.k8s.io'], (ws) => ws.send(Buffer.concat([Buffer.of(0), Buffer.from(request)])))
      assert.equal(r.protocol, 'v4.channel.k8s.io')
      const first = (ch: number) => r.messages.find((m) => m.channel === ch)!.data
      assert.deepEqual(first(0), Buffer.from([0x90, 0x1f]), 'port 8080, little-endian')
      assert.deepEqual(first(1), Buffer.from([0x90, 0x1f]))
      assert.match(text(r.messages, 0).slice(2), /hello-pf\n$/)
    })

    it('leaves no helper container behind', async () => {
      for (let i = 0; i < 100 && (await helpers()) > 0; i++) await sleep(100)
      assert.equal(await helpers(), 0)
    })
  })
})
