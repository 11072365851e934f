import type { KubeObject } from '../api/meta.ts'
import type { Logger } from '../log/logger.ts'
import type { EventRecorder } from '../client/event-recorder.ts'
import type { Prober } from './prober.ts'
import type { ContainerInfo, ContainerRuntime } from './runtime/container-runtime.ts'

type Kind = 'liveness' | 'readiness' | 'startup'

interface Worker {
  timer: NodeJS.Timeout
  successes: number
  failures: number
  /** No more probing: the container is gone, or was killed for failing its probe (kept until it is gone). */
  stopped: boolean
}

/**
 * Runs the liveness, readiness and startup probes of running containers (the kubelet's prober manager).
 * Readiness feeds the pod's Ready condition; a container failing liveness `failureThreshold` times in a
 * row is stopped, so that the sync restarts it. Results change → `onChange(uid)` asks for a sync.
 */
export class ProbeManager {
  private readonly workers = new Map<string, Worker>()
  /** uid → container name → ready. */
  private readonly readiness = new Map<string, Map<string, boolean>>()
  private readonly started = new Map<string, Map<string, boolean>>()

  constructor(
    private readonly prober: Prober,
    private readonly runtime: ContainerRuntime,
    private readonly recorder: EventRecorder,
    private readonly onChange: (uid: string) => void,
    private readonly log: Logger,
  ) {}

  ready(uid: string): Map<string, boolean> {
    return this.readiness.get(uid) ?? new Map()
  }

  startedOf(uid: string): Map<string, boolean> {
    return this.started.get(uid) ?? new Map()
  }

  /** Starts workers for running containers with probes and stops those of containers that are gone. */
  update(pod: KubeObject, containers: ContainerInfo[], podIP: string): void {
    const uid = pod.metadata.uid!
    const wanted = new Set<string>()
    for (const spec of pod.spec?.containers ?? []) {
      const c = containers.filter((x) => x.name === spec.name && x.state === 'running').sort((a, b) => b.attempt - a.attempt)[0]
      if (!c) continue
      for (const kind of ['startup', 'liveness', 'readiness'] as Kind[]) {
        const probe = spec[`${kind}Probe`]
        if (!probe) continue
        const key = `${uid}/${spec.name}/${c.id}/${kind}`
        wanted.add(key)
        if (this.workers.has(key)) continue
        // A new container instance: unready, and not started, until its probes say otherwise.
        if (kind === 'readiness') this.set(this.readiness, uid, spec.name, false)
        if (kind === 'startup') this.set(this.started, uid, spec.name, false)
        this.startWorker(key, kind, pod, spec, c, podIP)
      }
    }
    for (const [key, w] of this.workers)
      if (key.startsWith(`${uid}/`) && !wanted.has(key)) {
        w.stopped = true
        clearInterval(w.timer)
        this.workers.delete(key)
      }
  }

  /** Forgets a pod (deleted). */
  forget(uid: string): void {
    for (const [key, w] of this.workers)
      if (key.startsWith(`${uid}/`)) {
        w.stopped = true
        clearInterval(w.timer)
        this.workers.delete(key)
      }
    this.readiness.delete(uid)
    this.started.delete(uid)
  }

  stop(): void {
    for (const w of this.workers.values()) {
      w.stopped = true
      clearInterval(w.timer)
    }
    this.workers.clear()
  }

  private set(map: Map<string, Map<string, boolean>>, uid: string, name: string, value: boolean): boolean {
    let m = map.get(uid)
    if (!m) map.set(uid, (m = new Map()))
    const changed = m.get(name) !== value
    m.set(name, value)
    return changed
  }

  private startWorker(key: string, kind: Kind, pod: KubeObject, spec: any, container: ContainerInfo, podIP: string): void {
    const probe = spec[`${kind}Probe`]
    const uid = pod.metadata.uid!
    const periodMs = (probe.periodSeconds ?? 10) * 1000
    const failureThreshold = probe.failureThreshold ?? 3
    const successThreshold = probe.successThreshold ?? 1
    const fieldPath = `spec.containers{${spec.name}}`
    const worker: Worker = { timer: undefined as unknown as NodeJS.Timeout, successes: 0, failures: 0, stopped: false }
    let busy = false
    const tick = async () => {
      if (busy || worker.stopped) return
      const started = this.started.get(uid)?.get(spec.name)
      // Liveness and readiness wait for the startup probe to succeed; the startup probe stops once it has.
      if (kind !== 'startup' && spec.startupProbe && !started) return
      if (kind === 'startup' && started) return
      busy = true
      try {
        const outcome = await this.prober.run(probe, { containerId: container.id, podIP }, spec.ports ?? [])
        if (worker.stopped) return
        if (outcome.ok) {
          worker.failures = 0
          if (++worker.successes < successThreshold) return
          if (kind === 'readiness' && this.set(this.readiness, uid, spec.name, true)) this.onChange(uid)
          if (kind === 'startup' && this.set(this.started, uid, spec.name, true)) this.onChange(uid)
          return
        }
        worker.successes = 0
        worker.failures++
        const label = kind[0].toUpperCase() + kind.slice(1)
        this.recorder.event(pod, 'Warning', 'Unhealthy', `${label} probe failed: ${outcome.message}`, fieldPath)
        if (worker.failures < failureThreshold) return
        if (kind === 'readiness') {
          if (this.set(this.readiness, uid, spec.name, false)) this.onChange(uid)
          return
        }
        // Liveness or startup failed for good: the container is killed and will be restarted. The worker stays
        // (stopped) until the instance is gone, so that a sync during the kill does not start probing it again.
        worker.stopped = true
        clearInterval(worker.timer)
        this.recorder.event(pod, 'Normal', 'Killing', `Container ${spec.name} failed ${kind} probe, will be restarted`, fieldPath)
        await this.runtime.stopContainer(container.id, pod.spec?.terminationGracePeriodSeconds ?? 30).catch((err) => this.log.warn({ err: err.message }, 'stop after failed probe'))
        this.onChange(uid)
      } finally {
        busy = false
      }
    }
    this.workers.set(key, worker)
    const initialDelayMs = (probe.initialDelaySeconds ?? 0) * 1000
    const first = setTimeout(() => {
      void tick()
      worker.timer = setInterval(() => void tick(), periodMs)
      worker.timer.unref()
    }, initialDelayMs)
    first.unref()
    worker.timer = first
  }
}
