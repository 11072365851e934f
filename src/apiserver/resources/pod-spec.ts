import type { StatusCause } from '../../api/meta.ts'
import { isDNS1123Label } from '../../api/validation.ts'
import { CauseReason } from '../../errors/api-error.ts'

/**
 * Pod spec defaults and validation shared by Pods and every pod template (Deployments, ReplicaSets, Jobs…),
 * as SetDefaults_PodSpec / ValidatePodSpec do.
 */
export function defaultPodSpec(spec: any): void {
  spec.restartPolicy ??= 'Always'
  spec.dnsPolicy ??= 'ClusterFirst'
  spec.terminationGracePeriodSeconds ??= 30
  spec.schedulerName ??= 'default-scheduler'
  spec.securityContext ??= {}
  spec.enableServiceLinks ??= true
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) defaultContainer(c)
}

export function defaultContainer(c: any): void {
  if (!c || typeof c !== 'object') return
  c.terminationMessagePath ??= '/dev/termination-log'
  c.terminationMessagePolicy ??= 'File'
  c.imagePullPolicy ??= imageTag(c.image) === 'latest' ? 'Always' : 'IfNotPresent'
  c.resources ??= {}
  for (const p of c.ports ?? []) if (p && typeof p === 'object') p.protocol ??= 'TCP'
}

/** The tag of an image reference; 'latest' when it names none (digests count as pinned). */
function imageTag(image: unknown): string {
  if (typeof image !== 'string') return ''
  if (image.includes('@')) return 'digest'
  const lastSegment = image.slice(image.lastIndexOf('/') + 1)
  const colon = lastSegment.indexOf(':')
  return colon < 0 ? 'latest' : lastSegment.slice(colon + 1)
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never']
const PROTOCOLS = ['TCP', 'UDP', 'SCTP']

export function validatePodSpec(spec: any, path: string): StatusCause[] {
  const causes: StatusCause[] = []
  const add = (field: string, reason: string, message: string) => causes.push({ field, reason, message })
  if (!spec || typeof spec !== 'object') {
    add(path, CauseReason.required, 'Required value')
    return causes
  }
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) add(`${path}.containers`, CauseReason.required, 'Required value')
  const names = new Set<string>()
  const check = (list: unknown, field: string) => {
    if (list === undefined) return
    if (!Array.isArray(list)) return add(`${path}.${field}`, CauseReason.invalid, 'Invalid value: must be a list')
    list.forEach((c: any, i: number) => {
      const at = `${path}.${field}[${i}]`
      if (!c || typeof c !== 'object') return add(at, CauseReason.invalid, 'Invalid value: must be an object')
      causes.push(...validateContainerName(c.name, `${at}.name`, names))
      if (!c.image || typeof c.image !== 'string' || !c.image.trim()) add(`${at}.image`, CauseReason.required, 'Required value')
      ;(Array.isArray(c.ports) ? c.ports : []).forEach((p: any, j: number) => {
        const port = `${at}.ports[${j}]`
        if (!Number.isInteger(p?.containerPort) || p.containerPort < 1 || p.containerPort > 65535)
          add(`${port}.containerPort`, CauseReason.invalid, `Invalid value: ${JSON.stringify(p?.containerPort)}: must be between 1 and 65535, inclusive`)
        if (p?.hostPort !== undefined && (!Number.isInteger(p.hostPort) || p.hostPort < 0 || p.hostPort > 65535))
          add(`${port}.hostPort`, CauseReason.invalid, `Invalid value: ${JSON.stringify(p.hostPort)}: must be between 1 and 65535, inclusive`)
        if (p?.protocol !== undefined && !PROTOCOLS.includes(p.protocol))
          add(`${port}.protocol`, CauseReason.notSupported, `Unsupported value: "${p.protocol}": supported values: "SCTP", "TCP", "UDP"`)
      })
    })
  }
  check(spec.initContainers, 'initContainers')
  check(spec.containers, 'containers')
  if (spec.restartPolicy !== undefined && !RESTART_POLICIES.includes(spec.restartPolicy))
    add(`${path}.restartPolicy`, CauseReason.notSupported, `Unsupported value: "${spec.restartPolicy}": supported values: "Always", "OnFailure", "Never"`)
  if (spec.terminationGracePeriodSeconds !== undefined && !(Number.isInteger(spec.terminationGracePeriodSeconds) && spec.terminationGracePeriodSeconds >= 0))
    add(`${path}.terminationGracePeriodSeconds`, CauseReason.invalid, 'Invalid value: must be a non-negative integer')
  return causes
}

/** A container's name: present, a DNS-1123 label, and unique among the pod's containers (`names`, which it joins). */
export function validateContainerName(name: unknown, field: string, names: Set<unknown>): StatusCause[] {
  if (!name) return [{ field, reason: CauseReason.required, message: 'Required value' }]
  const causes: StatusCause[] = isDNS1123Label(String(name)).map((m) => ({ field, reason: CauseReason.invalid, message: `Invalid value: "${name}": ${m}` }))
  if (names.has(name)) causes.push({ field, reason: CauseReason.duplicate, message: `Duplicate value: "${name}"` })
  names.add(name)
  return causes
}

/** The pod's QoS class from its containers' requests and limits (GetPodQOS, simplified to cpu and memory). */
export function qosClass(spec: any): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]
  let any = false
  let guaranteed = true
  for (const c of containers) {
    const req = c?.resources?.requests ?? {}
    const lim = c?.resources?.limits ?? {}
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true
      const request = req[r] ?? lim[r]
      if (lim[r] === undefined || String(request) !== String(lim[r])) guaranteed = false
    }
  }
  if (!any) return 'BestEffort'
  return guaranteed ? 'Guaranteed' : 'Burstable'
}
