/**
 * autoscaling/v2 HorizontalPodAutoscaler (stored in its shape) and autoscaling/v1, a view of the same objects:
 * the CPU-utilization target maps to targetCPUUtilizationPercentage, everything v1 cannot say travels in the
 * annotations Kubernetes uses for it (autoscaling.alpha.kubernetes.io/metrics, current-metrics, conditions,
 * behavior; pkg/apis/autoscaling/v1/conversion.go). No controller scales anything here.
 */
import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { isPathSegmentName } from '../../api/validation.ts'
import { horizontalPodAutoscalerTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'
import { asObject, Causes, checkSelector, objects } from './checks.ts'
import { statusSubresource } from './subresources.ts'

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource']
/** The source field of each metric type. */
const SOURCE: Record<string, string> = { ContainerResource: 'containerResource', External: 'external', Object: 'object', Pods: 'pods', Resource: 'resource' }
const DEFAULT_CPU_UTILIZATION = 80

const cpuUtilizationMetric = (averageUtilization: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } } })

/** GenerateHPAScaleUpRules / GenerateHPAScaleDownRules: the rules given, completed with the defaults. */
function scalingRules(given: unknown, up: boolean): Record<string, any> {
  const rules: Record<string, any> = { ...(asObject(given) ?? {}) }
  if (up) rules.stabilizationWindowSeconds ??= 0
  rules.selectPolicy ??= 'Max'
  rules.policies ??= up
    ? [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ]
    : [{ type: 'Percent', value: 100, periodSeconds: 15 }]
  return rules
}

/** SetDefaults_HorizontalPodAutoscaler (autoscaling/v2). */
function defaultHpa(hpa: KubeObject): void {
  const spec = (hpa.spec ??= {})
  spec.minReplicas ??= 1
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) spec.metrics = [cpuUtilizationMetric(DEFAULT_CPU_UTILIZATION)]
  if (asObject(spec.behavior)) {
    spec.behavior.scaleUp = scalingRules(spec.behavior.scaleUp, true)
    spec.behavior.scaleDown = scalingRules(spec.behavior.scaleDown, false)
  }
}

function validateScaleTarget(c: Causes, spec: any): void {
  const ref = asObject(spec?.scaleTargetRef) ?? {}
  if (!ref.kind) c.required('spec.scaleTargetRef.kind')
  else for (const m of isPathSegmentName(String(ref.kind))) c.invalid('spec.scaleTargetRef.kind', ref.kind, m)
  if (!ref.name) c.required('spec.scaleTargetRef.name')
  else for (const m of isPathSegmentName(String(ref.name))) c.invalid('spec.scaleTargetRef.name', ref.name, m)
}

function validateReplicas(c: Causes, spec: any): void {
  if (spec?.minReplicas !== undefined && spec.minReplicas !== null) c.atLeast('spec.minReplicas', spec.minReplicas, 1)
  if (!Number.isInteger(spec?.maxReplicas) || spec.maxReplicas < 1) c.invalid('spec.maxReplicas', spec?.maxReplicas ?? 0, 'must be greater than 0')
  else if (Number.isInteger(spec.minReplicas) && spec.maxReplicas < spec.minReplicas) c.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`')
}

/** validateMetrics / validateBehavior of autoscaling/v2. */
function validateHpa(hpa: KubeObject): StatusCause[] {
  const c = new Causes()
  const spec = hpa.spec ?? {}
  validateScaleTarget(c, spec)
  validateReplicas(c, spec)
  objects(spec.metrics).forEach((m, i) => {
    const at = `spec.metrics[${i}]`
    if (!m.type) c.required(`${at}.type`, 'must specify a metric source type')
    else if (!METRIC_TYPES.includes(m.type)) c.notSupported(`${at}.type`, m.type, METRIC_TYPES)
    else {
      const source = asObject(m[SOURCE[m.type]!])
      if (!source) c.required(`${at}.${SOURCE[m.type]}`, 'must populate information for the given metric source')
      else {
        const target = asObject(source.target)
        if (!target) c.required(`${at}.${SOURCE[m.type]}.target`, 'must specify a metric target')
        else c.oneOf(`${at}.${SOURCE[m.type]}.target.type`, target.type, ['AverageValue', 'Utilization', 'Value'])
        const metric = asObject(source.metric)
        if (metric?.selector) checkSelector(c, `${at}.${SOURCE[m.type]}.metric.selector`, metric.selector, false)
      }
    }
    for (const [type, field] of Object.entries(SOURCE)) if (type !== m.type && m[field] !== undefined && m[field] !== null) c.forbidden(`${at}.${field}`, 'must populate the given metric source only')
  })
  const behavior = asObject(spec.behavior)
  for (const direction of ['scaleUp', 'scaleDown'] as const) {
    const rules = asObject(behavior?.[direction])
    if (!rules) continue
    const at = `spec.behavior.${direction}`
    c.oneOf(`${at}.selectPolicy`, rules.selectPolicy, ['Disabled', 'Max', 'Min'])
    if (rules.stabilizationWindowSeconds !== undefined && (!Number.isInteger(rules.stabilizationWindowSeconds) || rules.stabilizationWindowSeconds < 0 || rules.stabilizationWindowSeconds > 3600))
      c.invalid(`${at}.stabilizationWindowSeconds`, rules.stabilizationWindowSeconds, 'must be less than or equal to 3600')
    objects(rules.policies).forEach((p, i) => {
      c.oneOf(`${at}.policies[${i}].type`, p.type, ['Percent', 'Pods'])
      if (!Number.isInteger(p.value) || p.value <= 0) c.invalid(`${at}.policies[${i}].value`, p.value, 'must be greater than zero')
      if (!Number.isInteger(p.periodSeconds) || p.periodSeconds <= 0 || p.periodSeconds > 1800) c.invalid(`${at}.policies[${i}].periodSeconds`, p.periodSeconds, 'must be greater than zero and less than or equal to 1800')
    })
  }
  return c.list
}

export const horizontalpodautoscalers: ResourceDefinition = {
  group: 'autoscaling',
  version: 'v2',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  shortNames: ['hpa'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    tracksGeneration: true,
    prepareForCreate(hpa) {
      defaultHpa(hpa)
      hpa.status = { desiredReplicas: 0 }
    },
    prepareForUpdate: defaultHpa,
    validate: validateHpa,
  },
  subresources: { status: statusSubresource },
  table: horizontalPodAutoscalerTable,
}

// ---- autoscaling/v1 over the same objects -------------------------------------------------------------------------

export const HPA_ANNOTATIONS = {
  metrics: 'autoscaling.alpha.kubernetes.io/metrics',
  currentMetrics: 'autoscaling.alpha.kubernetes.io/current-metrics',
  conditions: 'autoscaling.alpha.kubernetes.io/conditions',
  behavior: 'autoscaling.alpha.kubernetes.io/behavior',
} as const

/** Drops undefined values (an absent Go pointer is not written). */
const compact = (o: Record<string, unknown>): Record<string, any> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

/** A v2 MetricSpec as autoscaling/v1's MetricSpec (the shape of the metrics annotation). */
function metricSpecToV1(m: Record<string, any>): Record<string, any> {
  const target = (s: any) => asObject(s?.target) ?? {}
  switch (m.type) {
    case 'Object': {
      const s = asObject(m.object) ?? {}
      return { type: 'Object', object: compact({ target: s.describedObject, metricName: s.metric?.name, targetValue: target(s).value ?? '0', selector: s.metric?.selector, averageValue: target(s).averageValue }) }
    }
    case 'Pods': {
      const s = asObject(m.pods) ?? {}
      return { type: 'Pods', pods: compact({ metricName: s.metric?.name, targetAverageValue: target(s).averageValue ?? '0', selector: s.metric?.selector }) }
    }
    case 'Resource':
    case 'ContainerResource': {
      const key = m.type === 'Resource' ? 'resource' : 'containerResource'
      const s = asObject(m[key]) ?? {}
      return { type: m.type, [key]: compact({ name: s.name, container: s.container, targetAverageUtilization: target(s).averageUtilization, targetAverageValue: target(s).averageValue }) }
    }
    case 'External': {
      const s = asObject(m.external) ?? {}
      return { type: 'External', external: compact({ metricName: s.metric?.name, metricSelector: s.metric?.selector, targetValue: target(s).value, targetAverageValue: target(s).averageValue }) }
    }
    default:
      return { type: m.type }
  }
}

/** autoscaling/v1's MetricSpec back to v2 (Convert_v1_MetricSpec_To_autoscaling_MetricSpec). */
function metricSpecFromV1(m: Record<string, any>): Record<string, any> {
  switch (m.type) {
    case 'Object': {
      const s = asObject(m.object) ?? {}
      return { type: 'Object', object: { describedObject: s.target, metric: compact({ name: s.metricName, selector: s.selector }), target: compact({ type: s.averageValue === undefined ? 'Value' : 'AverageValue', value: s.targetValue, averageValue: s.averageValue }) } }
    }
    case 'Pods': {
      const s = asObject(m.pods) ?? {}
      return { type: 'Pods', pods: { metric: compact({ name: s.metricName, selector: s.selector }), target: compact({ type: 'AverageValue', averageValue: s.targetAverageValue }) } }
    }
    case 'Resource':
    case 'ContainerResource': {
      const key = m.type === 'Resource' ? 'resource' : 'containerResource'
      const s = asObject(m[key]) ?? {}
      const type = s.targetAverageUtilization === undefined ? 'AverageValue' : 'Utilization'
      return { type: m.type, [key]: compact({ name: s.name, container: s.container, target: compact({ type, averageUtilization: s.targetAverageUtilization, averageValue: s.targetAverageValue }) }) }
    }
    case 'External': {
      const s = asObject(m.external) ?? {}
      return { type: 'External', external: { metric: compact({ name: s.metricName, selector: s.metricSelector }), target: compact({ type: s.targetValue === undefined ? 'AverageValue' : 'Value', value: s.targetValue, averageValue: s.targetAverageValue }) } }
    }
    default:
      return { type: m.type }
  }
}

/** A v2 MetricStatus as autoscaling/v1's MetricStatus (the shape of the current-metrics annotation). */
function metricStatusToV1(m: Record<string, any>): Record<string, any> {
  const current = (s: any) => asObject(s?.current) ?? {}
  switch (m.type) {
    case 'Object': {
      const s = asObject(m.object) ?? {}
      return { type: 'Object', object: compact({ target: s.describedObject, metricName: s.metric?.name, currentValue: current(s).value ?? '0', selector: s.metric?.selector, averageValue: current(s).averageValue }) }
    }
    case 'Pods': {
      const s = asObject(m.pods) ?? {}
      return { type: 'Pods', pods: compact({ metricName: s.metric?.name, currentAverageValue: current(s).averageValue ?? '0', selector: s.metric?.selector }) }
    }
    case 'Resource':
    case 'ContainerResource': {
      const key = m.type === 'Resource' ? 'resource' : 'containerResource'
      const s = asObject(m[key]) ?? {}
      return { type: m.type, [key]: compact({ name: s.name, container: s.container, currentAverageUtilization: current(s).averageUtilization, currentAverageValue: current(s).averageValue ?? '0' }) }
    }
    case 'External': {
      const s = asObject(m.external) ?? {}
      return { type: 'External', external: compact({ metricName: s.metric?.name, metricSelector: s.metric?.selector, currentValue: current(s).value ?? '0', currentAverageValue: current(s).averageValue }) }
    }
    default:
      return { type: m.type }
  }
}

function metricStatusFromV1(m: Record<string, any>): Record<string, any> {
  switch (m.type) {
    case 'Object': {
      const s = asObject(m.object) ?? {}
      return { type: 'Object', object: { describedObject: s.target, metric: compact({ name: s.metricName, selector: s.selector }), current: compact({ value: s.currentValue, averageValue: s.averageValue }) } }
    }
    case 'Pods': {
      const s = asObject(m.pods) ?? {}
      return { type: 'Pods', pods: { metric: compact({ name: s.metricName, selector: s.selector }), current: compact({ averageValue: s.currentAverageValue }) } }
    }
    case 'Resource':
    case 'ContainerResource': {
      const key = m.type === 'Resource' ? 'resource' : 'containerResource'
      const s = asObject(m[key]) ?? {}
      return { type: m.type, [key]: compact({ name: s.name, container: s.container, current: compact({ averageUtilization: s.currentAverageUtilization, averageValue: s.currentAverageValue }) }) }
    }
    case 'External': {
      const s = asObject(m.external) ?? {}
      return { type: 'External', external: { metric: compact({ name: s.metricName, selector: s.metricSelector }), current: compact({ value: s.currentValue, averageValue: s.currentAverageValue }) } }
    }
    default:
      return { type: m.type }
  }
}

const isCpuUtilization = (m: Record<string, any>) => m.type === 'Resource' && m.resource?.name === 'cpu' && typeof m.resource?.target?.averageUtilization === 'number'

function parseAnnotation(annotations: Record<string, string>, key: string): any[] | Record<string, any> | undefined {
  const raw = annotations[key]
  if (raw === undefined) return undefined
  try {
    return JSON.parse(raw)
  } catch {
    return undefined
  }
}

/** The stored autoscaling/v2 object as autoscaling/v1 shows it. */
export function hpaToV1(hpa: KubeObject): KubeObject {
  const spec = asObject(hpa.spec) ?? {}
  const status = asObject(hpa.status) ?? {}
  const metrics = objects(spec.metrics)
  const cpu = metrics.find(isCpuUtilization)
  const others = metrics.filter((m) => m !== cpu)
  const annotations: Record<string, string> = { ...(hpa.metadata?.annotations ?? {}) }
  if (others.length) annotations[HPA_ANNOTATIONS.metrics] = JSON.stringify(others.map(metricSpecToV1))
  const currentMetrics = objects(status.currentMetrics)
  if (currentMetrics.length) annotations[HPA_ANNOTATIONS.currentMetrics] = JSON.stringify(currentMetrics.map(metricStatusToV1))
  if (asObject(spec.behavior)) annotations[HPA_ANNOTATIONS.behavior] = JSON.stringify(spec.behavior)
  if (objects(status.conditions).length) annotations[HPA_ANNOTATIONS.conditions] = JSON.stringify(status.conditions)
  const currentCpu = currentMetrics.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu' && typeof m.resource?.current?.averageUtilization === 'number')
  const metadata = { ...hpa.metadata }
  if (Object.keys(annotations).length) metadata.annotations = annotations
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: compact({ scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas ?? 0, targetCPUUtilizationPercentage: cpu?.resource.target.averageUtilization }),
    status: compact({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentCPUUtilizationPercentage: currentCpu?.resource.current.averageUtilization,
    }),
  }
}

/** An autoscaling/v1 object in the stored autoscaling/v2 shape (Convert_v1_HorizontalPodAutoscaler_To_autoscaling_…). */
export function hpaFromV1(v1: KubeObject): KubeObject {
  const spec = asObject(v1.spec) ?? {}
  const status = asObject(v1.status)
  const annotations: Record<string, string> = { ...(v1.metadata?.annotations ?? {}) }
  const otherMetrics = parseAnnotation(annotations, HPA_ANNOTATIONS.metrics)
  const currentMetrics = parseAnnotation(annotations, HPA_ANNOTATIONS.currentMetrics)
  const behavior = parseAnnotation(annotations, HPA_ANNOTATIONS.behavior)
  const conditions = parseAnnotation(annotations, HPA_ANNOTATIONS.conditions)
  for (const key of Object.values(HPA_ANNOTATIONS)) delete annotations[key]
  const metrics = [...objects(otherMetrics).map(metricSpecFromV1)]
  if (typeof spec.targetCPUUtilizationPercentage === 'number') metrics.push(cpuUtilizationMetric(spec.targetCPUUtilizationPercentage))
  // autoscaling/v1's implicit default, made explicit (as the conversion does).
  if (metrics.length === 0) metrics.push(cpuUtilizationMetric(DEFAULT_CPU_UTILIZATION))
  const metadata = { ...v1.metadata }
  if (Object.keys(annotations).length) metadata.annotations = annotations
  else delete metadata.annotations
  const out: KubeObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: compact({ scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas, metrics, behavior: asObject(behavior) }),
  }
  if (status) {
    let current = objects(currentMetrics).map(metricStatusFromV1)
    if (!currentMetrics && typeof status.currentCPUUtilizationPercentage === 'number')
      current = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }]
    out.status = compact({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentMetrics: current.length ? current : undefined,
      conditions: Array.isArray(conditions) && conditions.length ? conditions : undefined,
    })
  }
  return out
}

/**
 * The v1 object as it reads back once stored (the implicit 80% CPU target made explicit, the annotations
 * recomputed): what a create or an update answers, as Kubernetes answers with the stored object converted back.
 */
function asStored(hpa: KubeObject): void {
  const back = hpaToV1(hpaFromV1(hpa))
  hpa.spec = back.spec
  if (hpa.status !== undefined) hpa.status = back.status
  if (back.metadata.annotations) hpa.metadata.annotations = back.metadata.annotations
  else delete hpa.metadata.annotations
}

export const horizontalpodautoscalersV1: ResourceDefinition = {
  group: 'autoscaling',
  version: 'v1',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  shortNames: ['hpa'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    tracksGeneration: true,
    prepareForCreate(hpa) {
      hpa.spec ??= {}
      hpa.spec.minReplicas ??= 1
      hpa.status = { currentReplicas: 0, desiredReplicas: 0 }
      asStored(hpa)
    },
    prepareForUpdate(hpa) {
      ;(hpa.spec ??= {}).minReplicas ??= 1
      asStored(hpa)
    },
    validate(hpa) {
      const c = new Causes()
      validateScaleTarget(c, hpa.spec)
      validateReplicas(c, hpa.spec)
      c.atLeast('spec.targetCPUUtilizationPercentage', hpa.spec?.targetCPUUtilizationPercentage, 1)
      return c.list
    },
  },
  subresources: { status: statusSubresource },
  table: { columns: horizontalPodAutoscalerTable.columns, row: (hpa, now) => horizontalPodAutoscalerTable.row(hpaFromV1(hpa), now) },
  storage: { group: 'autoscaling', resource: 'horizontalpodautoscalers', toStorage: hpaFromV1, fromStorage: hpaToV1 },
}
