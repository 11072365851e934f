import { mkdir } from 'node:fs/promises'
import { hostname } from 'node:os'
import type Dockerode from 'dockerode'
import { connectDocker, dockerStatus } from '../docker/connect.ts'
import { freePort } from '../util/free-port.ts'
import { OWNER_LABELS } from '../docker/owner-labels.ts'
import { ETCD_FAST_ELECTION_FLAGS } from './etcd-process.ts'
import { waitForEtcd } from './etcd-health.ts'
import type { RunningEtcd } from './etcd-process.ts'

export { DEFAULT_ETCD_IMAGE } from '../cluster/images.ts'

/** What the etcd container needs of an image store: the Docker runtime provides it (cluster/ wires them). */
export interface ImageSource {
  pullImage(image: string, onProgress?: (line: string) => void): Promise<void>
}

/**
 * The etcd container's network:
 *   host    the host's network, etcd on 127.0.0.1 ports of its own: no network namespace, veth or port proxy to
 *           set up, which is most of what starting a container costs (about 0.5 s of a 0.8 s start);
 *   bridge  Docker's default network, the client port published on 127.0.0.1;
 *   auto    host when the engine's host network is this machine's (a local, rootful engine on Linux), else bridge.
 */
export type EtcdNetwork = 'auto' | 'host' | 'bridge'

export interface EtcdContainerOptions {
  image: string
  /** The cluster's name: the container is `kubebox-<cluster>-etcd`. */
  cluster: string
  /** Host directory bind-mounted as etcd's data dir: the cluster's state survives the container. */
  dataDir: string
  images: ImageSource
  clientPort?: number
  socketPath?: string
  network?: EtcdNetwork
  onProgress?: (line: string) => void
  /**
   * Called once the request to start the container is on its way: the engine takes a few hundred ms to start it,
   * and etcd in it more to elect itself; the caller may use that time (startCluster loads the API server).
   */
  onContainerStarting?: () => void
  startupDeadlineMs?: number
}

/**
 * Is the engine's host network this machine's network, so that a `--network host` container listening on
 * 127.0.0.1 is reachable from here? Not for a remote engine (another name), Docker Desktop (a VM), rootless
 * Docker or Podman (their "host" network is a namespace of their own).
 */
export async function engineSharesHostNetwork(docker: Dockerode): Promise<boolean> {
  if (process.platform !== 'linux') return false
  try {
    const info = (await docker.info()) as { Name?: string; OSType?: string; OperatingSystem?: string; SecurityOptions?: string[] }
    return (
      info.OSType === 'linux' &&
      info.Name === hostname() &&
      !/docker desktop/i.test(info.OperatingSystem ?? '') &&
      !(info.SecurityOptions ?? []).some((o) => /name=rootless/.test(o))
    )
  } catch {
    return false
  }
}

/**
 * etcd in a Docker container (`--etcd docker`), on 127.0.0.1 only, with its data in the cluster's data dir
 * so that the next `cluster up` finds the cluster as it was. Pulled (with progress) when missing.
 *
 * Start-up is a handful of engine calls, in the order that usually needs the fewest: create (an image that is
 * missing is pulled then, a container left by a killed run is removed then), start, and /health polled until
 * etcd answers (with a fast election: etcd-process.ts).
 */
export async function startEtcdContainer(opts: EtcdContainerOptions): Promise<RunningEtcd & { containerId: string; timings: Record<string, number> }> {
  const timings: Record<string, number> = {}
  let t = performance.now()
  const lap = (name: string) => {
    const now = performance.now()
    timings[name] = Math.round(now - t)
    t = now
  }
  const docker = await connectDocker(opts.socketPath)
  lap('etcdClient')
  const [host, port, peerPort] = await Promise.all([
    opts.network === 'host' ? true : opts.network === 'bridge' ? false : engineSharesHostNetwork(docker),
    opts.clientPort ?? freePort(),
    freePort(),
    mkdir(opts.dataDir, { recursive: true }),
  ])
  lap('etcdNetwork')
  const name = `kubebox-${opts.cluster}-etcd`
  const endpoint = `http://127.0.0.1:${port}`
  // On the host network etcd has the host's ports: both are free ones. In its own network namespace the usual ones.
  const clientUrl = host ? endpoint : 'http://0.0.0.0:2379'
  const peerUrl = host ? `http://127.0.0.1:${peerPort}` : 'http://127.0.0.1:2380'
  const uid = process.getuid?.() ?? 0
  const gid = process.getgid?.() ?? 0
  const spec: Dockerode.ContainerCreateOptions = {
    name,
    Image: opts.image,
    Entrypoint: ['etcd'],
    Cmd: [
      '--name=kubebox',
      '--data-dir=/var/lib/etcd/data',
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=kubebox=${peerUrl}`,
      '--auto-compaction-mode=periodic',
      '--auto-compaction-retention=5m',
      ...ETCD_FAST_ELECTION_FLAGS,
      '--logger=zap',
      '--log-level=warn',
    ],
    Env: ['PATH=/usr/local/bin:/usr/bin:/bin'],
    // Run as the invoking user so the data dir stays theirs (`down --purge` can delete it).
    User: `${uid}:${gid}`,
    Labels: { ...OWNER_LABELS(opts.cluster), 'dev.kubebox.component': 'etcd' },
    ...(host
      ? { HostConfig: { NetworkMode: 'host', Binds: [`${opts.dataDir}:/var/lib/etcd`], RestartPolicy: { Name: 'no' } } }
      : {
          ExposedPorts: { '2379/tcp': {} },
          HostConfig: {
            Binds: [`${opts.dataDir}:/var/lib/etcd`],
            PortBindings: { '2379/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
            RestartPolicy: { Name: 'no' },
          },
        }),
  }
  const container = await createContainer(docker, spec, opts)
  lap('etcdCreate')
  const starting = container.start()
  // Two turns of the event loop: the connection to the engine is made in the first, the request written in the next.
  if (opts.onContainerStarting) setImmediate(() => setImmediate(opts.onContainerStarting!))
  await starting
  lap('etcdStart')
  let exited = ''
  const poll = setInterval(() => {
    void container.inspect().then((i) => {
      if (!i.State.Running) exited = `the etcd container exited with ${i.State.ExitCode}`
    }, () => {})
  }, 500)
  try {
    await waitForEtcd(endpoint, opts.startupDeadlineMs ?? 30_000, () => exited || undefined)
  } catch (err) {
    const logs = await container.logs({ stdout: true, stderr: true, tail: 20 }).then(String, () => '')
    await container.remove({ force: true }).catch(() => {})
    throw new Error(`${(err as Error).message}\n${logs}`)
  } finally {
    clearInterval(poll)
  }
  lap('etcdHealthy')
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      await container.stop({ t: 5 }).catch(() => {})
      await container.remove({ force: true }).catch(() => {})
    })())
  return { endpoint, stop, containerId: container.id, timings }
}

/**
 * Creates the container, pulling its image if the engine has none (404) and replacing a container of the same
 * name left by a previous run, crashed or killed (409; the data is in the bind mount): the usual case takes
 * one call.
 */
async function createContainer(docker: Dockerode, spec: Dockerode.ContainerCreateOptions, opts: EtcdContainerOptions): Promise<Dockerode.Container> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await docker.createContainer(spec)
    } catch (err) {
      const status = dockerStatus(err)
      if (attempt >= 3 || (status !== 404 && status !== 409)) throw err
      if (status === 404) {
        opts.onProgress?.(`pulling ${opts.image}`)
        await opts.images.pullImage(opts.image, opts.onProgress)
      } else {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 100 * attempt))
        await docker.getContainer(spec.name!).remove({ force: true }).catch((removeErr) => {
          // Gone already, or its removal under way (by another `up`'s orphan clean-up): create again.
          if (dockerStatus(removeErr) !== 404 && dockerStatus(removeErr) !== 409) throw removeErr
        })
      }
    }
  }
}
