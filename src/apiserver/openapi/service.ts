import { createHash } from 'node:crypto'
import type { Context } from 'koa'
import type { SchemaRegistry } from '../../api/schema/schema.ts'
import { ApiError, notAcceptable } from '../../errors/api-error.ts'
import { parseMediaTypes } from '../negotiation.ts'
import type { ResourceDefinition } from '../registry/resource-definition.ts'
import { buildV2Document, buildV3Documents } from './documents.ts'
import { encodeSwaggerProto } from './proto-v2.ts'

/** A serialized document and its content hash (uppercase hex SHA-512, as kube-openapi computes ETags). */
export interface CachedDocument {
  body: Buffer
  hash: string
}

export interface GenerationStats {
  what: 'v3' | 'v2-json' | 'v2-protobuf'
  ms: number
  bytes: number
  /** process.memoryUsage().rss after minus before (bytes; noisy, as RSS is). */
  rssDelta: number
}

/** What client-go sends for `/openapi/v2`; the second is the spelling kube-openapi answers with. */
export const PROTO_V2_MEDIA_TYPES = ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf']
const PROTO_V2_RESPONSE_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'
const JSON_ACCEPT = new Set(['application/json', 'application/*', '*/*'])

const hashOf = (body: Buffer) => createHash('sha512').update(body).digest('hex').toUpperCase()
const cached = (body: Buffer): CachedDocument => ({ body, hash: hashOf(body) })

/**
 * `/openapi/v3`, `/openapi/v3/<api/v1 | apis/g/v>` and `/openapi/v2`, generated from the resource definitions and
 * the schema registry on the first request that needs them and kept serialized (no object trees stay alive).
 * Nothing is built at start-up. `defs` is the API server's live list: when it changes, `invalidate()`.
 */
export class OpenApiService {
  private v3?: { index: CachedDocument; groups: Map<string, CachedDocument> }
  private v2Json?: CachedDocument
  private v2Proto?: CachedDocument
  /** One entry per generation, for logs and for measuring the cost. */
  readonly generations: GenerationStats[] = []

  constructor(
    private readonly defs: ResourceDefinition[],
    private readonly registry: SchemaRegistry,
  ) {}

  /**
   * Forgets the documents built so far: the served kinds changed (a CustomResourceDefinition came, changed or
   * went). The next request builds them again, with new hashes, so that clients refetch.
   */
  invalidate(): void {
    this.v3 = undefined
    this.v2Json = undefined
    this.v2Proto = undefined
  }

  /** The v3 index and every group-version document (all built together: the index carries their hashes). */
  v3Documents(): { index: CachedDocument; groups: Map<string, CachedDocument> } {
    if (this.v3) return this.v3
    this.v3 = this.measure('v3', () => {
      const groups = new Map<string, CachedDocument>()
      for (const [path, doc] of buildV3Documents(this.defs, this.registry)) groups.set(path, cached(Buffer.from(JSON.stringify(doc))))
      const paths: Record<string, { serverRelativeURL: string }> = {}
      for (const [path, doc] of groups) paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.hash}` }
      const index = cached(Buffer.from(JSON.stringify({ paths })))
      return { value: { index, groups }, bytes: index.body.length + [...groups.values()].reduce((n, d) => n + d.body.length, 0) }
    })
    return this.v3
  }

  v2Document(format: 'json' | 'protobuf'): CachedDocument {
    if (format === 'json')
      return (this.v2Json ??= this.measure('v2-json', () => {
        const doc = cached(Buffer.from(JSON.stringify(buildV2Document(this.defs, this.registry))))
        return { value: doc, bytes: doc.body.length }
      }))
    return (this.v2Proto ??= this.measure('v2-protobuf', () => {
      const doc = cached(encodeSwaggerProto(buildV2Document(this.defs, this.registry)))
      return { value: doc, bytes: doc.body.length }
    }))
  }

  private measure<T>(what: GenerationStats['what'], build: () => { value: T; bytes: number }): T {
    const rss = process.memoryUsage().rss
    const started = performance.now()
    const { value, bytes } = build()
    this.generations.push({ what, ms: +(performance.now() - started).toFixed(1), bytes, rssDelta: process.memoryUsage().rss - rss })
    return value
  }

  /** Serves a GET/HEAD under /openapi; returns false when `path` is not one of ours. */
  serve(koa: Context, path: string): boolean {
    if (path === '/openapi/v3') {
      send(koa, this.v3Documents().index, 'application/json')
      return true
    }
    if (path.startsWith('/openapi/v3/')) {
      const gv = path.slice('/openapi/v3/'.length)
      const doc = this.v3Documents().groups.get(gv)
      if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource')
      koa.vary('Accept')
      if (!acceptsJson(koa.get('accept'))) throw notAcceptable(['application/json'])
      const hash = typeof koa.query.hash === 'string' ? koa.query.hash : ''
      if (hash && hash !== doc.hash) {
        // A stale hash (the client cached an older index): send it to the current document, as kube-openapi does.
        koa.status = 301
        koa.set('Location', `/openapi/v3/${gv}?hash=${doc.hash}`)
        return true
      }
      if (hash) {
        koa.set('Cache-Control', 'public, immutable')
        koa.set('Expires', new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString())
      }
      send(koa, doc, 'application/json')
      return true
    }
    if (path === '/openapi/v2') {
      koa.vary('Accept')
      const format = v2Format(koa.get('accept'))
      if (!format) throw notAcceptable(['application/json', PROTO_V2_MEDIA_TYPES[0]!])
      send(koa, this.v2Document(format), format === 'json' ? 'application/json' : PROTO_V2_RESPONSE_TYPE)
      return true
    }
    return false
  }
}

function acceptsJson(accept: string | undefined): boolean {
  const types = parseMediaTypes(accept)
  return types.length === 0 || types.some((t) => JSON_ACCEPT.has(t.type))
}

/** The first Accept entry we can produce for /openapi/v2 (no Accept at all: JSON). */
function v2Format(accept: string | undefined): 'json' | 'protobuf' | undefined {
  const types = parseMediaTypes(accept)
  if (types.length === 0) return 'json'
  for (const { type } of types) {
    if (JSON_ACCEPT.has(type)) return 'json'
    if (PROTO_V2_MEDIA_TYPES.includes(type)) return 'protobuf'
  }
  return undefined
}

/** A cached document with its ETag; `If-None-Match` with that tag is answered 304 without a body. */
function send(koa: Context, doc: CachedDocument, contentType: string): void {
  const etag = `"${doc.hash}"`
  koa.set('ETag', etag)
  const ifNoneMatch = koa.get('if-none-match')
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => ['*', etag, `W/${etag}`].includes(t.trim()))) {
    koa.status = 304
    return
  }
  koa.status = 200
  koa.set('Content-Type', contentType)
  koa.body = doc.body
}
