/**
 * `cluster serve --store embedded`: the API server with no etcd at all, driven by the real kubectl. Objects
 * written through one server process are there for the next one on the same data dir, with their uid and a
 * resourceVersion that keeps growing (the embedded store's log and snapshots survive a clean stop).
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { kubectl } from '../helpers/kubectl.ts'
import { startServer } from '../helpers/server-process.ts'

let dir: string

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubebox-serve-embedded-'))
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

test('serve --store embedded keeps objects across a restart on the same data dir', async () => {
  const first = await startServer({ store: 'embedded', dir })
  let created: { uid: string; resourceVersion: string }
  try {
    const run = (args: string[]) => kubectl('default', args, { kubeconfig: first.kubeconfig })
    const made = await run(['create', 'configmap', 'kept', '--from-literal=colour=blue'])
    assert.equal(made.code, 0, made.stderr)
    const got = await run(['get', 'configmap', 'kept', '-o', 'json'])
    assert.equal(got.code, 0, got.stderr)
    created = JSON.parse(got.stdout).metadata
  } finally {
    await first.stop()
  }

  const second = await startServer({ store: 'embedded', dir })
  try {
    const run = (args: string[]) => kubectl('default', args, { kubeconfig: second.kubeconfig })
    const got = await run(['get', 'configmap', 'kept', '-o', 'json'])
    assert.equal(got.code, 0, got.stderr)
    const cm = JSON.parse(got.stdout)
    assert.equal(cm.data.colour, 'blue')
    assert.equal(cm.metadata.uid, created.uid)
    assert.equal(cm.metadata.resourceVersion, created.resourceVersion)
    const changed = await run(['label', 'configmap', 'kept', 'tier=gold'])
    assert.equal(changed.code, 0, changed.stderr)
    const after = JSON.parse((await run(['get', 'configmap', 'kept', '-o', 'json'])).stdout)
    assert.ok(Number(after.metadata.resourceVersion) > Number(created.resourceVersion), 'revisions go on from where the first server stopped')
    const missing = await run(['get', 'configmap', 'never-made'])
    assert.notEqual(missing.code, 0)
    assert.match(missing.stderr, /NotFound|not found/)
  } finally {
    await second.stop()
  }
})
