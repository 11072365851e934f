/** `kubectl get horizontalpodautoscalers`: printHorizontalPodAutoscaler of printers.go, over the autoscaling/v2 shape. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, arr, column, int, nameColumn, obj, str } from './format.ts'

const quantity = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '0')

/** formatHPAMetrics: `current/target` of the first two metrics, `<none>` without any. */
export function formatHPAMetrics(specs: unknown, statuses: unknown): string {
  const list = arr(specs)
  const current = arr(statuses)
  if (list.length === 0) return '<none>'
  const cells: string[] = []
  list.forEach((raw, i) => {
    const spec = obj(raw)
    const status = obj(current[i])
    const sourceOf = (key: string) => obj(spec[key])
    const statusOf = (key: string) => (current.length > i && status[key] ? obj(status[key]) : undefined)
    switch (spec.type) {
      case 'External':
      case 'Object': {
        const key = spec.type === 'External' ? 'external' : 'object'
        const target = obj(sourceOf(key).target)
        const st = statusOf(key)
        if (target.averageValue !== undefined) {
          const cur = st && obj(st.current).averageValue !== undefined ? quantity(obj(st.current).averageValue) : '<unknown>'
          cells.push(`${cur}/${quantity(target.averageValue)} (avg)`)
        } else {
          const cur = st ? quantity(obj(st.current).value) : '<unknown>'
          cells.push(`${cur}/${quantity(target.value)}`)
        }
        break
      }
      case 'Pods': {
        const st = statusOf('pods')
        cells.push(`${st ? quantity(obj(st.current).averageValue) : '<unknown>'}/${quantity(obj(sourceOf('pods').target).averageValue)}`)
        break
      }
      case 'Resource':
      case 'ContainerResource': {
        const key = spec.type === 'Resource' ? 'resource' : 'containerResource'
        const source = sourceOf(key)
        const target = obj(source.target)
        const st = statusOf(key)
        if (target.averageValue !== undefined) {
          const cur = st ? quantity(obj(st.current).averageValue) : '<unknown>'
          cells.push(`${str(source.name)}: ${cur}/${quantity(target.averageValue)}`)
        } else {
          const utilization = st ? obj(st.current).averageUtilization : undefined
          const cur = typeof utilization === 'number' ? `${utilization}%` : '<unknown>'
          const tgt = typeof target.averageUtilization === 'number' ? `${target.averageUtilization}%` : '<auto>'
          cells.push(`${str(source.name)}: ${cur}/${tgt}`)
        }
        break
      }
      default:
        cells.push('<unknown type>')
    }
  })
  const max = 2
  if (cells.length > max) return `${cells.slice(0, max).join(', ')} + ${cells.length - max} more...`
  return cells.join(', ')
}

export const horizontalPodAutoscalerTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Reference', 'string', 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
    column('Targets', 'string', 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).'),
    column('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    column('MaxPods', 'string', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.'),
    column('Replicas', 'string', 'currentReplicas is current number of replicas of pods managed by this autoscaler.'),
    ageColumn(),
  ],
  row(hpa: KubeObject, now: Date): unknown[] {
    const spec = obj(hpa.spec)
    const ref = obj(spec.scaleTargetRef)
    return [
      str(hpa.metadata?.name),
      `${str(ref.kind)}/${str(ref.name)}`,
      formatHPAMetrics(spec.metrics, obj(hpa.status).currentMetrics),
      typeof spec.minReplicas === 'number' ? String(spec.minReplicas) : '<unset>',
      int(spec.maxReplicas),
      int(obj(hpa.status).currentReplicas),
      age(hpa, now),
    ]
  },
}
