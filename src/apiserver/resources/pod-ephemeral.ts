import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { CauseReason, invalid } from '../../errors/api-error.ts'
import { jsonEqual } from '../../util/deep-equal.ts'
import type { SubresourceDefinition } from '../registry/resource-definition.ts'
import { defaultContainer, validateContainerName } from './pod-spec.ts'

/** What a debugging container never has (validateEphemeralContainers: "cannot be set for an Ephemeral Container"). */
const NOT_FOR_EPHEMERAL = ['ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resizePolicy']
const FIELD = 'spec.ephemeralContainers'

/**
 * pods/ephemeralcontainers, what `kubectl debug` PATCHes to add a debugging container to a running pod
 * (EphemeralContainersREST): the pod as it is, with only spec.ephemeralContainers taken from the request. Ephemeral
 * containers are added for good: one already there may not be changed or removed.
 */
export const ephemeralContainersSubresource: SubresourceDefinition = {
  verbs: ['get', 'update', 'patch'],
  merge(current, input) {
    const list = input.spec?.ephemeralContainers ?? []
    const causes = validateEphemeralUpdate(list, current)
    if (causes.length) throw invalid('Pod', '', current.metadata.name, causes)
    for (const c of list) defaultContainer(c)
    current.spec ??= {}
    if (list.length) current.spec.ephemeralContainers = list
    else delete current.spec.ephemeralContainers
    return current
  },
}

function validateEphemeralUpdate(list: unknown, pod: KubeObject): StatusCause[] {
  const causes: StatusCause[] = []
  const add = (field: string, reason: string, message: string) => causes.push({ field, reason, message })
  if (!Array.isArray(list)) return [{ field: FIELD, reason: CauseReason.invalid, message: 'Invalid value: must be a list' }]
  const before: any[] = pod.spec?.ephemeralContainers ?? []
  const names = new Set<unknown>([...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map((c: any) => c?.name))
  list.forEach((c: any, i: number) => {
    const at = `${FIELD}[${i}]`
    if (!c || typeof c !== 'object') return add(at, CauseReason.invalid, 'Invalid value: must be an object')
    causes.push(...validateContainerName(c.name, `${at}.name`, names))
    const old = before.find((b) => b?.name === c.name)
    // An existing one comes back as it is stored (defaults included); only new ones are checked field by field.
    if (old) {
      if (!jsonEqual(withDefaults(c), old)) add(at, CauseReason.forbidden, `Forbidden: existing ephemeral containers "${c.name}" may not be changed`)
      return
    }
    if (!c.image || typeof c.image !== 'string' || !c.image.trim()) add(`${at}.image`, CauseReason.required, 'Required value')
    for (const f of NOT_FOR_EPHEMERAL) if (c[f] !== undefined) add(`${at}.${f}`, CauseReason.forbidden, 'Forbidden: cannot be set for an Ephemeral Container')
    if (c.resources && Object.keys(c.resources).some((k) => Object.keys(c.resources[k] ?? {}).length))
      add(`${at}.resources`, CauseReason.forbidden, 'Forbidden: cannot be set for an Ephemeral Container')
    if (c.targetContainerName !== undefined && ![...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some((x: any) => x?.name === c.targetContainerName))
      add(`${at}.targetContainerName`, CauseReason.notFound, `Not found: "${c.targetContainerName}"`)
  })
  for (const old of before) {
    if (!list.some((c: any) => c?.name === old?.name)) add(FIELD, CauseReason.forbidden, `Forbidden: existing ephemeral containers "${old?.name}" may not be removed`)
  }
  return causes
}

function withDefaults(c: any): any {
  const copy = structuredClone(c)
  defaultContainer(copy)
  return copy
}
