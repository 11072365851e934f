/**
 * The built-in kinds a chart or an operator bundle brings, with the real kubectl against `cluster serve` on a real
 * etcd: `apply -f` of one multi-document manifest with every kind (1.27 and 1.33), applied again, the `get` tables,
 * `apply --server-side`, `explain`, strict field validation, and the 1.33 generators whose bodies are protobuf
 * (`create role|clusterrole|rolebinding|clusterrolebinding|cronjob|ingress|poddisruptionbudget|priorityclass|quota`).
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { kubectlClient, kubectlInstalled, waitFor, type KubectlClient } from '../helpers/kubectl.ts'
import { startServer, type ServerProcess } from '../helpers/server-process.ts'

const PROTOBUF = 'application/vnd.kubernetes.protobuf'

/** A chart-like bundle: every kind once, in namespace `ns`; cluster-scoped names carry `ns` too. */
function bundle(ns: string): string {
  return `
apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: operator
  namespace: ${ns}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ${ns}-operator
rules:
  - apiGroups: ["", "apps"]
    resources: ["pods", "deployments", "statefulsets"]
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
  - nonResourceURLs: ["/metrics"]
    verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ${ns}-operator
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: ${ns}-operator
subjects:
  - kind: ServiceAccount
    name: operator
    namespace: ${ns}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: leader-election
  namespace: ${ns}
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["get", "create", "update"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: leader-election
  namespace: ${ns}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: leader-election
subjects:
  - kind: ServiceAccount
    name: operator
  - kind: User
    name: jane
    apiGroup: rbac.authorization.k8s.io
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: ${ns}
spec:
  serviceName: db
  replicas: 3
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: db
          image: postgres:16
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: ["ReadWriteOnce"]
        resources:
          requests:
            storage: 1Gi
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: ${ns}
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      containers:
        - name: agent
          image: busybox:1.36
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup
  namespace: ${ns}
spec:
  schedule: "0 3 * * *"
  timeZone: Europe/Paris
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: backup
              image: busybox:1.36
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: db
  namespace: ${ns}
spec:
  minAvailable: 2
  selector:
    matchLabels: {app: db}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: ${ns}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: 70}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: ${ns}-nginx
spec:
  controller: k8s.io/ingress-nginx
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: ${ns}
spec:
  ingressClassName: ${ns}-nginx
  tls:
    - hosts: [web.example.com]
      secretName: web-tls
  rules:
    - host: web.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port: {number: 80}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db
  namespace: ${ns}
spec:
  podSelector:
    matchLabels: {app: db}
  ingress:
    - from:
        - podSelector:
            matchLabels: {app: web}
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: ${ns}-pv
spec:
  capacity: {storage: 5Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: ${ns}-standard
  hostPath: {path: /tmp/${ns}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: uploads
  namespace: ${ns}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: ${ns}-standard
  resources:
    requests: {storage: 2Gi}
---
apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
  namespace: ${ns}
spec:
  limits:
    - type: Container
      max: {cpu: "2"}
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute
  namespace: ${ns}
spec:
  hard:
    pods: "20"
---
apiVersion: v1
kind: PodTemplate
metadata:
  name: worker
  namespace: ${ns}
template:
  metadata:
    labels: {role: worker}
  spec:
    containers:
      - name: worker
        image: busybox:1.36
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: ${ns}-standard
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: ${ns}-high
value: 1000000
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: ${ns}-validator
webhooks:
  - name: validate.${ns}.example.com
    admissionReviewVersions: [v1]
    sideEffects: None
    clientConfig:
      service: {namespace: ${ns}, name: webhook, path: /validate}
    rules:
      - operations: [CREATE, UPDATE]
        apiGroups: [apps]
        apiVersions: [v1]
        resources: [deployments]
        scope: "*"
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: ${ns}-mutator
webhooks:
  - name: mutate.${ns}.example.com
    admissionReviewVersions: [v1]
    sideEffects: None
    clientConfig:
      url: https://webhook.example.com/mutate
`
}

/** The `kind/name` lines `apply` prints, in the order of the bundle. */
const KINDS_APPLIED = [
  'namespace/',
  'serviceaccount/operator',
  'clusterrole.rbac.authorization.k8s.io/',
  'clusterrolebinding.rbac.authorization.k8s.io/',
  'role.rbac.authorization.k8s.io/leader-election',
  'rolebinding.rbac.authorization.k8s.io/leader-election',
  'statefulset.apps/db',
  'daemonset.apps/agent',
  'cronjob.batch/backup',
  'poddisruptionbudget.policy/db',
  'horizontalpodautoscaler.autoscaling/web',
  'ingressclass.networking.k8s.io/',
  'ingress.networking.k8s.io/web',
  'networkpolicy.networking.k8s.io/db',
  'persistentvolume/',
  'persistentvolumeclaim/uploads',
  'limitrange/defaults',
  'resourcequota/compute',
  'podtemplate/worker',
  'storageclass.storage.k8s.io/',
  'priorityclass.scheduling.k8s.io/',
  'validatingwebhookconfiguration.admissionregistration.k8s.io/',
  'mutatingwebhookconfiguration.admissionregistration.k8s.io/',
]

/** The header line and the row of `get` (table columns split on runs of 2+ spaces). */
function table(stdout: string): { header: string[]; rows: string[][] } {
  const [header = '', ...rows] = stdout.trim().split('\n')
  const split = (l: string) => l.trim().split(/\s{2,}/)
  return { header: split(header), rows: rows.map(split) }
}

let server: ServerProcess

before(async () => {
  server = await startServer({ args: ['--runtime', 'none'] })
})

after(() => server?.stop())

for (const version of ['1.27', '1.33'] as const) {
  describe(`kubectl ${version}: a chart-like bundle of every built-in kind`, { skip: kubectlInstalled(version) ? false : `kubectl.${version} is not installed` }, () => {
    const ns = `bundle-${version.replace('.', '')}`
    let k: KubectlClient
    before(() => {
      k = kubectlClient(version, { kubeconfig: server.kubeconfig, cacheDir: join(server.dir, `cache-bundle-${ns}`), serverOutput: server.output })
    })

    test('apply -f creates every kind; applied again, the bindings and the kinds without defaults are unchanged', async () => {
      const first = await k.ok(['apply', '-f', '-'], { stdin: bundle(ns) })
      const lines = first.stdout.trim().split('\n')
      assert.equal(lines.length, KINDS_APPLIED.length, first.stdout)
      KINDS_APPLIED.forEach((prefix, i) => {
        assert.ok(lines[i]!.startsWith(prefix), `${lines[i]} is ${prefix}…`)
        assert.match(lines[i]!, / created$/)
      })
      const again = await k.ok(['apply', '-f', '-'], { stdin: bundle(ns) })
      for (const kind of ['clusterrole.', 'clusterrolebinding.', 'role.', 'rolebinding.', 'daemonset.', 'cronjob.', 'horizontalpodautoscaler.', 'ingress.', 'persistentvolumeclaim/', 'storageclass.', 'priorityclass.'])
        assert.match(again.stdout, new RegExp(`^${kind.replace('.', '\\.')}\\S* unchanged$`, 'm'), `${kind} unchanged:\n${again.stdout}`)
    })

    test('get prints each kind with its columns', async () => {
      const expectations: [string[], string[], (row: string[]) => void][] = [
        [['clusterrole', `${ns}-operator`], ['NAME', 'CREATED AT'], (r) => assert.match(r[1]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)],
        [['rolebinding', 'leader-election', '-n', ns, '-o', 'wide'], ['NAME', 'ROLE', 'AGE', 'USERS', 'GROUPS', 'SERVICEACCOUNTS'], // The ServiceAccount subject names no namespace: printed `/operator`, as Kubernetes prints it.
        (r) => assert.deepEqual([r[1], r[3], r[4]], ['Role/leader-election', 'jane', '/operator'])],
        [['clusterrolebinding', `${ns}-operator`], ['NAME', 'ROLE', 'AGE'], (r) => assert.equal(r[1], `ClusterRole/${ns}-operator`)],
        [['statefulset', 'db', '-n', ns], ['NAME', 'READY', 'AGE'], (r) => assert.equal(r[1], '0/3')],
        [['daemonset', 'agent', '-n', ns], ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'], (r) => assert.equal(r[6], 'kubernetes.io/os=linux')],
        [['cronjob', 'backup', '-n', ns], ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE'], (r) => assert.deepEqual(r.slice(1, 6), ['0 3 * * *', 'Europe/Paris', 'False', '0', '<none>'])],
        [['pdb', 'db', '-n', ns], ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE'], (r) => assert.deepEqual(r.slice(1, 4), ['2', 'N/A', '0'])],
        [['hpa', 'web', '-n', ns], ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE'], (r) => assert.deepEqual(r.slice(1, 5), ['Deployment/web', 'cpu: <unknown>/70%', '2', '10'])],
        [['ingress', 'web', '-n', ns], ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE'], (r) => assert.deepEqual([r[1], r[2], r[3]], [`${ns}-nginx`, 'web.example.com', '80, 443'])],
        [['ingressclass', `${ns}-nginx`], ['NAME', 'CONTROLLER', 'PARAMETERS', 'AGE'], (r) => assert.deepEqual(r.slice(1, 3), ['k8s.io/ingress-nginx', '<none>'])],
        [['netpol', 'db', '-n', ns], ['NAME', 'POD-SELECTOR', 'AGE'], (r) => assert.equal(r[1], 'app=db')],
        [['pv', `${ns}-pv`], ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE'], (r) => assert.deepEqual(r.slice(1, 5), ['5Gi', 'RWO', 'Retain', 'Pending'])],
        [['pvc', 'uploads', '-n', ns], ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE'], (r) => assert.deepEqual(r.slice(1, 3), ['Pending', `${ns}-standard`])],
        [['limitrange', 'defaults', '-n', ns], ['NAME', 'CREATED AT'], () => {}],
        [['quota', 'compute', '-n', ns], ['NAME', 'REQUEST', 'LIMIT', 'AGE'], () => {}],
        [['podtemplate', 'worker', '-n', ns], ['NAME', 'CONTAINERS', 'IMAGES', 'POD LABELS'], (r) => assert.deepEqual(r.slice(1), ['worker', 'busybox:1.36', 'role=worker'])],
        [['storageclass', `${ns}-standard`], ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE'], (r) => assert.deepEqual(r.slice(1, 5), ['rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', 'false'])],
        [['priorityclass', `${ns}-high`], ['NAME', 'VALUE', 'GLOBAL-DEFAULT', 'AGE', 'PREEMPTIONPOLICY'], (r) => assert.deepEqual([r[1], r[2], r[4]], ['1000000', 'false', 'PreemptLowerPriority'])],
        [['validatingwebhookconfiguration', `${ns}-validator`], ['NAME', 'WEBHOOKS', 'AGE'], (r) => assert.equal(r[1], '1')],
        [['mutatingwebhookconfiguration', `${ns}-mutator`], ['NAME', 'WEBHOOKS', 'AGE'], (r) => assert.equal(r[1], '1')],
      ]
      for (const [args, header, check] of expectations) {
        const t = table((await k.ok(['get', ...args])).stdout)
        assert.deepEqual(t.header, header, args.join(' '))
        assert.equal(t.rows.length, 1, args.join(' '))
        assert.equal(t.rows[0]![0], args[1])
        check(t.rows[0]!)
      }
    })

    test('stores the defaults Kubernetes sets', async () => {
      const sts = await k.getJson('statefulset', 'db', '-n', ns)
      assert.deepEqual(sts.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } })
      assert.equal(sts.spec.podManagementPolicy, 'OrderedReady')
      assert.equal(sts.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem')
      const netpol = await k.getJson('netpol', 'db', '-n', ns)
      assert.deepEqual(netpol.spec.policyTypes, ['Ingress'])
      const crb = await k.getJson('clusterrolebinding', `${ns}-operator`)
      assert.deepEqual(crb.subjects, [{ kind: 'ServiceAccount', name: 'operator', namespace: ns }])
      const hook = (await k.getJson('mutatingwebhookconfiguration', `${ns}-mutator`)).webhooks[0]
      assert.deepEqual([hook.failurePolicy, hook.matchPolicy, hook.timeoutSeconds, hook.reinvocationPolicy], ['Fail', 'Equivalent', 10, 'Never'])
    })

    test('refuses an unknown field with --validate=strict, and a roleRef change', async () => {
      const bad = `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: bad\n  namespace: ${ns}\nrules:\n  - apiGroups: [""]\n    resources: [pods]\n    verbs: [get]\n    bogus: 1\n`
      const strict = await k.run(['apply', '--validate=strict', '-f', '-'], { stdin: bad })
      assert.notEqual(strict.code, 0)
      assert.match(strict.stderr, /unknown field "rules\[0\]\.bogus"/)
      const moved = bundle(ns).split('---').find((d) => d.includes('kind: RoleBinding'))!.replace('kind: Role\n  name: leader-election', `kind: ClusterRole\n  name: ${ns}-operator`)
      const res = await k.run(['apply', '-f', '-'], { stdin: moved })
      assert.notEqual(res.code, 0)
      assert.match(res.stderr, /cannot change roleRef/)
    })

    test('explain describes the new kinds', async () => {
      for (const [path, expected] of [
        ['statefulset.spec.volumeClaimTemplates', /volumeClaimTemplates is a list of claims/],
        ['clusterrolebinding.roleRef', /RoleRef can only reference a ClusterRole/],
        ['cronjob.spec.concurrencyPolicy', /Specifies how to treat concurrent executions/],
        ['ingress.spec.rules.http.paths.pathType', /pathType determines the interpretation of the path matching/],
        ['pdb.spec.minAvailable', /An eviction is allowed if at least "minAvailable"/],
      ] as const) {
        const out = (await k.ok(['explain', path])).stdout
        assert.match(out, expected, path)
      }
    })
  })
}

describe('kubectl 1.33: apply --server-side of the bundle', { skip: kubectlInstalled('1.33') ? false : 'kubectl.1.33 is not installed' }, () => {
  const ns = 'bundle-ssa'
  let k: KubectlClient
  before(() => {
    k = kubectlClient('1.33', { kubeconfig: server.kubeconfig, cacheDir: join(server.dir, 'cache-bundle-ssa'), serverOutput: server.output })
  })

  test('applies every kind, then applies again as a no-op, with kubectl as the field manager', async () => {
    const first = await k.ok(['apply', '--server-side', '-f', '-'], { stdin: bundle(ns) })
    assert.equal(first.stdout.trim().split('\n').length, KINDS_APPLIED.length, first.stdout)
    assert.doesNotMatch(first.stdout, /^(?!.* serverside-applied$).+$/m)
    // (Not a StatefulSet: its volumeClaimTemplates are an atomic list the server adds defaults to, so an apply replaces
    // it and writes again, in Kubernetes too.)
    // The DaemonSet controller writes the status once (no nodes here): wait for it, so that only the apply can write.
    const before = await waitFor('the daemonset status', async () => {
      const ds = await k.getJson('daemonset', 'agent', '-n', ns)
      return ds.status?.observedGeneration === ds.metadata.generation && ds
    })
    await k.ok(['apply', '--server-side', '-f', '-'], { stdin: bundle(ns) })
    const afterApply = await k.getJson('daemonset', 'agent', '-n', ns, '--show-managed-fields')
    assert.equal(afterApply.metadata.resourceVersion, before.metadata.resourceVersion, 'applying the same configuration writes nothing')
    const managers = afterApply.metadata.managedFields.map((m: any) => [m.manager, m.operation, m.subresource].filter(Boolean).join('/'))
    // kubectl owns what it applied; the controller (kube-controller-manager upstream) owns the status it wrote.
    assert.deepEqual(managers, ['kubectl/Apply', 'kube-controller-manager/Update/status'])
    const rb = await k.getJson('rolebinding', 'leader-election', '-n', ns, '--show-managed-fields')
    assert.ok(rb.metadata.managedFields[0].fieldsV1['f:roleRef'], 'roleRef is owned')
  })

  test('a second manager changing an owned field conflicts', async () => {
    const cronjob = bundle(ns).split('---').find((d) => d.includes('kind: CronJob'))!.replace('"0 3 * * *"', '"0 4 * * *"')
    const res = await k.run(['apply', '--server-side', '--field-manager=other', '-f', '-'], { stdin: cronjob })
    assert.notEqual(res.code, 0)
    assert.match(res.stderr, /conflict/i)
    assert.match(res.stderr, /\.spec\.schedule/)
  })
})

describe('kubectl 1.33: the generators send protobuf', { skip: kubectlInstalled('1.33') ? false : 'kubectl.1.33 is not installed' }, () => {
  let k: KubectlClient
  before(async () => {
    k = kubectlClient('1.33', { kubeconfig: server.kubeconfig, cacheDir: join(server.dir, 'cache-generators'), serverOutput: server.output })
    await k.ok(['create', 'namespace', 'gen'])
  })
  /** Runs a create with -v=8, asserts the protobuf exchange, returns the stored object. */
  async function created(args: string[], get: string[]): Promise<any> {
    // -v=8 before a `--` (what follows it is the container's command).
    const dash = args.indexOf('--')
    const { stderr } = await k.ok(['create', ...(dash < 0 ? [...args, '-v=8'] : [...args.slice(0, dash), '-v=8', ...args.slice(dash)])])
    assertProtobufExchange(stderr)
    return k.getJson(...get)
  }

  test('create role / clusterrole', async () => {
    const role = await created(['role', 'pod-reader', '-n', 'gen', '--verb=get,list', '--resource=pods,deployments.apps', '--resource-name=a'], ['role', 'pod-reader', '-n', 'gen'])
    assert.deepEqual(role.rules, [
      { apiGroups: [''], resources: ['pods'], resourceNames: ['a'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['a'], verbs: ['get', 'list'] },
    ])
    const cr = await created(['clusterrole', 'gen-viewer', '--verb=get', '--resource=nodes', '--non-resource-url=/healthz'], ['clusterrole', 'gen-viewer'])
    assert.deepEqual(cr.rules[1], { nonResourceURLs: ['/healthz'], verbs: ['get'] })
    const agg = await created(['clusterrole', 'gen-agg', '--aggregation-rule=example.com/aggregate=true'], ['clusterrole', 'gen-agg'])
    assert.deepEqual(agg.aggregationRule, { clusterRoleSelectors: [{ matchLabels: { 'example.com/aggregate': 'true' } }] })
  })

  test('create rolebinding / clusterrolebinding', async () => {
    const rb = await created(['rolebinding', 'rb', '-n', 'gen', '--role=pod-reader', '--user=alice', '--group=devs', '--serviceaccount=gen:builder'], ['rolebinding', 'rb', '-n', 'gen'])
    assert.deepEqual(rb.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' })
    assert.deepEqual(rb.subjects, [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'devs' },
      { kind: 'ServiceAccount', name: 'builder', namespace: 'gen' },
    ])
    const crb = await created(['clusterrolebinding', 'gen-crb', '--clusterrole=gen-viewer', '--serviceaccount=kube-system:default'], ['clusterrolebinding', 'gen-crb'])
    assert.deepEqual(crb.subjects, [{ kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }])
  })

  test('create cronjob', async () => {
    const cj = await created(['cronjob', 'cj', '-n', 'gen', '--image=busybox:1.36', '--schedule=*/5 * * * *', '--', 'echo', 'hi'], ['cronjob', 'cj', '-n', 'gen'])
    assert.equal(cj.spec.schedule, '*/5 * * * *')
    assert.equal(cj.spec.suspend, false)
    assert.equal(cj.spec.concurrencyPolicy, 'Allow')
    assert.deepEqual(cj.spec.jobTemplate.spec.template.spec.containers[0].command, ['echo', 'hi'])
    assert.equal(cj.spec.jobTemplate.spec.template.spec.restartPolicy, 'OnFailure')
  })

  test('create ingress', async () => {
    const ing = await created(['ingress', 'ing', '-n', 'gen', '--class=nginx', '--rule=foo.com/bar=svc1:8080,tls=my-cert', '--rule=bar.com/*=svc2:http', '--default-backend=defsvc:80'], ['ingress', 'ing', '-n', 'gen'])
    assert.deepEqual(ing.spec.defaultBackend, { service: { name: 'defsvc', port: { number: 80 } } })
    assert.deepEqual(ing.spec.rules[0].http.paths[0], { path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc1', port: { number: 8080 } } } })
    assert.deepEqual(ing.spec.rules[1].http.paths[0].backend.service.port, { name: 'http' })
    assert.deepEqual(ing.spec.tls, [{ hosts: ['foo.com'], secretName: 'my-cert' }])
    assert.deepEqual(ing.status, { loadBalancer: {} })
  })

  test('create poddisruptionbudget', async () => {
    const pdb = await created(['poddisruptionbudget', 'pdb', '-n', 'gen', '--selector=app=web', '--min-available=50%'], ['pdb', 'pdb', '-n', 'gen'])
    assert.deepEqual(pdb.spec, { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } })
  })

  test('create priorityclass', async () => {
    const pc = await created(['priorityclass', 'gen-pc', '--value=1000', '--description=high', '--preemption-policy=Never'], ['priorityclass', 'gen-pc'])
    assert.deepEqual([pc.value, pc.description, pc.preemptionPolicy, pc.globalDefault], [1000, 'high', 'Never', undefined])
  })

  test('create quota', async () => {
    const q = await created(['quota', 'q', '-n', 'gen', '--hard=cpu=1,memory=1G,pods=2', '--scopes=BestEffort'], ['quota', 'q', '-n', 'gen'])
    assert.deepEqual(q.spec, { hard: { cpu: '1', memory: '1G', pods: '2' }, scopes: ['BestEffort'] })
  })
})

function assertProtobufExchange(log: string): void {
  const post = log.search(/POST http|verb="POST"/)
  assert.ok(post >= 0, `no POST in the kubectl log:\n${log}`)
  const exchange = log.slice(post)
  const response = exchange.search(/Response Status|"Response"/)
  assert.ok(response > 0, `no response to the POST in the kubectl log:\n${exchange}`)
  const contentType = new RegExp(`Content-Type: ${PROTOBUF.replace(/\./g, '\\.')}`)
  assert.match(exchange.slice(0, response), contentType, 'request body in protobuf')
  assert.match(exchange.slice(response), contentType, 'response in protobuf')
}
