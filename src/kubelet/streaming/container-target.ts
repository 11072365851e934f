/**
 * Which runtime container a streaming request is about, decided from the pod's status the way the kubelet does
 * (validateContainerLogStatus in kubelet_pods.go for logs; a running container for exec and attach). Errors are
 * ApiErrors with the kubelet's messages, so `kubectl` prints them as it would against a real node.
 */
import type { KubeObject } from '../../api/meta.ts'
import { ApiError, badRequest } from '../../errors/api-error.ts'
import { instancesOf } from '../pod-status.ts'
import type { ContainerInfo, ContainerRuntime, SandboxInfo } from '../runtime/container-runtime.ts'

function statusOf(pod: KubeObject, container: string): any {
  const all = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])]
  return all.find((s: any) => s?.name === container)
}

function specHas(pod: KubeObject, container: string): boolean {
  const specs = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])]
  return specs.some((c: any) => c?.name === container)
}

/** `docker://abc` → `abc`. */
const runtimeId = (containerId: string) => containerId.replace(/^[a-z0-9]+:\/\//, '')

/** The container whose log a `containerLogs` request reads (kubelet's validateContainerLogStatus). */
export function logContainerId(pod: KubeObject, container: string, previous: boolean): string {
  const podName = pod.metadata.name
  if (!specHas(pod, container)) throw new ApiError(404, 'NotFound', `container "${container}" in pod "${podName}" not found`)
  const status = statusOf(pod, container)
  if (!status) throw badRequest(`container "${container}" in pod "${podName}" is waiting to start - no logs yet`)
  const { running, terminated, waiting } = status.state ?? {}
  const last = status.lastState?.terminated
  if (previous) {
    if (!last?.containerID) throw badRequest(`previous terminated container "${container}" in pod "${podName}" not found`)
    return runtimeId(last.containerID)
  }
  if (running && status.containerID) return runtimeId(status.containerID)
  if (terminated) {
    const id = terminated.containerID || last?.containerID
    if (!id) throw badRequest(`container "${container}" in pod "${podName}" is terminated`)
    return runtimeId(id)
  }
  if (last) {
    if (!last.containerID) throw badRequest(`container "${container}" in pod "${podName}" is terminated`)
    return runtimeId(last.containerID)
  }
  if (waiting) {
    const reason = waiting.reason === 'ErrImagePull' ? "image can't be pulled" : waiting.reason === 'ImagePullBackOff' ? 'trying and failing to pull image' : waiting.reason
    throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${reason}`)
  }
  throw badRequest(`container "${container}" in pod "${podName}" is waiting to start - no logs yet`)
}

/**
 * The running container an exec or attach goes to: the one the pod's status says runs (no engine round-trip;
 * a status a moment stale makes the runtime refuse, which the client sees as an error status), else the
 * runtime's current instance.
 */
export async function runningContainer(runtime: ContainerRuntime, pod: KubeObject, container: string): Promise<ContainerInfo | { id: string }> {
  const podName = pod.metadata.name
  if (!specHas(pod, container)) throw new ApiError(404, 'NotFound', `container not found ("${container}")`)
  const status = statusOf(pod, container)
  if (status?.state?.running && status.containerID) return { id: runtimeId(status.containerID) }
  const { current } = instancesOf(await runtime.listContainers({ podUid: pod.metadata.uid! }), container)
  if (current?.state === 'running') return current
  const waiting = status?.state?.waiting
  if (waiting?.reason) throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${waiting.reason}`)
  throw new ApiError(404, 'NotFound', `container not found ("${container}")`)
}

/** The pod's live sandbox, which a port-forward connects into. */
export async function liveSandbox(runtime: ContainerRuntime, pod: KubeObject): Promise<SandboxInfo> {
  const sandboxes = await runtime.listSandboxes({ podUid: pod.metadata.uid! })
  const live = sandboxes.filter((s) => s.state === 'ready').sort((a, b) => b.attempt - a.attempt)[0]
  if (!live) throw badRequest(`pod "${pod.metadata.name}" has no running sandbox: it is not running`)
  return live
}
