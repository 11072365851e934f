import type { KubeObject } from '../api/meta.ts'
import { formatTime } from '../api/meta.ts'
import type { ApiClient } from './api-client.ts'
import { core } from './api-client.ts'
import { ApiError } from '../errors/api-error.ts'
import type { Logger } from '../log/logger.ts'

const EVENTS = core('events')
/** Event writes in flight at once per recorder (client-go writes one at a time per broadcaster). */
const MAX_IN_FLIGHT = 8
/** Events waiting to be written before new ones are dropped (client-go's maxQueuedEvents is 1,000). */
const MAX_QUEUED = 10_000
/** Remembered events, for counting repeats (client-go's LRU holds 4,096). */
const MAX_RECENT = 4096

interface Recent {
  name: string
  namespace: string
  count: number
  /** Settles once the Event object exists (or failed to be created): a repeat's patch waits for it. */
  created: Promise<boolean>
}

/** The last name suffix handed out in this process, in nanoseconds since the epoch. */
let lastNanos = 0n

/**
 * client-go's event name, `<object name>.<hex nanoseconds>`: unique in the process (strictly increasing), no
 * randomness needed (crypto random suffixes were ~1% of a busy cluster's CPU).
 */
function eventName(objectName: string | undefined): string {
  const now = BigInt(Date.now()) * 1_000_000n
  lastNanos = now > lastNanos ? now : lastNanos + 1n
  return `${objectName}.${lastNanos.toString(16)}`
}

/**
 * Records core/v1 Events about objects (what `kubectl describe` lists), as client-go's recorder does:
 * a repeat of the same event within the aggregation window bumps `count` and `lastTimestamp` instead of
 * creating another object. Failures are logged, never thrown: events are best effort.
 *
 * Asynchronous like client-go's EventBroadcaster: event() only queues, and a few writes at a time drain the queue,
 * so a burst of pod starts (four events each) does not put thousands of event writes ahead of the bindings and
 * status updates that make the pods progress. A queue grown past MAX_QUEUED drops new events, as client-go does.
 */
export class EventRecorder {
  private readonly recent = new Map<string, Recent>()
  private readonly queue: (() => Promise<void>)[] = []
  private inFlight = 0
  private dropped = 0

  constructor(
    private readonly client: ApiClient,
    private readonly component: string,
    private readonly host: string,
    private readonly log: Logger,
  ) {}

  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void {
    if (this.queue.length >= MAX_QUEUED) {
      if (this.dropped++ % 1000 === 0) this.log.warn({ reason, dropped: this.dropped }, 'too many queued events; dropping')
      return
    }
    // Built now: the object's resourceVersion and the time are those of when it happened.
    const write = this.prepare(obj, type, reason, message, fieldPath)
    this.queue.push(() => write().catch((err) => this.log.debug({ err: err.message, reason }, 'event not recorded')))
    this.drain()
  }

  private drain(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length) {
      const next = this.queue.shift()!
      this.inFlight++
      void next().finally(() => {
        this.inFlight--
        this.drain()
      })
    }
  }

  /** Decides now whether this is a new event or a repeat; returns the write to do. */
  private prepare(obj: KubeObject, type: string, reason: string, message: string, fieldPath?: string): () => Promise<void> {
    const namespace = obj.metadata.namespace || 'default'
    const key = `${obj.metadata.uid}|${fieldPath ?? ''}|${type}|${reason}|${message}`
    const now = formatTime()
    const seen = this.recent.get(key)
    if (seen) {
      const count = ++seen.count
      return async () => {
        if (!(await seen.created)) return
        await this.client.patch(EVENTS, seen.namespace, seen.name, 'application/merge-patch+json', { count, lastTimestamp: now })
      }
    }
    const involvedObject: Record<string, unknown> = {
      apiVersion: obj.apiVersion ?? 'v1',
      kind: obj.kind ?? 'Pod',
      name: obj.metadata.name,
      namespace: obj.metadata.namespace ?? '',
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
    }
    if (!obj.metadata.namespace) delete involvedObject.namespace
    if (fieldPath) involvedObject.fieldPath = fieldPath
    let settle!: (ok: boolean) => void
    const entry: Recent = { name: eventName(obj.metadata.name), namespace, count: 1, created: new Promise((resolve) => (settle = resolve)) }
    this.recent.set(key, entry)
    if (this.recent.size > MAX_RECENT) this.recent.delete(this.recent.keys().next().value!)
    const event = {
      metadata: { name: entry.name, namespace },
      involvedObject,
      reason,
      message,
      type,
      // Cluster components (the scheduler) have no host: upstream leaves source.host out for them.
      source: this.host ? { component: this.component, host: this.host } : { component: this.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      eventTime: null,
      reportingComponent: this.component,
      reportingInstance: this.host || this.component,
    }
    return async () => {
      try {
        await this.client.create(EVENTS, namespace, event)
        settle(true)
      } catch (err) {
        // Another process's recorder took the name in the same nanosecond: once more, under a new one.
        if (!(err instanceof ApiError && err.code === 409)) {
          settle(false)
          throw err
        }
        entry.name = event.metadata.name = eventName(obj.metadata.name)
        await this.client.create(EVENTS, namespace, event).then(
          () => settle(true),
          (e) => {
            settle(false)
            throw e
          },
        )
      }
    }
  }
}
