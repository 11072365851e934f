import { Readable } from 'node:stream'
import { notFound } from '../../errors/api-error.ts'
import { negotiateResponse, prefersProtobuf } from '../negotiation.ts'
import { includeObject, listOptions } from '../query.ts'
import { decodePage, isCachedPage } from '../registry/cached-list.ts'
import { contentTypeFor, renderCachedListJson, renderList, renderObject, renderStoredJson } from '../render.ts'
import { respond, type HandlerContext } from './handler-context.ts'

/** GET one object (or a subresource view of it: status is the whole object, scale its Scale). */
export async function getHandler({ koa, req, registry, query }: HandlerContext): Promise<void> {
  if (!req.subresource) {
    const accept = koa.get('accept')
    const shape = negotiateResponse(accept, true)
    // A plain JSON object: the stored JSON goes out as it is, not parsed and serialized again.
    if (shape.as === 'object' && shape.format === 'json' && !prefersProtobuf(accept)) {
      const body = renderStoredJson(registry, await registry.getStored(req.namespace, req.name))
      koa.status = 200
      koa.type = 'application/json'
      koa.body = body
      return
    }
  }
  const obj = await registry.get(req.namespace, req.name)
  const view = req.subresource ? registry.def.subresources?.[req.subresource]?.view : undefined
  if (view) return respond(koa, 200, view.get(obj))
  // A part-of-the-object subresource (status, ephemeralcontainers) shows the whole object.
  if (req.subresource && !registry.def.subresources?.[req.subresource]?.merge) throw notFound(registry.ref(req.name))
  const shape = negotiateResponse(koa.get('accept'), true)
  respond(koa, 200, renderObject(registry.def, obj, shape, includeObject(query)), contentTypeFor(shape))
}

/** GET a collection: a List, a Table, or a PartialObjectMetadataList, as the Accept header asks. */
export async function listHandler({ koa, req, registry, query }: HandlerContext): Promise<void> {
  const accept = koa.get('accept')
  const shape = negotiateResponse(accept, true)
  const include = includeObject(query)
  const page = await registry.listPage(listOptions(query, registry, req.namespace))
  if (!isCachedPage(page)) return respond(koa, 200, renderList(registry.def, page.items, page, shape, include), contentTypeFor(shape))
  // A plain JSON List from the cache: the stored JSON goes out as it is, not parsed and serialized again.
  if (shape.as === 'object' && !prefersProtobuf(accept)) {
    const { chunks, length, release } = renderCachedListJson(registry, page)
    // 'finish': every chunk was handed to the socket, so they can serve another body (not on an aborted response).
    koa.res.once('finish', release)
    koa.status = 200
    koa.type = contentTypeFor(shape)
    koa.body = chunks.length === 1 ? chunks[0] : Readable.from(chunks, { objectMode: false })
    koa.length = length
    return
  }
  respond(koa, 200, renderList(registry.def, decodePage(registry, page), page, shape, include), contentTypeFor(shape))
}
