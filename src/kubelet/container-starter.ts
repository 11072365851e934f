import type { KubeObject } from '../api/meta.ts'
import { parseBytes, parseCpu } from '../api/quantity.ts'
import type { Logger } from '../log/logger.ts'
import type { Backoff } from './backoff.ts'
import { ContainerConfigError, expandVars, resolveEnv, type ObjectReader } from './container-config.ts'
import type { EventRecorder } from '../client/event-recorder.ts'
import type { Waiting } from './pod-status.ts'
import { ImagePullError, type ContainerRuntime, type SandboxInfo } from './runtime/container-runtime.ts'

/** How soon a container that could not be configured or created is tried again (its ConfigMap may appear). */
export const CONFIG_RETRY_MS = 2_000

export interface StartContext {
  pod: KubeObject
  sandbox: SandboxInfo
  volumes: Map<string, string>
  reader: ObjectReader
  hostIP: string
  /** Where the container's `fieldPath` points in events: spec.containers{name}. */
  fieldPath: string
  labels?: Record<string, string>
  /** See ContainerSpec.pidNamespaceOf. */
  pidNamespaceOf?: string
}

/**
 * Pulls (as imagePullPolicy says), configures and starts one container instance, recording the events
 * kubectl describe shows (Pulling, Pulled, Created, Started, Failed, BackOff). Returns the reason the
 * container waits when it could not be started, or undefined once it runs.
 *
 * With `routineEvents` false, the Normal events of a start that goes as planned (Pulling, Pulled, Created, Started)
 * are left out; what went wrong (Failed, BackOff, ErrImageNeverPull) is still recorded. See KubeletOptions.
 */
export class ContainerStarter {
  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly recorder: EventRecorder,
    private readonly pullBackoff: Backoff,
    private readonly log: Logger,
    private readonly routineEvents = true,
  ) {}

  /** A Normal event of a start going as planned: recorded unless routine events are off. */
  private routine(pod: KubeObject, reason: string, message: string, fieldPath: string): void {
    if (this.routineEvents) this.recorder.event(pod, 'Normal', reason, message, fieldPath)
  }

  async start(spec: any, attempt: number, ctx: StartContext): Promise<Waiting | undefined> {
    const { pod, fieldPath } = ctx
    const pullKey = `${pod.metadata.uid}/${spec.name}/${spec.image}`
    const pulled = await this.ensureImage(spec, pullKey, ctx)
    if (pulled) return pulled
    let id: string
    try {
      const env = await resolveEnv(spec, pod, ctx.reader, ctx.sandbox.ip, ctx.hostIP)
      id = await this.runtime.createContainer(ctx.sandbox, {
        name: spec.name,
        image: spec.image,
        command: spec.command?.map((s: string) => expandVars(String(s), env)),
        args: spec.args?.map((s: string) => expandVars(String(s), env)),
        env: [...env].map(([name, value]) => ({ name, value })),
        workingDir: spec.workingDir,
        mounts: mountsOf(spec, ctx.volumes),
        memoryLimitBytes: spec.resources?.limits?.memory ? parseBytes(String(spec.resources.limits.memory)) : undefined,
        nanoCpus: spec.resources?.limits?.cpu ? Math.round(parseCpu(String(spec.resources.limits.cpu)) * 1e9) : undefined,
        tty: spec.tty,
        stdin: spec.stdin,
        stdinOnce: spec.stdinOnce,
        pidNamespaceOf: ctx.pidNamespaceOf,
        hostPID: Boolean(pod.spec?.hostPID),
        hostIPC: Boolean(pod.spec?.hostIPC),
        attempt,
        labels: ctx.labels,
      })
    } catch (err) {
      const reason = err instanceof ContainerConfigError ? 'CreateContainerConfigError' : 'CreateContainerError'
      this.recorder.event(pod, 'Warning', 'Failed', `Error: ${(err as Error).message}`, fieldPath)
      return { reason, message: (err as Error).message, retryAfterMs: CONFIG_RETRY_MS }
    }
    this.routine(pod, 'Created', `Created container ${spec.name}`, fieldPath)
    try {
      await this.runtime.startContainer(id)
    } catch (err) {
      this.recorder.event(pod, 'Warning', 'Failed', `Error: failed to start container "${spec.name}": ${(err as Error).message}`, fieldPath)
      return { reason: 'RunContainerError', message: (err as Error).message, retryAfterMs: CONFIG_RETRY_MS }
    }
    this.routine(pod, 'Started', `Started container ${spec.name}`, fieldPath)
    return undefined
  }

  /** imagePullPolicy: Always pulls, IfNotPresent pulls when missing, Never only uses what is there. */
  private async ensureImage(spec: any, pullKey: string, ctx: StartContext): Promise<Waiting | undefined> {
    const { pod, fieldPath } = ctx
    const image = spec.image
    const policy = spec.imagePullPolicy ?? 'IfNotPresent'
    const present = await this.runtime.imagePresent(image)
    if (policy === 'Never') {
      if (present) return undefined
      const message = `Container image "${image}" is not present with pull policy of Never`
      this.recorder.event(pod, 'Warning', 'ErrImageNeverPull', message, fieldPath)
      return { reason: 'ErrImageNeverPull', message, retryAfterMs: CONFIG_RETRY_MS }
    }
    if (present && policy !== 'Always') {
      this.routine(pod, 'Pulled', `Container image "${image}" already present on machine`, fieldPath)
      return undefined
    }
    if (this.pullBackoff.inBackoff(pullKey)) {
      const message = `Back-off pulling image "${image}"`
      this.recorder.event(pod, 'Normal', 'BackOff', message, fieldPath)
      return { reason: 'ImagePullBackOff', message, retryAfterMs: this.pullBackoff.remaining(pullKey) }
    }
    this.routine(pod, 'Pulling', `Pulling image "${image}"`, fieldPath)
    const started = Date.now()
    try {
      await this.runtime.pullImage(image)
    } catch (err) {
      if (!(err instanceof ImagePullError)) throw err
      this.pullBackoff.next(pullKey)
      const message = `Failed to pull image "${image}": ${err.message}`
      this.recorder.event(pod, 'Warning', 'Failed', message, fieldPath)
      this.recorder.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull', fieldPath)
      return { reason: 'ErrImagePull', message, retryAfterMs: this.pullBackoff.remaining(pullKey) }
    }
    this.pullBackoff.reset(pullKey)
    this.routine(pod, 'Pulled', `Successfully pulled image "${image}" in ${((Date.now() - started) / 1000).toFixed(3)}s`, fieldPath)
    return undefined
  }
}

/** volumeMounts → bind mounts of the pod's prepared volume directories (subPath inside them). */
function mountsOf(spec: any, volumes: Map<string, string>): { hostPath: string; containerPath: string; readOnly: boolean }[] {
  return (spec.volumeMounts ?? []).map((m: any) => {
    const base = volumes.get(m.name)
    if (!base) throw new ContainerConfigError(`unable to find volume "${m.name}" for container "${spec.name}"`)
    const sub = m.subPath ? String(m.subPath) : ''
    if (sub.split('/').includes('..')) throw new ContainerConfigError(`invalid subPath "${sub}"`)
    return { hostPath: sub ? `${base}/${sub}` : base, containerPath: m.mountPath, readOnly: Boolean(m.readOnly) }
  })
}
