import type { KubeObject } from '../../api/meta.ts'
import type { ObjectChanged } from '../../bus/events.ts'
import { statusOf } from '../../errors/to-status.ts'
import { ApiError } from '../../errors/api-error.ts'
import { negotiateResponse, type ResponseShape } from '../negotiation.ts'
import { boolParam, includeObject, intParam, listOptions, param } from '../query.ts'
import { parseResourceVersion, type ListOptions } from '../registry/generic-registry.ts'
import { buildTable, contentTypeFor, partialObjectMetadata } from '../render.ts'
import type { HandlerContext } from './handler-context.ts'

const BOOKMARK_INTERVAL_MS = 60_000
/** A watcher this far behind (bytes not yet taken by the socket) is cut off; it will re-watch. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024
/** Without timeoutSeconds, a watch lasts 30–60 minutes, as the apiserver's --min-request-timeout spreads them. */
const defaultTimeoutSeconds = () => 1800 + Math.floor(Math.random() * 1800)

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'

/** The JSON of a stored object, encoded once however many watchers receive it. */
const encoded = new WeakMap<KubeObject, string>()
function objectJson(obj: KubeObject): string {
  let json = encoded.get(obj)
  if (json === undefined) encoded.set(obj, (json = JSON.stringify(obj)))
  return json
}

/**
 * A watch stream: newline-delimited `{"type","object"}` events, flushed one by one. Without a
 * resourceVersion (or with "0") it starts with an ADDED event per existing object; with one, it
 * sends every change after it. Objects moving into or out of the selection arrive as ADDED / DELETED.
 */
export async function watchHandler(h: HandlerContext): Promise<void> {
  const { koa, req, registry, query, watchCache } = h
  const shape = negotiateResponse(koa.get('accept'), true)
  const include = includeObject(query)
  const sel: ListOptions = listOptions(query, registry, req.namespace)
  if (req.name) sel.fieldSelector = [...(sel.fieldSelector ?? []), { field: 'metadata.name', operator: '=', value: req.name }]
  const bookmarks = boolParam(query, 'allowWatchBookmarks')
  const sendInitialEvents = boolParam(query, 'sendInitialEvents')
  const timeoutSeconds = intParam(query, 'timeoutSeconds') ?? defaultTimeoutSeconds()
  const rv = param(query, 'resourceVersion') ?? ''

  const res = koa.res
  let closed = false
  let headerSent = false
  const write = (type: EventType, objectJsonText: string) => {
    if (closed) return
    res.write(`{"type":"${type}","object":${objectJsonText}}\n`)
    if (res.writableLength > MAX_BUFFERED_BYTES) finish()
  }
  const render = (type: EventType, obj: KubeObject) => {
    if (shape.as === 'object') return write(type, objectJson(obj))
    write(type, JSON.stringify(renderEventObject(registry.def, obj, shape, include, !headerSent)))
    headerSent = true
  }

  let initialRevision: number
  let initial: KubeObject[] = []
  if (!rv || rv === '0' || sendInitialEvents) {
    const listed = await registry.list({ ...sel, limit: undefined, continue: undefined, resourceVersion: undefined })
    initial = listed.items
    initialRevision = Number(listed.resourceVersion)
  } else initialRevision = parseResourceVersion(rv)

  koa.respond = false
  res.statusCode = 200
  res.setHeader('Content-Type', contentTypeFor(shape))
  res.setHeader('Cache-Control', 'no-cache, private')
  res.socket?.setNoDelay(true)
  res.flushHeaders()

  let lastRevision = initialRevision
  for (const obj of initial) render('ADDED', obj)
  if (sendInitialEvents && bookmarks)
    write('BOOKMARK', JSON.stringify(bookmark(registry.def, lastRevision, { 'k8s.io/initial-events-end': 'true' })))

  const deliver = (change: ObjectChanged) => {
    lastRevision = change.resourceVersion
    const object = registry.fromStorage(change.object)
    const matchesNow = registry.matches(object, sel)
    if (change.type === 'DELETED') {
      if (matchesNow) render('DELETED', object)
      return
    }
    const matchedBefore = change.type === 'MODIFIED' && change.previous !== undefined && registry.matches(registry.fromStorage(change.previous), sel)
    if (matchesNow) render(matchedBefore ? 'MODIFIED' : 'ADDED', object)
    else if (matchedBefore) render('DELETED', object)
  }

  let subscription: { close(): void } | undefined
  const finish = () => {
    if (closed) return
    closed = true
    clearTimeout(timer)
    clearInterval(ticker)
    subscription?.close()
    res.end()
  }
  const timer = setTimeout(finish, timeoutSeconds * 1000)
  const ticker = setInterval(() => {
    if (bookmarks) write('BOOKMARK', JSON.stringify(bookmark(registry.def, Math.max(lastRevision, watchCache.revision))))
  }, BOOKMARK_INTERVAL_MS)
  koa.req.on('close', finish)
  res.on('close', finish)
  res.on('error', finish)

  try {
    subscription = await watchCache.subscribe(initialRevision, {
      change: deliver,
      end: (err) => {
        write('ERROR', JSON.stringify(statusOf(new ApiError(410, 'Expired', `too old resource version: ${initialRevision} (${err.message})`))))
        finish()
      },
    })
  } catch (err) {
    const status = statusOf(err instanceof ApiError ? err : new ApiError(410, 'Expired', `too old resource version: ${initialRevision}`))
    write('ERROR', JSON.stringify(status))
    finish()
  }
  if (closed) subscription?.close()
}

function bookmark(def: HandlerContext['registry']['def'], revision: number, annotations?: Record<string, string>) {
  const metadata: Record<string, unknown> = { resourceVersion: String(revision) }
  if (annotations) metadata.annotations = annotations
  return { kind: def.kind, apiVersion: def.group ? `${def.group}/${def.version}` : def.version, metadata }
}

/** With a Table Accept, each event carries a one-row Table; column definitions only in the first. */
function renderEventObject(def: HandlerContext['registry']['def'], obj: KubeObject, shape: ResponseShape, include: ReturnType<typeof includeObject>, withHeaders: boolean) {
  if (shape.as === 'Table') return buildTable(def, [obj], { version: shape.version, include, resourceVersion: obj.metadata.resourceVersion, withHeaders })
  return partialObjectMetadata(obj, shape.as === 'object' ? 'v1' : shape.version)
}
