import type { KubeObject } from '../api/meta.ts'
import { formatMicroTime, formatTime } from '../api/meta.ts'
import type { ApiClient } from '../client/api-client.ts'
import { core } from '../client/api-client.ts'
import { ApiError } from '../errors/api-error.ts'
import type { Logger } from '../log/logger.ts'
import { machineInfo } from './node-info.ts'
import type { ContainerRuntime } from './runtime/container-runtime.ts'

const NODES = core('nodes')
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' }
export const LEASE_DURATION_SECONDS = 40
/** Lease renewal: a quarter of its duration, as the kubelet does. */
const RENEW_INTERVAL_MS = 10_000
/** Node status is written when something changes, and at least this often (the kubelet's 5 min, shortened). */
const STATUS_REFRESH_MS = 60_000

export interface NodeOptions {
  name: string
  /** The node's address: hostPorts are published on it, pods report it as hostIP. */
  address: string
  dataDir: string
  labels?: Record<string, string>
}

/**
 * Registers the Node, renews its Lease in kube-node-lease, and reports node conditions: Ready follows
 * whether the container runtime answers (NotReady with the reason when it does not).
 */
export class NodeStatusReporter {
  private timer?: NodeJS.Timeout
  private lastStatusWrite = 0
  private lastReady?: boolean
  private runtimeVersion = ''
  private nodeUid = ''
  /** The streaming endpoint's port (status.daemonEndpoints.kubeletEndpoint.Port): set before start(). */
  kubeletPort = 0

  constructor(
    private readonly client: ApiClient,
    private readonly runtime: ContainerRuntime,
    private readonly opts: NodeOptions,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.register()
    await this.heartbeat()
    this.timer = setInterval(() => void this.heartbeat().catch((err) => this.log.warn({ err: err.message }, 'heartbeat failed')), RENEW_INTERVAL_MS)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
  }

  private nodeObject(): KubeObject {
    const { capacity, nodeInfo, arch, os } = machineInfo(this.opts.dataDir)
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.opts.name,
        labels: {
          'kubernetes.io/hostname': this.opts.name,
          'kubernetes.io/os': os,
          'kubernetes.io/arch': arch,
          'beta.kubernetes.io/os': os,
          'beta.kubernetes.io/arch': arch,
          ...this.opts.labels,
        },
      },
      spec: {},
      status: {
        capacity,
        allocatable: capacity,
        addresses: [
          { type: 'InternalIP', address: this.opts.address },
          { type: 'Hostname', address: this.opts.name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: this.kubeletPort } },
        nodeInfo,
        conditions: [],
      },
    }
  }

  /** Creates the Node, or adopts an existing one (a restarted kubelet) keeping its spec and labels. */
  private async register(): Promise<void> {
    const desired = this.nodeObject()
    try {
      const created = await this.client.create(NODES, '', desired)
      this.nodeUid = created.metadata.uid!
      this.log.info('node registered')
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) throw err
      const existing = await this.client.get(NODES, '', this.opts.name)
      this.nodeUid = existing.metadata.uid!
      const labels = { ...existing.metadata.labels, ...desired.metadata.labels }
      await this.client.patch(NODES, '', this.opts.name, 'application/merge-patch+json', { metadata: { labels } })
      await this.client.patch(NODES, '', this.opts.name, 'application/merge-patch+json', { status: desired.status }, 'status')
      this.log.info('node re-registered')
    }
  }

  private async heartbeat(): Promise<void> {
    let ready = true
    let message = 'kubelet is posting ready status'
    try {
      this.runtimeVersion = await this.runtime.version()
    } catch (err) {
      ready = false
      message = `container runtime is down: ${(err as Error).message}`
    }
    await this.renewLease()
    const now = Date.now()
    if (ready !== this.lastReady || now - this.lastStatusWrite >= STATUS_REFRESH_MS) {
      await this.writeStatus(ready, message)
      this.lastStatusWrite = now
      if (ready !== this.lastReady) this.log.info({ ready, message }, 'node readiness changed')
      this.lastReady = ready
    }
  }

  private async writeStatus(ready: boolean, message: string): Promise<void> {
    const node = await this.client.get(NODES, '', this.opts.name)
    const now = formatTime()
    const old: any[] = node.status?.conditions ?? []
    const cond = (type: string, status: string, reason: string, msg: string) => {
      const before = old.find((c) => c.type === type)
      return { type, status, lastHeartbeatTime: now, lastTransitionTime: before?.status === status ? before.lastTransitionTime : now, reason, message: msg }
    }
    const conditions = [
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      cond('Ready', ready ? 'True' : 'False', ready ? 'KubeletReady' : 'KubeletNotReady', message),
    ]
    const nodeInfo = { ...node.status?.nodeInfo, containerRuntimeVersion: this.runtimeVersion ? `${this.runtime.type}://${this.runtimeVersion}` : '' }
    await this.client.patch(NODES, '', this.opts.name, 'application/merge-patch+json', { status: { conditions, nodeInfo } }, 'status')
  }

  private async renewLease(): Promise<void> {
    const ns = 'kube-node-lease'
    const spec = { holderIdentity: this.opts.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: formatMicroTime() }
    try {
      await this.client.patch(LEASES, ns, this.opts.name, 'application/merge-patch+json', { spec })
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err
      await this.client.create(LEASES, ns, {
        metadata: { name: this.opts.name, namespace: ns, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.opts.name, uid: this.nodeUid }] },
        spec: { ...spec, acquireTime: spec.renewTime },
      })
    }
  }
}
