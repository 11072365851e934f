/** The FakeRuntime as a many-node cluster uses it: indexed listings across nodes and pods, and change events. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'
import { RuntimeUnavailableError, type SandboxSpec } from '../../src/kubelet/runtime/container-runtime.ts'
import { FakeRuntime } from '../../src/kubelet/runtime/fake-runtime.ts'

const BUSYBOX = 'kubebox-test/busybox:latest'
const PAUSE = 'kubebox-test/pause:latest'

const sandbox = (podUid: string, node: string, attempt = 0): SandboxSpec => ({
  podUid,
  podName: podUid,
  podNamespace: 'default',
  node,
  attempt,
  image: PAUSE,
  hostname: podUid,
  portMappings: [],
  hostNetwork: false,
})
const container = (name: string, attempt = 0, command: string[] = ['x']) => ({ name, image: BUSYBOX, command, env: [], mounts: [], attempt })

describe('FakeRuntime at scale', () => {
  it('lists by pod, by node and both, in creation order, and forgets what was removed', async () => {
    const rt = new FakeRuntime({ images: [PAUSE, BUSYBOX] })
    for (let i = 0; i < 30; i++) {
      const sb = await rt.runSandbox(sandbox(`p${i}`, `n${i % 3}`))
      await rt.createContainer(sb, container('a'))
      await rt.createContainer(sb, container('b'))
    }
    const all = await rt.listContainers()
    assert.equal(all.length, 60)
    const onN1 = await rt.listContainers({ node: 'n1' })
    assert.deepEqual(
      onN1.map((c) => c.id),
      all.filter((c) => c.podUid.slice(1) !== '' && Number(c.podUid.slice(1)) % 3 === 1).map((c) => c.id),
    )
    assert.deepEqual((await rt.listContainers({ podUid: 'p4' })).map((c) => c.name), ['a', 'b'])
    assert.equal((await rt.listContainers({ podUid: 'p4', node: 'n1' })).length, 2)
    assert.equal((await rt.listContainers({ podUid: 'p4', node: 'n0' })).length, 0)
    assert.deepEqual((await rt.listSandboxes({ node: 'n2' })).map((s) => s.podUid), ['p2', 'p5', 'p8', 'p11', 'p14', 'p17', 'p20', 'p23', 'p26', 'p29'])

    const [sb4] = await rt.listSandboxes({ podUid: 'p4' })
    const [a4] = await rt.listContainers({ podUid: 'p4' })
    await rt.removeContainer(a4!.id)
    assert.deepEqual((await rt.listContainers({ podUid: 'p4' })).map((c) => c.name), ['b'])
    await rt.removeSandbox(sb4!.id)
    assert.equal((await rt.listSandboxes({ podUid: 'p4' })).length, 0)
    assert.equal((await rt.listContainers({ podUid: 'p4' })).length, 0)
    assert.equal((await rt.listContainers({ node: 'n1' })).length, 18)
    assert.equal((await rt.listContainers()).length, 58)
  })

  it('stopping a sandbox stops its containers only', async () => {
    const rt = new FakeRuntime({ images: [PAUSE, BUSYBOX] })
    const a = await rt.runSandbox(sandbox('a', 'n'))
    const b = await rt.runSandbox(sandbox('b', 'n'))
    await rt.startContainer(await rt.createContainer(a, container('c')))
    await rt.startContainer(await rt.createContainer(b, container('c')))
    await rt.stopSandbox(a.id)
    assert.deepEqual((await rt.listContainers({ podUid: 'a' })).map((c) => c.state), ['exited'])
    assert.deepEqual((await rt.listContainers({ podUid: 'b' })).map((c) => c.state), ['running'])
  })

  it('keeps no call log when told not to', async () => {
    const rt = new FakeRuntime({ images: [PAUSE], recordCalls: false })
    await rt.runSandbox(sandbox('a', 'n'))
    await rt.listSandboxes()
    assert.deepEqual(rt.calls, [])
  })

  it('reports changes of the pods a subscription selects, once per turn, like Docker events', async () => {
    // The runtime reports in a setImmediate; a timer alone can fire first on a loaded machine, so end on a turn too.
    const settle = async () => {
      await sleep(5)
      await nextTurn()
    }
    const rt = new FakeRuntime({ images: [PAUSE, BUSYBOX] })
    const seen: string[] = []
    const unwatch = await rt.watchChanges({ node: 'n1' }, (uid) => seen.push(uid), () => assert.fail('ended'))
    const sb = await rt.runSandbox(sandbox('p1', 'n1'))
    const id = await rt.createContainer(sb, container('c'))
    await rt.startContainer(id)
    await rt.runSandbox(sandbox('p2', 'n2')) // another node
    await settle()
    assert.deepEqual(seen, ['p1'])
    // A restarted kubelet's runtime object on the same engine makes changes the subscription hears of too.
    const other = new FakeRuntime({ engine: rt.engine })
    await other.stopContainer(id, 0)
    await settle()
    assert.deepEqual(seen, ['p1', 'p1'])
    await rt.removeSandbox(sb.id)
    await settle()
    assert.deepEqual(seen, ['p1', 'p1', 'p1'])
    unwatch()
    await rt.runSandbox(sandbox('p3', 'n1'))
    await settle()
    assert.equal(seen.length, 3)
  })

  it('reports a delayed start when it happens, and ends subscriptions when the engine goes away', async () => {
    const rt = new FakeRuntime({ images: [PAUSE, BUSYBOX], startDelayMs: 30 })
    const seen: string[] = []
    let ended: Error | undefined
    await rt.watchChanges({}, (uid) => seen.push(uid), (err) => (ended = err))
    const sb = await rt.runSandbox(sandbox('p1', 'n1'))
    await rt.startContainer(await rt.createContainer(sb, container('c')))
    await sleep(5)
    assert.deepEqual(seen, ['p1'])
    assert.deepEqual((await rt.listContainers({ podUid: 'p1' })).map((c) => c.state), ['created'])
    await sleep(60)
    assert.deepEqual(seen, ['p1', 'p1'])
    assert.deepEqual((await rt.listContainers({ podUid: 'p1' })).map((c) => c.state), ['running'])
    rt.available = false
    assert.ok(ended instanceof RuntimeUnavailableError)
    await assert.rejects(rt.watchChanges({}, () => {}, () => {}), RuntimeUnavailableError)
  })
})
