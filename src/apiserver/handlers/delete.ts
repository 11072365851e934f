import { contentTypeOf, decodeObjectBody, readBody } from '../body.ts'
import { deleteOptions, isDryRun, listOptions } from '../query.ts'
import { renderList } from '../render.ts'
import { respond, type HandlerContext } from './handler-context.ts'

/** DeleteOptions come as a JSON body (kubectl, Python) or in the query (client-node); both are read. */
async function readDeleteOptions(h: HandlerContext) {
  const raw = await readBody(h.koa.req)
  const body = raw.length && raw.toString().trim() ? decodeObjectBody(raw, contentTypeOf(h.koa.req)) : undefined
  const opts = deleteOptions(h.query, body)
  return { opts, dryRun: isDryRun(opts.dryRun) }
}

/** DELETE one object: 200 with the object (gone, or marked with deletionTimestamp while finalizers run). */
export async function deleteHandler(h: HandlerContext): Promise<void> {
  const { opts, dryRun } = await readDeleteOptions(h)
  const obj = await h.registry.delete(h.req.namespace, h.req.name, opts, { dryRun })
  respond(h.koa, 200, obj)
}

/** DELETE a collection: every selected object; answers the list of what was deleted. */
export async function deleteCollectionHandler(h: HandlerContext): Promise<void> {
  const { opts, dryRun } = await readDeleteOptions(h)
  const result = await h.registry.deleteCollection(listOptions(h.query, h.registry, h.req.namespace), opts, { dryRun })
  respond(h.koa, 200, renderList(h.registry.def, result.items, result, { as: 'object', format: 'json' }, 'Metadata'))
}
