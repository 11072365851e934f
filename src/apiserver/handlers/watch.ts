import type { KubeObject } from '../../api/meta.ts'
import { statusOf } from '../../errors/to-status.ts'
import { ApiError } from '../../errors/api-error.ts'
import { negotiateResponse, type ResponseShape } from '../negotiation.ts'
import { boolParam, includeObject, intParam, listOptions, param } from '../query.ts'
import type { ListOptions } from '../registry/generic-registry.ts'
import { watchSelection, type SelectionWatch, type WatchEventType } from '../registry/watch-selection.ts'
import { buildTable, contentTypeFor, partialObjectMetadata, renderSplicedJson } from '../render.ts'
import type { StoredValue } from '../../bus/events.ts'
import type { ResourceDefinition } from '../registry/resource-definition.ts'
import type { HandlerContext } from './handler-context.ts'

const BOOKMARK_INTERVAL_MS = 60_000
/** A watcher this far behind (bytes not yet taken by the socket) is cut off; it will re-watch. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024
/**
 * Without timeoutSeconds (or with 0, which clients such as Python's `timeout_seconds=0` send to mean "none"), a
 * watch lasts 30–60 minutes, as the apiserver's --min-request-timeout spreads them.
 */
const defaultTimeoutSeconds = () => 1800 + Math.floor(Math.random() * 1800)

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'

/** The event line of a stored object, encoded once (JSON, then UTF-8) however many watchers receive it. */
const encoded = new WeakMap<KubeObject, { json: string; lines: Partial<Record<EventType, Buffer>> }>()
function eventLine(type: EventType, obj: KubeObject): Buffer {
  let enc = encoded.get(obj)
  if (enc === undefined) encoded.set(obj, (enc = { json: JSON.stringify(obj), lines: {} }))
  return (enc.lines[type] ??= Buffer.from(`{"type":"${type}","object":${enc.json}}\n`))
}

const LINE_HEADS = Object.fromEntries(
  (['ADDED', 'MODIFIED', 'DELETED'] as const).map((type) => [type, Buffer.from(`{"type":"${type}","object":`)]),
) as Record<WatchEventType, Buffer>
const LINE_END = Buffer.from('}\n')
/**
 * The event line of a change from the watch cache, its stored JSON spliced as a GET's is (no JSON.stringify of
 * the decoded object), made once however many watchers receive it; undefined when the value must be decoded.
 */
const storedLines = new WeakMap<StoredValue, Partial<Record<WatchEventType, Buffer>>>()
function storedEventLine(def: ResourceDefinition, type: WatchEventType, stored: StoredValue): Buffer | undefined {
  let lines = storedLines.get(stored)
  if (lines === undefined) storedLines.set(stored, (lines = {}))
  return (lines[type] ??= renderSplicedJson(def, stored, LINE_HEADS[type], LINE_END))
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
  const requestedTimeout = intParam(query, 'timeoutSeconds')
  const timeoutSeconds = requestedTimeout && requestedTimeout > 0 ? requestedTimeout : defaultTimeoutSeconds()
  const rv = param(query, 'resourceVersion') ?? ''

  koa.respond = false
  const res = koa.res
  let closed = false
  let columnsSent = false
  let lastRevision = 0
  // The events of one turn of the event loop (an etcd watch response carries several) go out in one write: the
  // first line corks the socket and the next tick uncorks it, instead of a writev syscall per event.
  let corked = false
  const uncork = () => {
    corked = false
    res.uncork()
  }
  const writeLine = (line: string | Buffer) => {
    if (closed) return
    if (!corked) {
      corked = true
      res.cork()
      process.nextTick(uncork)
    }
    res.write(line)
    if (res.writableLength > MAX_BUFFERED_BYTES) finish()
  }
  const write = (type: EventType, objectJsonText: string) => writeLine(`{"type":"${type}","object":${objectJsonText}}\n`)
  const render = (type: WatchEventType, obj: KubeObject, stored?: StoredValue) => {
    lastRevision = Math.max(lastRevision, Number(obj.metadata.resourceVersion) || 0)
    if (shape.as === 'object') return writeLine((stored && storedEventLine(registry.def, type, stored)) ?? eventLine(type, obj))
    write(type, JSON.stringify(renderEventObject(registry.def, obj, shape, include, !columnsSent)))
    columnsSent = true
  }
  const startStream = () => {
    if (res.headersSent) return
    res.statusCode = 200
    res.setHeader('Content-Type', contentTypeFor(shape))
    res.setHeader('Cache-Control', 'no-cache, private')
    res.socket?.setNoDelay(true)
    res.flushHeaders()
  }

  let watch: SelectionWatch | undefined
  const finish = () => {
    if (closed) return
    closed = true
    clearTimeout(timer)
    clearInterval(ticker)
    watch?.close()
    startStream() // a timeout that falls during the initial list still ends a (then empty) 200 stream
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
    // Events are only written once the initial list (if any) succeeded, so a bad request still gets a plain error.
    const pending: [WatchEventType, KubeObject, StoredValue | undefined][] = []
    let started = false
    watch = await watchSelection(registry, watchCache, sel, rv, {
      event: (type, obj, stored) => (started ? render(type, obj, stored) : pending.push([type, obj, stored])),
      end: (err) => {
        startStream()
        write('ERROR', JSON.stringify(statusOf(new ApiError(410, 'Expired', `too old resource version: ${rv} (${err.message})`))))
        finish()
      },
    }, { initialEvents: sendInitialEvents })
    startStream()
    started = true
    lastRevision = watch.startRevision
    for (const [type, obj, stored] of pending) render(type, obj, stored)
    if (sendInitialEvents && bookmarks)
      write('BOOKMARK', JSON.stringify(bookmark(registry.def, watch.startRevision, { 'k8s.io/initial-events-end': 'true' })))
  } catch (err) {
    if (!res.headersSent) {
      closed = true
      clearTimeout(timer)
      clearInterval(ticker)
      koa.respond = true
      throw err
    }
    write('ERROR', JSON.stringify(statusOf(err instanceof ApiError ? err : new ApiError(410, 'Expired', `too old resource version: ${rv}`))))
    finish()
  }
  if (closed) watch?.close()
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
