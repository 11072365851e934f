/**
 * HTTP watch events carry the stored JSON spliced (resourceVersion inserted, apiVersion and kind set) rather than
 * the decoded object serialized again: every event must still be the object a GET at that revision returns, for
 * plain kinds, for a view of another kind's storage (events.k8s.io Events, which are decoded), and for DELETED.
 */
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { ApiServer } from '../../src/apiserver/api-server.ts'
import { EventBus } from '../../src/bus/bus.ts'
import { silentLogger } from '../../src/log/logger.ts'
import { MemoryStore } from '../../src/store/memory-store.ts'

interface WatchLine {
  type: string
  object: any
}

/** Reads `count` event lines of a watch, then stops it. */
async function watchLines(url: string, count: number, started: () => Promise<void>): Promise<WatchLine[]> {
  const abort = new AbortController()
  const res = await fetch(url, { signal: abort.signal })
  assert.equal(res.status, 200)
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  const lines: WatchLine[] = []
  let text = ''
  const actions = started()
  while (lines.length < count) {
    const { value, done } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
    let nl: number
    while ((nl = text.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(text.slice(0, nl)))
      text = text.slice(nl + 1)
    }
  }
  await actions
  abort.abort()
  return lines
}

describe('HTTP watch events from the watch cache', () => {
  const server = new ApiServer({ store: new MemoryStore(), bus: new EventBus(), log: silentLogger() })
  let base = ''
  const send = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
    const json: any = await res.json()
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
    return json
  }

  before(async () => {
    await server.start()
    base = `http://127.0.0.1:${((await server.listen()) as AddressInfo).port}`
  })
  after(() => server.stop())

  it('are the objects a GET returns at their revisions, for every type of event', async () => {
    const list = await send('GET', '/api/v1/namespaces/default/configmaps')
    const seen: any[] = []
    const lines = await watchLines(`${base}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}`, 3, async () => {
      // Members in a client's order, escapes and characters outside the BMP: the stored form is canonical anyway.
      seen.push(await send('POST', '/api/v1/namespaces/default/configmaps', { data: { u: 'ü "✓" 𝄞' }, metadata: { name: 'cm', labels: { a: 'b' } } }))
      seen.push(await send('PUT', '/api/v1/namespaces/default/configmaps/cm', { ...seen[0], data: { u: 'changed' } }))
      await send('DELETE', '/api/v1/namespaces/default/configmaps/cm')
    })
    assert.deepEqual(lines.map((l) => l.type), ['ADDED', 'MODIFIED', 'DELETED'])
    assert.deepEqual(lines[0]!.object, seen[0])
    assert.deepEqual(lines[1]!.object, seen[1])
    // DELETED carries the last value at the deletion's revision.
    assert.deepEqual({ ...lines[2]!.object, metadata: { ...lines[2]!.object.metadata, resourceVersion: seen[1].metadata.resourceVersion } }, seen[1])
    assert.ok(Number(lines[2]!.object.metadata.resourceVersion) > Number(seen[1].metadata.resourceVersion))
  })

  it('of a kind served from another kind’s storage are decoded and converted', async () => {
    const list = await send('GET', '/apis/events.k8s.io/v1/namespaces/default/events')
    let created: any
    const lines = await watchLines(`${base}/apis/events.k8s.io/v1/namespaces/default/events?watch=1&resourceVersion=${list.metadata.resourceVersion}`, 1, async () => {
      created = await send('POST', '/api/v1/namespaces/default/events', {
        metadata: { name: 'e1' },
        involvedObject: { kind: 'Pod', namespace: 'default', name: 'p' },
        reason: 'Started',
        message: 'started',
        type: 'Normal',
      })
    })
    const viaGet = await send('GET', `/apis/events.k8s.io/v1/namespaces/default/events/${created.metadata.name}`)
    assert.equal(lines[0]!.type, 'ADDED')
    assert.equal(lines[0]!.object.apiVersion, 'events.k8s.io/v1')
    assert.deepEqual(lines[0]!.object, viaGet)
  })
})
