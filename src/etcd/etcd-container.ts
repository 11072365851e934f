import { mkdir } from 'node:fs/promises'
import { connectDocker, dockerStatus } from '../docker/connect.ts'
import { freePort } from '../util/free-port.ts'
import { OWNER_LABELS } from '../docker/owner-labels.ts'
import { waitForEtcd } from './etcd-health.ts'
import type { RunningEtcd } from './etcd-process.ts'

/** What the etcd container needs of an image store: the Docker runtime provides it (cluster/ wires them). */
export interface ImageSource {
  imagePresent(image: string): Promise<boolean>
  pullImage(image: string, onProgress?: (line: string) => void): Promise<void>
}

export interface EtcdContainerOptions {
  image: string
  /** The cluster's name: the container is `kubebox-<cluster>-etcd`. */
  cluster: string
  /** Host directory bind-mounted as etcd's data dir: the cluster's state survives the container. */
  dataDir: string
  images: ImageSource
  clientPort?: number
  socketPath?: string
  onProgress?: (line: string) => void
  startupDeadlineMs?: number
}

export const DEFAULT_ETCD_IMAGE = 'registry.k8s.io/etcd:3.5.21-0'

/**
 * etcd in a Docker container (`--etcd docker`), on 127.0.0.1 only, with its data in the cluster's data dir
 * so that the next `cluster up` finds the cluster as it was. Pulled (with progress) when missing.
 */
export async function startEtcdContainer(opts: EtcdContainerOptions): Promise<RunningEtcd & { containerId: string }> {
  const docker = await connectDocker(opts.socketPath)
  await mkdir(opts.dataDir, { recursive: true })
  if (!(await opts.images.imagePresent(opts.image))) {
    opts.onProgress?.(`pulling ${opts.image}`)
    await opts.images.pullImage(opts.image, opts.onProgress)
  }
  const name = `kubebox-${opts.cluster}-etcd`
  // A container left by a previous run (crashed or killed) is replaced; the data is in the bind mount.
  await docker.getContainer(name).remove({ force: true }).catch((err) => {
    if (dockerStatus(err) !== 404) throw err
  })
  const port = opts.clientPort ?? (await freePort())
  const endpoint = `http://127.0.0.1:${port}`
  const uid = process.getuid?.() ?? 0
  const gid = process.getgid?.() ?? 0
  const container = await docker.createContainer({
    name,
    Image: opts.image,
    Entrypoint: ['etcd'],
    Cmd: [
      '--name=kubebox',
      '--data-dir=/var/lib/etcd/data',
      '--listen-client-urls=http://0.0.0.0:2379',
      `--advertise-client-urls=${endpoint}`,
      '--listen-peer-urls=http://127.0.0.1:2380',
      '--initial-advertise-peer-urls=http://127.0.0.1:2380',
      '--initial-cluster=kubebox=http://127.0.0.1:2380',
      '--auto-compaction-mode=periodic',
      '--auto-compaction-retention=5m',
      '--logger=zap',
      '--log-level=warn',
    ],
    Env: ['PATH=/usr/local/bin:/usr/bin:/bin'],
    // Run as the invoking user so the data dir stays theirs (`down --purge` can delete it).
    User: `${uid}:${gid}`,
    Labels: { ...OWNER_LABELS(opts.cluster), 'dev.kubebox.component': 'etcd' },
    ExposedPorts: { '2379/tcp': {} },
    HostConfig: {
      Binds: [`${opts.dataDir}:/var/lib/etcd`],
      PortBindings: { '2379/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
      RestartPolicy: { Name: 'no' },
    },
  })
  await container.start()
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
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      await container.stop({ t: 5 }).catch(() => {})
      await container.remove({ force: true }).catch(() => {})
    })())
  return { endpoint, stop, containerId: container.id }
}

