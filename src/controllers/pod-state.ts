/** What controllers read from a pod's status (k8s.io/kubernetes pkg/api/v1/pod/util.go, pkg/controller/controller_utils.go). */
import type { KubeObject } from '../api/meta.ts'

export const podKey = (pod: KubeObject) => `${pod.metadata.namespace ?? ''}/${pod.metadata.name}`

export function podCondition(pod: KubeObject, type: string): any {
  return (pod.status?.conditions ?? []).find((c: any) => c?.type === type)
}

export const isPodReady = (pod: KubeObject): boolean => podCondition(pod, 'Ready')?.status === 'True'

export const isPodTerminal = (pod: KubeObject): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'

/** FilterActivePods: neither finished nor being deleted. */
export const isPodActive = (pod: KubeObject): boolean => !isPodTerminal(pod) && !pod.metadata.deletionTimestamp

/** IsPodAvailable: ready, and ready for at least minReadySeconds. */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false
  if (!minReadySeconds) return true
  const since = Date.parse(podCondition(pod, 'Ready')?.lastTransitionTime ?? '')
  return !Number.isNaN(since) && since + minReadySeconds * 1000 < now
}

/** When a ready pod that is not yet available becomes available (ms), for a look at that moment. */
export function availableAt(pod: KubeObject, minReadySeconds: number): number | undefined {
  if (!isPodReady(pod) || !minReadySeconds) return undefined
  const since = Date.parse(podCondition(pod, 'Ready')?.lastTransitionTime ?? '')
  return Number.isNaN(since) ? undefined : since + minReadySeconds * 1000
}
