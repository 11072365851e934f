import { notFound } from '../../errors/api-error.ts'
import { negotiateResponse } from '../negotiation.ts'
import { includeObject, listOptions } from '../query.ts'
import { contentTypeFor, renderList, renderObject } from '../render.ts'
import { respond, type HandlerContext } from './handler-context.ts'

/** GET one object (or a subresource view of it: status is the whole object, scale its Scale). */
export async function getHandler({ koa, req, registry, query }: HandlerContext): Promise<void> {
  const obj = await registry.get(req.namespace, req.name)
  const view = req.subresource ? registry.def.subresources?.[req.subresource]?.view : undefined
  if (view) return respond(koa, 200, view.get(obj))
  if (req.subresource && req.subresource !== 'status') throw notFound(registry.ref(req.name))
  const shape = negotiateResponse(koa.get('accept'), true)
  respond(koa, 200, renderObject(registry.def, obj, shape, includeObject(query)), contentTypeFor(shape))
}

/** GET a collection: a List, a Table, or a PartialObjectMetadataList, as the Accept header asks. */
export async function listHandler({ koa, req, registry, query }: HandlerContext): Promise<void> {
  const shape = negotiateResponse(koa.get('accept'), true)
  const result = await registry.list(listOptions(query, registry, req.namespace))
  respond(koa, 200, renderList(registry.def, result.items, result, shape, includeObject(query)), contentTypeFor(shape))
}
