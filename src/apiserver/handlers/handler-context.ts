import type { Context } from 'koa'
import type { Logger } from '../../log/logger.ts'
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
}

/** Sends a JSON body with a status code and Content-Type. */
export function respond(koa: Context, status: number, body: unknown, contentType = 'application/json'): void {
  koa.status = status
  koa.type = contentType
  koa.body = JSON.stringify(body)
}
