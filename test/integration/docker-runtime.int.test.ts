/**
 * The ContainerRuntime contract on a real Docker engine (DockerRuntime), plus Docker-only details: dockershim
 * naming, labels, limits, mounts, imageId format, an engine that does not answer.
 *
 * Needs a Docker engine (DOCKER_HOST or /var/run/docker.sock) and builds its images locally with
 * scripts/test-images.sh (no registry is reachable). Without an engine the tests FAIL, saying how to start one.
 * Everything it creates carries CONTRACT_LABEL=contractRunId and is removed by that label afterwards, also after
 * failures; nothing else on the engine is touched.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { hostname as osHostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import Docker from 'dockerode'
import { LABELS, RuntimeUnavailableError, type SandboxSpec } from '../../src/kubelet/runtime/container-runtime.ts'
import { DockerRuntime } from '../../src/kubelet/runtime/docker-runtime.ts'
import { CONTRACT_LABEL, contractNode, contractRunId, runRuntimeContract } from '../contract/runtime.contract.ts'

const BUSYBOX = process.env.BUSYBOX_IMAGE ?? 'kubebox-test/busybox:latest'
const PAUSE = process.env.PAUSE_IMAGE ?? 'kubebox-test/pause:latest'
const run = promisify(execFile)

const HOW_TO_START = [
  'No Docker engine answers, and these integration tests need one (CI starts one).',
  'Start one by hand: `apt-get install -y docker.io` (Debian), then `dockerd > /tmp/dockerd.log 2>&1 &`,',
  'and check with `docker info`. Or point DOCKER_HOST at a running engine.',
].join('\n')

let prepared: Promise<void> | undefined
/** Once per file: an engine must answer, and the test images must exist. */
function prepare(): Promise<void> {
  prepared ??= (async () => {
    try {
      await new DockerRuntime().version()
    } catch (err) {
      if (err instanceof RuntimeUnavailableError) throw new Error(`${HOW_TO_START}\n(${err.message})`)
      throw err
    }
    try {
      await run('bash', ['scripts/test-images.sh'], { env: { ...process.env, BUSYBOX_IMAGE: BUSYBOX, PAUSE_IMAGE: PAUSE } })
    } catch (err) {
      const e = err as { stderr?: string; message: string }
      throw new Error(`scripts/test-images.sh failed: ${e.stderr || e.message}`)
    }
  })()
  return prepared
}

/** Removes every container this run made, whatever state the tests left it in. */
async function removeOurs(): Promise<void> {
  const docker = new Docker()
  let ours: Docker.ContainerInfo[]
  try {
    ours = await docker.listContainers({ all: true, filters: { label: [`${CONTRACT_LABEL}=${contractRunId}`] } })
  } catch {
    return // no engine: nothing was made (the tests already failed saying why)
  }
  await Promise.all(ours.map(c => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {})))
}

// First, on its own: without an engine this is the failure that says what to do.
it('has a Docker engine to test on, and the test images', prepare)

runRuntimeContract('DockerRuntime', async () => {
  await prepare()
  return {
    runtime: new DockerRuntime(),
    busyboxImage: BUSYBOX,
    pauseImage: PAUSE,
    real: true,
    reopen: () => new DockerRuntime(),
    cleanup: removeOurs,
  }
})

describe('DockerRuntime on Docker', () => {
  const rt = new DockerRuntime()
  const docker = new Docker()
  let n = 0
  const spec = (overrides: Partial<SandboxSpec> = {}): SandboxSpec => ({
    podUid: `${contractRunId}-docker-${n++}`,
    podName: 'web',
    podNamespace: 'ns1',
    node: contractNode,
    attempt: 0,
    image: PAUSE,
    hostname: 'web',
    portMappings: [],
    hostNetwork: false,
    labels: { [CONTRACT_LABEL]: contractRunId },
    ...overrides,
  })
  const labels = { [CONTRACT_LABEL]: contractRunId }
  before(prepare)
  after(removeOurs)

  it('names and labels sandboxes and containers as dockershim did', async () => {
    const s = spec({ attempt: 1, labels: { ...labels, app: 'web' } })
    const sb = await rt.runSandbox(s)
    const sbInfo = await docker.getContainer(sb.id).inspect()
    assert.equal(sbInfo.Name, `/k8s_POD_web_ns1_${s.podUid}_1`)
    assert.equal(sbInfo.Config.Labels[LABELS.type], 'podsandbox')
    assert.equal(sbInfo.Config.Labels[LABELS.podUid], s.podUid)
    assert.equal(sbInfo.Config.Labels[LABELS.attempt], '1')
    assert.equal(sbInfo.Config.Labels[LABELS.node], contractNode)
    assert.equal(sbInfo.Config.Labels.app, 'web')
    assert.equal(sbInfo.HostConfig.RestartPolicy?.Name, 'no')
    assert.equal(sbInfo.HostConfig.Init, false)
    assert.equal(sbInfo.HostConfig.OomScoreAdj ?? 0, 0)

    const id = await rt.createContainer(sb, { name: 'app', image: BUSYBOX, command: ['sleep', '1000'], env: [], mounts: [], attempt: 3, labels })
    const info = await docker.getContainer(id).inspect()
    assert.equal(info.Name, `/k8s_app_web_ns1_${s.podUid}_3`)
    assert.equal(info.Config.Labels[LABELS.type], 'container')
    assert.equal(info.Config.Labels[LABELS.containerName], 'app')
    assert.equal(info.Config.Labels[LABELS.sandboxId], sb.id)
    assert.equal(info.HostConfig.NetworkMode, `container:${sb.id}`)
    assert.equal(info.HostConfig.IpcMode, `container:${sb.id}`)
    assert.equal(info.HostConfig.PidMode ?? '', '')
  })

  it('sets limits, binds and the TTY/stdin flags', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubebox-docker-'))
    try {
      await writeFile(join(dir, 'file'), 'from-host\n')
      const sb = await rt.runSandbox(spec())
      const id = await rt.createContainer(sb, {
        name: 'limited',
        image: BUSYBOX,
        command: ['sh', '-c', 'cat /data/file; touch /data/new 2>/dev/null || echo read-only'],
        env: [],
        mounts: [{ hostPath: dir, containerPath: '/data', readOnly: true }],
        memoryLimitBytes: 64 * 1024 * 1024,
        nanoCpus: 500_000_000,
        stdin: true,
        stdinOnce: true,
        attempt: 0,
        labels,
      })
      const info = await docker.getContainer(id).inspect()
      assert.equal(info.HostConfig.Memory, 64 * 1024 * 1024)
      assert.equal(info.HostConfig.NanoCpus, 500_000_000)
      assert.deepEqual(info.HostConfig.Binds, [`${dir}:/data:ro`])
      assert.equal(info.Config.OpenStdin, true)
      assert.equal(info.Config.StdinOnce, true)
      assert.equal(info.Config.Tty, false)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('reads a mounted host directory, read-only when asked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubebox-docker-'))
    try {
      await writeFile(join(dir, 'file'), 'from-host\n')
      const sb = await rt.runSandbox(spec())
      const id = await rt.createContainer(sb, {
        name: 'reader',
        image: BUSYBOX,
        command: ['sh', '-c', 'cat /data/file; touch /data/new 2>/dev/null || echo read-only'],
        env: [],
        mounts: [{ hostPath: dir, containerPath: '/data', readOnly: true }],
        attempt: 0,
        labels,
      })
      await rt.startContainer(id)
      await docker.getContainer(id).wait()
      let text = ''
      for await (const chunk of await rt.logs(id, {})) text += chunk
      assert.equal(text, 'from-host\nread-only\n')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('passes a TTY container log through unchanged', async () => {
    const sb = await rt.runSandbox(spec())
    const id = await rt.createContainer(sb, { name: 'tty', image: BUSYBOX, command: ['echo', '{"json":1}'], env: [], mounts: [], tty: true, attempt: 0, labels })
    await rt.startContainer(id)
    await docker.getContainer(id).wait()
    let text = ''
    for await (const chunk of await rt.logs(id, {})) text += chunk
    assert.equal(text, '{"json":1}\r\n') // a TTY turns \n into \r\n
  })

  it('reports a locally built image as docker://sha256:… (it has no repo digest)', async () => {
    const id = await rt.imageId(BUSYBOX)
    assert.match(id, /^docker:\/\/sha256:[0-9a-f]{64}$/)
  })

  it('runs a hostNetwork sandbox without an IP of its own', async () => {
    const sb = await rt.runSandbox(spec({ hostNetwork: true, portMappings: [{ containerPort: 1, hostPort: 1, protocol: 'TCP', hostIp: '' }], dnsServers: ['192.0.2.1'] }))
    assert.equal(sb.state, 'ready')
    assert.equal(sb.ip, '')
    assert.equal((await rt.listSandboxes({ podUid: sb.podUid }))[0].ip, '')
    const id = await rt.createContainer(sb, { name: 'c', image: BUSYBOX, command: ['sleep', '1000'], env: [], mounts: [], attempt: 0, labels })
    const info = await docker.getContainer(id).inspect()
    assert.equal(info.HostConfig.UTSMode, 'host')
    await rt.startContainer(id)
    assert.match((await rt.execSync(id, ['cat', '/etc/resolv.conf'], 5)).stdout, /nameserver 192\.0\.2\.1/)
    assert.equal((await rt.execSync(id, ['hostname'], 5)).stdout.trim(), osHostname(), "the node's hostname")
  })

  it('fails a sandbox whose host port is taken with ContainerCreateError, leaving nothing behind', async () => {
    const hostPort = 20000 + Math.floor(Math.random() * 20000)
    const pm = [{ containerPort: 80, hostPort, protocol: 'TCP' as const, hostIp: '127.0.0.1' }]
    await rt.runSandbox(spec({ portMappings: pm }))
    const second = spec({ portMappings: pm })
    await assert.rejects(rt.runSandbox(second), { name: 'ContainerCreateError' })
    assert.deepEqual(await rt.listSandboxes({ podUid: second.podUid }), [])
  })

  it('throws RuntimeUnavailableError when the socket does not answer', async () => {
    const gone = new DockerRuntime({ socketPath: join(tmpdir(), `no-docker-${contractRunId}.sock`) })
    await assert.rejects(gone.version(), RuntimeUnavailableError)
    await assert.rejects(gone.listContainers(), RuntimeUnavailableError)
    await assert.rejects(gone.pullImage(BUSYBOX), RuntimeUnavailableError)
  })
})
