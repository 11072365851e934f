/**
 * The core API end to end with the real kubectl 1.27 … 1.33 against `cluster serve` on a throwaway etcd
 * (no kubelets: `--runtime none`). One server per kubectl version; versions run one after the other.
 *
 * kubectl 1.32+ sends protobuf bodies for the `create <generator>` commands (typed clients); those are
 * covered only for 1.27–1.31 here. Every other command (get, create -f, patch, label, annotate, replace,
 * delete, describe) sends JSON with every version, so all of them run for every version.
 *
 * Manifests are JSON files: kubectl parses YAML as YAML 1.1, and JSON keeps names and values exact.
 */
import assert from 'node:assert/strict'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { freshCacheDir, kubectl, KUBECTL_VERSIONS, retry, spawnKubectl, type KubectlResult, type KubectlVersion } from '../helpers/kubectl.ts'
import { startServer, type ServerProcess } from '../helpers/server-process.ts'

/** Versions whose `create configmap|secret|service|namespace` send protobuf (client-go ≥ 0.32). */
const PROTOBUF_GENERATORS = new Set<KubectlVersion>(['1.32', '1.33'])

const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const RFC3339_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/

/**
 * A pod manifest. Pods without a nodeName name a scheduler nobody runs, so that they stay unbound: the cluster's
 * scheduler would otherwise bind them to node1, and a bound pod waits for a kubelet (there is none) to go away.
 */
const pod = (name: string, extra: { nodeName?: string; labels?: Record<string, string>; finalizers?: string[] } = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...(extra.labels && { labels: extra.labels }), ...(extra.finalizers && { finalizers: extra.finalizers }) },
  spec: { ...(extra.nodeName ? { nodeName: extra.nodeName } : { schedulerName: 'e2e-unscheduled' }), containers: [{ name: 'nginx', image: 'nginx' }] },
})

const configMap = (name: string, labels: Record<string, string>, data: Record<string, string> = { k: name }) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
})

/** A node as a kubelet registers it (the seed's `kubelet --api-servers=…`). */
const NODE = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'node1', labels: { 'kubernetes.io/hostname': 'node1', 'kubernetes.io/os': 'linux', 'node-role.kubernetes.io/control-plane': '' } },
  spec: { podCIDR: '10.0.0.0/24' },
  status: {
    conditions: [
      { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: '2024-01-01T00:00:00Z', lastTransitionTime: '2024-01-01T00:00:00Z' },
      { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'ok', lastHeartbeatTime: '2024-01-01T00:00:00Z', lastTransitionTime: '2024-01-01T00:00:00Z' },
    ],
    addresses: [
      { type: 'InternalIP', address: '192.168.1.10' },
      { type: 'Hostname', address: 'node1' },
    ],
    capacity: { cpu: '4', memory: '8Gi', pods: '110' },
    allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
    nodeInfo: {
      machineID: 'm1', systemUUID: 's1', bootID: 'b1', kernelVersion: '6.1.0', osImage: 'Debian GNU/Linux 12', containerRuntimeVersion: 'containerd://1.7.0',
      kubeletVersion: 'v1.30.0', kubeProxyVersion: 'v1.30.0', operatingSystem: 'linux', architecture: 'amd64',
    },
  },
}

/** MicroTime: RFC 3339 with exactly 6 fractional digits. */
const microTime = (d = new Date()) => d.toISOString().replace(/Z$/, '000Z')

/**
 * node1's heartbeat Lease, renewed by the test while it runs (as a kubelet would): the node lifecycle controller
 * marks a node whose lease goes stale NotReady.
 */
const nodeLease = () => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'node1', namespace: 'kube-node-lease' },
  spec: { holderIdentity: 'node1', leaseDurationSeconds: 40, renewTime: microTime() },
})

/** Sorted names from `-o name` output (`pod/x` → `x`). */
const names = (stdout: string) =>
  stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.slice(l.indexOf('/') + 1))
    .sort()

/** The table lines whose first cell is `name`. */
const row = (stdout: string, name: string) => stdout.split('\n').find((l) => l.split(/\s+/)[0] === name)

/** A table's header cells, split on runs of 2+ spaces (header names contain single spaces). */
const header = (stdout: string) => stdout.split('\n')[0]!.trim().split(/\s{2,}/)

/** `E2E_KUBECTL_VERSIONS=1.30,1.33` runs only those versions (while working on one). */
const versions = process.env.E2E_KUBECTL_VERSIONS ? KUBECTL_VERSIONS.filter((v) => process.env.E2E_KUBECTL_VERSIONS!.split(',').includes(v)) : KUBECTL_VERSIONS

for (const version of versions) {
  const jsonGenerators = !PROTOBUF_GENERATORS.has(version)

  describe(`kubectl ${version} against cluster serve`, () => {
    let server: ServerProcess
    let cacheDir: string
    let heartbeat: NodeJS.Timeout | undefined

    before(async () => {
      server = await startServer()
      cacheDir = freshCacheDir()
    })
    after(async () => {
      clearInterval(heartbeat)
      await server?.stop()
      if (cacheDir) await rm(cacheDir, { recursive: true, force: true })
    })

    const k = (args: string[], opts: { stdin?: string; timeoutMs?: number } = {}) =>
      kubectl(version, args, { kubeconfig: server.kubeconfig, cacheDir, ...opts })

    const show = (args: string[], r: KubectlResult) =>
      `kubectl.${version} ${args.join(' ')} → exit ${r.code}${r.timedOut ? ' (timed out)' : ''}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`

    /** Runs kubectl, asserts success, returns stdout. */
    const ok = async (...args: string[]) => {
      const r = await k(args)
      assert.equal(r.code, 0, show(args, r))
      return r.stdout
    }
    /** Runs kubectl, asserts exit 1, returns stderr. */
    const fails = async (...args: string[]) => {
      const r = await k(args)
      assert.equal(r.code, 1, show(args, r))
      return r.stderr
    }
    const getJson = async (...args: string[]) => JSON.parse(await ok('get', ...args, '-o', 'json'))

    let fileCount = 0
    /** Writes a manifest into the server's temp dir; returns its path. */
    const manifest = async (obj: unknown) => {
      const path = join(server.dir, `manifest-${++fileCount}.json`)
      await writeFile(path, JSON.stringify(obj, null, 2))
      return path
    }
    /** `kubectl create -f` (JSON with every version); --validate=false because the server has no OpenAPI for client-side validation to rely on. */
    const createFromFile = async (obj: unknown, ...extra: string[]) => ok('create', '-f', await manifest(obj), '--validate=false', ...extra)

    it('seed walkthrough: lists nodes and pods, creates a pod with nodeName, reads it back with server-set fields', async () => {
      const [nodes, pods] = await Promise.all([k(['get', 'nodes']), k(['get', 'pods'])])
      assert.equal(nodes.code, 0, show(['get', 'nodes'], nodes))
      assert.equal(nodes.stdout, '')
      assert.match(nodes.stderr, /No resources found/)
      assert.equal(pods.code, 0, show(['get', 'pods'], pods))
      assert.match(pods.stderr, /No resources found in default namespace\./)

      const created = await ok('create', '-f', await manifest(NODE), '-f', await manifest(nodeLease()), '-f', await manifest(pod('nginx', { nodeName: 'node1', labels: { app: 'web' } })), '--validate=false')
      assert.equal(created, 'node/node1 created\nlease.coordination.k8s.io/node1 created\npod/nginx created\n')
      heartbeat = setInterval(() => {
        const body = JSON.stringify({ spec: { renewTime: microTime() } })
        fetch(`${server.url}/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node1`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body }).catch(() => {})
      }, 5000)

      const p = await getJson('pod', 'nginx')
      assert.equal(p.kind, 'Pod')
      assert.equal(p.apiVersion, 'v1')
      assert.equal(p.metadata.name, 'nginx')
      assert.equal(p.metadata.namespace, 'default')
      assert.match(p.metadata.uid, UID)
      assert.match(p.metadata.resourceVersion, /^[1-9]\d*$/)
      assert.match(p.metadata.creationTimestamp, RFC3339_SECONDS)
      assert.ok(Math.abs(Date.parse(p.metadata.creationTimestamp) - Date.now()) < 120_000, `creationTimestamp ${p.metadata.creationTimestamp} is not now`)
      assert.equal(p.spec.restartPolicy, 'Always')
      assert.equal(p.spec.dnsPolicy, 'ClusterFirst')
      assert.equal(p.spec.nodeName, 'node1')
      assert.equal(p.status.phase, 'Pending')

      // A second create of the same name is refused.
      const again = await fails('create', '-f', await manifest(pod('nginx', { nodeName: 'node1' })), '--validate=false')
      assert.match(again, /Error from server \(AlreadyExists\): error when creating ".*": pods "nginx" already exists/)
    })

    it('get prints server-side Tables; -o wide adds the priority-1 columns', async () => {
      const [pods, wide, nodesWide, all] = await Promise.all([
        ok('get', 'pods'),
        ok('get', 'pods', '-o', 'wide'),
        ok('get', 'nodes', '-o', 'wide'),
        ok('get', 'pods', '-A', '--show-labels', '-L', 'app'),
      ])
      assert.deepEqual(header(pods), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'])
      assert.match(row(pods, 'nginx') ?? '', /^nginx\s+0\/1\s+Pending\s+0\s+\d+s$/)
      assert.deepEqual(header(wide), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'])
      assert.match(row(wide, 'nginx') ?? '', /^nginx\s+0\/1\s+Pending\s+0\s+\d+s\s+<none>\s+node1\s+<none>\s+<none>$/)

      assert.deepEqual(header(nodesWide), ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'])
      assert.match(row(nodesWide, 'node1') ?? '', /^node1\s+Ready\s+control-plane\s+\d+s\s+v1\.30\.0\s+192\.168\.1\.10\s+<none>\s+Debian GNU\/Linux 12\s+6\.1\.0\s+containerd:\/\/1\.7\.0$/)

      // The NAMESPACE and LABELS columns (and -L) come from each row's object metadata.
      assert.deepEqual(header(all), ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'APP', 'LABELS'])
      assert.match(all, /^default\s+nginx\s+0\/1\s+Pending\s+0\s+\d+s\s+web\s+app=web$/m)
    })

    it('get -o yaml | json | jsonpath | custom-columns | name', async () => {
      const [yamlText, list, jsonpath, cc, name] = await Promise.all([
        ok('get', 'pod', 'nginx', '-o', 'yaml'),
        getJson('pods'),
        ok('get', 'pod', 'nginx', '-o', 'jsonpath={.spec.nodeName}/{.status.phase}'),
        ok('get', 'pods', '-o', 'custom-columns=NAME:.metadata.name,NODE:.spec.nodeName,PHASE:.status.phase,APP:.metadata.labels.app'),
        ok('get', 'pods,nodes', '-o', 'name'),
      ])
      const yaml = parseYaml(yamlText)
      assert.equal(yaml.kind, 'Pod')
      assert.equal(yaml.metadata.name, 'nginx')
      assert.equal(yaml.spec.containers[0].image, 'nginx')
      assert.equal(list.kind, 'List') // kubectl wraps what it listed in a v1 List
      assert.deepEqual(list.items.map((i: any) => [i.kind, i.metadata.name]), [['Pod', 'nginx']])
      assert.equal(jsonpath, 'node1/Pending')
      assert.deepEqual(cc.trim().split('\n').map((l) => l.trim().split(/\s+/)), [['NAME', 'NODE', 'PHASE', 'APP'], ['nginx', 'node1', 'Pending', 'web']])
      assert.equal(name, 'pod/nginx\nnode/node1\n')
    })

    it('-l with every label selector operator', async () => {
      const items = [
        configMap('sel-a', { suite: 'sel', env: 'prod', tier: 'fe' }),
        configMap('sel-b', { suite: 'sel', env: 'dev', tier: 'be' }),
        configMap('sel-c', { suite: 'sel', env: 'qa' }),
        configMap('other', { suite: 'other' }),
      ]
      const created = await createFromFile({ apiVersion: 'v1', kind: 'List', items })
      assert.equal(created.trim().split('\n').length, 4, created)
      // Each selector combines operators; together they cover = == != in notin, exists and !exists.
      const cases: [string, string[]][] = [
        ['env==prod,tier', ['sel-a']],
        ['env!=prod', ['other', 'sel-b', 'sel-c']], // != also matches objects without the label
        ['env in (prod,qa),!tier', ['sel-c']],
        ['suite=sel,env notin (prod)', ['sel-b', 'sel-c']],
      ]
      const results = await Promise.all(cases.map(([sel]) => ok('get', 'configmaps', '-l', sel, '-o', 'name')))
      cases.forEach(([sel, want], i) => assert.deepEqual(names(results[i]!), want, `-l '${sel}'`))
    })

    it('--field-selector on names and on pod fields; an unknown field is a 400', async () => {
      const [byName, notName, podFields, none, bad] = await Promise.all([
        ok('get', 'configmaps', '--field-selector', 'metadata.name=sel-b', '-o', 'name'),
        ok('get', 'configmaps', '-l', 'suite=sel', '--field-selector', 'metadata.name!=sel-b', '-o', 'name'),
        ok('get', 'pods', '-A', '--field-selector', 'spec.nodeName=node1,status.phase==Pending', '-o', 'name'),
        ok('get', 'pods', '--field-selector', 'status.phase!=Pending', '-o', 'name'),
        fails('get', 'pods', '--field-selector', 'spec.bogus=x'),
      ])
      assert.deepEqual(names(byName), ['sel-b'])
      assert.deepEqual(names(notName), ['sel-a', 'sel-c'])
      assert.deepEqual(names(podFields), ['nginx'])
      assert.deepEqual(names(none), [])
      assert.match(bad, /Error from server \(BadRequest\): .*field label not supported: spec\.bogus/)
    })

    it('--chunk-size=1 pages through every object once, following continue tokens to the end', async () => {
      const args = ['get', 'configmaps', '-l', 'suite=sel', '--chunk-size=1', '-o', 'name', '-v=6']
      const [r, table] = await Promise.all([
        k(args, { timeoutMs: 30_000 }), // a server that repeats a continue token makes kubectl loop until killed
        ok('get', 'configmaps', '--chunk-size=1', '--sort-by=.metadata.name'),
      ])
      assert.equal(r.code, 0, show(args, r))
      assert.deepEqual(r.stdout.trim().split('\n').sort(), ['configmap/sel-a', 'configmap/sel-b', 'configmap/sel-c'])
      const requests = r.stderr.split('\n').filter((l) => /\/configmaps\?.*limit=1/.test(l))
      assert.equal(requests.length, 3, `one request per object:\n${requests.join('\n')}`)
      assert.equal(requests.filter((l) => /continue=/.test(l)).length, 2)
      // The table printer pages too (and --sort-by asks for whole objects in the rows).
      assert.deepEqual(table.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]), ['other', 'sel-a', 'sel-b', 'sel-c'])
    })

    it('get -w prints a row for an object created while it watches', async () => {
      const w = spawnKubectl(version, ['get', 'configmaps', '-w', '-v=6'], { kubeconfig: server.kubeconfig, cacheDir })
      try {
        await w.waitFor(/watch=true/, { stream: 'stderr' }) // the watch request is open (logged once answered)
        assert.doesNotMatch(w.stdout(), /watched-cm/)
        await createFromFile(configMap('watched-cm', { w: '1' }, { a: '1', b: '2' }))
        await w.waitFor(/^watched-cm\s+2\s+\d+s$/m)
        await ok('label', 'configmap', 'watched-cm', 'w=2', '--overwrite')
        await w.waitFor(/^watched-cm\s+2\s+\d+s$[^]*^watched-cm\s+2\s+\d+s$/m) // a second row, for the MODIFIED event
      } finally {
        await w.kill()
      }
    })

    it('create configmap | secret generic | service clusterip | namespace', { skip: !jsonGenerators && 'kubectl ≥ 1.32 sends these as protobuf' }, async () => {
      const [cmText, secretText, svcText, nsText] = await Promise.all([
        ok('create', 'configmap', 'gen-cm', '--from-literal=k=v', '--from-literal=k2=v2', '-o', 'json'),
        ok('create', 'secret', 'generic', 'gen-secret', '--from-literal=user=admin', '-o', 'json'),
        ok('create', 'service', 'clusterip', 'gen-svc', '--tcp=80:8080', '-o', 'json'),
        ok('create', 'namespace', 'gen-ns', '-o', 'json'),
      ])
      const cm = JSON.parse(cmText)
      assert.deepEqual(cm.data, { k: 'v', k2: 'v2' })
      assert.match(cm.metadata.uid, UID) // the server's answer, not kubectl's request
      const secret = JSON.parse(secretText)
      assert.equal(secret.type, 'Opaque')
      assert.equal(Buffer.from(secret.data.user, 'base64').toString(), 'admin')
      const svc = JSON.parse(svcText)
      assert.equal(svc.spec.type, 'ClusterIP')
      assert.match(svc.spec.clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/, 'a ClusterIP from 10.96.0.0/12')
      assert.deepEqual(svc.spec.clusterIPs, [svc.spec.clusterIP])
      assert.deepEqual(svc.spec.ports.map((p: any) => [p.port, p.targetPort, p.protocol]), [[80, 8080, 'TCP']])
      assert.deepEqual(svc.spec.selector, { app: 'gen-svc' })
      const ns = JSON.parse(nsText)
      assert.equal(ns.status.phase, 'Active')

      const [svcTable, names_] = await Promise.all([ok('get', 'service', 'gen-svc'), ok('get', 'configmap/gen-cm', 'secret/gen-secret', 'namespace/gen-ns', '-o', 'name')])
      assert.match(row(svcTable, 'gen-svc') ?? '', new RegExp(`^gen-svc\\s+ClusterIP\\s+${svc.spec.clusterIP.replace(/\./g, '\\.')}\\s+<none>\\s+80/TCP\\s+\\d+s$`))
      assert.equal(names_, 'configmap/gen-cm\nsecret/gen-secret\nnamespace/gen-ns\n')
      // The service account controller gives every new namespace its `default` ServiceAccount.
      await retry(async () => assert.equal(await ok('get', 'serviceaccount', 'default', '-n', 'gen-ns', '-o', 'name'), 'serviceaccount/default\n'))
    })

    it('patch --type=merge and --type=json', async () => {
      const before = JSON.parse(await createFromFile(configMap('patched', { p: '1' }, { a: '1', b: '2' }), '-o', 'json'))
      assert.equal(await ok('patch', 'configmap', 'patched', '--type=merge', '-p', '{"data":{"a":"A"}}'), 'configmap/patched patched\n')
      const merged = JSON.parse(await ok('patch', 'configmap', 'patched', '--type=merge', '-p', '{"data":{"b":null,"c":"3"}}', '-o', 'json'))
      assert.deepEqual(merged.data, { a: 'A', c: '3' })
      assert.ok(Number(merged.metadata.resourceVersion) > Number(before.metadata.resourceVersion), 'resourceVersion grows')
      assert.equal(merged.metadata.uid, before.metadata.uid)

      const patch = '[{"op":"add","path":"/data/d","value":"4"},{"op":"remove","path":"/data/a"},{"op":"replace","path":"/metadata/labels/p","value":"2"}]'
      const patched = JSON.parse(await ok('patch', 'configmap', 'patched', '--type=json', '-p', patch, '-o', 'json'))
      assert.deepEqual(patched.data, { c: '3', d: '4' })
      assert.deepEqual(patched.metadata.labels, { p: '2' })

      // A JSON patch whose test fails is refused whole.
      const stderr = await fails('patch', 'configmap', 'patched', '--type=json', '-p', '[{"op":"remove","path":"/data/d"},{"op":"test","path":"/data/c","value":"nope"}]')
      assert.match(stderr, /invalid/i)
      // A pod's status can not be changed through the main resource.
      const podPatched = JSON.parse(await ok('patch', 'pod', 'nginx', '--type=merge', '-p', '{"status":{"phase":"Running"}}', '-o', 'json'))
      assert.equal(podPatched.status.phase, 'Pending')
      assert.deepEqual((await getJson('configmap', 'patched')).data, { c: '3', d: '4' })
    })

    it('label (and x- removal) and annotate', async () => {
      assert.equal(await ok('label', 'pod', 'nginx', 'tier=frontend'), 'pod/nginx labeled\n')
      assert.deepEqual(names(await ok('get', 'pods', '-l', 'tier=frontend', '-o', 'name')), ['nginx'])
      const clash = await fails('label', 'pod', 'nginx', 'tier=backend')
      assert.match(clash, /'tier' already has a value \(frontend\), and --overwrite is false/)
      const overwritten = JSON.parse(await ok('label', 'pod', 'nginx', 'tier=backend', '--overwrite', '-o', 'json'))
      assert.deepEqual(overwritten.metadata.labels, { app: 'web', tier: 'backend' })
      assert.equal(await ok('label', 'pod', 'nginx', 'tier-'), 'pod/nginx unlabeled\n')

      assert.match(await ok('annotate', 'pod', 'nginx', 'example.com/note=hello world'), /^pod\/nginx annotated?\n$/) // 1.27 prints "annotate"
      const p = await getJson('pod', 'nginx')
      assert.deepEqual(p.metadata.labels, { app: 'web' })
      assert.equal(p.metadata.annotations['example.com/note'], 'hello world')
      const removed = JSON.parse(await ok('annotate', 'pod', 'nginx', 'example.com/note-', '-o', 'json'))
      assert.equal(removed.metadata.annotations?.['example.com/note'], undefined)
    })

    it('replace -f; a stale resourceVersion is a 409 Conflict', async () => {
      const current = JSON.parse(await createFromFile(configMap('replaced', { r: '1' }, { a: '1' }), '-o', 'json'))
      const stale = structuredClone(current)
      current.data = { a: 'replaced' }
      assert.equal(await ok('replace', '-f', await manifest(current), '--validate=false'), 'configmap/replaced replaced\n')

      stale.data = { a: 'stale' }
      const stderr = await fails('replace', '-f', await manifest(stale), '--validate=false')
      assert.match(stderr, /Error from server \(Conflict\): error when replacing ".*": Operation cannot be fulfilled on configmaps "replaced": the object has been modified; please apply your changes to the latest version and try again/)
      assert.deepEqual((await getJson('configmap', 'replaced')).data, { a: 'replaced' })

      // Without a resourceVersion, replace is unconditional.
      delete stale.metadata.resourceVersion
      assert.deepEqual(JSON.parse(await ok('replace', '-f', await manifest(stale), '--validate=false', '-o', 'json')).data, { a: 'stale' })
    })

    it('delete: an unbound pod goes at once; a finalizer holds a pod until it is patched away', async () => {
      await ok('create', '-f', await manifest(pod('unbound')), '-f', await manifest(pod('held', { finalizers: ['example.com/hold'] })), '--validate=false')
      assert.equal(await ok('delete', 'pod', 'unbound', '--wait=false'), 'pod "unbound" deleted\n')
      assert.match(await fails('get', 'pod', 'unbound'), /Error from server \(NotFound\): pods "unbound" not found/)

      assert.equal(await ok('delete', 'pod', 'held', '--wait=false'), 'pod "held" deleted\n')
      const [held, heldRow] = await Promise.all([getJson('pod', 'held'), ok('get', 'pod', 'held')])
      assert.match(held.metadata.deletionTimestamp ?? '', RFC3339_SECONDS)
      assert.deepEqual(held.metadata.finalizers, ['example.com/hold'])
      assert.match(row(heldRow, 'held') ?? '', /^held\s+0\/1\s+Terminating\s+0\s+\d+s$/)

      // kubectl delete (waiting, as by default) returns once the finalizer is gone.
      const waiting = spawnKubectl(version, ['delete', 'pod', 'held', '--timeout=30s'], { kubeconfig: server.kubeconfig, cacheDir })
      try {
        await waiting.waitFor(/^pod "held" deleted$/m) // printed when the DELETE is answered; then it waits
        await ok('patch', 'pod', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}')
        assert.equal(await waiting.exited(), 0, waiting.stderr())
      } finally {
        await waiting.kill()
      }
      assert.match(await fails('get', 'pod', 'held'), /pods "held" not found/)
    })

    it('delete: a pod bound to a node waits for its kubelet; --grace-period=0 --force removes it', async () => {
      await createFromFile(pod('bound', { nodeName: 'node1' }))
      await ok('delete', 'pod', 'bound', '--wait=false')
      const graceful = await getJson('pod', 'bound')
      assert.equal(graceful.metadata.deletionGracePeriodSeconds, 30)
      assert.match(graceful.metadata.deletionTimestamp ?? '', RFC3339_SECONDS)
      const forced = await k(['delete', 'pod', 'bound', '--grace-period=0', '--force'])
      assert.equal(forced.code, 0, show(['delete', 'pod', 'bound', '--grace-period=0', '--force'], forced))
      assert.match(forced.stdout, /pod "bound" force deleted/)
      assert.match(await fails('get', 'pod', 'bound'), /pods "bound" not found/)
    })

    it('describe pod | node | namespace', async () => {
      const [podText, nodeText, nsText] = await Promise.all([ok('describe', 'pod', 'nginx'), ok('describe', 'node', 'node1'), ok('describe', 'namespace', 'default')])
      assert.match(podText, /^Name:\s+nginx$/m)
      assert.match(podText, /^Namespace:\s+default$/m)
      assert.match(podText, /^Node:\s+node1\/$/m)
      assert.match(podText, /^Labels:\s+app=web$/m)
      assert.match(podText, /^Status:\s+Pending$/m)
      assert.match(podText, /^Containers:\n\s+nginx:\n\s+Image:\s+nginx$/m)
      assert.match(podText, /^QoS Class:\s+BestEffort$/m)

      assert.match(nodeText, /^Name:\s+node1$/m)
      assert.match(nodeText, /^Roles:\s+control-plane$/m)
      assert.match(nodeText, /^Lease:\n\s+HolderIdentity:\s+node1$/m)
      assert.match(nodeText, /^\s+Ready\s+True\s+.*KubeletReady\s+kubelet is posting ready status$/m)
      assert.match(nodeText, /^\s+InternalIP:\s+192\.168\.1\.10$/m)
      assert.match(nodeText, /^Non-terminated Pods:\s+\(1 in total\)$/m)
      assert.match(nodeText, /^\s+default\s+nginx\s+0 \(0%\)/m)

      assert.match(nsText, /^Name:\s+default$/m)
      assert.match(nsText, /^Labels:\s+kubernetes\.io\/metadata\.name=default$/m)
      assert.match(nsText, /^Status:\s+Active$/m)
    })

    it('events: core/v1 and events.k8s.io/v1 are one store, both shown by get events and describe', async () => {
      const p = await getJson('pod', 'nginx')
      const ref = { apiVersion: 'v1', kind: 'Pod', name: 'nginx', namespace: 'default', uid: p.metadata.uid }
      const now = new Date()
      const coreEvent = {
        apiVersion: 'v1', kind: 'Event', metadata: { name: 'nginx.core' }, involvedObject: ref,
        reason: 'CoreReason', message: 'written through core/v1', type: 'Normal', source: { component: 'e2e-core', host: 'node1' },
        firstTimestamp: now.toISOString().replace(/\.\d+Z$/, 'Z'), lastTimestamp: now.toISOString().replace(/\.\d+Z$/, 'Z'), count: 1,
      }
      const newEvent = {
        apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'nginx.new' }, regarding: ref,
        reason: 'NewReason', note: 'written through events.k8s.io/v1', type: 'Warning', action: 'Testing',
        reportingController: 'e2e/new', reportingInstance: 'e2e-1', eventTime: now.toISOString().replace(/Z$/, '123Z'),
      }
      assert.equal(
        await ok('create', '-f', await manifest(coreEvent), '-f', await manifest(newEvent), '--validate=false'),
        'event/nginx.core created\nevent.events.k8s.io/nginx.new created\n',
      )

      const [table, core, v1, both, warnings, byReason, v1Selected, described] = await Promise.all([
        ok('get', 'events'),
        getJson('events', 'nginx.new'), // the core/v1 view of the new-style event
        getJson('events.v1.events.k8s.io', 'nginx.core'), // the events.k8s.io view of the core one
        getJson('events.events.k8s.io'),
        ok('get', 'events', '--field-selector', 'involvedObject.name=nginx,type=Warning', '-o', 'name'),
        ok('get', 'events', '--field-selector', 'reason=CoreReason', '-o', 'name'),
        // events.k8s.io/v1 selects by its own field names.
        ok('get', 'events.events.k8s.io', '--field-selector', 'regarding.name=nginx,reportingController=e2e/new', '-o', 'name'),
        ok('describe', 'pod', 'nginx'),
      ])
      assert.deepEqual(header(table), ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'])
      assert.match(table, /^\S+\s+Normal\s+CoreReason\s+pod\/nginx\s+written through core\/v1$/m)
      assert.match(table, /^\S+\s+Warning\s+NewReason\s+pod\/nginx\s+written through events\.k8s\.io\/v1$/m)

      assert.equal(core.apiVersion, 'v1')
      assert.equal(core.message, 'written through events.k8s.io/v1')
      assert.deepEqual(core.involvedObject, ref)
      assert.equal(core.reportingComponent, 'e2e/new')
      assert.equal(v1.apiVersion, 'events.k8s.io/v1')
      assert.equal(v1.note, 'written through core/v1')
      assert.deepEqual(v1.regarding, ref)
      assert.deepEqual(v1.deprecatedSource, { component: 'e2e-core', host: 'node1' })
      assert.equal(v1.deprecatedCount, 1)
      const aboutNginx = both.items.filter((e: any) => e.regarding?.uid === p.metadata.uid)
      assert.deepEqual(aboutNginx.map((e: any) => e.metadata.name).sort(), ['nginx.core', 'nginx.new'])
      assert.deepEqual(names(warnings), ['nginx.new'])
      assert.deepEqual(names(byReason), ['nginx.core'])
      assert.deepEqual(names(v1Selected), ['nginx.new'])

      const events = described.slice(described.indexOf('\nEvents:'))
      assert.match(events, /^\s+Normal\s+CoreReason\s+\S+\s+e2e-core\s+written through core\/v1$/m)
      assert.match(events, /^\s+Warning\s+NewReason\s+\S+\s+e2e\/new\s+written through events\.k8s\.io\/v1$/m)
    })

    it('delete namespace removes everything in it', async () => {
      await createFromFile({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } })
      await ok('create', '-n', 'doomed', '-f', await manifest(configMap('in-doomed', { d: '1' })), '-f', await manifest(pod('in-doomed')), '-f', await manifest(pod('held-in-doomed', { finalizers: ['example.com/hold'] })), '--validate=false')

      assert.equal(await ok('delete', 'namespace', 'doomed', '--wait=false'), 'namespace "doomed" deleted\n')
      assert.equal((await getJson('namespace', 'doomed')).status.phase, 'Terminating')
      // Nothing new may be created in a terminating namespace.
      const refused = await fails('create', '-f', await manifest(configMap('late', {})), '-n', 'doomed', '--validate=false')
      assert.match(refused, /Error from server \(Forbidden\): .*unable to create new content in namespace doomed because it is being terminated/)
      // The held pod keeps the namespace until its finalizer goes.
      await ok('wait', '--for=delete', 'pod/in-doomed', 'configmap/in-doomed', '-n', 'doomed', '--timeout=30s')
      assert.deepEqual(names(await ok('get', 'pods,configmaps', '-n', 'doomed', '-o', 'name')), ['held-in-doomed'])
      assert.equal((await getJson('namespace', 'doomed')).status.phase, 'Terminating')
      await ok('patch', 'pod', 'held-in-doomed', '-n', 'doomed', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]')
      await ok('wait', '--for=delete', 'namespace/doomed', '--timeout=30s')
      const everywhere = await ok('get', 'pods,configmaps,serviceaccounts', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\n"}{end}')
      assert.match(everywhere, /^default\/nginx$/m) // the listing works…
      assert.doesNotMatch(everywhere, /^doomed\//m) // …and nothing of doomed is left

      // The system namespaces are immortal (NamespaceLifecycle).
      const immortal = await fails('delete', 'namespace', 'default', 'kube-system', '--wait=false')
      assert.match(immortal, /^Error from server \(Forbidden\): namespaces "default" is forbidden: this namespace may not be deleted$/m)
      assert.match(immortal, /^Error from server \(Forbidden\): namespaces "kube-system" is forbidden: this namespace may not be deleted$/m)
      assert.match(row(await ok('get', 'namespace', 'default', 'kube-system'), 'kube-system') ?? '', /^kube-system\s+Active\s/)
    })

    it('errors: 422 Invalid, 404 NotFound', async () => {
      const [invalid, noImage, notFound, nsNotFound, deleteNotFound, noNamespace] = await Promise.all([
        fails('create', '-f', await manifest(pod('Bad_Name')), '--validate=false'),
        fails('create', '-f', await manifest({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'noimage' }, spec: { containers: [{ name: 'c' }] } }), '--validate=false'),
        k(['get', 'pod', 'nope']),
        fails('get', 'namespace', 'nope'),
        fails('delete', 'configmap', 'nope'),
        fails('create', '-f', await manifest(configMap('x', {})), '-n', 'no-such-ns', '--validate=false'),
      ])
      assert.match(invalid, /The Pod "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/)
      assert.match(noImage, /The Pod "noimage" is invalid: spec\.containers\[0\]\.image: Required value/)
      assert.equal(notFound.code, 1)
      assert.equal(notFound.stderr.trim(), 'Error from server (NotFound): pods "nope" not found')
      assert.equal(notFound.stdout, '')
      assert.match(nsNotFound, /Error from server \(NotFound\): namespaces "nope" not found/)
      assert.match(deleteNotFound, /Error from server \(NotFound\): configmaps "nope" not found/)
      assert.match(noNamespace, /Error from server \(NotFound\): error when creating ".*": namespaces "no-such-ns" not found/)
    })

    it('--dry-run=server changes nothing', async () => {
      assert.equal(await createFromFile(pod('dry'), '--dry-run=server'), 'pod/dry created (server dry run)\n')
      if (jsonGenerators) assert.equal(await ok('create', 'configmap', 'dry-cm', '--from-literal=a=b', '--dry-run=server'), 'configmap/dry-cm created (server dry run)\n')
      assert.equal(await ok('delete', 'configmap', 'sel-a', '--dry-run=server'), 'configmap "sel-a" deleted (server dry run)\n')
      await ok('label', 'configmap', 'sel-a', 'dry=run', '--dry-run=server')
      const invalid = await fails('create', '-f', await manifest(pod('Dry_Bad')), '--validate=false', '--dry-run=server')
      assert.match(invalid, /The Pod "Dry_Bad" is invalid/)

      const [gone, still] = await Promise.all([k(['get', 'pod/dry', 'configmap/dry-cm']), getJson('configmap', 'sel-a')])
      assert.match(gone.stderr, /pods "dry" not found/)
      assert.match(gone.stderr, /configmaps "dry-cm" not found/)
      assert.equal(still.metadata.labels.dry, undefined)
    })
  })
}
