/**
 * pods/log, pods/exec, pods/attach and pods/portforward: Kubernetes' "connect" subresources, served by the
 * kubelet of the pod's node. Here only what the stored Pod decides, as LogLocation / ExecLocation /
 * AttachLocation / PortForwardLocation do in pkg/registry/core/pod/strategy.go: which container (the `container`
 * parameter, else the `kubectl.kubernetes.io/default-container` annotation, else the only one), that the pod is
 * bound to a node, that exec/attach do not target a completed pod. The kubelet path the request goes to keeps
 * the client's query string.
 */
import type { KubeObject } from '../../api/meta.ts'
import { badRequest } from '../../errors/api-error.ts'
import type { ConnectLocation, SubresourceDefinition } from '../registry/resource-definition.ts'

const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container'

const names = (list: any[] | undefined) => (list ?? []).map((c) => c?.name).filter(Boolean) as string[]

/** The container a request is about (podLogLocation / streamLocation). */
export function podContainer(pod: KubeObject, requested: string | null): string {
  const name = pod.metadata.name
  const containers = names(pod.spec?.containers)
  const all = [...containers, ...names(pod.spec?.initContainers), ...names(pod.spec?.ephemeralContainers)]
  if (requested) {
    if (!all.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`)
    return requested
  }
  const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION]
  if (annotated && all.includes(annotated)) return annotated
  if (containers.length === 1) return containers[0]
  if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${name}`)
  const inits = names(pod.spec?.initContainers)
  throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]${inits.length ? ` or one of the init containers: [${inits.join(' ')}]` : ''}`)
}

function nodeOf(pod: KubeObject): string {
  const node = pod.spec?.nodeName
  if (!node) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`)
  return node
}

const segment = encodeURIComponent
const withQuery = (path: string, query: URLSearchParams) => {
  const q = query.toString()
  return q ? `${path}?${q}` : path
}

/** exec and attach refuse a pod that has finished (kubectl's own check, repeated for other clients). */
function checkNotCompleted(pod: KubeObject, what: string): void {
  const phase = pod.status?.phase
  if (phase === 'Succeeded' || phase === 'Failed') throw badRequest(`cannot ${what} a container in a completed pod; current phase is ${phase}`)
}

function containerLocation(kind: 'containerLogs' | 'exec' | 'attach', what?: string) {
  return (pod: KubeObject, query: URLSearchParams): ConnectLocation => {
    const container = podContainer(pod, query.get('container'))
    const node = nodeOf(pod)
    if (what) checkNotCompleted(pod, what)
    return { node, path: withQuery(`/${kind}/${segment(pod.metadata.namespace!)}/${segment(pod.metadata.name!)}/${segment(container)}`, query) }
  }
}

export const podLog: SubresourceDefinition = { verbs: ['get'], connect: containerLocation('containerLogs') }
export const podExec: SubresourceDefinition = { verbs: ['create', 'get'], connect: containerLocation('exec', 'exec into'), upgrade: true }
export const podAttach: SubresourceDefinition = { verbs: ['create', 'get'], connect: containerLocation('attach', 'attach to'), upgrade: true }
export const podPortForward: SubresourceDefinition = {
  verbs: ['create', 'get'],
  upgrade: true,
  connect: (pod, query) => ({ node: nodeOf(pod), path: withQuery(`/portForward/${segment(pod.metadata.namespace!)}/${segment(pod.metadata.name!)}`, query) }),
}
