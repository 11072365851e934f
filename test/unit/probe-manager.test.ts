/**
 * The kubelet's ProbeManager with a scripted prober: readiness is kept across syncs (a sync must not reset a
 * container that passed its probe to unready), a new container instance starts unready, a startup probe stops
 * once it has succeeded, and a failed liveness probe kills the container once.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { KubeObject } from '../../src/api/meta.ts'
import type { EventRecorder } from '../../src/client/event-recorder.ts'
import { ProbeManager } from '../../src/kubelet/probe-manager.ts'
import type { Prober, ProbeOutcome } from '../../src/kubelet/prober.ts'
import type { ContainerInfo, ContainerRuntime } from '../../src/kubelet/runtime/container-runtime.ts'
import { silentLogger } from '../../src/log/logger.ts'

const pod = (container: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: 'uid-1' },
  spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'x', ...container }] },
})

const running = (id: string, attempt = 0): ContainerInfo => ({ id, podUid: 'uid-1', name: 'app', attempt, image: 'x', imageId: 'sha256:x', state: 'running', createdAt: new Date() })

function setup(outcome: (kind: string, containerId: string) => ProbeOutcome) {
  const calls: { kind: string; id: string }[] = []
  const prober: Prober = {
    async run(probe, target) {
      const kind = probe.kind as string
      calls.push({ kind, id: target.containerId })
      return outcome(kind, target.containerId)
    },
  }
  const stopped: string[] = []
  const runtime = { stopContainer: async (id: string) => void stopped.push(id) } as unknown as ContainerRuntime
  const events: string[] = []
  const recorder = { event: (_o: unknown, _t: string, reason: string) => void events.push(reason) } as unknown as EventRecorder
  let changes = 0
  const manager = new ProbeManager(prober, runtime, recorder, () => changes++, silentLogger())
  return { manager, calls, stopped, events, changes: () => changes }
}

// Probes carry their kind so the scripted prober can tell them apart; periods are 1 s, the first run is at once.
const probe = (kind: string, extra: Record<string, unknown> = {}) => ({ kind, exec: { command: ['true'] }, periodSeconds: 1, ...extra })

describe('ProbeManager', () => {
  it('keeps a container Ready across syncs once its readiness probe passed', async () => {
    const { manager, changes } = setup(() => ({ ok: true }))
    const p = pod({ readinessProbe: probe('readiness') })
    try {
      manager.update(p, [running('c1')], '10.0.0.1')
      assert.equal(manager.ready('uid-1').get('app'), false, 'unready until the first probe passes')
      await sleep(100)
      assert.equal(manager.ready('uid-1').get('app'), true)
      assert.equal(changes(), 1)
      // Syncs keep calling update with the same running container: readiness must stay.
      for (let i = 0; i < 5; i++) manager.update(p, [running('c1')], '10.0.0.1')
      assert.equal(manager.ready('uid-1').get('app'), true)
      // A new instance (a restart) starts unready again.
      manager.update(p, [running('c2', 1)], '10.0.0.1')
      assert.equal(manager.ready('uid-1').get('app'), false)
    } finally {
      manager.stop()
    }
  })

  it('stops the startup probe once it has succeeded, and starts liveness then', async () => {
    let startupOk = false
    const { manager, calls } = setup((kind) => (kind === 'startup' ? (startupOk ? { ok: true } : { ok: false, message: 'not yet' }) : { ok: true }))
    const p = pod({ startupProbe: probe('startup', { failureThreshold: 100 }), livenessProbe: probe('liveness') })
    try {
      manager.update(p, [running('c1')], '10.0.0.1')
      assert.equal(manager.startedOf('uid-1').get('app'), false)
      await sleep(100)
      assert.equal(calls.filter((c) => c.kind === 'liveness').length, 0, 'liveness waits for startup')
      startupOk = true
      await sleep(1100)
      assert.equal(manager.startedOf('uid-1').get('app'), true)
      manager.update(p, [running('c1')], '10.0.0.1')
      assert.equal(manager.startedOf('uid-1').get('app'), true, 'a sync does not reset started')
      const startupRuns = calls.filter((c) => c.kind === 'startup').length
      await sleep(1200)
      assert.equal(calls.filter((c) => c.kind === 'startup').length, startupRuns, 'no startup probing after success')
      assert.ok(calls.some((c) => c.kind === 'liveness'), 'liveness runs once started')
    } finally {
      manager.stop()
    }
  })

  it('kills a container failing its liveness probe once, even if a sync comes during the kill', async () => {
    const { manager, stopped, events } = setup(() => ({ ok: false, message: 'dead' }))
    const p = pod({ livenessProbe: probe('liveness', { failureThreshold: 1 }) })
    try {
      manager.update(p, [running('c1')], '10.0.0.1')
      await sleep(100)
      assert.deepEqual(stopped, ['c1'])
      // The runtime still lists it running while it stops: no second worker, no second kill.
      manager.update(p, [running('c1')], '10.0.0.1')
      await sleep(1200)
      assert.deepEqual(stopped, ['c1'])
      assert.deepEqual(events, ['Unhealthy', 'Killing'])
    } finally {
      manager.stop()
    }
  })
})
