/**
 * pods/ephemeralcontainers (what `kubectl debug` PATCHes): only spec.ephemeralContainers changes, new ones are
 * defaulted and validated, existing ones may not change or go, and a plain pod update may not touch them.
 */
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { ApiServer } from '../../src/apiserver/api-server.ts'
import { EventBus } from '../../src/bus/bus.ts'
import { silentLogger } from '../../src/log/logger.ts'
import { MemoryStore } from '../../src/store/memory-store.ts'

describe('pods/ephemeralcontainers', () => {
  const server = new ApiServer({ store: new MemoryStore(), bus: new EventBus(), log: silentLogger() })
  let base = ''
  const POD = '/api/v1/namespaces/default/pods/p'
  const send = async (method: string, path: string, body: unknown, type = 'application/json') => {
    const res = await fetch(base + path, { method, headers: { 'content-type': type }, body: JSON.stringify(body) })
    return { status: res.status, body: (await res.json()) as any }
  }
  const add = (containers: unknown[]) => send('PATCH', `${POD}/ephemeralcontainers`, { spec: { ephemeralContainers: containers } }, 'application/merge-patch+json')

  before(async () => {
    await server.start()
    base = `http://127.0.0.1:${((await server.listen()) as AddressInfo).port}`
    const created = await send('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'p' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } })
    assert.equal(created.status, 201)
  })
  after(() => server.stop())

  it('adds a debugging container, defaulted, and changes nothing else', async () => {
    const before = (await send('GET', POD, undefined as never)).body
    const res = await add([{ name: 'dbg', image: 'busybox', command: ['sh'], stdin: true, targetContainerName: 'app' }])
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const [dbg] = res.body.spec.ephemeralContainers
    assert.deepEqual(
      { ...dbg },
      { name: 'dbg', image: 'busybox', command: ['sh'], stdin: true, targetContainerName: 'app', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'Always', resources: {} },
    )
    assert.deepEqual({ ...res.body.spec, ephemeralContainers: undefined }, { ...before.spec, ephemeralContainers: undefined })
    assert.deepEqual(res.body.status, before.status)
    // GET through the subresource shows the pod.
    assert.equal((await send('GET', `${POD}/ephemeralcontainers`, undefined as never)).body.kind, 'Pod')
  })

  it('refuses changing or removing one, duplicate names, fields a debugging container never has, an unknown target', async () => {
    const current = (await send('GET', POD, undefined as never)).body.spec.ephemeralContainers
    const cases: [unknown[], RegExp][] = [
      [[{ ...current[0], image: 'other' }], /existing ephemeral containers "dbg" may not be changed/],
      [[], /existing ephemeral containers "dbg" may not be removed/],
      [[...current, { name: 'app', image: 'busybox' }], /spec\.ephemeralContainers\[1\]\.name: Duplicate value: "app"/],
      [[...current, { name: 'x', image: 'busybox', ports: [{ containerPort: 80 }] }], /\[1\]\.ports: Forbidden: cannot be set for an Ephemeral Container/],
      [[...current, { name: 'x', image: 'busybox', resources: { limits: { cpu: '1' } } }], /\[1\]\.resources: Forbidden/],
      [[...current, { name: 'x', image: 'busybox', targetContainerName: 'nope' }], /\[1\]\.targetContainerName: Not found: "nope"/],
      [[...current, { name: 'x' }], /\[1\]\.image: Required value/],
    ]
    for (const [list, message] of cases) {
      const res = await add(list)
      assert.equal(res.status, 422, JSON.stringify(list))
      assert.equal(res.body.reason, 'Invalid')
      assert.match(res.body.message, message)
    }
  })

  it('may not be changed by a pod update, nor set when the pod is created', async () => {
    const pod = (await send('GET', POD, undefined as never)).body
    const replaced = await send('PUT', POD, { ...pod, spec: { ...pod.spec, ephemeralContainers: [] } })
    assert.equal(replaced.status, 422)
    const created = await send('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'q' }, spec: { containers: [{ name: 'c', image: 'busybox' }], ephemeralContainers: [{ name: 'e', image: 'busybox' }] } })
    assert.equal(created.status, 422)
    assert.match(created.body.message, /spec\.ephemeralContainers: Forbidden: cannot be set on create/)
  })
})
