/** `kubectl get pods`: printPod of kubernetes pkg/printers/internalversion/printers.go. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, arr, column, humanDuration, int, nameColumn, obj, parseTime, str } from './format.ts'

/** node.NodeUnreachablePodReason: set by the node lifecycle controller on pods of an unreachable node. */
const NODE_UNREACHABLE_POD_REASON = 'NodeLost'

const hasCondition = (status: Record<string, any>, type: string) =>
  arr(status.conditions).some((c) => c?.type === type && c?.status === 'True')

/** podutil.IsRestartableInitContainer: a sidecar (`restartPolicy: Always` on an init container). */
const isRestartable = (c: Record<string, any> | undefined) => c?.restartPolicy === 'Always'

export interface PodSummary {
  ready: string
  status: string
  restarts: string
}

/** The READY, STATUS and RESTARTS cells, as printPod computes them. */
export function podSummary(pod: KubeObject, now: Date): PodSummary {
  const spec = obj(pod.spec)
  const status = obj(pod.status)
  const specContainers = arr(spec.containers)
  const specInitContainers = arr(spec.initContainers)

  let restarts = 0
  let restartableInitContainerRestarts = 0
  let totalContainers = specContainers.length
  let readyContainers = 0
  let lastRestartDate: number | undefined
  let lastRestartableInitContainerRestartDate: number | undefined
  const later = (current: number | undefined, t: number | undefined) =>
    t !== undefined && (current === undefined || current < t) ? t : current

  const podPhase = str(status.phase)
  let reason = str(status.reason) || podPhase

  // {type: PodScheduled, reason: SchedulingGated} shows as SchedulingGated.
  for (const c of arr(status.conditions)) {
    if (c?.type === 'PodScheduled' && c?.reason === 'SchedulingGated') reason = 'SchedulingGated'
  }

  const initContainers = new Map<string, Record<string, any>>()
  for (const c of specInitContainers) {
    initContainers.set(str(c?.name), obj(c))
    if (isRestartable(c)) totalContainers++
  }

  let initializing = false
  const initStatuses = arr(status.initContainerStatuses)
  for (let i = 0; i < initStatuses.length; i++) {
    const container = obj(initStatuses[i])
    const state = obj(container.state)
    const lastTerminated = container.lastState?.terminated
    restarts += int(container.restartCount)
    if (lastTerminated) lastRestartDate = later(lastRestartDate, parseTime(lastTerminated.finishedAt))
    const restartable = isRestartable(initContainers.get(str(container.name)))
    if (restartable) {
      restartableInitContainerRestarts += int(container.restartCount)
      if (lastTerminated)
        lastRestartableInitContainerRestartDate = later(lastRestartableInitContainerRestartDate, parseTime(lastTerminated.finishedAt))
    }
    const terminated = state.terminated ? obj(state.terminated) : undefined
    const waiting = state.waiting ? obj(state.waiting) : undefined
    if (terminated && int(terminated.exitCode) === 0) continue
    if (restartable && container.started === true) {
      if (container.ready === true) readyContainers++
      continue
    }
    if (terminated) {
      // initialization failed
      if (!str(terminated.reason)) {
        reason = int(terminated.signal) !== 0 ? `Init:Signal:${int(terminated.signal)}` : `Init:ExitCode:${int(terminated.exitCode)}`
      } else {
        reason = 'Init:' + str(terminated.reason)
      }
      initializing = true
    } else if (waiting && str(waiting.reason) && waiting.reason !== 'PodInitializing') {
      reason = 'Init:' + str(waiting.reason)
      initializing = true
    } else {
      reason = `Init:${i}/${specInitContainers.length}`
      initializing = true
    }
    break
  }

  if (!initializing || hasCondition(status, 'Initialized')) {
    restarts = restartableInitContainerRestarts
    lastRestartDate = lastRestartableInitContainerRestartDate
    let hasRunning = false
    const statuses = arr(status.containerStatuses)
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = obj(statuses[i])
      const state = obj(container.state)
      restarts += int(container.restartCount)
      const lastTerminated = container.lastState?.terminated
      if (lastTerminated) lastRestartDate = later(lastRestartDate, parseTime(lastTerminated.finishedAt))
      const waiting = state.waiting ? obj(state.waiting) : undefined
      const terminated = state.terminated ? obj(state.terminated) : undefined
      if (waiting && str(waiting.reason)) {
        reason = str(waiting.reason)
      } else if (terminated && str(terminated.reason)) {
        reason = str(terminated.reason)
      } else if (terminated) {
        reason = int(terminated.signal) !== 0 ? `Signal:${int(terminated.signal)}` : `ExitCode:${int(terminated.exitCode)}`
      } else if (container.ready === true && state.running) {
        hasRunning = true
        readyContainers++
      }
    }
    // Back to "Running" if at least one container is still running.
    if (reason === 'Completed' && hasRunning) reason = hasCondition(status, 'Ready') ? 'Running' : 'NotReady'
  }

  const deleting = !!pod.metadata?.deletionTimestamp
  if (deleting && status.reason === NODE_UNREACHABLE_POD_REASON) reason = 'Unknown'
  else if (deleting && podPhase !== 'Succeeded' && podPhase !== 'Failed') reason = 'Terminating'

  let restartsStr = String(restarts)
  if (restarts !== 0 && lastRestartDate !== undefined) restartsStr = `${restarts} (${humanDuration(now.getTime() - lastRestartDate)} ago)`

  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsStr }
}

function readinessGates(spec: Record<string, any>, status: Record<string, any>): string {
  const gates = arr(spec.readinessGates)
  if (gates.length === 0) return '<none>'
  const conditions = arr(status.conditions)
  let trueConditions = 0
  for (const gate of gates) {
    const c = conditions.find((c) => c?.type === gate?.conditionType)
    if (c?.status === 'True') trueConditions++
  }
  return `${trueConditions}/${gates.length}`
}

export const podTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageColumn(),
    column('IP', 'string', 'IP address allocated to the pod. Routable at least within the cluster.', 1),
    column('Node', 'string', 'NodeName is a request to schedule this pod onto a specific node.', 1),
    column('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node.', 1),
    column('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  row(pod: KubeObject, now: Date): unknown[] {
    const spec = obj(pod.spec)
    const status = obj(pod.status)
    const { ready, status: reason, restarts } = podSummary(pod, now)
    // v1 → internal conversion: podIP wins over podIPs[0] (an older kubelet may set only podIP).
    const podIP = str(status.podIP) || str(arr(status.podIPs)[0]?.ip) || '<none>'
    return [
      str(pod.metadata?.name),
      ready,
      reason,
      restarts,
      age(pod, now),
      podIP,
      str(spec.nodeName) || '<none>',
      str(status.nominatedNodeName) || '<none>',
      readinessGates(spec, status),
    ]
  },
}
