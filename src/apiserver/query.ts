import type { DeleteOptions } from '../api/meta.ts'
import { badRequest } from '../errors/api-error.ts'
import { parseBool } from '../util/bool.ts'
import type { ListOptions } from './registry/generic-registry.ts'
import type { GenericRegistry } from './registry/generic-registry.ts'
import type { IncludeObject } from './render.ts'
import { parseFieldSelector, validateFieldSelector } from './selectors/field-selector.ts'
import { parseLabelSelector } from './selectors/label-selector.ts'

export type Query = Record<string, string | string[] | undefined>

/** The first value of a query parameter, as Go's url.Values.Get reads it. */
export function param(query: Query, name: string): string | undefined {
  const v = query[name]
  return Array.isArray(v) ? v[0] : v
}

export function boolParam(query: Query, name: string): boolean {
  const raw = param(query, name)
  const value = parseBool(raw)
  if (value === undefined) throw badRequest(`invalid value for ${name}: "${raw}" (want true or false)`)
  return value
}

export function intParam(query: Query, name: string): number | undefined {
  const raw = param(query, name)
  if (raw === undefined || raw === '') return undefined
  if (!/^-?\d+$/.test(raw)) throw badRequest(`invalid value for ${name}: "${raw}" (want an integer)`)
  return Number(raw)
}

/** LIST/WATCH options: selectors (validated against the kind's selectable fields), paging, resourceVersion. */
export function listOptions(query: Query, registry: GenericRegistry, namespace: string): ListOptions {
  const opts: ListOptions = { namespace: namespace || undefined }
  const labels = param(query, 'labelSelector')
  if (labels) opts.labelSelector = parseLabelSelector(labels)
  const fields = param(query, 'fieldSelector')
  if (fields) {
    const reqs = parseFieldSelector(fields)
    validateFieldSelector(reqs, new Set(Object.keys(registry.fieldsOf({ metadata: { namespace: '' } }))), registry.def.plural)
    opts.fieldSelector = reqs
  }
  const limit = intParam(query, 'limit')
  if (limit !== undefined && limit < 0) throw badRequest(`invalid value for limit: ${limit}`)
  opts.limit = limit
  opts.continue = param(query, 'continue') || undefined
  opts.resourceVersion = param(query, 'resourceVersion')
  const match = param(query, 'resourceVersionMatch')
  if (match) {
    if (match !== 'NotOlderThan' && match !== 'Exact') throw badRequest(`invalid resourceVersionMatch: "${match}"`)
    if (!opts.resourceVersion) throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided')
    opts.resourceVersionMatch = match
  }
  if (opts.continue && opts.resourceVersion && opts.resourceVersion !== '0')
    throw badRequest('specifying resource version is not allowed when using continue')
  return opts
}

export function includeObject(query: Query): IncludeObject {
  const v = param(query, 'includeObject') ?? 'Metadata'
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object') throw badRequest(`invalid includeObject: "${v}"`)
  return v
}

/** `dryRun=All` (the only value Kubernetes accepts). */
export function isDryRun(values: string[] | string | undefined): boolean {
  const list = Array.isArray(values) ? values : values === undefined ? [] : [values]
  for (const v of list) if (v !== 'All') throw badRequest(`Invalid value: "${v}": supported values: "All"`)
  return list.length > 0
}

/** DeleteOptions from the body (kubectl, Python) merged with the query (client-node). */
export function deleteOptions(query: Query, body: any): DeleteOptions {
  const opts: DeleteOptions = {}
  if (body !== undefined) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('DeleteOptions must be an object')
    Object.assign(opts, body)
  }
  const grace = intParam(query, 'gracePeriodSeconds')
  if (grace !== undefined) opts.gracePeriodSeconds = grace
  const policy = param(query, 'propagationPolicy')
  if (policy) opts.propagationPolicy = policy as DeleteOptions['propagationPolicy']
  if (query.dryRun !== undefined) opts.dryRun = ([] as string[]).concat(query.dryRun)
  if (opts.gracePeriodSeconds !== undefined && (!Number.isInteger(opts.gracePeriodSeconds) || opts.gracePeriodSeconds < 0))
    opts.gracePeriodSeconds = opts.gracePeriodSeconds < 0 ? 0 : Math.floor(Number(opts.gracePeriodSeconds))
  if (opts.propagationPolicy && !['Background', 'Foreground', 'Orphan'].includes(opts.propagationPolicy))
    throw badRequest(`Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`)
  return opts
}
