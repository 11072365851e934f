import type { KubeObject } from '../api/meta.ts'
import { formatTime } from '../api/meta.ts'
import type { ApiClient } from './api-client.ts'
import { core } from './api-client.ts'
import type { Logger } from '../log/logger.ts'
import { randomSuffix } from '../util/random.ts'

const EVENTS = core('events')

/**
 * Records core/v1 Events about objects (what `kubectl describe` lists), as client-go's recorder does:
 * a repeat of the same event within the aggregation window bumps `count` and `lastTimestamp` instead of
 * creating another object. Failures are logged, never thrown: events are best effort.
 */
export class EventRecorder {
  private readonly recent = new Map<string, { name: string; namespace: string; count: number; first: string }>()

  constructor(
    private readonly client: ApiClient,
    private readonly component: string,
    private readonly host: string,
    private readonly log: Logger,
  ) {}

  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void {
    void this.record(obj, type, reason, message, fieldPath).catch((err) => this.log.debug({ err: err.message, reason }, 'event not recorded'))
  }

  private async record(obj: KubeObject, type: string, reason: string, message: string, fieldPath?: string): Promise<void> {
    const namespace = obj.metadata.namespace || 'default'
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
    const key = `${obj.metadata.uid}|${fieldPath ?? ''}|${type}|${reason}|${message}`
    const now = new Date()
    const seen = this.recent.get(key)
    if (seen) {
      seen.count++
      await this.client.patch(EVENTS, seen.namespace, seen.name, 'application/merge-patch+json', { count: seen.count, lastTimestamp: formatTime(now) })
      return
    }
    const name = `${obj.metadata.name}.${Date.now().toString(16)}${randomSuffix(4)}`
    const first = formatTime(now)
    this.recent.set(key, { name, namespace, count: 1, first })
    if (this.recent.size > 4096) this.recent.delete(this.recent.keys().next().value!)
    await this.client.create(EVENTS, namespace, {
      metadata: { name, namespace },
      involvedObject,
      reason,
      message,
      type,
      // Cluster components (the scheduler) have no host: upstream leaves source.host out for them.
      source: this.host ? { component: this.component, host: this.host } : { component: this.component },
      firstTimestamp: first,
      lastTimestamp: first,
      count: 1,
      eventTime: null,
      reportingComponent: this.component,
      reportingInstance: this.host || this.component,
    })
  }
}
