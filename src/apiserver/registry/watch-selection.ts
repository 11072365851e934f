import type { KubeObject } from '../../api/meta.ts'
import type { ObjectChanged, StoredValue } from '../../bus/events.ts'
import type { GenericRegistry, Selection } from './generic-registry.ts'
import { parseResourceVersion } from './resource-version.ts'
import type { WatchCache } from './watch-cache.ts'

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface WatchSink {
  /** `stored`: the object's stored JSON, when the event comes from the watch cache (see ObjectChanged.stored). */
  event(type: WatchEventType, object: KubeObject, stored?: StoredValue): void
  /** The watch can not go on (history compacted, cache reset): the client must relist. */
  end(err: Error): void
}

export interface SelectionWatch {
  /** The revision the watch started after (a LIST's revision when it began with the existing objects). */
  startRevision: number
  close(): void
}

/**
 * A watch of one kind's objects in a selection, shared by HTTP watches and in-process clients: without a
 * resourceVersion (or "0") it first sends ADDED for every existing match, then every change after it; an
 * object that moves into the selection arrives as ADDED, one that moves out as DELETED (as the apiserver does).
 */
export async function watchSelection(
  registry: GenericRegistry,
  cache: WatchCache,
  sel: Selection,
  resourceVersion: string | undefined,
  sink: WatchSink,
  opts: { initialEvents?: boolean } = {},
): Promise<SelectionWatch> {
  let startRevision: number
  const initial = !resourceVersion || resourceVersion === '0' || opts.initialEvents
  if (initial) {
    const listed = await registry.list({ ...sel })
    startRevision = Number(listed.resourceVersion)
    for (const obj of listed.items) sink.event('ADDED', obj)
  } else startRevision = parseResourceVersion(resourceVersion)

  const deliver = (change: ObjectChanged) => {
    const object = registry.fromStorage(change.object)
    const matchesNow = registry.matches(object, sel)
    const stored = change.stored
    if (change.type === 'DELETED') {
      if (matchesNow) sink.event('DELETED', object, stored)
      return
    }
    const matchedBefore = change.type === 'MODIFIED' && change.previous !== undefined && registry.matches(registry.fromStorage(change.previous), sel)
    if (matchesNow) sink.event(matchedBefore ? 'MODIFIED' : 'ADDED', object, stored)
    else if (matchedBefore) sink.event('DELETED', object, stored)
  }
  const subscription = await cache.subscribe(startRevision, { change: deliver, end: (err) => sink.end(err) })
  return { startRevision, close: () => subscription.close() }
}
