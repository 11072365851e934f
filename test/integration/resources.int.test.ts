/**
 * Every kind the API server declares, over HTTP against a real ApiServer on a real etcd: the resource contract
 * (test/contract/resource.contract.ts) once per kind, then the behaviours specific to a few kinds (binding,
 * graceful deletion, finalizers, namespace lifecycle, ClusterIPs, scale, the two Event APIs) and the watch and
 * list edges around the watch window and etcd compaction. Compaction is store-wide, so those tests come last.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ApiServer } from '../../src/apiserver/api-server.ts'
import type { ResourceDefinition } from '../../src/apiserver/registry/resource-definition.ts'
import { builtinResources } from '../../src/apiserver/resources/index.ts'
import { EventBus } from '../../src/bus/bus.ts'
import { LoopbackClient } from '../../src/client/loopback-client.ts'
import type { Controller } from '../../src/controllers/controller.ts'
import { NamespaceController } from '../../src/controllers/namespace-controller.ts'
import { ServiceAccountController } from '../../src/controllers/serviceaccount-controller.ts'
import { silentLogger } from '../../src/log/logger.ts'
import { EtcdStore } from '../../src/store/etcd-store.ts'
import { runResourceContract, type ResourceFixtures } from '../contract/resource.contract.ts'
import { startEtcd, type EtcdInstance } from '../helpers/etcd.ts'
import { api, eventually, expectFailure, expectStatus, WatchStream } from '../helpers/http-api.ts'

const run = Math.random().toString(36).slice(2, 8)
const MERGE = { contentType: 'application/merge-patch+json' }

const container = (image = 'nginx:1.25') => ({ name: 'app', image })
const toggleImage = (image: string) => (image === 'nginx:1.25' ? 'nginx:1.26' : 'nginx:1.25')
/** A name the validation of every kind rejects. */
const badName = (name: string) => `Bad_${name}`

const workload = (kind: string, apiVersion: string): ResourceFixtures => ({
  valid: (name) => ({
    apiVersion,
    kind,
    metadata: { name },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [container()] } } },
  }),
  invalid: (name) => ({
    apiVersion,
    kind,
    metadata: { name },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: 'other' } }, spec: { containers: [container()] } } },
  }),
  mutate: (obj) => ({ ...obj, spec: { ...obj.spec, replicas: obj.spec.replicas + 1 } }),
})

const rules = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]
const roleRef = (kind: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name: 'some-role' })
const toggleUser = (subjects: any[]) => [...subjects, { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `u${subjects.length}` }]
const webhooks = (name: string) => [
  {
    name: `${name}.hooks.example.com`,
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    clientConfig: { service: { namespace: 'default', name: 'hooks', path: '/hook' } },
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
  },
]
const webhookConfiguration = (kind: string): ResourceFixtures => ({
  valid: (name) => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name }, webhooks: webhooks(name) }),
  invalid: (name) => ({ metadata: { name }, webhooks: [{ ...webhooks(name)[0], name: 'no-dots', sideEffects: 'Some' }] }),
  mutate: (obj) => ({ ...obj, webhooks: obj.webhooks.map((w: any) => ({ ...w, timeoutSeconds: w.timeoutSeconds === 10 ? 5 : 10 })) }),
})
const template = (name: string, restartPolicy?: string) => ({ metadata: { labels: { app: name } }, spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [container()] } })

/** The kinds charts and operator bundles bring beyond the core ones (rbac, apps sets, cronjobs, policy, …). */
const BUILTIN_KIND_FIXTURES: Record<string, ResourceFixtures> = {
  'rbac.authorization.k8s.io/roles': {
    valid: (name) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name }, rules }),
    invalid: (name) => ({ metadata: { name }, rules: [{ apiGroups: [''], resources: ['pods'] }] }),
    mutate: (obj) => ({ ...obj, rules: [...obj.rules, { apiGroups: ['apps'], resources: [`r${obj.rules.length}`], verbs: ['get'] }] }),
  },
  'rbac.authorization.k8s.io/clusterroles': {
    valid: (name) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules }),
    invalid: (name) => ({ metadata: { name }, rules: [{ nonResourceURLs: ['/healthz'], resources: ['pods'], verbs: ['get'] }] }),
    mutate: (obj) => ({ ...obj, rules: [...obj.rules, { nonResourceURLs: [`/x${obj.rules.length}`], verbs: ['get'] }] }),
  },
  'rbac.authorization.k8s.io/rolebindings': {
    valid: (name) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name }, roleRef: roleRef('Role'), subjects: [{ kind: 'ServiceAccount', name: 'default' }] }),
    invalid: (name) => ({ metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Deployment', name: 'x' } }),
    mutate: (obj) => ({ ...obj, subjects: toggleUser(obj.subjects) }),
  },
  'rbac.authorization.k8s.io/clusterrolebindings': {
    valid: (name) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name }, roleRef: roleRef('ClusterRole'), subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }] }),
    invalid: (name) => ({ metadata: { name }, roleRef: roleRef('ClusterRole'), subjects: [{ kind: 'ServiceAccount', name: 'default' }] }),
    mutate: (obj) => ({ ...obj, subjects: toggleUser(obj.subjects) }),
  },
  'apps/statefulsets': { ...workload('StatefulSet', 'apps/v1') },
  'apps/daemonsets': {
    valid: (name) => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name }, spec: { selector: { matchLabels: { app: name } }, template: template(name) } }),
    invalid: (name) => ({ metadata: { name }, spec: { selector: { matchLabels: { app: name } }, template: template(name, 'Never') } }),
    mutate: (obj) => ({ ...obj, spec: { ...obj.spec, minReadySeconds: (obj.spec.minReadySeconds ?? 0) + 1 } }),
  },
  'apps/controllerrevisions': {
    valid: (name) => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name }, data: { spec: { template: {} } }, revision: 1 }),
    invalid: (name) => ({ metadata: { name }, revision: -1 }),
    mutate: (obj) => ({ ...obj, revision: obj.revision + 1 }),
  },
  'batch/cronjobs': {
    valid: (name) => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: template(name, 'OnFailure') } } } }),
    invalid: (name) => ({ metadata: { name }, spec: { schedule: 'every minute', jobTemplate: { spec: { template: template(name, 'OnFailure') } } } }),
    mutate: (obj) => ({ ...obj, spec: { ...obj.spec, suspend: !obj.spec.suspend } }),
    status: { lastScheduleTime: '2024-01-01T00:00:00Z' },
  },
  'policy/poddisruptionbudgets': {
    valid: (name) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { minAvailable: 1, selector: { matchLabels: { app: name } } } }),
    invalid: (name) => ({ metadata: { name }, spec: { minAvailable: 1, maxUnavailable: 1 } }),
    mutate: (obj) => ({ ...obj, spec: { ...obj.spec, minAvailable: obj.spec.minAvailable + 1 } }),
  },
  'autoscaling/horizontalpodautoscalers': {
    // No apiVersion: the same fixture serves autoscaling/v2 and its autoscaling/v1 view.
    valid: (name) => ({ metadata: { name }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, maxReplicas: 3 } }),
    invalid: (name) => ({ metadata: { name }, spec: { scaleTargetRef: { kind: 'Deployment', name }, minReplicas: 5, maxReplicas: 3 } }),
    mutate: (obj) => ({ ...obj, spec: { ...obj.spec, maxReplicas: obj.spec.maxReplicas + 1 } }),
    // autoscaling/v1's status has no conditions (v2's does); both have the replica counts.
    status: { currentReplicas: 2, desiredReplicas: 3 },
  },
  'networking.k8s.io/ingresses': {
    valid: (name) => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name },
      spec: { rules: [{ host: `${name}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    }),
    invalid: (name) => ({ metadata: { name }, spec: { rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } }),
    mutate: (obj) => ({ ...obj, spec: { ...obj.spec, tls: [...(obj.spec.tls ?? []), { hosts: [obj.spec.rules[0].host], secretName: `tls${obj.spec.tls?.length ?? 0}` }] } }),
    status: { loadBalancer: { ingress: [{ ip: '10.0.0.9' }] } },
  },
  'networking.k8s.io/ingressclasses': {
    valid: (name) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name }, spec: { controller: 'example.com/ingress' } }),
    invalid: (name) => ({ metadata: { name }, spec: {} }),
    mutate: (obj) => ({ ...obj, spec: { ...obj.spec, parameters: { apiGroup: 'example.com', kind: 'Params', name: `p${Date.now()}` } } }),
  },
  'networking.k8s.io/networkpolicies': {
    valid: (name) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name }, spec: { podSelector: { matchLabels: { app: name } }, ingress: [{ ports: [{ port: 80 }] }] } }),
    invalid: (name) => ({ metadata: { name }, spec: { podSelector: {}, policyTypes: ['Sideways'] } }),
    mutate: (obj) => ({ ...obj, spec: { ...obj.spec, ingress: [...obj.spec.ingress, { ports: [{ port: 81 + obj.spec.ingress.length }] }] } }),
  },
  '/persistentvolumeclaims': {
    valid: (name) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }),
    invalid: (name) => ({ metadata: { name }, spec: { accessModes: ['ReadWriteSometimes'], resources: { requests: { storage: '1Gi' } } } }),
    mutate: (obj) => ({ ...obj, spec: { ...obj.spec, resources: { requests: { storage: obj.spec.resources.requests.storage === '1Gi' ? '2Gi' : '1Gi' } } } }),
  },
  '/persistentvolumes': {
    valid: (name) => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` } } }),
    invalid: (name) => ({ metadata: { name }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } }),
    mutate: (obj) => ({ ...obj, spec: { ...obj.spec, capacity: { storage: obj.spec.capacity.storage === '1Gi' ? '2Gi' : '1Gi' } } }),
    status: { phase: 'Available', message: 'set by the resource contract' },
  },
  '/limitranges': {
    valid: (name) => ({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name }, spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { cpu: '100m' } }] } }),
    invalid: (name) => ({ metadata: { name }, spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { cpu: '2' } }] } }),
    mutate: (obj) => ({ ...obj, spec: { limits: [...obj.spec.limits, { type: 'PersistentVolumeClaim', max: { storage: `${obj.spec.limits.length}Gi` } }] } }),
  },
  '/resourcequotas': {
    valid: (name) => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name }, spec: { hard: { pods: '10', 'requests.cpu': '2' } } }),
    invalid: (name) => ({ metadata: { name }, spec: { hard: { pods: 'lots' } } }),
    mutate: (obj) => ({ ...obj, spec: { ...obj.spec, hard: { ...obj.spec.hard, pods: String(Number(obj.spec.hard.pods) + 1) } } }),
    status: { hard: { pods: '10' }, used: { pods: '1' } },
  },
  '/podtemplates': {
    valid: (name) => ({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name }, template: template(name) }),
    invalid: (name) => ({ metadata: { name }, template: { spec: { containers: [] } } }),
    mutate: (obj) => ({ ...obj, template: { ...obj.template, spec: { ...obj.template.spec, containers: obj.template.spec.containers.map((c: any) => ({ ...c, image: toggleImage(c.image) })) } } }),
  },
  'storage.k8s.io/storageclasses': {
    valid: (name) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner: 'example.com/local' }),
    invalid: (name) => ({ metadata: { name }, provisioner: 'example.com/local', reclaimPolicy: 'Recycle' }),
    mutate: (obj) => ({ ...obj, allowVolumeExpansion: !obj.allowVolumeExpansion }),
  },
  'scheduling.k8s.io/priorityclasses': {
    valid: (name) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value: 1000 }),
    invalid: (name) => ({ metadata: { name }, value: 2000000000 }),
    mutate: (obj) => ({ ...obj, description: `${obj.description ?? ''}+` }),
  },
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': webhookConfiguration('MutatingWebhookConfiguration'),
  'admissionregistration.k8s.io/validatingwebhookconfigurations': webhookConfiguration('ValidatingWebhookConfiguration'),
}

/** Fixtures of every kind, by `<group>/<plural>`: a kind without any fails the suite, so none is left out. */
const FIXTURES: Record<string, ResourceFixtures> = {
  '/namespaces': {
    valid: (name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
    invalid: (name) => ({ metadata: { name: badName(name) } }),
    mutate: (obj) => ({ ...obj, metadata: { ...obj.metadata, labels: { ...obj.metadata.labels, mutated: String(Date.now()) } } }),
  },
  '/nodes': {
    valid: (name) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { podCIDR: '10.244.0.0/24' } }),
    invalid: (name) => ({ metadata: { name: badName(name) } }),
    mutate: (obj) => ({ ...obj, spec: { ...obj.spec, unschedulable: !obj.spec?.unschedulable } }),
  },
  '/pods': {
    valid: (name) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [container()] } }),
    invalid: (name) => ({ metadata: { name }, spec: { containers: [] } }),
    mutate: (obj) => ({
      ...obj,
      spec: { ...obj.spec, containers: obj.spec.containers.map((c: any) => ({ ...c, image: toggleImage(c.image) })) },
    }),
    skip: {
      replaceWithManifest: 'Kubernetes rejects it too: serviceAccountName and tolerations are set at admission on create, and a pod spec is immutable',
    },
  },
  '/configmaps': {
    valid: (name) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { key: 'value' } }),
    invalid: (name) => ({ metadata: { name }, data: { 'not a key!': 'x' } }),
    mutate: (obj) => ({ ...obj, data: { ...obj.data, key: obj.data?.key + '+' } }),
  },
  '/secrets': {
    valid: (name) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, data: { key: Buffer.from('value').toString('base64') } }),
    invalid: (name) => ({ metadata: { name }, data: { key: 'not base64!' } }),
    mutate: (obj) => ({ ...obj, data: { ...obj.data, more: Buffer.from(String(Date.now())).toString('base64') } }),
  },
  '/services': {
    valid: (name) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }] } }),
    invalid: (name) => ({ metadata: { name }, spec: { ports: [{ port: 0 }] } }),
    mutate: (obj) => ({ ...obj, spec: { ...obj.spec, ports: obj.spec.ports.map((p: any) => ({ ...p, port: p.port === 80 ? 81 : 80 })) } }),
  },
  '/serviceaccounts': {
    valid: (name) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } }),
    invalid: (name) => ({ metadata: { name: badName(name) } }),
    mutate: (obj) => ({ ...obj, automountServiceAccountToken: !(obj.automountServiceAccountToken ?? true) }),
  },
  '/endpoints': {
    valid: (name) => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] }),
    invalid: (name) => ({ metadata: { name: badName(name) } }),
    mutate: (obj) => ({ ...obj, subsets: [{ ...obj.subsets[0], addresses: [...obj.subsets[0].addresses, { ip: `10.0.1.${obj.subsets[0].addresses.length}` }] }] }),
  },
  '/events': {
    valid: (name) => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name },
      involvedObject: { kind: 'Pod', name: 'some-pod', namespace: 'default', apiVersion: 'v1' },
      reason: 'Started',
      message: 'started the container',
      type: 'Normal',
      source: { component: 'contract' },
      count: 1,
    }),
    invalid: (name) => ({ metadata: { name: badName(name) } }),
    mutate: (obj) => ({ ...obj, count: (obj.count ?? 1) + 1, message: obj.message + '!' }),
  },
  'events.k8s.io/events': {
    valid: (name) => ({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name },
      eventTime: '2024-05-01T10:00:00.000000Z',
      reportingController: 'example.com/contract',
      reportingInstance: 'contract-1',
      action: 'Starting',
      reason: 'Started',
      type: 'Normal',
      regarding: { kind: 'Pod', name: 'some-pod', namespace: 'default', apiVersion: 'v1' },
      note: 'started the container',
    }),
    invalid: (name) => ({ metadata: { name }, eventTime: '2024-05-01T10:00:00.000000Z', note: 'no reportingController, action, reason or type' }),
    mutate: (obj) => ({ ...obj, note: obj.note + '!' }),
  },
  'coordination.k8s.io/leases': {
    valid: (name) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } }),
    invalid: (name) => ({ metadata: { name: badName(name) } }),
    mutate: (obj) => ({ ...obj, spec: { ...obj.spec, holderIdentity: obj.spec.holderIdentity === 'a' ? 'b' : 'a' } }),
  },
  'apps/deployments': workload('Deployment', 'apps/v1'),
  'apps/replicasets': workload('ReplicaSet', 'apps/v1'),
  'batch/jobs': {
    valid: (name) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { template: { spec: { restartPolicy: 'Never', containers: [container()] } } } }),
    invalid: (name) => ({ metadata: { name }, spec: { template: { spec: { restartPolicy: 'Always', containers: [container()] } } } }),
    mutate: (obj) => ({ ...obj, spec: { ...obj.spec, parallelism: obj.spec.parallelism + 1 } }),
    skip: { replaceWithManifest: 'Kubernetes rejects it too: the generated selector and template labels are immutable' },
  },
  'discovery.k8s.io/endpointslices': {
    valid: (name) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'] }],
      ports: [{ name: 'http', port: 80 }],
    }),
    invalid: (name) => ({ metadata: { name }, addressType: 'Bogus', endpoints: [] }),
    mutate: (obj) => ({ ...obj, endpoints: [...obj.endpoints, { addresses: [`10.0.1.${obj.endpoints.length}`] }] }),
  },
  ...BUILTIN_KIND_FIXTURES,
}

const fixturesFor = (def: ResourceDefinition) => FIXTURES[`${def.group}/${def.plural}`]

describe('kubebox API server on a real etcd', () => {
  let etcd: EtcdInstance | undefined
  let store: EtcdStore
  let server: ApiServer
  let controllers: Controller[] = []
  let baseUrl = ''
  const call = (method: string, path: string, body?: unknown, opts?: { contentType?: string; accept?: string }) => api(baseUrl, method, path, body, opts)

  before(async () => {
    etcd = await startEtcd()
    store = new EtcdStore({ endpoints: [etcd.endpoint] })
    const bus = new EventBus()
    const log = silentLogger()
    server = new ApiServer({ store, bus, log })
    await server.start()
    const { port } = await server.listen(0)
    baseUrl = `http://127.0.0.1:${port}`
    // As cluster/serve.ts wires them: the controllers the core API needs to behave, on the loopback client.
    const client = new LoopbackClient(server)
    controllers = [new NamespaceController(client, bus, log), new ServiceAccountController(client, bus, log)]
    for (const c of controllers) await c.start()
  })

  after(async () => {
    for (const c of controllers) c.stop()
    await server?.stop()
    await store?.close()
    await etcd?.stop()
  })

  it('has fixtures for every declared kind', () => {
    const missing = builtinResources.filter((d) => !fixturesFor(d)).map((d) => `${d.group}/${d.plural}`)
    // A CRD's name must be <plural>.<group>, which the contract's generated names are not: test/unit/crd.test.ts covers it.
    assert.deepEqual(missing, ['apiextensions.k8s.io/customresourcedefinitions'])
  })

  for (const def of builtinResources) {
    const fixtures = fixturesFor(def)
    if (fixtures) runResourceContract(def, () => ({ baseUrl }), fixtures)
  }

  /** A namespace of its own for a test; returns its name. */
  async function namespace(what: string): Promise<string> {
    const name = `${what}-${run}`
    expectStatus(await call('POST', '/api/v1/namespaces', { metadata: { name } }), 201, `namespace ${name}`)
    return name
  }

  const pod = (name: string, extra: Record<string, unknown> = {}) => ({ metadata: { name }, spec: { containers: [container()], ...extra } })

  describe('pods', () => {
    let ns: string
    before(async () => {
      ns = await namespace('pods')
    })

    it('binding sets nodeName and PodScheduled; a second binding is 409 Conflict', async () => {
      expectStatus(await call('POST', `/api/v1/namespaces/${ns}/pods`, pod('bind-me')), 201)
      const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-me' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-a' } }
      const res = await call('POST', `/api/v1/namespaces/${ns}/pods/bind-me/binding`, binding)
      expectStatus(res, 201)
      assert.equal(res.body.kind, 'Status')
      assert.equal(res.body.status, 'Success')
      const bound = (await call('GET', `/api/v1/namespaces/${ns}/pods/bind-me`)).body
      assert.equal(bound.spec.nodeName, 'node-a')
      const scheduled = bound.status.conditions.find((c: any) => c.type === 'PodScheduled')
      assert.equal(scheduled?.status, 'True')
      const again = await call('POST', `/api/v1/namespaces/${ns}/pods/bind-me/binding`, { ...binding, target: { kind: 'Node', name: 'node-b' } })
      expectFailure(again, 409, 'Conflict')
      assert.equal((await call('GET', `/api/v1/namespaces/${ns}/pods/bind-me`)).body.spec.nodeName, 'node-a')
      const noTarget = await call('POST', `/api/v1/namespaces/${ns}/pods/bind-me/binding`, { metadata: { name: 'bind-me' } })
      expectStatus(noTarget, 422)
    })

    it('binding a missing pod is 404', async () => {
      const res = await call('POST', `/api/v1/namespaces/${ns}/pods/nope/binding`, { metadata: { name: 'nope' }, target: { name: 'node-a' } })
      expectFailure(res, 404, 'NotFound')
    })

    it('a bound pod is deleted gracefully: it gets a deletionTimestamp and stays until gracePeriodSeconds=0', async () => {
      expectStatus(await call('POST', `/api/v1/namespaces/${ns}/pods`, pod('graceful', { nodeName: 'node-a', terminationGracePeriodSeconds: 20 })), 201)
      const before = Date.now()
      const res = await call('DELETE', `/api/v1/namespaces/${ns}/pods/graceful`)
      expectStatus(res, 200)
      assert.equal(res.body.metadata.deletionGracePeriodSeconds, 20)
      const deadline = Date.parse(res.body.metadata.deletionTimestamp)
      assert.ok(deadline >= before + 19_000 && deadline <= Date.now() + 21_000, `deletionTimestamp ${res.body.metadata.deletionTimestamp} is now + 20 s`)
      const still = await call('GET', `/api/v1/namespaces/${ns}/pods/graceful`)
      expectStatus(still, 200)
      assert.equal(still.body.metadata.deletionTimestamp, res.body.metadata.deletionTimestamp)
      // A shorter grace period shortens the deadline; a longer one changes nothing.
      const shorter = await call('DELETE', `/api/v1/namespaces/${ns}/pods/graceful`, { gracePeriodSeconds: 5 })
      assert.equal(shorter.body.metadata.deletionGracePeriodSeconds, 5)
      const longer = await call('DELETE', `/api/v1/namespaces/${ns}/pods/graceful`, { gracePeriodSeconds: 60 })
      assert.equal(longer.body.metadata.deletionGracePeriodSeconds, 5)
      // The kubelet's confirmation.
      expectStatus(await call('DELETE', `/api/v1/namespaces/${ns}/pods/graceful?gracePeriodSeconds=0`), 200)
      expectFailure(await call('GET', `/api/v1/namespaces/${ns}/pods/graceful`), 404, 'NotFound')
    })

    it('an unbound pod is deleted at once', async () => {
      expectStatus(await call('POST', `/api/v1/namespaces/${ns}/pods`, pod('unbound')), 201)
      expectStatus(await call('DELETE', `/api/v1/namespaces/${ns}/pods/unbound`), 200)
      expectFailure(await call('GET', `/api/v1/namespaces/${ns}/pods/unbound`), 404, 'NotFound')
    })

    it('a pod can not be moved to another node by an update', async () => {
      expectStatus(await call('POST', `/api/v1/namespaces/${ns}/pods`, pod('pinned', { nodeName: 'node-a' })), 201)
      const res = await call('PATCH', `/api/v1/namespaces/${ns}/pods/pinned`, { spec: { nodeName: 'node-b' } }, MERGE)
      expectFailure(res, 422, 'Invalid')
      await call('DELETE', `/api/v1/namespaces/${ns}/pods/pinned?gracePeriodSeconds=0`)
    })
  })

  describe('finalizers', () => {
    it('an object with a finalizer stays on delete until a patch removes it; then it is gone with a DELETED event', async () => {
      const ns = await namespace('finalizers')
      const path = `/api/v1/namespaces/${ns}/configmaps`
      const created = await call('POST', path, { metadata: { name: 'held', finalizers: ['example.com/hold'] }, data: { a: '1' } })
      expectStatus(created, 201)
      const watch = await WatchStream.open(baseUrl, `${path}?watch=1&resourceVersion=${created.body.metadata.resourceVersion}`)
      try {
        const del = await call('DELETE', `${path}/held`)
        expectStatus(del, 200)
        assert.ok(del.body.metadata.deletionTimestamp, 'marked for deletion')
        const marked = await watch.next()
        assert.equal(marked.type, 'MODIFIED')
        assert.ok(marked.object.metadata.deletionTimestamp)
        const still = await call('GET', `${path}/held`)
        expectStatus(still, 200)
        assert.deepEqual(still.body.metadata.finalizers, ['example.com/hold'])
        // Other changes are still allowed meanwhile, and do not complete the deletion.
        expectStatus(await call('PATCH', `${path}/held`, { metadata: { labels: { a: 'b' } } }, MERGE), 200)
        assert.equal((await watch.next()).type, 'MODIFIED')
        const done = await call('PATCH', `${path}/held`, { metadata: { finalizers: null } }, MERGE)
        expectStatus(done, 200)
        const deleted = await watch.next()
        assert.equal(deleted.type, 'DELETED')
        assert.equal(deleted.object.metadata.name, 'held')
        expectFailure(await call('GET', `${path}/held`), 404, 'NotFound')
      } finally {
        watch.close()
      }
    })
  })

  describe('namespaces', () => {
    it('deleting a namespace empties it (pods, configmaps), refuses new content, then removes it', async () => {
      const ns = await namespace('doomed')
      for (const name of ['p1', 'p2']) expectStatus(await call('POST', `/api/v1/namespaces/${ns}/pods`, pod(name)), 201)
      for (const name of ['c1', 'c2']) expectStatus(await call('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name } }), 201)
      const del = await call('DELETE', `/api/v1/namespaces/${ns}`)
      expectStatus(del, 200)
      assert.ok(del.body.metadata.deletionTimestamp)
      assert.equal(del.body.status.phase, 'Terminating')
      const refused = await call('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'late' } })
      if (refused.status !== 404) expectFailure(refused, 403, 'Forbidden') // 404 if it is already gone
      await eventually('the namespace to be gone', async () => (await call('GET', `/api/v1/namespaces/${ns}`)).status === 404)
      for (const kind of ['pods', 'configmaps', 'serviceaccounts']) {
        const left = await call('GET', `/api/v1/namespaces/${ns}/${kind}`)
        assert.deepEqual(left.body.items.map((o: any) => o.metadata.name), [], `${kind} left in ${ns}`)
      }
    })

    it('a new namespace gets its default ServiceAccount', async () => {
      const ns = await namespace('fresh')
      const sa = await eventually('the default ServiceAccount', async () => {
        const res = await call('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`)
        return res.status === 200 && res.body
      })
      assert.equal(sa.metadata.namespace, ns)
    })

    it('the system namespaces exist, Active, with the kubernetes finalizer and name label', async () => {
      for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
        const res = await call('GET', `/api/v1/namespaces/${name}`)
        expectStatus(res, 200)
        assert.equal(res.body.status.phase, 'Active')
        assert.deepEqual(res.body.spec.finalizers, ['kubernetes'])
        assert.equal(res.body.metadata.labels['kubernetes.io/metadata.name'], name)
      }
    })
  })

  describe('services', () => {
    let ns: string
    before(async () => {
      ns = await namespace('services')
    })
    const svc = (name: string, clusterIP?: string, port = 80) => ({ metadata: { name }, spec: { ports: [{ port }], ...(clusterIP ? { clusterIP } : {}) } })
    const ipNumber = (ip: string) => ip.split('.').reduce((n, p) => n * 256 + Number(p), 0)

    it('ClusterIPs are unique across 50 services, from the service range, and released on delete', async () => {
      const created = await Promise.all(Array.from({ length: 50 }, (_, i) => call('POST', `/api/v1/namespaces/${ns}/services`, svc(`s${i}`))))
      for (const res of created) expectStatus(res, 201)
      const ips = created.map((r) => r.body.spec.clusterIP as string)
      assert.equal(new Set(ips).size, 50, `duplicates among ${ips}`)
      const [lo, hi] = [ipNumber('10.96.0.0'), ipNumber('10.111.255.255')]
      for (const [i, ip] of ips.entries()) {
        assert.ok(ipNumber(ip) > lo + 1 && ipNumber(ip) < hi, `${ip} in 10.96.0.0/12 (not network, kubernetes or broadcast)`)
        assert.deepEqual(created[i]!.body.spec.clusterIPs, [ip])
      }
      const taken = ips[0]!
      expectFailure(await call('POST', `/api/v1/namespaces/${ns}/services`, svc('taken', taken)), 422, 'Invalid')
      expectStatus(await call('DELETE', `/api/v1/namespaces/${ns}/services/s0`), 200)
      const again = await call('POST', `/api/v1/namespaces/${ns}/services`, svc('again', taken))
      expectStatus(again, 201)
      assert.equal(again.body.spec.clusterIP, taken)
    })

    it('the ClusterIP survives updates that leave it out, and can not be changed', async () => {
      const created = await call('POST', `/api/v1/namespaces/${ns}/services`, svc('keep'))
      const ip = created.body.spec.clusterIP
      const body = structuredClone(created.body)
      delete body.spec.clusterIP
      delete body.spec.clusterIPs
      const updated = await call('PUT', `/api/v1/namespaces/${ns}/services/keep`, body)
      expectStatus(updated, 200)
      assert.equal(updated.body.spec.clusterIP, ip)
      const changed = await call('PATCH', `/api/v1/namespaces/${ns}/services/keep`, { spec: { clusterIP: '10.96.200.200', clusterIPs: ['10.96.200.200'] } }, MERGE)
      expectFailure(changed, 422, 'Invalid')
    })

    it('a rejected create does not release a ClusterIP another service holds', async () => {
      const owner = await call('POST', `/api/v1/namespaces/${ns}/services`, svc('owner'))
      expectStatus(owner, 201)
      const ip = owner.body.spec.clusterIP
      // Invalid (port 0) and naming the owner's IP: rejected, and the owner must keep its IP.
      expectFailure(await call('POST', `/api/v1/namespaces/${ns}/services`, svc('thief', ip, 0)), 422, 'Invalid')
      expectFailure(await call('POST', `/api/v1/namespaces/${ns}/services`, svc('thief2', ip)), 422, 'Invalid')
    })

    it('a dry-run create does not keep its ClusterIP', async () => {
      const ip = '10.96.123.45'
      const dry = await call('POST', `/api/v1/namespaces/${ns}/services?dryRun=All`, svc('dry', ip))
      expectStatus(dry, 201)
      assert.equal(dry.body.spec.clusterIP, ip)
      const real = await call('POST', `/api/v1/namespaces/${ns}/services`, svc('real', ip))
      expectStatus(real, 201)
      assert.equal(real.body.spec.clusterIP, ip)
    })

    it('a create that fails on its name gives its ClusterIP back', async () => {
      const ip = '10.96.123.46'
      expectStatus(await call('POST', `/api/v1/namespaces/${ns}/services`, svc('dup-name', '10.96.123.47')), 201)
      expectFailure(await call('POST', `/api/v1/namespaces/${ns}/services`, svc('dup-name', ip)), 409, 'AlreadyExists')
      expectStatus(await call('POST', `/api/v1/namespaces/${ns}/services`, svc('other-name', ip)), 201)
    })
  })

  describe('deployments/scale', () => {
    it('GET, PUT and PATCH an autoscaling/v1 Scale over spec.replicas', async () => {
      const ns = await namespace('scale')
      const path = `/apis/apps/v1/namespaces/${ns}/deployments`
      const created = await call('POST', path, FIXTURES['apps/deployments']!.valid('web'))
      expectStatus(created, 201)
      const scale = await call('GET', `${path}/web/scale`)
      expectStatus(scale, 200)
      assert.equal(scale.body.apiVersion, 'autoscaling/v1')
      assert.equal(scale.body.kind, 'Scale')
      assert.equal(scale.body.metadata.name, 'web')
      assert.equal(scale.body.metadata.namespace, ns)
      assert.equal(scale.body.metadata.uid, created.body.metadata.uid)
      assert.equal(scale.body.metadata.resourceVersion, created.body.metadata.resourceVersion)
      assert.equal(scale.body.spec.replicas, 1)
      assert.equal(scale.body.status.selector, 'app=web')

      const put = await call('PUT', `${path}/web/scale`, { ...scale.body, spec: { replicas: 3 } })
      expectStatus(put, 200)
      assert.equal(put.body.kind, 'Scale')
      assert.equal(put.body.spec.replicas, 3)
      const afterPut = (await call('GET', `${path}/web`)).body
      assert.equal(afterPut.spec.replicas, 3)
      assert.equal(afterPut.metadata.generation, 2)
      assert.deepEqual(afterPut.spec.template, created.body.spec.template)

      expectFailure(await call('PUT', `${path}/web/scale`, { ...scale.body, spec: { replicas: 4 } }), 409, 'Conflict')

      const patched = await call('PATCH', `${path}/web/scale`, { spec: { replicas: 5 } }, MERGE)
      expectStatus(patched, 200)
      assert.equal(patched.body.spec.replicas, 5)
      assert.equal((await call('GET', `${path}/web`)).body.spec.replicas, 5)

      expectFailure(await call('PATCH', `${path}/web/scale`, { spec: { replicas: -1 } }, MERGE), 422, 'Invalid')
      expectFailure(await call('GET', `${path}/missing/scale`), 404, 'NotFound')
    })
  })

  describe('events: core/v1 and events.k8s.io/v1 over one storage', () => {
    let ns: string
    before(async () => {
      ns = await namespace('events')
    })

    it('an events.k8s.io/v1 Event is visible under /api/v1 with the core field names', async () => {
      const ev = FIXTURES['events.k8s.io/events']!.valid('from-v1')
      expectStatus(await call('POST', `/apis/events.k8s.io/v1/namespaces/${ns}/events`, ev), 201)
      const core = await call('GET', `/api/v1/namespaces/${ns}/events/from-v1`)
      expectStatus(core, 200)
      assert.equal(core.body.apiVersion, 'v1')
      assert.equal(core.body.kind, 'Event')
      assert.deepEqual(core.body.involvedObject, ev.regarding)
      assert.equal(core.body.message, ev.note)
      assert.equal(core.body.reportingComponent, ev.reportingController)
      assert.equal(core.body.reportingInstance, ev.reportingInstance)
      assert.equal(core.body.regarding, undefined)
      assert.equal(core.body.note, undefined)
      const selected = await call('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3Dsome-pod,reason%3DStarted`)
      assert.ok(selected.body.items.some((e: any) => e.metadata.name === 'from-v1'))
    })

    it('a core/v1 Event is visible under events.k8s.io/v1 with the new field names', async () => {
      const ev = FIXTURES['/events']!.valid('from-core')
      expectStatus(await call('POST', `/api/v1/namespaces/${ns}/events`, ev), 201)
      const v1 = await call('GET', `/apis/events.k8s.io/v1/namespaces/${ns}/events/from-core`)
      expectStatus(v1, 200)
      assert.equal(v1.body.apiVersion, 'events.k8s.io/v1')
      assert.equal(v1.body.kind, 'Event')
      assert.deepEqual(v1.body.regarding, ev.involvedObject)
      assert.equal(v1.body.note, ev.message)
      assert.deepEqual(v1.body.deprecatedSource, ev.source)
      assert.equal(v1.body.deprecatedCount, ev.count)
      assert.equal(v1.body.involvedObject, undefined)
      const listed = await call('GET', `/apis/events.k8s.io/v1/namespaces/${ns}/events`)
      assert.equal(listed.body.kind, 'EventList')
      assert.equal(listed.body.apiVersion, 'events.k8s.io/v1')
      assert.ok(listed.body.items.every((e: any) => e.apiVersion === 'events.k8s.io/v1' && e.involvedObject === undefined))
    })

    it('a watch on one API sees writes through the other, in its own shape', async () => {
      const from = (await call('GET', `/apis/events.k8s.io/v1/namespaces/${ns}/events`)).body.metadata.resourceVersion
      const watch = await WatchStream.open(baseUrl, `/apis/events.k8s.io/v1/namespaces/${ns}/events?watch=1&resourceVersion=${from}`)
      try {
        expectStatus(await call('POST', `/api/v1/namespaces/${ns}/events`, FIXTURES['/events']!.valid('watched')), 201)
        const ev = await watch.next()
        assert.equal(ev.type, 'ADDED')
        assert.equal(ev.object.apiVersion, 'events.k8s.io/v1')
        assert.equal(ev.object.note, 'started the container')
        assert.equal(ev.object.message, undefined)
      } finally {
        watch.close()
      }
    })
  })

  describe('watch window, store fallback and compaction (last: compaction is store-wide)', () => {
    let ns: string
    let path: string
    let firstRv: number
    let secondServer: ApiServer | undefined
    let secondUrl = ''
    let continueToken = ''

    before(async () => {
      ns = await namespace('history')
      path = `/api/v1/namespaces/${ns}/configmaps`
      const first = await call('POST', path, { metadata: { name: 'h0' }, data: { v: '0' } })
      firstRv = Number(first.body.metadata.resourceVersion)
      for (const name of ['h1', 'h2']) expectStatus(await call('POST', path, { metadata: { name } }), 201)
      expectStatus(await call('PATCH', `${path}/h0`, { data: { v: '1' } }, MERGE), 200)
      const page = await call('GET', `${path}?limit=1`)
      continueToken = page.body.metadata.continue
      assert.ok(continueToken, 'a first page with a continue token')
      // A second API server started now: its watch window begins after everything above.
      secondServer = new ApiServer({ store, bus: new EventBus(), log: silentLogger() })
      await secondServer.start()
      secondUrl = `http://127.0.0.1:${(await secondServer.listen(0)).port}`
    })

    after(async () => {
      await secondServer?.stop()
    })

    it('a watch from a resourceVersion older than the watch window is served from etcd, then live', async () => {
      const watch = await WatchStream.open(secondUrl, `${path}?watch=1&resourceVersion=${firstRv - 1}`)
      try {
        const replayed = [await watch.next(), await watch.next(), await watch.next(), await watch.next()]
        assert.deepEqual(
          replayed.map((e) => `${e.type} ${e.object.metadata.name}`),
          ['ADDED h0', 'ADDED h1', 'ADDED h2', 'MODIFIED h0'],
        )
        assert.equal(Number(replayed[0]!.object.metadata.resourceVersion), firstRv)
        expectStatus(await call('POST', path, { metadata: { name: 'h3' } }), 201)
        const live = await watch.next()
        assert.equal(`${live.type} ${live.object.metadata.name}`, 'ADDED h3')
      } finally {
        watch.close()
      }
    })

    it('after etcd compacts that revision: a watch from it gets an ERROR event with code 410', async () => {
      await store.compact(await store.currentRevision())
      const watch = await WatchStream.open(secondUrl, `${path}?watch=1&resourceVersion=${firstRv}`)
      try {
        const ev = await watch.next()
        assert.equal(ev.type, 'ERROR', watch.describe())
        assert.equal(ev.object.kind, 'Status')
        assert.equal(ev.object.code, 410)
        assert.equal(ev.object.reason, 'Expired')
        await eventually('the stream to end', async () => watch.ended)
      } finally {
        watch.close()
      }
    })

    it('a list with resourceVersionMatch=Exact at a compacted revision is 410 Expired', async () => {
      const res = await call('GET', `${path}?resourceVersion=${firstRv}&resourceVersionMatch=Exact`)
      expectFailure(res, 410, 'Expired')
      const current = await call('GET', path)
      const exact = await call('GET', `${path}?resourceVersion=${current.body.metadata.resourceVersion}&resourceVersionMatch=Exact`)
      expectStatus(exact, 200)
      assert.deepEqual(
        exact.body.items.map((o: any) => o.metadata.name),
        current.body.items.map((o: any) => o.metadata.name),
      )
    })

    it('a list at a revision etcd has not reached is 504 Too large resource version, with Exact too', async () => {
      const current = Number((await call('GET', path)).body.metadata.resourceVersion)
      for (const query of [`resourceVersion=${current + 1000}`, `resourceVersion=${current + 1000}&resourceVersionMatch=Exact`]) {
        const res = await call('GET', `${path}?${query}`)
        expectFailure(res, 504, 'Timeout')
        assert.match(res.body.message, /^Too large resource version: \d+, current: \d+$/, query)
        assert.equal(res.body.details?.causes?.[0]?.reason, 'ResourceVersionTooLarge', query)
      }
    })

    it('a continue token from before the compaction is 410 Expired', async () => {
      expectFailure(await call('GET', `${path}?limit=1&continue=${encodeURIComponent(continueToken)}`), 410, 'Expired')
    })

    it('watches and lists from now on still work', async () => {
      const list = await call('GET', path)
      expectStatus(list, 200)
      const watch = await WatchStream.open(baseUrl, `${path}?watch=1&resourceVersion=${list.body.metadata.resourceVersion}`)
      try {
        expectStatus(await call('POST', path, { metadata: { name: 'h4' } }), 201)
        const ev = await watch.next()
        assert.equal(`${ev.type} ${ev.object.metadata.name}`, 'ADDED h4')
      } finally {
        watch.close()
      }
    })
  })
})

