/**
 * The ContainerRuntime contract: what every implementation (DockerRuntime, FakeRuntime) must do, as one shared
 * suite.
 *
 * Workloads differ by kind: a real runtime runs busybox commands; the FakeRuntime runs nothing and follows the
 * conventions in fake-runtime.ts (`fake-exit:<code>` and the lines after it). The fixture's `real` says which;
 * tests that need real processes, signals or networking say so and skip on a fake.
 *
 * Every sandbox and container gets a pod UID of its own (tests stay independent, also of other test files sharing
 * the engine) and the label CONTRACT_LABEL=contractRunId, so a fixture's cleanup can remove everything this run
 * made, even after failures.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Readable } from 'node:stream'
import {
  ContainerCreateError,
  ImagePullError,
  type ContainerInfo,
  type ContainerRuntime,
  type ContainerSpec,
  type SandboxInfo,
  type SandboxSpec,
  type StreamSession,
} from '../../src/kubelet/runtime/container-runtime.ts'

export interface RuntimeFixture {
  runtime: ContainerRuntime
  /** Present on the engine: sh, httpd, wget, nc, sleep (busybox). */
  busyboxImage: string
  /** Present on the engine: the pod sandbox image. */
  pauseImage: string
  /** Whether containers are real processes (Docker) or pretend (FakeRuntime). */
  real: boolean
  /** A new runtime object on the same engine: what a restarted kubelet gets. */
  reopen(): ContainerRuntime
  /** Removes whatever is left (at least everything labelled CONTRACT_LABEL=contractRunId). */
  cleanup(): Promise<void>
}

/** The label on everything the contract creates, with contractRunId as its value. */
export const CONTRACT_LABEL = 'dev.kubebox.test-run'
export const contractRunId = `runtime-contract-${randomUUID().slice(0, 8)}`
/** The node name the contract's sandboxes claim. */
export const contractNode = `node-${contractRunId}`
/** An image no registry serves: the pull fails on this machine without anything leaving it. */
export const UNPULLABLE_IMAGE = '127.0.0.1:1/kubebox-nope:latest'

/** A port that was free a moment ago on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise(resolve => server.close(resolve))
  if (!address || typeof address === 'string') throw new Error('could not read the port of a listening socket')
  return address.port
}

async function readAll(stream: Readable, timeoutMs = 10_000): Promise<string> {
  const chunks: Buffer[] = []
  const timer = setTimeout(() => stream.destroy(new Error(`log stream did not end within ${timeoutMs} ms`)), timeoutMs)
  try {
    for await (const chunk of stream) chunks.push(Buffer.from(chunk))
  } finally {
    clearTimeout(timer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last error: ${String(last)}` : ''}`)
    await sleep(50)
  }
}

export function runRuntimeContract(name: string, make: () => Promise<RuntimeFixture>): void {
  describe(`ContainerRuntime contract: ${name}`, () => {
    let fixture: RuntimeFixture | undefined
    let rt: ContainerRuntime
    let real = false
    before(async () => {
      fixture = await make()
      rt = fixture.runtime
      real = fixture.real
    })
    after(async () => {
      await fixture?.cleanup()
    })
    const fx = () => {
      if (!fixture) throw new Error('the fixture did not start')
      return fixture
    }

    // ---- workloads, per kind ----
    /** Runs until stopped. */
    const runForever = () => (real ? ['sleep', '1000'] : ['sleep-forever'])
    /** Exits with `code` at once, having printed `lines`. */
    const exitWith = (code: number, lines: string[] = []) =>
      real ? ['sh', '-c', [...lines.map(l => `echo ${l}`), `exit ${code}`].join('; ')] : [`fake-exit:${code}`, ...lines]

    let pods = 0
    function sandboxSpec(overrides: Partial<SandboxSpec> = {}): SandboxSpec {
      const n = pods++
      return {
        podUid: randomUUID(),
        podName: `pod-${n}`,
        podNamespace: 'contract',
        node: contractNode,
        attempt: 0,
        image: fx().pauseImage,
        hostname: `pod-${n}`,
        portMappings: [],
        hostNetwork: false,
        labels: { [CONTRACT_LABEL]: contractRunId },
        ...overrides,
      }
    }
    function containerSpec(name: string, command: string[], overrides: Partial<ContainerSpec> = {}): ContainerSpec {
      return {
        name,
        image: fx().busyboxImage,
        command,
        env: [],
        mounts: [],
        attempt: 0,
        labels: { [CONTRACT_LABEL]: contractRunId },
        ...overrides,
      }
    }
    async function containerOf(sandbox: SandboxInfo, id: string): Promise<ContainerInfo> {
      const found = (await rt.listContainers({ podUid: sandbox.podUid })).find(c => c.id === id)
      assert.ok(found, `container ${id} is not listed`)
      return found
    }
    async function startedContainer(sandbox: SandboxInfo, spec: ContainerSpec, state: ContainerInfo['state'] = 'running'): Promise<ContainerInfo> {
      const id = await rt.createContainer(sandbox, spec)
      await rt.startContainer(id)
      return until(`container ${spec.name} to be ${state}`, async () => {
        const c = await containerOf(sandbox, id)
        return c.state === state ? c : undefined
      })
    }

    it('answers its version', async () => {
      const v = await rt.version()
      assert.equal(typeof v, 'string')
      assert.ok(v.length > 0)
      assert.ok(rt.type.length > 0)
    })

    it('knows which images are present', async () => {
      assert.equal(await rt.imagePresent(fx().busyboxImage), true)
      assert.equal(await rt.imagePresent(fx().pauseImage), true)
      assert.equal(await rt.imagePresent(`kubebox-test/absent-${contractRunId}:latest`), false)
      const id = await rt.imageId(fx().busyboxImage)
      assert.match(id, /sha256:[0-9a-f]{64}/)
      assert.equal(await rt.imageId(fx().busyboxImage), id, 'imageId is stable')
    })

    it('fails a pull from a registry that does not answer with ImagePullError', async () => {
      const lines: string[] = []
      await assert.rejects(rt.pullImage(UNPULLABLE_IMAGE, l => lines.push(l)), (err: unknown) => {
        assert.ok(err instanceof ImagePullError, `expected ImagePullError, got ${String(err)}`)
        assert.equal(err.image, UNPULLABLE_IMAGE)
        assert.ok(err.message.length > 0)
        return true
      })
      assert.equal(await rt.imagePresent(UNPULLABLE_IMAGE), false)
    })

    it('runs a sandbox: listed ready with an IP and its labels; idempotent per pod UID and attempt', async () => {
      const spec = sandboxSpec()
      const sb = await rt.runSandbox(spec)
      assert.equal(sb.state, 'ready')
      assert.match(sb.ip, /^\d+\.\d+\.\d+\.\d+$/)
      assert.equal(sb.podUid, spec.podUid)
      assert.equal(sb.podName, spec.podName)
      assert.equal(sb.podNamespace, spec.podNamespace)
      assert.equal(sb.node, contractNode)
      assert.equal(sb.attempt, 0)
      assert.ok(sb.createdAt instanceof Date && !Number.isNaN(sb.createdAt.getTime()))

      const listed = await rt.listSandboxes({ podUid: spec.podUid })
      assert.equal(listed.length, 1)
      assert.equal(listed[0].id, sb.id)
      assert.equal(listed[0].state, 'ready')
      assert.equal(listed[0].ip, sb.ip)
      assert.equal(listed[0].attempt, 0)
      assert.ok((await rt.listSandboxes()).some(s => s.id === sb.id), 'an unfiltered listing has it')
      assert.ok((await rt.listSandboxes({ node: contractNode })).some(s => s.id === sb.id), 'a listing by node has it')
      assert.equal((await rt.listSandboxes({ node: `other-${contractNode}` })).some(s => s.id === sb.id), false)

      const again = await rt.runSandbox(spec)
      assert.equal(again.id, sb.id, 'runSandbox is idempotent')
      assert.equal((await rt.listSandboxes({ podUid: spec.podUid })).length, 1)

      const next = await rt.runSandbox({ ...spec, attempt: 1 })
      assert.notEqual(next.id, sb.id, 'a new attempt is a new sandbox')
      assert.equal(next.attempt, 1)
      assert.notEqual(next.ip, '')
      assert.equal((await rt.listSandboxes({ podUid: spec.podUid })).length, 2)
    })

    it('gives each sandbox its own IP', async () => {
      const a = await rt.runSandbox(sandboxSpec())
      const b = await rt.runSandbox(sandboxSpec())
      assert.notEqual(a.ip, b.ip)
    })

    it('creates and starts a container: running, listed with its pod, name and attempt', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const id = await rt.createContainer(sb, containerSpec('main', runForever(), { attempt: 2 }))
      const created = await containerOf(sb, id)
      assert.equal(created.state, 'created')
      assert.equal(created.startedAt, undefined)
      await rt.startContainer(id)
      const c = await until('running', async () => {
        const info = await containerOf(sb, id)
        return info.state === 'running' ? info : undefined
      })
      assert.equal(c.podUid, sb.podUid)
      assert.equal(c.sandboxId, sb.id)
      assert.equal(c.name, 'main')
      assert.equal(c.attempt, 2)
      assert.equal(c.image, fx().busyboxImage)
      assert.equal(c.imageId, await rt.imageId(fx().busyboxImage))
      assert.ok(c.startedAt instanceof Date)
      assert.equal(c.finishedAt, undefined)
      assert.equal(c.exitCode, undefined)
      assert.ok((await rt.listContainers()).some(x => x.id === id), 'an unfiltered listing has it')
      assert.ok((await rt.listContainers({ node: contractNode })).some(x => x.id === id), 'a listing by node has it')
      assert.equal((await rt.listContainers({ node: `other-${contractNode}` })).some(x => x.id === id), false)
      assert.equal((await rt.listContainers({ podUid: randomUUID() })).length, 0)
    })

    it('refuses to create a container of an absent image with ContainerCreateError', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      await assert.rejects(rt.createContainer(sb, containerSpec('main', runForever(), { image: `kubebox-test/absent-${contractRunId}:latest` })), ContainerCreateError)
    })

    it('reports an exit: exited, exit code 3, reason Error', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('fails', exitWith(3)), 'exited')
      assert.equal(c.exitCode, 3)
      assert.equal(c.reason, 'Error')
      assert.ok(c.startedAt instanceof Date)
      assert.ok(c.finishedAt instanceof Date)
      assert.ok(c.finishedAt.getTime() >= c.startedAt.getTime())
    })

    it('reports a successful exit: exit code 0, reason Completed', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('done', exitWith(0)), 'exited')
      assert.equal(c.exitCode, 0)
      assert.equal(c.reason, 'Completed')
    })

    it('fails the start of a command that does not exist: ContainerCreateError, then exited with ContainerCannotRun', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const id = await rt.createContainer(sb, containerSpec('broken', real ? ['/no/such/command'] : ['fake-cannot-run']))
      await assert.rejects(rt.startContainer(id), ContainerCreateError)
      const c = await containerOf(sb, id)
      assert.equal(c.state, 'exited')
      assert.equal(c.reason, 'ContainerCannotRun')
      assert.notEqual(c.exitCode, 0)
      assert.ok(c.message && c.message.length > 0)
      assert.ok(c.startedAt instanceof Date && c.finishedAt instanceof Date)
    })

    it('stops a container that ignores SIGTERM once the grace period is over', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const stubborn = real ? ['sh', '-c', 'trap "" TERM; sleep 1000'] : runForever()
      const c = await startedContainer(sb, containerSpec('stubborn', stubborn))
      if (real) await sleep(300) // let sh install its trap
      const t0 = Date.now()
      await rt.stopContainer(c.id, 1)
      const took = Date.now() - t0
      assert.ok(took < 5000, `stop took ${took} ms`)
      if (real) assert.ok(took >= 900, `stop took ${took} ms: the grace period was not honoured`)
      const stopped = await containerOf(sb, c.id)
      assert.equal(stopped.state, 'exited')
      assert.notEqual(stopped.exitCode, 0)
      assert.equal(stopped.reason, 'Error')
      await rt.stopContainer(c.id, 1) // stopping a stopped container is fine
    })

    it('stops at once with grace 0', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('killed', real ? ['sh', '-c', 'trap "" TERM; sleep 1000'] : runForever()))
      const t0 = Date.now()
      await rt.stopContainer(c.id, 0)
      assert.ok(Date.now() - t0 < 3000)
      const stopped = await containerOf(sb, c.id)
      assert.equal(stopped.state, 'exited')
      assert.equal(stopped.exitCode, 137)
    })

    it('removes containers and sandboxes; removing twice is fine', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('main', runForever()))
      await rt.stopContainer(c.id, 0)
      await rt.removeContainer(c.id)
      assert.deepEqual(await rt.listContainers({ podUid: sb.podUid }), [])
      await rt.removeContainer(c.id)
      await rt.stopContainer(c.id, 1) // gone: nothing to stop

      await rt.stopSandbox(sb.id)
      const stopped = await rt.listSandboxes({ podUid: sb.podUid })
      assert.equal(stopped.length, 1)
      assert.equal(stopped[0].state, 'notready')
      await rt.removeSandbox(sb.id)
      assert.deepEqual(await rt.listSandboxes({ podUid: sb.podUid }), [])
      await rt.removeSandbox(sb.id)
      await rt.stopSandbox(sb.id)
    })

    it('stopSandbox stops the containers still running in it; removeSandbox removes them', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('main', runForever()))
      await rt.stopSandbox(sb.id)
      assert.equal((await containerOf(sb, c.id)).state, 'exited')
      await rt.removeSandbox(sb.id)
      assert.deepEqual(await rt.listContainers({ podUid: sb.podUid }), [])
      assert.deepEqual(await rt.listSandboxes({ podUid: sb.podUid }), [])
    })

    it('returns what a container printed, with tail and timestamps', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('printer', exitWith(0, ['one', 'hello'])), 'exited')
      const all = await readAll(await rt.logs(c.id, { follow: false }))
      assert.ok(all.endsWith('one\nhello\n'), `logs were ${JSON.stringify(all)}`)
      if (real) assert.equal(all, 'one\nhello\n', 'no stream headers, nothing else')
      assert.equal(await readAll(await rt.logs(c.id, { tailLines: 1 })), 'hello\n')
      assert.equal(await readAll(await rt.logs(c.id, { tailLines: 0 })), '')
      const stamped = (await readAll(await rt.logs(c.id, { tailLines: 2, timestamps: true }))).split('\n')
      assert.equal(stamped.length, 3)
      assert.match(stamped[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z one$/)
      assert.match(stamped[1], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z hello$/)
      // Following an exited container gives what there is and ends.
      assert.ok((await readAll(await rt.logs(c.id, { follow: true }))).endsWith('one\nhello\n'))
    })

    it('follows the log of a running container until it stops', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('talker', real ? ['sh', '-c', 'echo started; exec sleep 1000'] : runForever()))
      const stream = await rt.logs(c.id, { follow: true })
      const text = readAll(stream, 15_000)
      await sleep(300)
      await rt.stopContainer(c.id, 0)
      const got = await text
      assert.ok(got.includes('started\n'), `followed log was ${JSON.stringify(got)}`)
    })

    it('runs commands in a container and reports their exit code', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('main', runForever()))
      const ok = await rt.execSync(c.id, ['echo', 'probe'], 5)
      assert.equal(ok.exitCode, 0)
      assert.ok(ok.stdout.includes('probe'), `stdout was ${JSON.stringify(ok.stdout)}`)
      const failed = await rt.execSync(c.id, real ? ['sh', '-c', 'echo out; echo err >&2; exit 2'] : ['fake-exit:2'], 5)
      assert.equal(failed.exitCode, 2)
      if (real) {
        assert.equal(failed.stdout, 'out\n')
        assert.equal(failed.stderr, 'err\n')
      }
    })

    it('gives up on an exec after its timeout with exit code -1', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('main', runForever()))
      const t0 = Date.now()
      const r = await rt.execSync(c.id, real ? ['sleep', '30'] : ['fake-hang'], 1)
      const took = Date.now() - t0
      assert.equal(r.exitCode, -1)
      assert.match(r.stderr, /timed out/)
      assert.ok(took >= 900 && took < 5000, `exec took ${took} ms`)
    })

    it('refuses exec in a container that does not run', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('done', exitWith(0)), 'exited')
      await assert.rejects(rt.execSync(c.id, ['true'], 5))
    })

    /** Reads a session's stdout and stderr to their ends, then its exit code. */
    async function finish(session: StreamSession, timeoutMs = 15_000): Promise<{ stdout: string; stderr: string; exitCode: number }> {
      const [stdout, stderr] = await Promise.all([readAll(session.stdout, timeoutMs), session.stderr ? readAll(session.stderr, timeoutMs) : Promise.resolve('')])
      return { stdout, stderr, exitCode: await session.exitCode }
    }

    it('cuts a log at limitBytes', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('printer', exitWith(0, ['one', 'hello'])), 'exited')
      const all = await readAll(await rt.logs(c.id, {}))
      assert.equal(await readAll(await rt.logs(c.id, { limitBytes: 5 })), all.slice(0, 5))
      assert.equal(await readAll(await rt.logs(c.id, { limitBytes: 0 })), '')
      assert.equal(await readAll(await rt.logs(c.id, { limitBytes: 100_000 })), all)
    })

    it('streams an exec: stdout, stderr and the exit code', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('main', runForever()))
      const session = await rt.exec(c.id, { command: real ? ['sh', '-c', 'echo out; echo err >&2; exit 3'] : ['fake-exit:3'], stdin: false, tty: false })
      assert.equal(session.stdin, undefined)
      const r = await finish(session)
      assert.equal(r.exitCode, 3)
      assert.equal(r.stdout, real ? 'out\n' : 'fake-exit:3\n')
      if (real) assert.equal(r.stderr, 'err\n')
    })

    it('passes stdin to an exec and closes it when stdin ends', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('main', runForever()))
      const session = await rt.exec(c.id, { command: ['cat'], stdin: true, tty: false })
      assert.ok(session.stdin)
      const done = finish(session)
      session.stdin.write('hello\n')
      session.stdin.end('world\n')
      const r = await done
      assert.equal(r.exitCode, 0)
      assert.ok(r.stdout.endsWith('hello\nworld\n'), `stdout was ${JSON.stringify(r.stdout)}`)
    })

    it('runs an exec in a TTY: one output stream, resizable', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('main', runForever()))
      const session = await rt.exec(c.id, { command: real ? ['sh', '-c', 'test -t 1 && echo is-a-tty'] : ['echo', 'is-a-tty'], stdin: false, tty: true })
      assert.equal(session.stderr, undefined)
      await session.resize(100, 30)
      const r = await finish(session)
      assert.equal(r.exitCode, 0)
      assert.match(r.stdout, /is-a-tty/)
    })

    it('ends an exec of a command that does not exist with 126 or 127 and a message', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('main', runForever()))
      const r = await finish(await rt.exec(c.id, { command: real ? ['no-such-command'] : ['fake-not-found'], stdin: false, tty: false }))
      assert.ok(r.exitCode === 126 || r.exitCode === 127, `exit code ${r.exitCode}`)
      assert.match(r.stdout + r.stderr, /not found/)
    })

    it('refuses a streaming exec in a container that does not run', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('done', exitWith(0)), 'exited')
      await assert.rejects(rt.exec(c.id, { command: ['true'], stdin: false, tty: false }))
    })

    it('kills what an exec started when the session is closed', async t => {
      if (!real) return t.skip('the fake runtime has no processes')
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('main', runForever()))
      const session = await rt.exec(c.id, { command: ['sh', '-c', 'sleep 4321; echo never'], stdin: false, tty: false })
      await until('the exec to run', async () => ((await rt.execSync(c.id, ['ps'], 5)).stdout.includes('sleep 4321') ? true : undefined))
      session.close()
      await until('the exec to be gone', async () => ((await rt.execSync(c.id, ['ps'], 5)).stdout.includes('sleep 4321') ? undefined : true))
    })

    it("attaches to a running container's output", async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('ticker', real ? ['sh', '-c', 'while true; do echo tick; sleep 0.1; done'] : runForever()))
      const session = await rt.attach(c.id, { stdin: false, tty: false })
      let seen = ''
      session.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()))
      await until('attached output', async () => (seen.includes(real ? 'tick\n' : 'fake attach\n') ? true : undefined))
      session.close()
      await rt.stopContainer(c.id, 0)
    })

    it("attaches to a container's stdin", async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('cat', real ? ['cat'] : runForever(), { stdin: true }))
      const session = await rt.attach(c.id, { stdin: true, tty: false })
      assert.ok(session.stdin)
      let seen = ''
      session.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()))
      session.stdin.write('ping\n')
      await until('the echo', async () => (seen.includes('ping\n') ? true : undefined))
      session.close()
      await rt.stopContainer(c.id, 0)
    })

    it('forwards a connection to a port inside the sandbox', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      if (real) await startedContainer(sb, containerSpec('web', ['sh', '-c', 'mkdir -p /tmp/www && echo hello-through-pf > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www']))
      const request = 'GET / HTTP/1.0\r\n\r\n'
      const answer = await until('a forwarded answer', async () => {
        const conn = await rt.portForward(sb, 8080, { image: fx().busyboxImage, labels: { [CONTRACT_LABEL]: contractRunId } })
        const text = readAll(conn, 15_000)
        conn.end(request)
        return (await text) || undefined
      })
      if (real) assert.match(answer, /^HTTP\/1\.[01] 200[\s\S]*hello-through-pf\n$/)
      else assert.equal(answer, request)
    })

    it('fails a forwarded connection to a port nothing listens on', async t => {
      if (!real) return t.skip('the fake runtime echoes on every port')
      const sb = await rt.runSandbox(sandboxSpec())
      const conn = await rt.portForward(sb, 9, { image: fx().busyboxImage, labels: { [CONTRACT_LABEL]: contractRunId } })
      conn.end()
      await assert.rejects(readAll(conn, 15_000), /refused|can't connect/i)
    })

    it('lets the containers of one pod talk over localhost', async t => {
      if (!real) return t.skip('the fake runtime has no network: its pod IPs are made up')
      const sb = await rt.runSandbox(sandboxSpec())
      const server = await startedContainer(sb, containerSpec('server', ['sh', '-c', 'mkdir -p /tmp/www && echo hello-from-server > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www']))
      const client = await startedContainer(sb, containerSpec('client', runForever()))
      const r = await until('wget over localhost to answer', async () => {
        const res = await rt.execSync(client.id, ['wget', '-qO-', 'http://127.0.0.1:8080/'], 5)
        return res.exitCode === 0 ? res : undefined
      })
      assert.equal(r.stdout, 'hello-from-server\n')
      assert.equal((await containerOf(sb, server.id)).state, 'running')
    })

    it('shares the network and IPC namespaces of a pod, not the PID namespace', async t => {
      if (!real) return t.skip('the fake runtime has no namespaces')
      const sb = await rt.runSandbox(sandboxSpec())
      const a = await startedContainer(sb, containerSpec('a', runForever()))
      const b = await startedContainer(sb, containerSpec('b', runForever()))
      const ns = async (id: string, which: string) => (await rt.execSync(id, ['readlink', `/proc/self/ns/${which}`], 5)).stdout.trim()
      assert.equal(await ns(a.id, 'net'), await ns(b.id, 'net'))
      assert.equal(await ns(a.id, 'ipc'), await ns(b.id, 'ipc'))
      assert.notEqual(await ns(a.id, 'pid'), await ns(b.id, 'pid'))
    })

    it("gives the pod's containers its hostname and DNS servers", async t => {
      if (!real) return t.skip('the fake runtime has no processes to look')
      const sb = await rt.runSandbox(sandboxSpec({ hostname: 'contract-host', dnsServers: ['192.0.2.53'] }))
      const c = await startedContainer(sb, containerSpec('main', runForever()))
      assert.equal((await rt.execSync(c.id, ['hostname'], 5)).stdout, 'contract-host\n')
      assert.match((await rt.execSync(c.id, ['cat', '/etc/resolv.conf'], 5)).stdout, /nameserver 192\.0\.2\.53/)
    })

    it('maps command to the entrypoint and args to the command, as Kubernetes does', async t => {
      if (!real) return t.skip('the fake runtime runs nothing')
      const sb = await rt.runSandbox(sandboxSpec())
      const cmdline = async (c: ContainerInfo) => (await rt.execSync(c.id, ['cat', '/proc/1/cmdline'], 5)).stdout.split('\0').filter(Boolean)
      // The pause image: ENTRYPOINT ["/bin/sleep", "2147483647"], no CMD.
      const argsOnly = await startedContainer(sb, containerSpec('args-only', [], { image: fx().pauseImage, command: undefined, args: ['5000'] }))
      assert.deepEqual(await cmdline(argsOnly), ['/bin/sleep', '2147483647', '5000'])
      const commandOnly = await startedContainer(sb, containerSpec('command-only', ['sleep', '1000'], { image: fx().pauseImage }))
      assert.deepEqual(await cmdline(commandOnly), ['sleep', '1000'])
      const both = await startedContainer(sb, containerSpec('both', ['sleep'], { image: fx().pauseImage, args: ['1001'] }))
      assert.deepEqual(await cmdline(both), ['sleep', '1001'])
      // The busybox image: CMD ["sh"], which `command` alone must drop.
      const echo = await startedContainer(sb, containerSpec('echo', ['echo', 'only-this']), 'exited')
      assert.equal(await readAll(await rt.logs(echo.id, {})), 'only-this\n')
    })

    it('passes env and working directory', async t => {
      if (!real) return t.skip('the fake runtime runs nothing')
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(
        sb,
        containerSpec('env', ['sh', '-c', 'echo "$GREETING $WHO"; pwd'], { env: [{ name: 'GREETING', value: 'hello' }, { name: 'WHO', value: 'a b' }], workingDir: '/tmp' }),
        'exited',
      )
      assert.equal(await readAll(await rt.logs(c.id, {})), 'hello a b\n/tmp\n')
    })

    it('publishes a host port of the sandbox on 127.0.0.1', async t => {
      if (!real) return t.skip('the fake runtime has no network')
      const hostPort = await freePort()
      const sb = await rt.runSandbox(
        sandboxSpec({ portMappings: [{ containerPort: 8080, hostPort, protocol: 'TCP', hostIp: '127.0.0.1' }] }),
      )
      await startedContainer(sb, containerSpec('web', ['sh', '-c', 'mkdir -p /tmp/www && echo hello-from-pod > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www']))
      const body = await until('the host port to answer', () => httpGet(`http://127.0.0.1:${hostPort}/`))
      assert.equal(body, 'hello-from-pod\n')
    })

    it('finds everything again from a new runtime object (labels are the state)', async () => {
      const sb = await rt.runSandbox(sandboxSpec())
      const c = await startedContainer(sb, containerSpec('main', runForever(), { attempt: 4 }))
      const done = await startedContainer(sb, containerSpec('done', exitWith(3)), 'exited')
      const again = fx().reopen()
      assert.notEqual(again, rt)
      const sandboxes = await again.listSandboxes({ podUid: sb.podUid })
      assert.deepEqual(
        sandboxes.map(s => [s.id, s.state, s.ip, s.attempt, s.podName, s.podNamespace, s.node]),
        [[sb.id, 'ready', sb.ip, 0, sb.podName, sb.podNamespace, sb.node]],
      )
      const containers = await again.listContainers({ podUid: sb.podUid })
      const byName = new Map(containers.map(x => [x.name, x]))
      assert.equal(containers.length, 2)
      assert.equal(byName.get('main')?.id, c.id)
      assert.equal(byName.get('main')?.state, 'running')
      assert.equal(byName.get('main')?.attempt, 4)
      assert.equal(byName.get('main')?.sandboxId, sb.id)
      assert.equal(byName.get('done')?.id, done.id)
      assert.equal(byName.get('done')?.exitCode, 3)
      // And it can act on them.
      await again.stopContainer(c.id, 0)
      assert.equal((await containerOf(sb, c.id)).state, 'exited')
    })
  })
}

/** GET → body for a 2xx answer, undefined otherwise (so `until` retries). Only ever 127.0.0.1. */
function httpGet(url: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 2000 }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve(res.statusCode && res.statusCode < 300 ? Buffer.concat(chunks).toString('utf8') : undefined))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end()
  })
}
