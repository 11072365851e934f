import { notAcceptable } from '../errors/api-error.ts'

/** What a client asked to receive (the Accept header), reduced to what we can produce. */
export type ResponseShape =
  | { as: 'object'; format: 'json' | 'yaml' }
  | { as: 'Table'; version: 'v1' | 'v1beta1' }
  | { as: 'PartialObjectMetadata' | 'PartialObjectMetadataList'; version: 'v1' | 'v1beta1' }

export interface MediaType {
  type: string
  params: Record<string, string>
}

/** Parses `a/b;k=v, c/d;q=0.5` into media types in the order given (q-values are rarely used by clients). */
export function parseMediaTypes(header: string | undefined): MediaType[] {
  if (!header) return []
  return header
    .split(',')
    .map((part) => {
      const [type, ...rest] = part.split(';').map((s) => s.trim())
      const params: Record<string, string> = {}
      for (const p of rest) {
        const eq = p.indexOf('=')
        if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '')
      }
      return { type: (type ?? '').toLowerCase(), params }
    })
    .filter((m) => m.type && m.params.q !== '0')
}

const JSON_TYPES = new Set(['application/json', 'application/*', '*/*'])

/**
 * Picks the first Accept entry we can serve: Tables and PartialObjectMetadata (meta.k8s.io v1/v1beta1),
 * JSON, YAML. Protobuf entries are passed over (kubectl always lists JSON after them); if nothing fits, 406.
 */
export function negotiateResponse(accept: string | undefined, allowMeta: boolean): ResponseShape {
  const types = parseMediaTypes(accept)
  if (types.length === 0) return { as: 'object', format: 'json' }
  for (const { type, params } of types) {
    if (params.as) {
      const version = params.v
      if (!allowMeta || type !== 'application/json' || params.g !== 'meta.k8s.io' || (version !== 'v1' && version !== 'v1beta1')) continue
      if (params.as === 'Table') return { as: 'Table', version }
      if (params.as === 'PartialObjectMetadata' || params.as === 'PartialObjectMetadataList') return { as: params.as, version }
      continue
    }
    if (JSON_TYPES.has(type)) return { as: 'object', format: 'json' }
    if (type === 'application/yaml') return { as: 'object', format: 'yaml' }
  }
  throw notAcceptable(['application/json', 'application/yaml'])
}
