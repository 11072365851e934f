import type { KubeObject } from '../api/meta.ts'
import type { ApiClient } from '../client/api-client.ts'
import { core } from '../client/api-client.ts'
import { ApiError } from '../errors/api-error.ts'
import { jsonEqual } from '../client/json-clone.ts'
import type { Logger } from '../log/logger.ts'
import type { Backoff } from './backoff.ts'
import { ContainerConfigError, ObjectReader } from './container-config.ts'
import { CONFIG_RETRY_MS, type ContainerStarter } from './container-starter.ts'
import type { EventRecorder } from '../client/event-recorder.ts'
import { computePodStatus, instancesOf, type Waiting } from './pod-status.ts'
import type { ContainerInfo, ContainerRuntime, SandboxInfo } from './runtime/container-runtime.ts'
import { prepareVolumes, removePodDir } from './volumes.ts'

const PODS = core('pods')

export interface PodSyncConfig {
  nodeName: string
  address: string
  dataDir: string
  podInfraImage: string
  /** The node's identity on the engine (see KubeletOptions.runtimeNode). */
  runtimeNode?: string
  containerLabels?: Record<string, string>
}

/** What the probes currently say about a pod's containers (kept by the ProbeManager). */
export interface ProbeResults {
  ready(uid: string): Map<string, boolean>
  startedOf(uid: string): Map<string, boolean>
  /** Keeps probe workers in step with the pod's running containers. */
  update(pod: KubeObject, containers: ContainerInfo[], podIP: string): void
  forget(uid: string): void
}

/**
 * Converges one pod on this node (the kubelet's SyncPod): a ready sandbox, init containers in order, every
 * container running or restarted as restartPolicy says with exponential back-off, and the status reported.
 * A pod marked for deletion is stopped within its grace period and then deleted for good. Level-based: it
 * reads the runtime's containers (their labels are the state) every time, so a restarted kubelet adopts them.
 */
export class PodSyncer {
  /** Why containers wait, per pod uid, as the last sync found (lost on restart, recomputed at the next sync). */
  private readonly waiting = new Map<string, Map<string, Waiting>>()
  /**
   * The status this kubelet last wrote for each pod, and the resourceVersion the write produced (Infinity while it
   * is on its way): upstream's status manager cache. The pod an informer shows may not have it yet — the watch event
   * of the write can arrive after the next sync (a runtime event right after the start) — and a sync that took that
   * older status for the stored one wrote the same status again, with new transition times.
   */
  private readonly written = new Map<string, { status: Record<string, any>; rv: number }>()

  constructor(
    private readonly client: ApiClient,
    private readonly runtime: ContainerRuntime,
    private readonly starter: ContainerStarter,
    private readonly recorder: EventRecorder,
    private readonly crashBackoff: Backoff,
    private readonly probes: ProbeResults,
    private readonly config: PodSyncConfig,
    private readonly log: Logger,
  ) {}

  /**
   * Does the pod's stored status say what this kubelet wrote last? Then an update that changed nothing else is
   * the echo of its own write, and needs no sync (upstream's kubelet only reconciles a status-only change when the
   * status differs from its own: pkg/kubelet/config checkAndUpdatePod, HandlePodReconcile).
   */
  isOwnStatus(pod: KubeObject): boolean {
    const mine = this.written.get(pod.metadata.uid!)?.status
    return mine !== undefined && jsonEqual(pick(pod.status, Object.keys(mine)), mine)
  }

  /** The pod with the status it has in the API: the informer's, or the one this kubelet wrote since (merged in). */
  private withKnownStatus(pod: KubeObject): KubeObject {
    const known = this.written.get(pod.metadata.uid!)
    if (!known || !(Number(pod.metadata.resourceVersion) < known.rv)) return pod
    return { ...pod, status: { ...pod.status, ...known.status } }
  }

  /** `pod` undefined: the pod is gone from the API; everything of `uid` is removed. */
  async sync(uid: string, pod: KubeObject | undefined): Promise<{ requeueAfterMs?: number }> {
    if (pod) pod = this.withKnownStatus(pod)
    const [sandboxes, containers] = await Promise.all([this.runtime.listSandboxes({ podUid: uid }), this.runtime.listContainers({ podUid: uid })])
    if (!pod) {
      await this.removeAll(uid, sandboxes, containers, 0)
      return {}
    }
    if (pod.metadata.deletionTimestamp) {
      await this.terminate(pod, sandboxes, containers)
      return {}
    }
    const phase = pod.status?.phase
    if (phase === 'Succeeded' || phase === 'Failed') {
      // Completed pods keep their containers (for logs) but give up the sandbox, as the kubelet does.
      for (const s of sandboxes) if (s.state === 'ready') await this.runtime.stopSandbox(s.id)
      return {}
    }
    const waiting = new Map<string, Waiting>()
    this.waiting.set(uid, waiting)
    const sandbox = await this.ensureSandbox(pod, sandboxes, containers)
    const { requeueAfterMs, touched } = await this.syncContainers(pod, sandbox, containers, waiting)
    // Nothing started or removed: what was listed at the start is still what there is.
    await this.reportStatus(pod, sandbox, waiting, touched ? undefined : containers)
    return { requeueAfterMs }
  }

  /** The pod's live sandbox, or a new one (after stopping containers that lost theirs). */
  private async ensureSandbox(pod: KubeObject, sandboxes: SandboxInfo[], containers: ContainerInfo[]): Promise<SandboxInfo> {
    const live = sandboxes.filter((s) => s.state === 'ready').sort((a, b) => b.attempt - a.attempt)[0]
    if (live) return live
    for (const c of containers) if (c.state === 'running') await this.runtime.stopContainer(c.id, 0)
    const attempt = sandboxes.reduce((max, s) => Math.max(max, s.attempt + 1), 0)
    if (attempt > 0) this.recorder.event(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.')
    if (!(await this.runtime.imagePresent(this.config.podInfraImage))) await this.runtime.pullImage(this.config.podInfraImage)
    const sandbox = await this.runtime.runSandbox({
      podUid: pod.metadata.uid!,
      podName: pod.metadata.name!,
      podNamespace: pod.metadata.namespace!,
      node: this.config.runtimeNode ?? this.config.nodeName,
      attempt,
      image: this.config.podInfraImage,
      hostname: pod.spec?.hostname ?? pod.metadata.name!,
      hostNetwork: Boolean(pod.spec?.hostNetwork),
      hostIPC: Boolean(pod.spec?.hostIPC),
      portMappings: hostPorts(pod, this.config.address),
      labels: this.config.containerLabels,
    })
    // Sandboxes that died are replaced; their containers went with them.
    for (const old of sandboxes) if (old.state !== 'ready') await this.runtime.removeSandbox(old.id).catch(() => {})
    return sandbox
  }

  private async syncContainers(pod: KubeObject, sandbox: SandboxInfo, all: ContainerInfo[], waiting: Map<string, Waiting>): Promise<{ requeueAfterMs?: number; touched: boolean }> {
    const uid = pod.metadata.uid!
    const current = all.filter((c) => c.sandboxId === undefined || c.sandboxId === sandbox.id)
    const policy = pod.spec?.restartPolicy ?? 'Always'
    let volumes: Map<string, string> | undefined
    const reader = new ObjectReader(this.client, pod.metadata.namespace!)
    let requeueAfterMs: number | undefined
    const retryAfter = (ms: number) => (requeueAfterMs = Math.min(requeueAfterMs ?? ms, ms))
    let touched = false
    const start = async (spec: any, attempt: number, fieldPath: string, pidNamespaceOf?: string) => {
      touched = true
      try {
        volumes ??= await prepareVolumes(pod, this.config.dataDir, reader, sandbox.ip, this.config.address)
      } catch (err) {
        if (!(err instanceof ContainerConfigError)) throw err
        waiting.set(spec.name, { reason: 'CreateContainerConfigError', message: err.message })
        this.recorder.event(pod, 'Warning', 'Failed', `Error: ${err.message}`, fieldPath)
        retryAfter(CONFIG_RETRY_MS)
        return
      }
      const why = await this.starter.start(spec, attempt, { pod, sandbox, volumes, reader, hostIP: this.config.address, fieldPath, labels: this.config.containerLabels, pidNamespaceOf })
      if (!why) return
      // Nothing else would look at this pod again (no container changes): retry when it makes sense.
      waiting.set(spec.name, why)
      retryAfter(Math.max(why.retryAfterMs ?? CONFIG_RETRY_MS, 100))
    }
    /** Decides for one container: start it, restart it after back-off, or leave it. Returns true when it is done for good. */
    const converge = async (spec: any, fieldPath: string, isInit: boolean): Promise<'running' | 'succeeded' | 'failed' | 'waiting'> => {
      const { current: c } = instancesOf(current, spec.name)
      if (!c) {
        // First start, or a new sandbox: a container that ran in a dead sandbox counts as a restart.
        const before = instancesOf(all, spec.name).current
        await start(spec, before ? before.attempt + 1 : 0, fieldPath)
        return 'waiting'
      }
      if (c.state === 'running') return 'running'
      if (c.state !== 'exited') {
        // Created but never started (a start error): replace it.
        await this.runtime.removeContainer(c.id).catch(() => {})
        await start(spec, c.attempt, fieldPath)
        return 'waiting'
      }
      const restart = isInit ? c.exitCode !== 0 && policy !== 'Never' : policy === 'Always' || (policy === 'OnFailure' && c.exitCode !== 0)
      if (!restart) return c.exitCode === 0 ? 'succeeded' : 'failed'
      const key = `${uid}/${spec.name}`
      if (this.crashBackoff.inBackoff(key)) {
        const left = this.crashBackoff.remaining(key)
        retryAfter(left)
        const message = `back-off ${Math.round(left / 1000)}s restarting failed container=${spec.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${uid})`
        waiting.set(spec.name, { reason: 'CrashLoopBackOff', message })
        this.recorder.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container', fieldPath)
        return 'waiting'
      }
      this.crashBackoff.next(key)
      // Keep the last two instances (current and previous, for `logs --previous`); drop older ones.
      for (const old of current.filter((x) => x.name === spec.name && x.attempt < c.attempt)) await this.runtime.removeContainer(old.id).catch(() => {})
      await start(spec, c.attempt + 1, fieldPath)
      return 'waiting'
    }

    for (const spec of pod.spec?.initContainers ?? []) {
      const state = await converge(spec, `spec.initContainers{${spec.name}}`, true)
      if (state === 'failed') return { touched } // restartPolicy Never: the pod fails (reportStatus)
      if (state !== 'succeeded') return { requeueAfterMs, touched }
    }
    for (const spec of pod.spec?.containers ?? []) await converge(spec, `spec.containers{${spec.name}}`, false)
    // Ephemeral containers (kubectl debug) run once, in the sandbox they were started in, and are never restarted.
    for (const spec of pod.spec?.ephemeralContainers ?? []) {
      const { current: c } = instancesOf(all, spec.name)
      if (c && c.state !== 'created') continue
      if (c) await this.runtime.removeContainer(c.id).catch(() => {}) // made but never started (a start error)
      // `kubectl debug --target`: the target's processes are visible (and signalable) from the debug container.
      const target = spec.targetContainerName ? instancesOf(current, spec.targetContainerName).current : undefined
      await start(spec, 0, `spec.ephemeralContainers{${spec.name}}`, target?.state === 'running' ? target.id : undefined)
    }
    return { requeueAfterMs, touched }
  }

  /** Writes the computed status when it differs from the stored one. */
  private async reportStatus(pod: KubeObject, sandbox: SandboxInfo | undefined, waiting: Map<string, Waiting>, listed?: ContainerInfo[]): Promise<void> {
    const uid = pod.metadata.uid!
    const containers = (listed ?? (await this.runtime.listContainers({ podUid: uid }))).filter((c) => !sandbox || c.sandboxId === undefined || c.sandboxId === sandbox.id)
    this.probes.update(pod, containers, pod.spec?.hostNetwork ? this.config.address : (sandbox?.ip ?? ''))
    const status = computePodStatus({
      pod,
      sandbox,
      containers,
      waiting,
      ready: this.probes.ready(uid),
      started: this.probes.startedOf(uid),
      hostIP: this.config.address,
      runtimeType: this.runtime.type,
      now: new Date(),
    })
    if (initFailed(pod, status)) status.phase = 'Failed'
    if (jsonEqual(pick(pod.status, Object.keys(status)), status)) return
    const mine = { status, rv: Infinity }
    this.written.set(uid, mine)
    try {
      const stored = await this.client.patch(PODS, pod.metadata.namespace!, pod.metadata.name!, 'application/merge-patch+json', { status }, 'status')
      mine.rv = Number(stored.metadata.resourceVersion) || 0
    } catch (err) {
      // Not written: the informer's copy is what the API has.
      if (this.written.get(uid) === mine) this.written.delete(uid)
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err
    }
  }

  /** Graceful termination: SIGTERM, then SIGKILL after the grace period; then the pod object is deleted. */
  private async terminate(pod: KubeObject, sandboxes: SandboxInfo[], containers: ContainerInfo[]): Promise<void> {
    const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30
    const running = containers.filter((c) => c.state === 'running')
    const isInit = (name: string) => (pod.spec?.initContainers ?? []).some((c: any) => c.name === name)
    for (const c of running) this.recorder.event(pod, 'Normal', 'Killing', `Stopping container ${c.name}`, `spec.${isInit(c.name) ? 'initContainers' : 'containers'}{${c.name}}`)
    await this.removeAll(pod.metadata.uid!, sandboxes, containers, grace)
    try {
      await this.client.delete(PODS, pod.metadata.namespace!, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } })
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err
    }
  }

  private async removeAll(uid: string, sandboxes: SandboxInfo[], containers: ContainerInfo[], grace: number): Promise<void> {
    await Promise.all(containers.filter((c) => c.state === 'running').map((c) => this.runtime.stopContainer(c.id, grace)))
    for (const c of containers) await this.runtime.removeContainer(c.id).catch(() => {})
    for (const s of sandboxes) {
      await this.runtime.stopSandbox(s.id).catch(() => {})
      await this.runtime.removeSandbox(s.id).catch(() => {})
    }
    await removePodDir(this.config.dataDir, uid)
    this.probes.forget(uid)
    this.waiting.delete(uid)
    this.written.delete(uid)
    this.crashBackoff.forgetPrefix(`${uid}/`)
  }
}

/** hostPort mappings of every container port that asks for one, on the node's address unless hostIP says. */
function hostPorts(pod: KubeObject, address: string) {
  const out: { containerPort: number; hostPort: number; protocol: 'TCP' | 'UDP' | 'SCTP'; hostIp: string }[] = []
  for (const c of pod.spec?.containers ?? [])
    for (const p of c.ports ?? [])
      if (p.hostPort) out.push({ containerPort: p.containerPort, hostPort: p.hostPort, protocol: p.protocol ?? 'TCP', hostIp: p.hostIP || address })
  return out
}

/** An init container that failed under restartPolicy Never fails the pod. */
function initFailed(pod: KubeObject, status: Record<string, any>): boolean {
  if ((pod.spec?.restartPolicy ?? 'Always') !== 'Never') return false
  return (status.initContainerStatuses ?? []).some((s: any) => s.state.terminated && s.state.terminated.exitCode !== 0)
}

function pick(obj: Record<string, any> | undefined, keys: string[]): Record<string, any> {
  const out: Record<string, any> = {}
  for (const k of keys) if (obj?.[k] !== undefined) out[k] = obj[k]
  return out
}
