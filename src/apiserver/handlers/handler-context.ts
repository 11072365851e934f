import type { Context } from 'koa'
import type { Logger } from '../../log/logger.ts'
import type { RequestScope } from '../crd/request-scope.ts'
import { prefersProtobuf } from '../negotiation.ts'
import { encodeProtobufResponse, PROTOBUF_MEDIA_TYPE } from '../protobuf/media.ts'
import type { GenericRegistry } from '../registry/generic-registry.ts'
import type { WatchCache } from '../registry/watch-cache.ts'
import type { Query } from '../query.ts'
import type { ResourceRequest } from '../request-info.ts'

/** Everything a generic resource handler gets: the parsed request and the registry of its kind. */
export interface HandlerContext {
  koa: Context
  req: ResourceRequest
  registry: GenericRegistry
  watchCache: WatchCache
  query: Query
  log: Logger
  /** The request as the strategies of its writes see it (WriteOptions.request). */
  request: RequestScope
}

/**
 * Sends a body with a status code and Content-Type: JSON, or Kubernetes protobuf when the body would be JSON but
 * the client lists protobuf first (client-go typed clients) and the object's kind has a protobuf schema.
 */
export function respond(koa: Context, status: number, body: unknown, contentType = 'application/json'): void {
  koa.status = status
  const proto = contentType === 'application/json' && prefersProtobuf(koa.get('accept')) ? encodeProtobufResponse(body) : undefined
  if (proto) {
    koa.type = PROTOBUF_MEDIA_TYPE
    koa.body = Buffer.from(proto.buffer, proto.byteOffset, proto.byteLength)
    return
  }
  koa.type = contentType
  koa.body = JSON.stringify(body)
}
