/**
 * kubectl 1.32+ sends protobuf bodies for the objects its generators create (kubectl-compat.md §3.1), with no
 * fallback on a 415. The real kubectl 1.32 and 1.33 create each kind against `cluster serve` on a real etcd;
 * `-v=8` shows the protobuf Content-Type going out (and coming back), `get -o json` what was stored.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { kubectlClient, kubectlInstalled, type KubectlClient } from '../helpers/kubectl.ts'
import { startServer, type ServerProcess } from '../helpers/server-process.ts'

const PROTOBUF = 'application/vnd.kubernetes.protobuf'

let server: ServerProcess

before(async () => {
  // `cluster serve`'s own defaults, as this file always had them (runtime auto: a Docker kubelet where an engine answers).
  server = await startServer({ args: ['--runtime', 'none'] })
})

after(() => server?.stop())

for (const version of ['1.32', '1.33'] as const) {
  describe(`kubectl ${version} protobuf creates`, { skip: kubectlInstalled(version) ? false : `kubectl.${version} is not installed` }, () => {
    const suffix = version.replace('.', '')
    let k: KubectlClient
    before(() => {
      k = kubectlClient(version, { kubeconfig: server.kubeconfig, cacheDir: join(server.dir, `cache-${suffix}`), serverOutput: server.output })
    })
    /** Runs kubectl, failing the test with its output unless it succeeds. */
    const kubectl = (...args: string[]) => k.ok(args)
    const getJson = (...args: string[]) => k.getJson(...args)

    test('create configmap: protobuf both ways, data stored as sent', async () => {
      const { stderr } = await kubectl('create', 'configmap', `cm-${suffix}`, '--from-literal=a=b', '--from-literal=greeting=hello world', '-v=8')
      assertProtobufExchange(stderr)
      const cm = await getJson('configmap', `cm-${suffix}`)
      assert.deepEqual(cm.data, { a: 'b', greeting: 'hello world' })
      assert.equal(cm.metadata.name, `cm-${suffix}`)
      assert.equal(cm.metadata.namespace, 'default')
      for (const noise of ['generateName', 'selfLink', 'generation', 'deletionTimestamp']) assert.equal(noise in cm.metadata, false, noise)
    })

    test('create secret generic: values arrive as bytes, read back as base64', async () => {
      const { stderr } = await kubectl('create', 'secret', 'generic', `s-${suffix}`, '--from-literal=password=hunter2', '--from-literal=user=admin', '-v=8')
      assertProtobufExchange(stderr)
      const secret = await getJson('secret', `s-${suffix}`)
      assert.deepEqual(secret.data, { password: Buffer.from('hunter2').toString('base64'), user: Buffer.from('admin').toString('base64') })
      assert.equal(secret.type, 'Opaque')
    })

    test('create namespace', async () => {
      assertProtobufExchange((await kubectl('create', 'namespace', `ns-${suffix}`, '-v=8')).stderr)
      const ns = await getJson('namespace', `ns-${suffix}`)
      assert.equal(ns.metadata.name, `ns-${suffix}`)
      assert.equal(ns.status.phase, 'Active')
    })

    test('create service clusterip: ports and IntOrString targetPort', async () => {
      assertProtobufExchange((await kubectl('create', 'service', 'clusterip', `svc-${suffix}`, '--tcp=80:8080', '-v=8')).stderr)
      const svc = await getJson('service', `svc-${suffix}`)
      assert.deepEqual(svc.spec.ports, [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }])
      assert.deepEqual(svc.spec.selector, { app: `svc-${suffix}` })
      assert.equal(svc.spec.type, 'ClusterIP')
      assert.match(svc.spec.clusterIP, /^\d+\.\d+\.\d+\.\d+$/)
    })

    test('create deployment: replicas, selector, template; describe reads it back in protobuf', async () => {
      const name = `web-${suffix}`
      assertProtobufExchange((await kubectl('create', 'deployment', name, '--image=nginx:1.25', '--replicas=2', '-v=8')).stderr)
      const deploy = await getJson('deployment', name)
      assert.equal(deploy.spec.replicas, 2)
      assert.deepEqual(deploy.spec.selector, { matchLabels: { app: name } })
      assert.deepEqual(deploy.spec.template.metadata.labels, { app: name })
      assert.equal(deploy.spec.template.spec.containers.length, 1)
      assert.equal(deploy.spec.template.spec.containers[0].name, 'nginx')
      assert.equal(deploy.spec.template.spec.containers[0].image, 'nginx:1.25')
      // describe uses the typed client: Accept protobuf first, and decodes our protobuf answer.
      const { stdout } = await kubectl('describe', 'deployment', name)
      assert.match(stdout, /Replicas:\s+2 desired/)
      assert.match(stdout, /Image:\s+nginx:1\.25/)
    })

    test('create deployment --replicas=0 keeps the explicit zero (a Go pointer field)', async () => {
      const name = `zero-${suffix}`
      // The body carries DeploymentSpec {1: 0}: replicas is a *int32 that is set, not left to default to 1.
      assertProtobufExchange((await kubectl('create', 'deployment', name, '--image=nginx:1.25', '--replicas=0', '-v=8')).stderr)
      const deploy = await getJson('deployment', name)
      assert.equal(deploy.spec.replicas, 0)
      // Read back in protobuf too: the 0 goes out on the wire and the typed client sees it.
      const { stdout } = await kubectl('describe', 'deployment', name)
      assert.match(stdout, /Replicas:\s+0 desired/)
    })
  })
}

/** In kubectl's `-v=8` log: the POST went out in protobuf and its answer came back in protobuf. */
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
