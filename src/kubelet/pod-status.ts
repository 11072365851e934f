import type { KubeObject } from '../api/meta.ts'
import { formatTime } from '../api/meta.ts'
import type { ContainerInfo, SandboxInfo } from './runtime/container-runtime.ts'

/** Why a container is not running yet, as the sync decided (ContainerCreating, ErrImagePull, CrashLoopBackOff…). */
export interface Waiting {
  reason: string
  message?: string
  /** When the sync should look again (a pull back-off running out, a ConfigMap that may appear). */
  retryAfterMs?: number
}

export interface PodObservation {
  pod: KubeObject
  sandbox?: SandboxInfo
  /** Every container instance of the pod the runtime knows (all attempts). */
  containers: ContainerInfo[]
  /** Per container name: the reason it waits, when the sync knows one. */
  waiting: Map<string, Waiting>
  /** Per container name: the readiness probe's verdict (absent = no probe = ready when running). */
  ready: Map<string, boolean>
  /** Per container name: the started-probe verdict (absent = started when running). */
  started?: Map<string, boolean>
  hostIP: string
  runtimeType: string
  now: Date
}

/** The latest and the previous instance of a container (by attempt). */
export function instancesOf(containers: ContainerInfo[], name: string): { current?: ContainerInfo; previous?: ContainerInfo } {
  const mine = containers.filter((c) => c.name === name).sort((a, b) => b.attempt - a.attempt)
  return { current: mine[0], previous: mine[1] }
}

function stateOf(c: ContainerInfo | undefined, waiting: Waiting | undefined): Record<string, unknown> {
  if (c?.state === 'running' && !waiting) return { running: { startedAt: formatTime(c.startedAt ?? c.createdAt) } }
  if (c?.state === 'exited' && !waiting) return { terminated: terminated(c) }
  return { waiting: { reason: waiting?.reason ?? 'ContainerCreating', ...(waiting?.message ? { message: waiting.message } : {}) } }
}

function terminated(c: ContainerInfo): Record<string, unknown> {
  return {
    exitCode: c.exitCode ?? 0,
    reason: c.reason ?? (c.exitCode === 0 ? 'Completed' : 'Error'),
    startedAt: formatTime(c.startedAt ?? c.createdAt),
    finishedAt: formatTime(c.finishedAt ?? c.createdAt),
  }
}

type ContainerKind = 'init' | 'regular' | 'ephemeral'

function containerStatus(spec: any, obs: PodObservation, kind: ContainerKind): Record<string, unknown> {
  const isInit = kind === 'init'
  const { current, previous } = instancesOf(obs.containers, spec.name)
  const waiting = obs.waiting.get(spec.name)
  const running = current?.state === 'running' && !waiting
  // Ephemeral containers are never ready: they take no part in the pod's readiness.
  const ready = running && kind === 'regular' && (obs.ready.get(spec.name) ?? true)
  // A container waiting to be restarted reports its last run as lastState (convertToAPIContainerStatuses).
  const last = waiting && current?.state === 'exited' ? current : previous?.state === 'exited' ? previous : undefined
  const status: Record<string, unknown> = {
    name: spec.name,
    state: stateOf(current, waiting),
    lastState: last ? { terminated: withId(terminated(last), last, obs.runtimeType) } : {},
    ready: isInit ? current?.state === 'exited' && current.exitCode === 0 : ready,
    restartCount: current ? current.attempt : 0,
    image: spec.image,
    imageID: current?.imageId ?? '',
  }
  if (current) status.containerID = `${obs.runtimeType}://${current.id}`
  const st = status.state as any
  if (st.terminated) st.terminated = withId(st.terminated, current!, obs.runtimeType)
  if (kind === 'regular') status.started = running && (obs.started?.get(spec.name) ?? true)
  return status
}

function withId(t: Record<string, unknown>, c: ContainerInfo, runtimeType: string): Record<string, unknown> {
  return { ...t, containerID: `${runtimeType}://${c.id}` }
}

/**
 * The pod's phase from its containers (kubelet's getPhase): Pending until every container has started once,
 * Running while any runs (or will restart), Succeeded / Failed once all have terminated for good.
 */
export function podPhase(pod: KubeObject, statuses: any[], initDone: boolean): string {
  const policy = pod.spec?.restartPolicy ?? 'Always'
  if (!initDone) return statuses.length && pod.status?.phase === 'Failed' ? 'Failed' : 'Pending'
  let running = 0
  let waiting = 0
  let succeeded = 0
  let failed = 0
  for (const s of statuses) {
    if (s.state.running) running++
    else if (s.state.terminated) s.state.terminated.exitCode === 0 ? succeeded++ : failed++
    else if (s.lastState?.terminated && policy !== 'Never') running++ // between restarts: still a running pod
    else waiting++
  }
  if (waiting > 0) return 'Pending'
  if (running > 0) return 'Running'
  if (policy === 'Always') return 'Running'
  if (failed > 0 && policy === 'Never') return 'Failed'
  if (failed > 0) return 'Running' // OnFailure: it will be restarted
  return 'Succeeded'
}

function condition(type: string, ok: boolean, old: any[] | undefined, now: Date, reason?: string): Record<string, unknown> {
  const status = ok ? 'True' : 'False'
  const previous = old?.find((c) => c.type === type)
  const c: Record<string, unknown> = {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: previous?.status === status ? previous.lastTransitionTime : formatTime(now),
  }
  if (!ok && reason) c.reason = reason
  return c
}

/** The whole status the kubelet reports for a pod, a pure function of what it observed. */
export function computePodStatus(obs: PodObservation): Record<string, any> {
  const { pod, now } = obs
  const spec = pod.spec ?? {}
  const initSpecs: any[] = spec.initContainers ?? []
  const initStatuses = initSpecs.map((c) => containerStatus(c, obs, 'init'))
  const initDone = initStatuses.every((s: any) => s.state.terminated?.exitCode === 0)
  const statuses = (spec.containers ?? []).map((c: any) => containerStatus(c, obs, 'regular'))
  const phase = podPhase(pod, statuses, initDone)
  const containersReady = statuses.length > 0 && statuses.every((s: any) => s.ready)
  const old = pod.status?.conditions
  const terminal = phase === 'Succeeded' || phase === 'Failed'
  const conditions = [
    condition('PodReadyToStartContainers', Boolean(obs.sandbox && obs.sandbox.state === 'ready'), old, now),
    condition('Initialized', initDone, old, now, 'ContainersNotInitialized'),
    condition('Ready', containersReady && !terminal, old, now, terminal ? 'PodCompleted' : 'ContainersNotReady'),
    condition('ContainersReady', containersReady && !terminal, old, now, terminal ? 'PodCompleted' : 'ContainersNotReady'),
    ...(old?.filter((c: any) => c.type === 'PodScheduled') ?? [condition('PodScheduled', true, old, now)]),
  ]
  const status: Record<string, any> = {
    phase,
    conditions,
    hostIP: obs.hostIP,
    hostIPs: [{ ip: obs.hostIP }],
    startTime: pod.status?.startTime ?? formatTime(now),
    qosClass: pod.status?.qosClass,
    containerStatuses: statuses,
  }
  const podIP = spec.hostNetwork ? obs.hostIP : obs.sandbox?.ip
  if (podIP) {
    status.podIP = podIP
    status.podIPs = [{ ip: podIP }]
  }
  if (initStatuses.length) status.initContainerStatuses = initStatuses
  if (spec.ephemeralContainers?.length) status.ephemeralContainerStatuses = spec.ephemeralContainers.map((c: any) => containerStatus(c, obs, 'ephemeral'))
  return status
}
