import { ApiError, methodNotAllowed } from '../../errors/api-error.ts'
import type { Verb } from '../registry/resource-definition.ts'
import { boolParam } from '../query.ts'
import { deleteCollectionHandler, deleteHandler } from './delete.ts'
import type { HandlerContext } from './handler-context.ts'
import { getHandler, listHandler } from './read.ts'
import { watchHandler } from './watch.ts'
import { createHandler, patchHandler, updateHandler } from './write.ts'

type Handler = (h: HandlerContext) => Promise<void>

/** The verb of a resource request, as apiserver's RequestInfo names it. */
function verbOf(method: string, h: HandlerContext): Verb | undefined {
  const named = Boolean(h.req.name)
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (h.req.watchPrefix || boolParam(h.query, 'watch')) return 'watch'
      return named ? 'get' : 'list'
    case 'POST':
      return 'create'
    case 'PUT':
      return named ? 'update' : undefined
    case 'PATCH':
      return named ? 'patch' : undefined
    case 'DELETE':
      return named ? 'delete' : 'deletecollection'
    default:
      return undefined
  }
}

const HANDLERS: Record<Verb, Handler> = {
  get: getHandler,
  list: listHandler,
  watch: watchHandler,
  create: createHandler,
  update: updateHandler,
  patch: patchHandler,
  delete: deleteHandler,
  deletecollection: deleteCollectionHandler,
}

const notFoundPath = () => new ApiError(404, 'NotFound', 'the server could not find the requested resource')

/** Routes a resource request to its generic handler, after checking the kind allows the verb there. */
export async function dispatch(h: HandlerContext): Promise<void> {
  const { req, registry } = h
  const def = registry.def
  // A named namespaced object needs its namespace in the path; a cluster-scoped one has none.
  if (def.namespaced ? req.name && !req.namespace : req.namespace) throw notFoundPath()
  const verb = verbOf(h.koa.method, h)
  if (!verb) throw methodNotAllowed(`the server does not allow this method on the requested resource`)
  const sub = req.subresource ? def.subresources?.[req.subresource] : undefined
  if (req.subresource && !sub) throw notFoundPath()
  if (req.subresource && (!req.name || verb === 'watch')) throw notFoundPath()
  const allowed = sub ? sub.verbs : def.verbs
  if (!allowed.includes(verb)) throw methodNotAllowed(`the server does not allow this method on the requested resource`)
  if (verb === 'create' && req.name && !req.subresource) throw methodNotAllowed(`the server does not allow this method on the requested resource`)
  await HANDLERS[verb](h)
}
