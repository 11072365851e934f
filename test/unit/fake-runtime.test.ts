/** The ContainerRuntime contract on the FakeRuntime, plus the fake's own conventions (fake-runtime.ts). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RuntimeUnavailableError, type SandboxSpec } from '../../src/kubelet/runtime/container-runtime.ts'
import { FakeRuntime } from '../../src/kubelet/runtime/fake-runtime.ts'
import { runRuntimeContract, UNPULLABLE_IMAGE } from '../contract/runtime.contract.ts'

const BUSYBOX = 'kubebox-test/busybox:latest'
const PAUSE = 'kubebox-test/pause:latest'

runRuntimeContract('FakeRuntime', async () => {
  const runtime = new FakeRuntime({ images: [BUSYBOX, PAUSE], failPulls: [UNPULLABLE_IMAGE] })
  return {
    runtime,
    busyboxImage: BUSYBOX,
    pauseImage: PAUSE,
    real: false,
    reopen: () => new FakeRuntime({ engine: runtime.engine }),
    cleanup: async () => {},
  }
})

runRuntimeContract('FakeRuntime with a start delay', async () => {
  const runtime = new FakeRuntime({ images: [BUSYBOX, PAUSE], failPulls: [UNPULLABLE_IMAGE], startDelayMs: 30 })
  return {
    runtime,
    busyboxImage: BUSYBOX,
    pauseImage: PAUSE,
    real: false,
    reopen: () => new FakeRuntime({ engine: runtime.engine, startDelayMs: 30 }),
    cleanup: async () => {},
  }
})

function sandbox(overrides: Partial<SandboxSpec> = {}): SandboxSpec {
  return {
    podUid: 'uid-1',
    podName: 'web',
    podNamespace: 'default',
    node: 'n1',
    attempt: 0,
    image: PAUSE,
    hostname: 'web',
    portMappings: [],
    hostNetwork: false,
    ...overrides,
  }
}
const container = (name: string, command: string[]) => ({ name, image: BUSYBOX, command, env: [], mounts: [], attempt: 0 })

describe('FakeRuntime conventions', () => {
  it('is deterministic: IDs and IPs count up', async () => {
    const run = async () => {
      const rt = new FakeRuntime({ images: [PAUSE, BUSYBOX] })
      const a = await rt.runSandbox(sandbox({ podUid: 'a' }))
      const b = await rt.runSandbox(sandbox({ podUid: 'b' }))
      const c = await rt.createContainer(a, container('c', ['x']))
      return [a.id, a.ip, b.id, b.ip, c]
    }
    const first = await run()
    assert.deepEqual(await run(), first)
    assert.deepEqual([first[1], first[3]], ['10.244.0.2', '10.244.0.3'])
    assert.match(first[0], /^[0-9a-f]{64}$/)
  })

  it('hands out unique IPs across many sandboxes, none of them .0, .1 or .255; none for hostNetwork', async () => {
    const rt = new FakeRuntime({ images: [PAUSE] })
    const ips = new Set<string>()
    for (let i = 0; i < 600; i++) {
      const sb = await rt.runSandbox(sandbox({ podUid: `u${i}` }))
      assert.match(sb.ip, /^10\.244\.\d+\.\d+$/)
      assert.ok(!/\.(0|1|255)$/.test(sb.ip), sb.ip)
      ips.add(sb.ip)
    }
    assert.equal(ips.size, 600)
    assert.equal((await rt.runSandbox(sandbox({ podUid: 'host', hostNetwork: true }))).ip, '')
  })

  it('starts containers after startDelayMs, and fake-exit ones exit then', async () => {
    let now = 1_000_000
    const rt = new FakeRuntime({ images: [PAUSE, BUSYBOX], startDelayMs: 500, now: () => now })
    const sb = await rt.runSandbox(sandbox())
    const forever = await rt.createContainer(sb, container('forever', ['sleep']))
    const exits = await rt.createContainer(sb, container('exits', ['fake-exit:7', 'bye']))
    await rt.startContainer(forever)
    await rt.startContainer(exits)
    const state = async () => Object.fromEntries((await rt.listContainers()).map(c => [c.name, c]))
    assert.equal((await state()).forever.state, 'created')
    assert.equal((await state()).exits.state, 'created')
    now += 500
    const s = await state()
    assert.equal(s.forever.state, 'running')
    assert.equal(s.forever.startedAt?.getTime(), 1_000_500)
    assert.equal(s.exits.state, 'exited')
    assert.equal(s.exits.exitCode, 7)
    assert.equal(s.exits.reason, 'Error')
    assert.equal(s.exits.finishedAt?.getTime(), 1_000_500)
    const log = async (id: string) => {
      let text = ''
      for await (const chunk of await rt.logs(id, {})) text += chunk
      return text
    }
    assert.equal(await log(exits), 'fake container exits started\nbye\n')
    assert.equal(await log(forever), 'fake container forever started\n')
    now += 1000
    await rt.stopContainer(forever, 30)
    const stopped = (await state()).forever
    assert.equal(stopped.exitCode, 143)
    assert.equal(stopped.finishedAt?.getTime(), 1_001_500)
  })

  it('echoes exec commands with exit 0', async () => {
    const rt = new FakeRuntime({ images: [PAUSE, BUSYBOX] })
    const sb = await rt.runSandbox(sandbox())
    const id = await rt.createContainer(sb, container('c', ['sleep']))
    await rt.startContainer(id)
    assert.deepEqual(await rt.execSync(id, ['cat', '/tmp/healthy'], 1), { exitCode: 0, stdout: 'cat /tmp/healthy\n', stderr: '' })
    assert.equal((await rt.execSync(id, ['fake-exit:1'], 1)).exitCode, 1)
  })

  it('pulls images unless told to fail, with progress lines', async () => {
    const rt = new FakeRuntime({ failPulls: ['bad/image'] })
    assert.equal(await rt.imagePresent('nginx'), false)
    const lines: string[] = []
    await rt.pullImage('nginx', l => lines.push(l))
    assert.ok(lines.length > 0)
    assert.equal(await rt.imagePresent('nginx:latest'), true)
    await assert.rejects(rt.pullImage('bad/image:latest'), { name: 'ImagePullError' })
  })

  it('records calls', async () => {
    const rt = new FakeRuntime()
    await rt.version()
    await rt.imagePresent('x')
    assert.deepEqual(rt.calls, [
      { method: 'version', args: [] },
      { method: 'imagePresent', args: ['x'] },
    ])
  })

  it('can play an engine that went away', async () => {
    const rt = new FakeRuntime()
    rt.available = false
    await assert.rejects(rt.version(), RuntimeUnavailableError)
    await assert.rejects(rt.listContainers(), RuntimeUnavailableError)
    rt.available = true
    assert.equal(typeof (await rt.version()), 'string')
  })

  it('refuses a host port another ready sandbox holds', async () => {
    const rt = new FakeRuntime({ images: [PAUSE] })
    const pm = [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' as const, hostIp: '127.0.0.1' }]
    await rt.runSandbox(sandbox({ podUid: 'a', portMappings: pm }))
    await assert.rejects(rt.runSandbox(sandbox({ podUid: 'b', portMappings: pm })), { name: 'ContainerCreateError' })
  })
})
