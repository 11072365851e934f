import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { CauseReason } from '../../errors/api-error.ts'
import { jsonEqual } from '../../util/deep-equal.ts'
import { endpointSliceTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'

const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN']
const MAX_ENDPOINTS = 1000
const MAX_PORTS = 100
const MAX_ADDRESSES = 100

/** SetDefaults_EndpointPort: a port has a name ('' when unnamed) and a protocol (TCP). */
function defaultSlice(slice: KubeObject): void {
  if (Array.isArray(slice.ports))
    for (const p of slice.ports)
      if (p && typeof p === 'object') {
        p.name ??= ''
        p.protocol ??= 'TCP'
      }
}

/** ValidateEndpointSlice, in short: an address type, at most 1000 endpoints of 1..100 addresses, at most 100 ports. */
function validateSlice(slice: KubeObject): StatusCause[] {
  const causes: StatusCause[] = []
  if (!slice.addressType) causes.push({ field: 'addressType', reason: CauseReason.required, message: 'Required value' })
  else if (!ADDRESS_TYPES.includes(slice.addressType))
    causes.push({ field: 'addressType', reason: CauseReason.notSupported, message: `Unsupported value: ${JSON.stringify(slice.addressType)}: supported values: "FQDN", "IPv4", "IPv6"` })
  const endpoints = slice.endpoints ?? []
  if (!Array.isArray(endpoints)) return [...causes, { field: 'endpoints', reason: CauseReason.invalid, message: 'Invalid value: must be a list' }]
  if (endpoints.length > MAX_ENDPOINTS)
    causes.push({ field: 'endpoints', reason: CauseReason.tooLong, message: `Too many: ${endpoints.length}: must have at most ${MAX_ENDPOINTS} items` })
  endpoints.forEach((e: any, i: number) => {
    const addresses = e?.addresses
    if (!Array.isArray(addresses) || addresses.length === 0)
      causes.push({ field: `endpoints[${i}].addresses`, reason: CauseReason.required, message: 'Required value: must contain at least 1 address' })
    else if (addresses.length > MAX_ADDRESSES)
      causes.push({ field: `endpoints[${i}].addresses`, reason: CauseReason.tooLong, message: `Too many: ${addresses.length}: must have at most ${MAX_ADDRESSES} items` })
  })
  const ports = slice.ports ?? []
  if (!Array.isArray(ports)) return [...causes, { field: 'ports', reason: CauseReason.invalid, message: 'Invalid value: must be a list' }]
  if (ports.length > MAX_PORTS) causes.push({ field: 'ports', reason: CauseReason.tooLong, message: `Too many: ${ports.length}: must have at most ${MAX_PORTS} items` })
  const names = new Set<string>()
  ports.forEach((p: any, i: number) => {
    if (p?.port !== undefined && p?.port !== null && (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535))
      causes.push({ field: `ports[${i}].port`, reason: CauseReason.invalid, message: `Invalid value: ${JSON.stringify(p.port)}: must be between 1 and 65535, inclusive` })
    const name = p?.name ?? ''
    if (names.has(name)) causes.push({ field: `ports[${i}].name`, reason: CauseReason.duplicate, message: `Duplicate value: ${JSON.stringify(name)}` })
    names.add(name)
  })
  return causes
}

const CONTENT = ['addressType', 'endpoints', 'ports'] as const

/** discovery.k8s.io/v1 EndpointSlice: written by the endpoints controller for every Service with a selector. */
export const endpointslices: ResourceDefinition = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    prepareForCreate(slice) {
      defaultSlice(slice)
      slice.metadata.generation = 1
    },
    // An EndpointSlice has no spec: its generation counts changes of what it lists (endpointSliceStrategy).
    prepareForUpdate(slice, old) {
      defaultSlice(slice)
      if (CONTENT.some((f) => !jsonEqual(slice[f], old[f]))) slice.metadata.generation = (old.metadata.generation ?? 0) + 1
    },
    validate: validateSlice,
    validateUpdate: (slice, old) =>
      slice.addressType === old.addressType
        ? []
        : [{ field: 'addressType', reason: CauseReason.invalid, message: `Invalid value: ${JSON.stringify(slice.addressType)}: field is immutable` }],
  },
  table: endpointSliceTable,
}
