import { badRequest } from '../errors/api-error.ts'

/** A request to a resource path, parsed as apiserver's RequestInfoFactory does. */
export interface ResourceRequest {
  group: string
  version: string
  /** '' for cluster-scoped requests and for lists across all namespaces. */
  namespace: string
  resource: string
  name: string
  subresource: string
  /** The legacy `/api/v1/watch/...` form. */
  watchPrefix: boolean
}

/** Subresources of a namespace reached as /api/v1/namespaces/{name}/{subresource}. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize'])

/** Returns undefined for paths that are not resource paths (discovery, health, OpenAPI…). */
export function parseResourcePath(path: string): ResourceRequest | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeSegment)
  let group: string
  let version: string
  let rest: string[]
  if (parts[0] === 'api' && parts.length >= 3) {
    group = ''
    version = parts[1]
    rest = parts.slice(2)
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]
    version = parts[2]
    rest = parts.slice(3)
  } else return undefined
  let watchPrefix = false
  if (rest[0] === 'watch') {
    watchPrefix = true
    rest = rest.slice(1)
  }
  let namespace = ''
  if (rest[0] === 'namespaces' && rest.length >= 2) {
    namespace = rest[1]
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2])) rest = rest.slice(2)
    else {
      // The namespace object itself: /api/v1/namespaces/{name}[/status|/finalize]
      return { group, version, namespace: '', resource: 'namespaces', name: rest[1], subresource: rest[2] ?? '', watchPrefix }
    }
  }
  if (rest.length === 0 || rest.length > 3) return undefined
  return { group, version, namespace, resource: rest[0], name: rest[1] ?? '', subresource: rest[2] ?? '', watchPrefix }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw badRequest(`malformed path segment: ${segment}`)
  }
}
