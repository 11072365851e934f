/**
 * The built-in kinds charts and operator bundles bring (rbac, statefulsets, daemonsets, controllerrevisions,
 * cronjobs, poddisruptionbudgets, horizontalpodautoscalers, ingresses, ingressclasses, networkpolicies, volumes and
 * claims, limitranges, resourcequotas, podtemplates, storageclasses, priorityclasses, webhook configurations):
 * their schemas on the protobuf wire, their defaults and validation (the strategies, as pure functions), the
 * autoscaling/v1 view of autoscaling/v2 objects, and their tables.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { KubeObject, StatusCause } from '../../src/api/meta.ts'
import { apiSchemas } from '../../src/api/schema/types/index.ts'
import { decodeProtobufObject } from '../../src/apiserver/protobuf/decode-object.ts'
import { encodeProtobufObject } from '../../src/apiserver/protobuf/encode-object.ts'
import { ProtoWriter, WireType } from '../../src/apiserver/protobuf/wire.ts'
import {
  clusterRoleBindingTable,
  controllerRevisionTable,
  createdAtTable,
  cronJobTable,
  daemonSetTable,
  horizontalPodAutoscalerTable,
  ingressClassTable,
  ingressTable,
  networkPolicyTable,
  persistentVolumeClaimTable,
  persistentVolumeTable,
  podDisruptionBudgetTable,
  podTemplateTable,
  priorityClassTable,
  resourceQuotaTable,
  roleBindingTable,
  statefulSetTable,
  storageClassTable,
  webhookConfigurationTable,
} from '../../src/apiserver/printers/index.ts'
import type { ResourceDefinition, StrategyContext } from '../../src/apiserver/registry/resource-definition.ts'
import { builtinResources } from '../../src/apiserver/resources/index.ts'
import { hpaFromV1, hpaToV1, HPA_ANNOTATIONS } from '../../src/apiserver/resources/autoscaling.ts'
import { cronScheduleError } from '../../src/apiserver/resources/cronjobs.ts'

const NOW = new Date('2024-06-01T12:00:00Z')
const CREATED = '2024-06-01T11:58:00Z' // 2m before NOW

const def = (group: string, plural: string, version?: string): ResourceDefinition => {
  const d = builtinResources.find((x) => x.group === group && x.plural === plural && (!version || x.version === version))
  assert.ok(d, `${group}/${plural} is served`)
  return d
}
const ctx = { namespace: 'default', services: {} } as unknown as StrategyContext
const meta = (name: string) => ({ name, namespace: 'default', uid: 'u-1', creationTimestamp: CREATED })

/** The object as a create stores it: prepareForCreate, then the causes validate finds. */
async function create(d: ResourceDefinition, obj: Record<string, any>): Promise<{ obj: KubeObject; causes: StatusCause[] }> {
  const o = structuredClone(obj) as KubeObject
  o.metadata ??= meta('x')
  await d.strategy.prepareForCreate?.(o, ctx)
  return { obj: o, causes: d.strategy.validate?.(o) ?? [] }
}
/** An update of `old` to `next` (defaults applied): the causes of validate and validateUpdate. */
function update(d: ResourceDefinition, old: KubeObject, next: Record<string, any>): StatusCause[] {
  const o = structuredClone(next) as KubeObject
  d.strategy.prepareForUpdate?.(o, old, ctx)
  return [...(d.strategy.validate?.(o) ?? []), ...(d.strategy.validateUpdate?.(o, old) ?? [])]
}
const fields = (causes: StatusCause[]) => causes.map((c) => c.field)

const podTemplate = (labels: Record<string, string>, restartPolicy?: string) => ({
  metadata: { labels },
  spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'app', image: 'nginx:1.25' }] },
})

/** A runtime.Unknown envelope around message bytes (magic, typeMeta, raw). */
function envelope(apiVersion: string, kind: string, raw: Uint8Array): Uint8Array {
  const w = new ProtoWriter().raw(new Uint8Array([0x6b, 0x38, 0x73, 0x00]))
  w.tag(1, WireType.LEN)
  const m = w.fork()
  w.tag(1, WireType.LEN).string(apiVersion).tag(2, WireType.LEN).string(kind)
  w.join(m)
  w.tag(2, WireType.LEN).bytes(raw)
  return w.finish()
}
/** A length-delimited sub-message. */
const message = (w: ProtoWriter, field: number, body: (w: ProtoWriter) => void) => {
  w.tag(field, WireType.LEN)
  const m = w.fork()
  body(w)
  w.join(m)
}
const str = (w: ProtoWriter, field: number, s: string) => w.tag(field, WireType.LEN).string(s)

describe('built-in kinds on the protobuf wire (k8s.io/api v0.36.3 generated.proto numbers)', () => {
  it('declares the real field numbers', () => {
    const cases: [string, string, number][] = [
      ['io.k8s.api.rbac.v1.RoleBinding', 'roleRef', 3],
      ['io.k8s.api.apps.v1.StatefulSetSpec', 'volumeClaimTemplates', 4],
      ['io.k8s.api.apps.v1.StatefulSetSpec', 'serviceName', 5],
      ['io.k8s.api.batch.v1.CronJobSpec', 'jobTemplate', 5],
      ['io.k8s.api.batch.v1.CronJobSpec', 'timeZone', 8],
      ['io.k8s.api.policy.v1.PodDisruptionBudgetSpec', 'maxUnavailable', 3],
      ['io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec', 'metrics', 4],
      ['io.k8s.api.networking.v1.HTTPIngressPath', 'pathType', 3],
      ['io.k8s.api.core.v1.PersistentVolumeSpec', 'persistentVolumeSource', 2],
      ['io.k8s.api.core.v1.PersistentVolumeSpec', 'claimRef', 4],
      ['io.k8s.api.admissionregistration.v1.ValidatingWebhook', 'sideEffects', 6],
      ['io.k8s.api.scheduling.v1.PriorityClass', 'value', 2],
      ['io.k8s.api.storage.v1.StorageClass', 'provisioner', 2],
    ]
    for (const [type, name, proto] of cases) assert.equal(apiSchemas.get(type).fields.find((f) => f.name === name)?.proto, proto, `${type}.${name}`)
    const pvSource = apiSchemas.get('io.k8s.api.core.v1.PersistentVolumeSpec').fields.find((f) => f.name === 'persistentVolumeSource')
    assert.equal(pvSource?.inline, true, 'PersistentVolumeSource is inlined in JSON, one message on the wire')
    assert.equal(apiSchemas.get('io.k8s.api.rbac.v1.Subject').mapType, 'atomic')
    assert.equal(apiSchemas.get('io.k8s.api.policy.v1.PodDisruptionBudgetSpec').fields.find((f) => f.name === 'selector')?.patchStrategy, 'replace')
  })

  it('decodes the RoleBinding `kubectl create rolebinding` sends: empty Go strings dropped but roleRef.apiGroup', () => {
    const w = new ProtoWriter()
    message(w, 1, (m) => str(m, 1, 'rb'))
    for (const [kind, apiGroup, name, namespace] of [
      ['User', 'rbac.authorization.k8s.io', 'alice', ''],
      ['ServiceAccount', '', 'builder', 'default'],
    ])
      message(w, 2, (m) => {
        str(m, 1, kind!)
        str(m, 2, apiGroup!)
        str(m, 3, name!)
        str(m, 4, namespace!)
      })
    message(w, 3, (m) => {
      str(m, 1, 'rbac.authorization.k8s.io')
      str(m, 2, 'Role')
      str(m, 3, 'pod-reader')
    })
    assert.deepEqual(decodeProtobufObject(envelope('rbac.authorization.k8s.io/v1', 'RoleBinding', w.finish()), apiSchemas), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'rb' },
      subjects: [
        { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
        { kind: 'ServiceAccount', name: 'builder', namespace: 'default' },
      ],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
    })
  })

  it('decodes a CronJob through JobTemplateSpec and PodTemplateSpec, keeping suspend: false (a *bool)', () => {
    const w = new ProtoWriter()
    message(w, 1, (m) => str(m, 1, 'cj'))
    message(w, 2, (spec) => {
      str(spec, 1, '*/5 * * * *')
      spec.tag(4, WireType.VARINT).bool(false)
      message(spec, 5, (jt) => {
        message(jt, 1, (m) => str(m, 1, 'cj'))
        message(jt, 2, (js) =>
          message(js, 6, (pt) => {
            message(pt, 1, () => {})
            message(pt, 2, (ps) => {
              message(ps, 2, (c) => {
                str(c, 1, 'cj')
                str(c, 2, 'busybox:1.36')
              })
              str(ps, 3, 'OnFailure')
            })
          }),
        )
      })
    })
    const cj = decodeProtobufObject(envelope('batch/v1', 'CronJob', w.finish()), apiSchemas)
    assert.equal(cj.spec.schedule, '*/5 * * * *')
    assert.equal(cj.spec.suspend, false)
    assert.deepEqual(cj.spec.jobTemplate.spec.template.spec, { containers: [{ name: 'cj', image: 'busybox:1.36' }], restartPolicy: 'OnFailure' })
  })

  it('round-trips an object of every new kind through the protobuf codec', () => {
    const objects: KubeObject[] = [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cr' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }], aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] } },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's' }, spec: { replicas: 0, serviceName: 's', selector: { matchLabels: { a: 'b' } }, template: podTemplate({ a: 'b' }), volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }], updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: '50%' } } } },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: podTemplate({ a: 'b' }), updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } } },
      { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, data: { spec: { template: { x: 1 } } }, revision: 3 },
      { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p' }, spec: { minAvailable: '50%', selector: { matchLabels: { a: 'b' } } }, status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 } },
      { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'w' }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } }] } },
      { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'w' }, maxReplicas: 3, targetCPUUtilizationPercentage: 50 } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i' }, spec: { rules: [{ host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 's', port: { name: 'http' } } } }] } }] } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n' }, spec: { podSelector: {}, ingress: [{ ports: [{ protocol: 'TCP', port: 'http', endPort: 90 }] }], policyTypes: ['Ingress'] } },
      { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv' }, spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/x', type: '' }, claimRef: { namespace: 'a', name: 'b' } } },
      { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: '10', 'requests.cpu': '500m' }, scopes: ['BestEffort'] } },
      { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'sc' }, provisioner: 'example.com/x', parameters: { a: 'b' }, allowVolumeExpansion: false },
      { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'pc' }, value: 0, description: 'd' },
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'm' }, webhooks: [{ name: 'a.b.c', clientConfig: { caBundle: Buffer.from('ca').toString('base64'), url: 'https://x/y' }, sideEffects: 'None', admissionReviewVersions: ['v1'], timeoutSeconds: 10 }] },
    ]
    for (const obj of objects) assert.deepEqual(decodeProtobufObject(encodeProtobufObject(obj, apiSchemas), apiSchemas), obj, `${obj.kind}`)
  })
})

describe('rbac.authorization.k8s.io/v1', () => {
  const rb = def('rbac.authorization.k8s.io', 'rolebindings')
  const crb = def('rbac.authorization.k8s.io', 'clusterrolebindings')
  it('defaults roleRef.apiGroup and the group of User and Group subjects, not of ServiceAccounts', async () => {
    const { obj, causes } = await create(rb, { roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', name: 'a' }, { kind: 'ServiceAccount', name: 'default' }] })
    assert.deepEqual(causes, [])
    assert.equal(obj.roleRef.apiGroup, 'rbac.authorization.k8s.io')
    assert.deepEqual(obj.subjects, [{ kind: 'User', name: 'a', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'ServiceAccount', name: 'default' }])
  })
  it('validates roleRef and subjects; a cluster binding names the namespace of its service accounts', async () => {
    assert.deepEqual(fields((await create(rb, { roleRef: { kind: 'Deployment', name: '' }, subjects: [{ kind: 'Robot', name: 'x' }] })).causes), ['roleRef.kind', 'roleRef.name', 'subjects[0].kind'])
    assert.deepEqual(fields((await create(crb, { roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }] })).causes), ['roleRef.kind', 'subjects[0].namespace'])
  })
  it('refuses to change roleRef', async () => {
    const { obj } = await create(rb, { roleRef: { kind: 'Role', name: 'r' } })
    const causes = update(rb, obj, { ...obj, roleRef: { kind: 'ClusterRole', name: 'r' } })
    assert.deepEqual(causes.map((c) => (c.message ?? '').replace(/: .*: /, ': …: ')), ['Invalid value: …: cannot change roleRef'])
    assert.deepEqual(update(rb, obj, { ...obj, subjects: [{ kind: 'Group', name: 'g' }] }), [])
  })
  it('validates policy rules; non-resource URLs only in cluster roles', async () => {
    const role = def('rbac.authorization.k8s.io', 'roles')
    const clusterRole = def('rbac.authorization.k8s.io', 'clusterroles')
    const rules = [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }, { apiGroups: [''], resources: ['pods'] }]
    assert.deepEqual(fields((await create(role, { rules })).causes), ['rules[0].nonResourceURLs', 'rules[1].verbs'])
    assert.deepEqual(fields((await create(clusterRole, { rules })).causes), ['rules[1].verbs'])
    assert.equal(clusterRole.nameRule, 'path', 'system:controller:x is a valid name')
  })
})

describe('apps/v1 StatefulSet, DaemonSet', () => {
  const sts = def('apps', 'statefulsets')
  const ds = def('apps', 'daemonsets')
  it('defaults a StatefulSet as SetDefaults_StatefulSet, its claim templates as claims', async () => {
    const { obj, causes } = await create(sts, { spec: { selector: { matchLabels: { a: 'b' } }, template: podTemplate({ a: 'b' }), volumeClaimTemplates: [{ metadata: { name: 'd' }, spec: { accessModes: ['ReadWriteOnce'] } }] } })
    assert.deepEqual(causes, [])
    assert.equal(obj.spec.replicas, 1)
    assert.equal(obj.spec.podManagementPolicy, 'OrderedReady')
    assert.deepEqual(obj.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } })
    assert.deepEqual(obj.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' })
    assert.equal(obj.spec.revisionHistoryLimit, 10)
    assert.equal(obj.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem')
    assert.deepEqual(obj.spec.volumeClaimTemplates[0].status, { phase: 'Pending' })
    assert.deepEqual(obj.status, { replicas: 0, availableReplicas: 0 })
    assert.deepEqual(sts.subresources?.scale?.view?.get(obj).status, { replicas: 0, selector: 'a=b' })
  })
  it('lets an update change only the mutable StatefulSet fields', async () => {
    const { obj } = await create(sts, { spec: { serviceName: 'a', selector: { matchLabels: { a: 'b' } }, template: podTemplate({ a: 'b' }) } })
    assert.deepEqual(update(sts, obj, { ...obj, spec: { ...obj.spec, replicas: 5, minReadySeconds: 3 } }), [])
    assert.deepEqual(fields(update(sts, obj, { ...obj, spec: { ...obj.spec, serviceName: 'b' } })), ['spec'])
  })
  it('defaults a DaemonSet rolling update to maxUnavailable 1, maxSurge 0, and wants restartPolicy Always', async () => {
    const { obj, causes } = await create(ds, { spec: { selector: { matchLabels: { a: 'b' } }, template: podTemplate({ a: 'b' }) } })
    assert.deepEqual(causes, [])
    assert.deepEqual(obj.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } })
    assert.deepEqual(fields((await create(ds, { spec: { selector: { matchLabels: { a: 'b' } }, template: podTemplate({ a: 'c' }, 'Never') } })).causes), ['spec.template.metadata.labels', 'spec.template.spec.restartPolicy'])
  })
})

describe('batch/v1 CronJob', () => {
  const cj = def('batch', 'cronjobs')
  it('parses standard schedules and descriptors as robfig/cron does', () => {
    for (const ok of ['*/5 * * * *', '0 3 * * 1-5', '0 0 1 jan,jul *', '15 10 ? * MON-FRI', '@daily', '@every 1h30m', '0 0 * * 0'])
      assert.equal(cronScheduleError(ok), undefined, ok)
    assert.equal(cronScheduleError('every minute'), 'expected exactly 5 fields, found 2: [every minute]')
    assert.equal(cronScheduleError('60 * * * *'), 'end of range (60) above maximum (59): 60')
    assert.equal(cronScheduleError('@fortnightly'), 'unrecognized descriptor: @fortnightly')
  })
  it('defaults as SetDefaults_CronJob and validates the job template', async () => {
    const { obj, causes } = await create(cj, { spec: { schedule: '@hourly', jobTemplate: { spec: { template: podTemplate({}, 'OnFailure') } } } })
    assert.deepEqual(causes, [])
    assert.deepEqual([obj.spec.concurrencyPolicy, obj.spec.suspend, obj.spec.successfulJobsHistoryLimit, obj.spec.failedJobsHistoryLimit], ['Allow', false, 3, 1])
    const bad = await create(cj, { metadata: meta('x'.repeat(53)), spec: { schedule: '* * *', timeZone: 'Mars/Olympus', jobTemplate: { spec: { template: podTemplate({}) } } } })
    assert.deepEqual(fields(bad.causes), ['metadata.name', 'spec.schedule', 'spec.timeZone', 'spec.jobTemplate.spec.template.spec.restartPolicy'])
  })
})

describe('autoscaling: v2 defaults, the v1 view', () => {
  const hpa = def('autoscaling', 'horizontalpodautoscalers', 'v2')
  it('defaults minReplicas, an 80% CPU target and the behavior rules', async () => {
    const { obj } = await create(hpa, { spec: { scaleTargetRef: { kind: 'Deployment', name: 'w' }, maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } })
    assert.equal(obj.spec.minReplicas, 1)
    assert.deepEqual(obj.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }])
    assert.deepEqual(obj.spec.behavior.scaleDown, { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] })
    assert.equal(obj.spec.behavior.scaleUp.policies.length, 2)
  })
  it('shows the CPU target as targetCPUUtilizationPercentage and keeps the rest in annotations, both ways', () => {
    const v2: KubeObject = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h', namespace: 'default' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'w' },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [
          { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
        ],
      },
      status: { currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 30, averageValue: '100m' } } }] },
    }
    const v1 = hpaToV1(v2)
    assert.deepEqual(v1.spec, { scaleTargetRef: v2.spec.scaleTargetRef, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 60 })
    assert.equal(v1.status.currentCPUUtilizationPercentage, 30)
    assert.deepEqual(JSON.parse(v1.metadata.annotations![HPA_ANNOTATIONS.metrics]!), [{ type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } }])
    const back = hpaFromV1(v1)
    assert.deepEqual(back.spec, v2.spec)
    assert.deepEqual(back.status, v2.status)
    assert.equal(back.metadata.annotations, undefined)
  })
  it('gives a v1 object without a target the implicit 80% CPU target', () => {
    const v2 = hpaFromV1({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'w' }, maxReplicas: 2 } })
    assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }])
  })
})

describe('networking, storage, policy, scheduling, admission', () => {
  it('defaults a NetworkPolicy: port protocol TCP, policyTypes from the rules', async () => {
    const { obj } = await create(def('networking.k8s.io', 'networkpolicies'), { spec: { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] } })
    assert.deepEqual(obj.spec.policyTypes, ['Ingress', 'Egress'])
    assert.equal(obj.spec.egress[0].ports[0].protocol, 'TCP')
  })
  it('validates ingress paths and backends', async () => {
    const ing = def('networking.k8s.io', 'ingresses')
    const backend = (port: object) => ({ service: { name: 'web', port } })
    const { causes } = await create(ing, { spec: { rules: [{ http: { paths: [{ path: 'x', pathType: 'Exact', backend: backend({ name: 'http', number: 80 }) }, { path: '/', backend: backend({}) }] } }] } })
    assert.deepEqual(fields(causes), ['spec.rules[0].http.paths[0].path', 'spec.rules[0].http.paths[0].backend.service.port', 'spec.rules[0].http.paths[1].pathType', 'spec.rules[0].http.paths[1].backend.service.port'])
    assert.deepEqual(fields((await create(ing, { spec: {} })).causes), ['spec'])
  })
  it('keeps a claim spec but for its storage request; a volume has exactly one source', async () => {
    const pvc = def('', 'persistentvolumeclaims')
    const { obj, causes } = await create(pvc, { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } })
    assert.deepEqual(causes, [])
    assert.deepEqual(obj.status, { phase: 'Pending' })
    assert.deepEqual(update(pvc, obj, { ...obj, spec: { ...obj.spec, resources: { requests: { storage: '2Gi' } } } }), [])
    assert.deepEqual(fields(update(pvc, obj, { ...obj, spec: { ...obj.spec, storageClassName: 'other' } })), ['spec'])
    const pv = def('', 'persistentvolumes')
    const base = { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] }
    assert.deepEqual(fields((await create(pv, { spec: base })).causes), ['spec'])
    assert.deepEqual(fields((await create(pv, { spec: { ...base, hostPath: { path: '/a' }, nfs: { server: 'x', path: '/' } } })).causes), ['spec.nfs'])
    const created = await create(pv, { spec: { ...base, hostPath: { path: '/a' } } })
    assert.equal(created.obj.spec.persistentVolumeReclaimPolicy, 'Retain')
    assert.equal(created.obj.status.phase, 'Pending')
  })
  it('defaults LimitRange container items from max and default', async () => {
    const { obj, causes } = await create(def('', 'limitranges'), { spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } }] } })
    assert.deepEqual(causes, [])
    assert.deepEqual(obj.spec.limits[0].default, { cpu: '2' })
    assert.deepEqual(obj.spec.limits[0].defaultRequest, { cpu: '2', memory: '64Mi' })
  })
  it('fixes a StorageClass provisioner and parameters; a PriorityClass value', async () => {
    const sc = def('storage.k8s.io', 'storageclasses')
    const { obj } = await create(sc, { provisioner: 'example.com/a' })
    assert.deepEqual([obj.reclaimPolicy, obj.volumeBindingMode], ['Delete', 'Immediate'])
    assert.deepEqual(fields(update(sc, obj, { ...obj, provisioner: 'example.com/b', parameters: { a: 'b' } })), ['parameters', 'provisioner'])
    const pc = def('scheduling.k8s.io', 'priorityclasses')
    const created = await create(pc, { value: 10 })
    assert.equal(created.obj.preemptionPolicy, 'PreemptLowerPriority')
    assert.deepEqual(fields(update(pc, created.obj, { ...created.obj, value: 11 })), ['value'])
    assert.deepEqual(fields((await create(pc, { metadata: meta('system-mine'), value: 1 })).causes), ['metadata.name'])
    assert.deepEqual((await create(pc, { metadata: meta('system-cluster-critical'), value: 2000000000 })).causes, [])
  })
  it('defaults and validates webhooks', async () => {
    const mw = def('admissionregistration.k8s.io', 'mutatingwebhookconfigurations')
    const hook = { name: 'a.example.com', admissionReviewVersions: ['v1'], sideEffects: 'None', clientConfig: { service: { namespace: 'd', name: 's' } }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] }
    const { obj, causes } = await create(mw, { webhooks: [hook] })
    assert.deepEqual(causes, [])
    const w = obj.webhooks[0]
    assert.deepEqual([w.failurePolicy, w.matchPolicy, w.timeoutSeconds, w.reinvocationPolicy, w.rules[0].scope, w.clientConfig.service.port], ['Fail', 'Equivalent', 10, 'Never', '*', 443])
    assert.deepEqual(w.namespaceSelector, {})
    const bad = await create(mw, { webhooks: [{ ...hook, name: 'short', sideEffects: 'Some', admissionReviewVersions: [], clientConfig: {} }] })
    assert.deepEqual(fields(bad.causes), ['webhooks[0].name', 'webhooks[0].clientConfig', 'webhooks[0].sideEffects', 'webhooks[0].admissionReviewVersions'])
  })
  it('refuses a PodDisruptionBudget with both minAvailable and maxUnavailable', async () => {
    assert.deepEqual(fields((await create(def('policy', 'poddisruptionbudgets'), { spec: { minAvailable: 1, maxUnavailable: '120%' } })).causes), ['spec', 'spec.maxUnavailable'])
  })
})

describe('tables (pkg/printers/internalversion/printers.go)', () => {
  const row = (t: { row(o: KubeObject, now: Date): unknown[] }, o: Record<string, any>) => t.row({ ...o, metadata: { ...meta('n'), ...o.metadata } } as KubeObject, NOW)
  const names = (t: { columns: { name: string }[] }) => t.columns.map((c) => c.name)

  it('prints roles with the default convertor (Created At) and bindings with ROLE and subjects', () => {
    assert.deepEqual(names(createdAtTable), ['Name', 'Created At'])
    assert.equal(createdAtTable.columns[1]!.type, 'date')
    assert.deepEqual(row(createdAtTable, {}), ['n', CREATED])
    const subjects = [{ kind: 'User', name: 'alice' }, { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }, { kind: 'User', name: 'bob' }]
    assert.deepEqual(row(roleBindingTable, { roleRef: { kind: 'Role', name: 'r' }, subjects }), ['n', 'Role/r', '2m', 'alice, bob', 'devs', 'ns/sa'])
    assert.deepEqual(names(clusterRoleBindingTable), ['Name', 'Role', 'Age', 'Users', 'Groups', 'ServiceAccounts'])
  })

  it('prints workloads', () => {
    const template = { spec: { containers: [{ name: 'a', image: 'i:1' }, { name: 'b', image: 'j:2' }], nodeSelector: { os: 'linux' } } }
    assert.deepEqual(row(statefulSetTable, { spec: { replicas: 3, template }, status: { readyReplicas: 1 } }), ['n', '1/3', '2m', 'a,b', 'i:1,j:2'])
    assert.deepEqual(row(daemonSetTable, { spec: { template, selector: { matchLabels: { a: 'b' } } }, status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1 } }), ['n', 2, 2, 1, 2, 1, 'os=linux', '2m', 'a,b', 'i:1,j:2', 'a=b'])
    assert.deepEqual(row(controllerRevisionTable, { metadata: { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', controller: true }] }, revision: 2 }), ['n', 'statefulset.apps/web', 2, '2m'])
    assert.deepEqual(row(cronJobTable, { spec: { schedule: '@daily', suspend: false, jobTemplate: { spec: { template } } }, status: { active: [{}], lastScheduleTime: '2024-06-01T11:00:00Z' } }), ['n', '@daily', '<none>', 'False', 1, '60m', '2m', 'a,b', 'i:1,j:2', '<none>'])
  })

  it('prints policy, autoscaling and networking kinds', () => {
    assert.deepEqual(row(podDisruptionBudgetTable, { spec: { maxUnavailable: '10%' }, status: { disruptionsAllowed: 1 } }), ['n', 'N/A', '10%', 1, '2m'])
    const metrics = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
      { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
      { type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '5' } } },
    ]
    const status = { currentReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 40 } } }] }
    assert.deepEqual(row(horizontalPodAutoscalerTable, { spec: { scaleTargetRef: { kind: 'Deployment', name: 'w' }, minReplicas: 1, maxReplicas: 4, metrics }, status }), ['n', 'Deployment/w', 'cpu: 40%/80%, <unknown>/10 + 1 more...', '1', 4, 2, '2m'])
    const rules = ['a', 'b', 'c', 'd'].map((h) => ({ host: `${h}.com` }))
    assert.deepEqual(row(ingressTable, { spec: { rules, tls: [{}] }, status: { loadBalancer: { ingress: [{ ip: '10.0.0.2' }, { hostname: 'lb' }] } } }), ['n', '<none>', 'a.com,b.com,c.com + 1 more...', '10.0.0.2,lb', '80, 443', '2m'])
    assert.deepEqual(row(ingressTable, { spec: { ingressClassName: 'nginx', rules: [{}] } }), ['n', 'nginx', '*', '', '80', '2m'])
    assert.deepEqual(row(ingressClassTable, { spec: { controller: 'k8s.io/nginx', parameters: { apiGroup: 'x.io', kind: 'P', name: 'p' } } }), ['n', 'k8s.io/nginx', 'P.x.io/p', '2m'])
    assert.deepEqual(row(networkPolicyTable, { spec: { podSelector: {} } }), ['n', '<none>', '2m'])
  })

  it('prints volumes, claims, classes and quotas', () => {
    const pv = { spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'a', name: 'c' }, storageClassName: 'fast', volumeMode: 'Filesystem' }, status: { phase: 'Bound' } }
    assert.deepEqual(row(persistentVolumeTable, pv), ['n', '5Gi', 'RWO,RWX', 'Retain', 'Bound', 'a/c', 'fast', '<unset>', '', '2m', 'Filesystem'])
    assert.deepEqual(row(persistentVolumeClaimTable, { spec: { storageClassName: 'fast' }, status: { phase: 'Pending' } }), ['n', 'Pending', '', '', '', 'fast', '<unset>', '2m', '<unset>'])
    assert.deepEqual(row(persistentVolumeClaimTable, { spec: { volumeName: 'pv' }, status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } }).slice(1, 5), ['Bound', 'pv', '1Gi', 'RWO'])
    assert.deepEqual(row(storageClassTable, { metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'p' }), ['n (default)', 'p', 'Delete', 'Immediate', false, '2m'])
    const quota = { status: { hard: { pods: '10', 'limits.cpu': '2', 'requests.cpu': '1' }, used: { pods: '3' } } }
    assert.deepEqual(row(resourceQuotaTable, quota), ['n', 'pods: 3/10, requests.cpu: 0/1', 'limits.cpu: 0/2', '2m'])
    assert.deepEqual(row(podTemplateTable, { template: { metadata: { labels: { b: '2', a: '1' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } }), ['n', 'c', 'i', 'a=1,b=2'])
    assert.deepEqual(row(priorityClassTable, { value: 100, preemptionPolicy: 'Never' }), ['n', 100, false, '2m', 'Never'])
    assert.deepEqual(row(webhookConfigurationTable, { webhooks: [{}, {}] }), ['n', 2, '2m'])
  })
})
