import { notAcceptable } from '../errors/api-error.ts'
import { PROTOBUF_MEDIA_TYPE } from './protobuf/fields.ts'

/** What a client asked to receive (the Accept header), reduced to what we can produce. */
export type ResponseShape =
  | { as: 'object'; format: 'json' | 'yaml' }
  | { as: 'Table'; version: 'v1' | 'v1beta1' }
  | { as: 'PartialObjectMetadata' | 'PartialObjectMetadataList'; version: 'v1' | 'v1beta1' }

export interface MediaType {
  type: string
  params: Record<string, string>
}

/** Parsed headers: clients send the same few Accept and Content-Type values on every request. */
const parsedHeaders = new Map<string, readonly MediaType[]>()
const MAX_PARSED_HEADERS = 256
const NONE: readonly MediaType[] = Object.freeze([])

/**
 * Parses `a/b;k=v, c/d;q=0.5` into media types in the order given (q-values are rarely used by clients). The
 * result is shared between requests with the same header: read it, do not change it.
 */
export function parseMediaTypes(header: string | undefined): readonly MediaType[] {
  if (!header) return NONE
  let parsed = parsedHeaders.get(header)
  if (parsed === undefined) {
    if (parsedHeaders.size >= MAX_PARSED_HEADERS) parsedHeaders.clear()
    parsedHeaders.set(header, (parsed = parseMediaTypesUncached(header)))
  }
  return parsed
}

function parseMediaTypesUncached(header: string): readonly MediaType[] {
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

const META_AS = new Set(['Table', 'PartialObjectMetadata', 'PartialObjectMetadataList'])

/**
 * Picks the first Accept entry we can serve: Tables and PartialObjectMetadata (meta.k8s.io v1/v1beta1),
 * JSON, YAML; if nothing fits, 406. A plain protobuf entry yields the JSON object shape: single objects and
 * lists are then upgraded to protobuf by handler-context `respond` (see `prefersProtobuf`), while watch
 * streams, Tables and Status stay JSON, which client-go accepts since it decodes by Content-Type.
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
    // Protobuf-only clients: an object shape; `respond` answers in protobuf where a schema allows, else JSON.
    if (type === PROTOBUF_MEDIA_TYPE) return { as: 'object', format: 'json' }
  }
  throw notAcceptable(['application/json', 'application/yaml', PROTOBUF_MEDIA_TYPE])
}

/**
 * Whether a plain protobuf entry (`application/vnd.kubernetes.protobuf`, no `as=`) comes before anything
 * `negotiateResponse` would choose, as in client-go's `application/vnd.kubernetes.protobuf,application/json`.
 * Then a single object or list of a kind with a protobuf schema is answered in protobuf (handler-context
 * `respond`); everything else (Tables, watch streams, Status, kinds without a schema) stays JSON.
 */
export function prefersProtobuf(accept: string | undefined): boolean {
  for (const { type, params } of parseMediaTypes(accept)) {
    if (type === PROTOBUF_MEDIA_TYPE && !params.as) return true
    if (params.as) {
      if (type === 'application/json' && params.g === 'meta.k8s.io' && (params.v === 'v1' || params.v === 'v1beta1') && META_AS.has(params.as)) return false
      continue
    }
    if (JSON_TYPES.has(type) || type === 'application/yaml') return false
  }
  return false
}
