import type { KubeObject } from '../../api/meta.ts'
import { ApiError, badRequest, methodNotAllowed, unsupportedMediaType } from '../../errors/api-error.ts'
import type { FieldManagerOptions } from '../apply/field-manager.ts'
import { forceOf, requestFieldManager } from '../apply/request.ts'
import { contentTypeOf, decodeObjectBody, readBody } from '../body.ts'
import { negotiateResponse } from '../negotiation.ts'
import { APPLY_PATCH, parsePatch, SUPPORTED_PATCH_TYPES } from '../patch/apply-patch.ts'
import { isDryRun } from '../query.ts'
import type { TryUpdate } from '../registry/generic-registry.ts'
import { contentTypeFor, renderObject } from '../render.ts'
import { validateObjectBody, validatePatch } from '../validation/field-validation.ts'
import { respond, type HandlerContext } from './handler-context.ts'

async function objectBody(h: HandlerContext): Promise<KubeObject> {
  const raw = await readBody(h.koa.req)
  const contentType = contentTypeOf(h.koa.req)
  const body = decodeObjectBody(raw, contentType)
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a JSON or YAML object')
  // fieldValidation: unknown/duplicate fields are a 400 (Strict), warnings (Warn) or dropped (Warn, Ignore).
  validateObjectBody(h, body, raw, contentType)
  return body
}

function respondObject(h: HandlerContext, status: number, obj: KubeObject): void {
  const view = h.req.subresource ? h.registry.def.subresources?.[h.req.subresource]?.view : undefined
  if (view) return respond(h.koa, status, view.get(obj))
  const shape = negotiateResponse(h.koa.get('accept'), true)
  respond(h.koa, status, renderObject(h.registry.def, obj, shape, 'Metadata'), contentTypeFor(shape))
}

/** POST to a collection: create. POST to an action subresource (pods/binding): apply the action. */
export async function createHandler(h: HandlerContext): Promise<void> {
  const { req, registry, query } = h
  const dryRun = isDryRun(query.dryRun)
  const fieldManager = requestFieldManager(query, h.koa.get('user-agent'), 'CreateOptions')
  const body = await objectBody(h)
  if (req.subresource) {
    const action = registry.def.subresources?.[req.subresource]?.action
    if (!action) throw methodNotAllowed(`POST is not supported on ${registry.def.plural}/${req.subresource}`)
    await registry.update(req.namespace, req.name, (current) => action(current, body), { subresource: req.subresource, dryRun, fieldManager, request: h.request })
    return respond(h.koa, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 })
  }
  const created = await registry.create(req.namespace, body, { dryRun, fieldManager, request: h.request })
  respondObject(h, 201, created)
}

/** PUT: replace the object, or the part a subresource covers. */
export async function updateHandler(h: HandlerContext): Promise<void> {
  const fieldManager = requestFieldManager(h.query, h.koa.get('user-agent'), 'UpdateOptions')
  const body = await objectBody(h)
  await runUpdate(h, () => body, fieldManager)
}

/**
 * PATCH: JSON Patch, JSON Merge Patch, strategic merge patch or server-side apply, applied to the latest object
 * (again on a conflict). An apply to an object that does not exist creates it (201).
 */
export async function patchHandler(h: HandlerContext): Promise<void> {
  // The patch applies to what the subresource shows (an autoscaling/v1 Scale for scale), else to the object.
  const sub = h.req.subresource ? h.registry.def.subresources?.[h.req.subresource] : undefined
  const raw = await readBody(h.koa.req)
  const contentType = contentTypeOf(h.koa.req)
  if (!SUPPORTED_PATCH_TYPES.includes(contentType)) throw unsupportedMediaType(contentType || '(none)', SUPPORTED_PATCH_TYPES)
  const isApply = contentType === APPLY_PATCH
  const fieldManager = requestFieldManager(h.query, h.koa.get('user-agent'), 'PatchOptions', isApply)
  const force = forceOf(h.query, isApply)
  // Server-side apply through a view of another kind (scale) is not served.
  if (isApply && sub?.view) throw unsupportedMediaType(contentType, SUPPORTED_PATCH_TYPES.filter((t) => t !== APPLY_PATCH))
  const apply = isApply ? { def: h.registry.def, fieldManager, force, subresource: h.req.subresource || undefined } : undefined
  const patcher = parsePatch(contentType, raw, sub?.kind ?? h.registry.def, apply)
  // fieldValidation, checked on the patched object (and the patch's own duplicate keys), as Kubernetes does.
  const change = validatePatch(h, patcher, raw, contentType)
  if (!isApply || h.req.subresource) return runUpdate(h, change, fieldManager)
  try {
    return await runUpdate(h, change, fieldManager)
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404 && err.details?.name === h.req.name && err.details?.kind === h.registry.def.plural)) throw err
  }
  // Create-on-apply: the configuration applied to an empty object.
  const obj = change({ metadata: {} })
  if (obj.metadata.name !== h.req.name) throw badRequest(`the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${h.req.name})`)
  const created = await h.registry.create(h.req.namespace, obj, { dryRun: isDryRun(h.query.dryRun), fieldManager, request: h.request })
  respondObject(h, 201, created)
}

/** Runs an update through the subresource's view when it has one (scale), else on the whole object. */
async function runUpdate(h: HandlerContext, change: (current: KubeObject) => KubeObject, fieldManager: FieldManagerOptions): Promise<void> {
  const { req, registry, query } = h
  const sub = req.subresource ? registry.def.subresources?.[req.subresource] : undefined
  const view = sub?.view
  const tryUpdate: TryUpdate = view ? (current) => view.apply(current, change(view.get(current))) : change
  // The managedFields entry names the subresource written, also when it is written through its view (scale).
  fieldManager.subresource = req.subresource || undefined
  const updated = await registry.update(req.namespace, req.name, tryUpdate, {
    subresource: view ? undefined : req.subresource || undefined,
    dryRun: isDryRun(query.dryRun),
    fieldManager,
    request: h.request,
  })
  respondObject(h, 200, updated)
}
