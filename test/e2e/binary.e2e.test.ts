/**
 * The single executable (`npm run build:binary` → build/cluster) carries everything it needs: copied alone into
 * an empty temp directory and run with an empty environment whose PATH has no `node`, it answers --version and
 * --help, serves the API on a real etcd (etcd3's inlined gRPC descriptors) to the real kubectl (1.33 sends
 * protobuf), runs the fake runtime's kubelet and, with --runtime docker, loads dockerode (bundled, loaded lazily)
 * and reports Docker's version on its node; SIGTERM ends it cleanly. /version names the Node it embeds: the
 * pinned LTS (build/sea.ts, NODE_VERSION, fetched from the npm registry at build time), not the Node that runs
 * the tests.
 *
 * build/cluster is built first when it is missing or older than the sources (about 30 s; a minute on a loaded
 * machine).
 */
import assert from 'node:assert/strict'
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { binaryIsCurrent } from '../../build/binary-freshness.ts'
import { NODE_VERSION } from '../../build/sea.ts'
import { VERSION } from '../../src/cli/cli.ts'
import { startEtcd, type EtcdInstance } from '../helpers/etcd.ts'
import { kubectl, waitFor } from '../helpers/kubectl.ts'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..')
const BUILT = join(ROOT, 'build/cluster')
const LISTENING = /API server listening on (http:\/\/127\.0\.0\.1:\d+)/
const PROTOBUF = /Content-Type: application\/vnd\.kubernetes\.protobuf/

async function ensureBinary(): Promise<void> {
  if (await binaryIsCurrent(BUILT)) return
  await run(process.execPath, ['--import', 'tsx', 'build/sea.ts'], { cwd: ROOT, timeout: 280_000, maxBuffer: 16 * 1024 * 1024 }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`npm run build:binary failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`)
  })
}

let tmp: string
let binary: string
let cwd: string
/** The environment of every run: nothing but a PATH with no node on it and a HOME of its own (plus DOCKER_HOST if the tests have one). */
let env: NodeJS.ProcessEnv

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** If `down` did not happen, the background cluster (this executable re-run by itself) must not outlive the test. */
async function killBackgroundCluster(dataDir: string): Promise<void> {
  const state = await readFile(join(dataDir, 'cluster.json'), 'utf8').catch(() => undefined)
  const pid = state ? (JSON.parse(state) as { pid?: number }).pid : undefined
  if (pid) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
}

function runBinary(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Exit & { stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(binary, args, { cwd, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolveRun({ code, signal, stdout, stderr })
    })
  })
}

interface Served {
  url: string
  kubeconfig: string
  output(): string
  /** SIGTERM; resolves with how it exited (SIGKILL after 15 s). */
  stop(): Promise<Exit>
}

const running = new Set<ChildProcess>()

async function serve(etcd: EtcdInstance, name: string, extra: string[]): Promise<Served> {
  const dataDir = join(tmp, `data-${name}`)
  const child = spawn(binary, ['serve', '--etcd-servers', etcd.endpoint, '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...extra], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c))
  child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c))
  const exited = new Promise<Exit>((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })))
  void exited.then(() => running.delete(child))
  const url = await Promise.race([
    waitFor('the "API server listening" line', () => LISTENING.exec(output)?.[1], { timeoutMs: 60_000 }),
    exited.then((e) => {
      throw new Error(`cluster serve exited (${e.code ?? e.signal}) before listening:\n${output}`)
    }),
  ])
  return {
    url,
    kubeconfig: join(dataDir, 'kubeconfig'),
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      const e = await exited
      clearTimeout(timer)
      return e
    },
  }
}

before(
  async () => {
    await ensureBinary()
    tmp = await mkdtemp(join(tmpdir(), 'kubebox-binary-e2e-'))
    // The executable alone, far from the repository's node_modules.
    binary = join(tmp, 'bin', 'cluster')
    cwd = join(tmp, 'cwd')
    const path = join(tmp, 'path')
    await Promise.all([mkdir(join(tmp, 'bin')), mkdir(cwd), mkdir(path), mkdir(join(tmp, 'home'))])
    await copyFile(BUILT, binary)
    await run('chmod', ['755', binary])
    env = { PATH: path, HOME: join(tmp, 'home'), ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}) }
  },
  { timeout: 300_000 },
)

after(async () => {
  for (const child of running) child.kill('SIGKILL')
  if (tmp) await rm(tmp, { recursive: true, force: true })
})

describe('the single executable, alone, without Node', () => {
  test('no node is reachable from its environment', () => {
    const r = spawnSync('/bin/sh', ['-c', 'command -v node'], { env, cwd, encoding: 'utf8' })
    assert.notEqual(r.status, 0, `node is on the test PATH: ${r.stdout}`)
  })

  test('--version prints the CLI version', async () => {
    const r = await runBinary(['--version'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout.trim(), VERSION)
    assert.equal(r.stderr, '')
  })

  test('--help lists the commands', async () => {
    const r = await runBinary(['--help'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^Usage|cluster <command>|Commands:/m)
    assert.match(r.stdout, /cluster serve/)
    assert.match(r.stdout, /--version/)
  })

  test('an unknown command fails in one line', async () => {
    const r = await runBinary(['no-such-command'])
    assert.equal(r.code, 1)
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
  })

  describe('serve --runtime fake on a real etcd', () => {
    let etcd: EtcdInstance
    let server: Served

    before(async () => {
      etcd = await startEtcd()
      server = await serve(etcd, 'fake', ['--runtime', 'fake', '--node-name', 'binary-fake'])
    })
    after(async () => {
      await server?.stop()
      await etcd?.stop()
    })

    test('/version names the embedded LTS Node, the pinned NODE_VERSION', async () => {
      assert.match(NODE_VERSION, /^\d+\.\d+\.\d+$/, 'the embedded Node is pinned to an exact version')
      const version = (await (await fetch(`${server.url}/version`)).json()) as { goVersion: string }
      assert.equal(version.goVersion, `node${NODE_VERSION}`)
    })

    test('kubectl get nodes shows the node Ready', async () => {
      await waitFor(
        'node binary-fake Ready',
        async () => {
          const r = await kubectl('default', ['get', 'nodes', '--no-headers'], { kubeconfig: server.kubeconfig })
          return r.code === 0 && /^binary-fake\s+Ready\s/m.test(r.stdout)
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      )
      const r = await kubectl('default', ['get', 'node', 'binary-fake', '-o', 'jsonpath={.status.nodeInfo.containerRuntimeVersion}'], { kubeconfig: server.kubeconfig })
      assert.match(r.stdout, /^fake:\/\//)
    })

    test('kubectl 1.33 creates a ConfigMap in protobuf, stored in etcd', async () => {
      const created = await kubectl('1.33', ['create', 'configmap', 'from-binary', '--from-literal=greeting=hello', '-v=8'], { kubeconfig: server.kubeconfig })
      assert.equal(created.code, 0, created.stderr)
      assert.match(created.stderr, PROTOBUF, 'kubectl 1.33 sent protobuf')
      const got = await kubectl('default', ['get', 'configmap', 'from-binary', '-o', 'jsonpath={.data.greeting}'], { kubeconfig: server.kubeconfig })
      assert.equal(got.stdout, 'hello', got.stderr)
    })

    test('SIGTERM ends it cleanly', async () => {
      const exit = await server.stop()
      assert.deepEqual(exit, { code: 0, signal: null }, server.output())
    })
  })

  describe('up / status / down with the embedded store: no etcd, no Docker', () => {
    let dataDir: string
    const cluster = (command: string, ...args: string[]) => runBinary([command, '--name', 'binary-e2e', '--data-dir', dataDir, ...args])

    before(() => {
      dataDir = join(tmp, 'up')
    })
    after(() => killBackgroundCluster(dataDir))

    test('up starts the cluster in the background (the executable re-runs itself), kubectl sees a Ready node, down stops it', async () => {
      const kubeconfig = join(dataDir, 'kubeconfig')
      const up = await runBinary(['up', '--name', 'binary-e2e', '--data-dir', dataDir, '--store', 'embedded', '--runtime', 'fake', '--kubeconfig', kubeconfig])
      assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`)
      const server = /http:\/\/127\.0\.0\.1:\d+/.exec(up.stdout)?.[0]
      assert.ok(server, up.stdout)

      const status = await cluster('status')
      assert.equal(status.code, 0, status.stderr)
      assert.match(status.stdout, /running/)
      await waitFor(
        'a Ready node',
        async () => {
          const r = await kubectl('default', ['get', 'nodes', '--no-headers'], { kubeconfig })
          return r.code === 0 && /\sReady\s/.test(r.stdout)
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      )

      const down = await cluster('down')
      assert.equal(down.code, 0, `${down.stdout}\n${down.stderr}`)
      await waitFor('the API server to be gone', () => fetch(`${server}/version`).then(() => false, () => true), { timeoutMs: 15_000 })
    })
  })

  describe('zero dependencies: no Docker engine, no etcd — up picks the embedded store and the fake runtime', () => {
    let dataDir: string
    // PATH holds neither docker nor etcd (nor node); DOCKER_HOST points at no engine.
    const noDocker = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }
    const cluster = (command: string, ...args: string[]) => runBinary([command, '--name', 'zero-deps', '--data-dir', dataDir, ...args], noDocker)

    before(() => {
      dataDir = join(tmp, 'zero-deps')
    })
    after(() => killBackgroundCluster(dataDir))

    test('a deployment reaches Available, and survives down and up', { timeout: 240_000 }, async () => {
      const kubeconfig = join(dataDir, 'kubeconfig')
      const up = await cluster('up', '--kubeconfig', kubeconfig)
      assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`)
      assert.match(up.stdout, /fake runtime\), store: embedded/)
      const created = await kubectl('1.33', ['create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=2'], { kubeconfig })
      assert.equal(created.code, 0, created.stderr)
      const available = () =>
        waitFor(
          'deployment web Available',
          async () => {
            const r = await kubectl('default', ['get', 'deployment', 'web', '-o', 'jsonpath={.status.availableReplicas}'], { kubeconfig })
            return r.code === 0 && r.stdout.trim() === '2'
          },
          { timeoutMs: 60_000, intervalMs: 500 },
        )
      await available()
      assert.equal((await cluster('down')).code, 0)
      const again = await cluster('up', '--kubeconfig', kubeconfig)
      assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`)
      await available()
      const down = await cluster('down', '--purge')
      assert.equal(down.code, 0, down.stderr)
    })
  })

  describe('serve --runtime docker', () => {
    let etcd: EtcdInstance
    let server: Served
    const node = `binary-docker-${process.pid}`

    before(
      async () => {
        await run('bash', [join(ROOT, 'scripts/test-images.sh')], { cwd: ROOT, timeout: 120_000 })
        etcd = await startEtcd()
        server = await serve(etcd, 'docker', ['--runtime', 'docker', '--pod-infra-image', 'kubebox-test/pause:latest', '--node-name', node, '--cleanup'])
      },
      { timeout: 180_000 },
    )
    after(async () => {
      await server?.stop()
      await etcd?.stop()
    })

    test('dockerode loads inside the executable: the node reports docker://<version>', async () => {
      const runtime = await waitFor(
        `node ${node} Ready on Docker`,
        async () => {
          const r = await kubectl('default', ['get', 'node', node, '-o', 'jsonpath={.status.nodeInfo.containerRuntimeVersion} {.status.conditions[?(@.type=="Ready")].status}'], {
            kubeconfig: server.kubeconfig,
          })
          return r.code === 0 && / True$/.test(r.stdout) ? r.stdout.split(' ')[0] : undefined
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      )
      assert.match(runtime, /^docker:\/\/\d+\.\d+/)
      const exit = await server.stop()
      assert.deepEqual(exit, { code: 0, signal: null }, server.output())
    })
  })
})
