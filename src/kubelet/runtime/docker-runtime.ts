/**
 * ContainerRuntime on a Docker engine through dockerode, laid out the way Kubernetes' dockershim did it:
 *
 * - a pod's sandbox is a container of the pause image named `k8s_POD_<pod>_<ns>_<uid>_<attempt>`; it holds the
 *   pod's network namespace, so its IP is the pod IP and host ports are published on it;
 * - each container is named `k8s_<container>_<pod>_<ns>_<uid>_<attempt>` and joins the sandbox's network and IPC
 *   namespaces (`NetworkMode`/`IpcMode: container:<sandboxId>`, exactly as dockershim did: Kubernetes pods share
 *   IPC, so the sandbox is created `IpcMode: shareable`); the PID namespace stays the container's own (Kubernetes'
 *   default without shareProcessNamespace), and a hostNetwork pod's containers also get the host's UTS namespace;
 * - everything carries the LABELS of container-runtime.ts: the engine is the only state, so a new DockerRuntime
 *   (a restarted kubelet) finds everything again with listSandboxes/listContainers.
 *
 * dockerode is imported on first use, so a process that runs the FakeRuntime never loads it.
 *
 * Behaviour worth knowing:
 * - stopSandbox first kills the sandbox's containers that still run (the kubelet stops them gracefully before),
 *   then kills the sandbox: the pause process has nothing to shut down, and a pause image whose process ignores
 *   SIGTERM (PID 1 without a handler, like `sleep`) would otherwise hold up every teardown for the whole grace
 *   period. removeSandbox removes the sandbox's containers too (CRI semantics).
 * - stopContainer/removeContainer/stopSandbox/removeSandbox of something already gone succeed (teardown is
 *   idempotent). Other calls on a missing ID throw Docker's error.
 * - create/start failures reported by the engine (no such image, bad spec, host port taken, name in use) throw
 *   ContainerCreateError with Docker's message; an engine that does not answer throws RuntimeUnavailableError from
 *   any call.
 * - runSandbox finds an existing sandbox of the pod UID and attempt and returns it as it is (one only created is
 *   started; one that exited stays notready: the kubelet makes the next attempt).
 * - A container whose start failed (its command does not exist…) is listed exited with Docker's exit code, reason
 *   `ContainerCannotRun` and Docker's message, as dockershim did (Docker itself leaves it `created`).
 * - execSync: on timeout the call stops waiting and resolves with exitCode -1, the output collected so far and
 *   `command timed out after Ns` appended to stderr; a timeout of 0 means no limit (as in the CRI). Docker has no
 *   way to kill an exec'd process: it keeps running in the container (dockershim's was the same). Each of
 *   stdout/stderr is capped at 1 MiB.
 * - imageId follows dockershim: `docker-pullable://<first RepoDigest>` when the image has one (it was pulled from
 *   a registry), else `docker://sha256:…` (built or imported locally).
 * - exec/attach use the engine's hijacked connection (docker-streams.ts); closing an exec session kills the
 *   process tree by host PID when the engine shares this machine's PID namespace (checked in /proc), since
 *   Docker cannot kill an exec. A command that can not start ends with Docker's 126 and its OCI message.
 * - portForward runs a helper container (`nc`) in the sandbox's network namespace: see portForward. Its
 *   throughput is bounded by Docker's stdio path (FIFOs through containerd-shim and dockerd), about what
 *   `docker run … nc | …` gets on the same machine.
 */
import { Duplex, PassThrough, Transform, Writable, type Readable, type TransformCallback } from 'node:stream'
import type Dockerode from 'dockerode'
import {
  ContainerCreateError,
  ImagePullError,
  LABELS,
  RuntimeUnavailableError,
  type ContainerInfo,
  type ContainerRuntime,
  type ContainerSpec,
  type AttachOptions,
  type ExecOptions,
  type ListFilter,
  type LogOptions,
  type PortForwardOptions,
  type SandboxInfo,
  type SandboxSpec,
  type StreamSession,
} from './container-runtime.ts'
import { demuxDockerStream, hijackedSession, killContainerProcess } from './docker-streams.ts'
import { limitBytes } from './limit-bytes.ts'

export interface DockerRuntimeOptions {
  /** The engine's unix socket. Default: DOCKER_HOST when set (unix://, tcp://), else /var/run/docker.sock. */
  socketPath?: string
}

const SANDBOX_TYPE = 'podsandbox'
const CONTAINER_TYPE = 'container'
/** The short-lived helper of a port-forward connection (never listed as a pod's container). */
const PORT_FORWARD_TYPE = 'portforward'
/** Docker's zero time: StartedAt/FinishedAt of a container that never started/finished. */
const ZERO_TIME = '0001-01-01T00:00:00Z'
const EXEC_OUTPUT_CAP = 1024 * 1024
const IMAGE_ID_TTL_MS = 60_000
/** Errors of the transport, not of the engine: the socket is missing, refuses, or drops the connection. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT'])

/** What dockerode rejects with for an HTTP error: `(HTTP code 404) no such container - No such container: x `. */
interface DockerError extends Error {
  statusCode?: number
  json?: { message?: string } | null
  code?: string
}

const statusOf = (err: unknown): number | undefined => (err as DockerError | undefined)?.statusCode

/** Docker's own message, without dockerode's `(HTTP code N) reason - ` prefix. */
function dockerMessage(err: unknown): string {
  const e = err as DockerError
  if (e?.json && typeof e.json === 'object' && typeof e.json.message === 'string') return e.json.message
  const m = /^\(HTTP code \d+\) [^-]*- (.*)$/s.exec(String(e?.message ?? err))
  return (m ? m[1] : String(e?.message ?? err)).trim()
}

const dockerTime = (s: string | undefined): Date | undefined => (s && s !== ZERO_TIME ? new Date(s) : undefined)

export class DockerRuntime implements ContainerRuntime {
  readonly type = 'docker'
  private readonly socketPath?: string
  private client?: Promise<Dockerode>
  /** Docker image ID → what imageId() reports for it, with when it was looked up. */
  private readonly imageIds = new Map<string, { value: string; at: number }>()
  /** Sandbox ID (full) → whether it is on the host's network, for the sandboxes this runtime ran or inspected. */
  private readonly sandboxHostNetwork = new Map<string, boolean>()

  constructor(opts: DockerRuntimeOptions = {}) {
    this.socketPath = opts.socketPath
  }

  /** Where the engine is expected, for messages. */
  get endpoint(): string {
    return this.socketPath ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'
  }

  private docker(): Promise<Dockerode> {
    this.client ??= import('dockerode').then(({ default: Docker }) => {
      if (this.socketPath) return new Docker({ socketPath: this.socketPath })
      if (process.env.DOCKER_HOST) return new Docker() // docker-modem reads DOCKER_HOST
      return new Docker({ socketPath: '/var/run/docker.sock' })
    })
    return this.client
  }

  /** Runs an engine call; transport failures become RuntimeUnavailableError. */
  private async call<T>(what: string, fn: (docker: Dockerode) => Promise<T>): Promise<T> {
    const docker = await this.docker()
    try {
      return await fn(docker)
    } catch (err) {
      throw this.unavailable(what, err) ?? err
    }
  }

  private unavailable(what: string, err: unknown): RuntimeUnavailableError | undefined {
    if (err instanceof RuntimeUnavailableError) return err
    const code = (err as DockerError | undefined)?.code
    if (code && UNAVAILABLE_CODES.has(code)) {
      return new RuntimeUnavailableError(`docker engine at ${this.endpoint} does not answer (${what}): ${code} ${(err as Error).message}`)
    }
    return undefined
  }

  async version(): Promise<string> {
    const v = await this.call('version', d => d.version())
    return v.Version
  }

  // ---- images ----

  async imagePresent(image: string): Promise<boolean> {
    return this.call('image inspect', async d => {
      try {
        await d.getImage(image).inspect()
        return true
      } catch (err) {
        if (statusOf(err) === 404) return false
        throw err
      }
    })
  }

  async pullImage(image: string, onProgress?: (line: string) => void): Promise<void> {
    const docker = await this.docker()
    let stream: NodeJS.ReadableStream
    try {
      stream = await docker.pull(image)
    } catch (err) {
      throw this.unavailable('pull', err) ?? new ImagePullError(image, `pulling ${image}: ${dockerMessage(err)}`)
    }
    // A pull can fail after the 200: the stream then carries {"error": …, "errorDetail": {…}}.
    let streamError: string | undefined
    const lastStatus = new Map<string, string>()
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        err => {
          if (err) reject(this.unavailable('pull', err) ?? new ImagePullError(image, `pulling ${image}: ${err.message}`))
          else if (streamError !== undefined) reject(new ImagePullError(image, `pulling ${image}: ${streamError}`))
          else resolve()
        },
        (ev: { status?: string; id?: string; progress?: string; error?: string; errorDetail?: { message?: string } }) => {
          if (ev.error || ev.errorDetail) {
            streamError = ev.errorDetail?.message ?? ev.error
            return
          }
          if (!onProgress || !ev.status) return
          // Layers report "Downloading" many times a second: pass on changes of status only.
          const key = ev.id ?? ''
          if (lastStatus.get(key) === ev.status) return
          lastStatus.set(key, ev.status)
          onProgress(ev.id ? `${ev.id}: ${ev.status}` : ev.status)
        },
      )
    })
    this.imageIds.clear() // a tag may now name another image, or an image have gained a repo digest
  }

  async imageId(image: string): Promise<string> {
    return this.call('image inspect', async d => {
      const info = await d.getImage(image).inspect()
      return pullableImageId(info.Id, info.RepoDigests)
    })
  }

  /** imageId() of an image given by Docker image ID (what a container records), cached for a minute. */
  private async imageIdOf(docker: Dockerode, id: string): Promise<string> {
    const cached = this.imageIds.get(id)
    if (cached && Date.now() - cached.at < IMAGE_ID_TTL_MS) return cached.value
    let value: string
    try {
      const info = await docker.getImage(id).inspect()
      value = pullableImageId(info.Id, info.RepoDigests)
    } catch (err) {
      if (statusOf(err) !== 404) throw err
      value = `docker://${id}` // the image was removed under the container
    }
    this.imageIds.set(id, { value, at: Date.now() })
    return value
  }

  // ---- sandboxes ----

  /**
   * Creates and starts the pod's sandbox in the fewest engine calls: create, start, inspect (for its IP). Only a
   * name already taken (409: a sandbox of this pod and attempt exists, made by an earlier call or a kubelet before
   * a restart) costs a lookup, and that sandbox is returned as it is (started if it was only created).
   */
  async runSandbox(spec: SandboxSpec): Promise<SandboxInfo> {
    return this.call('run sandbox', async d => {
      const name = ['k8s', 'POD', spec.podName, spec.podNamespace, spec.podUid, String(spec.attempt)].join('_')
      const labels: Record<string, string> = {
        ...spec.labels,
        [LABELS.podUid]: spec.podUid,
        [LABELS.podName]: spec.podName,
        [LABELS.podNamespace]: spec.podNamespace,
        [LABELS.containerName]: 'POD',
        [LABELS.type]: SANDBOX_TYPE,
        [LABELS.attempt]: String(spec.attempt),
        [LABELS.node]: spec.node,
      }
      const exposed: Record<string, {}> = {}
      const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {}
      for (const pm of spec.portMappings) {
        const key = `${pm.containerPort}/${pm.protocol.toLowerCase()}`
        exposed[key] = {}
        ;(bindings[key] ??= []).push({ HostIp: pm.hostIp || '127.0.0.1', HostPort: String(pm.hostPort) })
      }
      const hostConfig: Dockerode.HostConfig = {
        RestartPolicy: { Name: 'no' },
        Init: false,
        // The containers join this IPC namespace (Docker's default-ipc-mode "private" would forbid that), unless
        // the pod asks for the host's.
        IpcMode: spec.hostIPC ? 'host' : 'shareable',
        // The pause process writes nothing, and nothing reads a sandbox's log: no log file, no copier to set up.
        LogConfig: { Type: 'none', Config: {} },
      }
      if (spec.hostNetwork) {
        // The host's network and, as dockershim did, its UTS namespace (hostname); host ports mean nothing here.
        hostConfig.NetworkMode = 'host'
        hostConfig.UTSMode = 'host'
      } else if (spec.portMappings.length > 0) {
        hostConfig.PortBindings = bindings
      }
      if (spec.dnsServers?.length) hostConfig.Dns = spec.dnsServers // also with hostNetwork (ClusterFirstWithHostNet)
      let id: string
      let created: boolean
      try {
        const container = await d.createContainer({
          name,
          Image: spec.image,
          Hostname: spec.hostNetwork ? undefined : spec.hostname,
          Labels: labels,
          ExposedPorts: spec.hostNetwork || spec.portMappings.length === 0 ? undefined : exposed,
          HostConfig: hostConfig,
        })
        id = container.id
        created = true
      } catch (err) {
        if (this.unavailable('create sandbox', err)) throw err
        // The name is taken: this pod's sandbox of this attempt exists (or a concurrent runSandbox won the name).
        const existing = statusOf(err) === 409 ? await this.findSandbox(d, spec.podUid, spec.attempt) : undefined
        if (!existing) throw new ContainerCreateError(`creating sandbox ${name}: ${dockerMessage(err)}`)
        id = existing
        created = false
      }
      const container = d.getContainer(id)
      // An existing sandbox is started only if it was never started: one that exited stays as it is.
      if (created || (await container.inspect()).State.Status === 'created') {
        try {
          await container.start()
        } catch (err) {
          if (this.unavailable('start sandbox', err)) throw err
          if (statusOf(err) !== 304) {
            // Leave nothing half-made behind: a retry creates it anew (e.g. once a host port is free again).
            await container.remove({ force: true, v: true }).catch(() => {})
            throw new ContainerCreateError(`starting sandbox of pod ${spec.podNamespace}/${spec.podName}: ${dockerMessage(err)}`)
          }
        }
      }
      const info = await container.inspect()
      this.sandboxHostNetwork.set(info.Id, info.HostConfig.NetworkMode === 'host')
      return sandboxFromInspect(info)
    })
  }

  private async findSandbox(d: Dockerode, podUid: string, attempt: number): Promise<string | undefined> {
    const found = await d.listContainers({
      all: true,
      filters: { label: [`${LABELS.type}=${SANDBOX_TYPE}`, `${LABELS.podUid}=${podUid}`, `${LABELS.attempt}=${attempt}`] },
    })
    return found[0]?.Id
  }

  async stopSandbox(id: string): Promise<void> {
    await this.call('stop sandbox', async d => {
      for (const c of await this.containersOfSandbox(d, id)) {
        if (c.State === 'running' || c.State === 'paused' || c.State === 'restarting') await this.kill(d, c.Id)
      }
      await this.kill(d, id)
    })
  }

  async removeSandbox(id: string): Promise<void> {
    await this.call('remove sandbox', async d => {
      for (const c of await this.containersOfSandbox(d, id)) await this.remove(d, c.Id)
      await this.remove(d, id)
      this.sandboxHostNetwork.delete(id)
    })
  }

  private containersOfSandbox(d: Dockerode, sandboxId: string): Promise<Dockerode.ContainerInfo[]> {
    // The pod's containers and any port-forward helpers in its network namespace.
    return d.listContainers({ all: true, filters: { label: [`${LABELS.sandboxId}=${sandboxId}`] } })
  }

  async listSandboxes(filter: ListFilter = {}): Promise<SandboxInfo[]> {
    return this.call('list sandboxes', async d => {
      const found = await d.listContainers({ all: true, filters: { label: labelFilters(SANDBOX_TYPE, filter) } })
      // The listing has all a SandboxInfo needs (Created is whole seconds: order sandboxes by attempt).
      return found.map(sandboxFromListing)
    })
  }

  // ---- containers ----

  async createContainer(sandbox: SandboxInfo, spec: ContainerSpec): Promise<string> {
    return this.call('create container', async d => {
      // Whether the sandbox is on the host's network: known when this runtime ran it, else asked of the engine
      // (which also says that it exists; one that was removed since then fails the container's start).
      let hostNetwork = this.sandboxHostNetwork.get(sandbox.id)
      if (hostNetwork === undefined) {
        try {
          const sb = await d.getContainer(sandbox.id).inspect()
          hostNetwork = sb.HostConfig.NetworkMode === 'host'
          this.sandboxHostNetwork.set(sb.Id, hostNetwork)
        } catch (err) {
          if (statusOf(err) === 404) throw new ContainerCreateError(`sandbox ${sandbox.id} of pod ${sandbox.podNamespace}/${sandbox.podName} does not exist`)
          throw err
        }
      }
      const sandboxMode = `container:${sandbox.id}`
      const name = ['k8s', spec.name, sandbox.podName, sandbox.podNamespace, sandbox.podUid, String(spec.attempt)].join('_')
      const labels: Record<string, string> = {
        ...spec.labels,
        [LABELS.podUid]: sandbox.podUid,
        [LABELS.podName]: sandbox.podName,
        [LABELS.podNamespace]: sandbox.podNamespace,
        [LABELS.containerName]: spec.name,
        [LABELS.type]: CONTAINER_TYPE,
        [LABELS.attempt]: String(spec.attempt),
        [LABELS.node]: sandbox.node,
        [LABELS.sandboxId]: sandbox.id,
      }
      const hostConfig: Dockerode.HostConfig = {
        // As dockershim: the sandbox's network and IPC namespaces (also for hostNetwork, where the sandbox's network
        // is the host's), the host's UTS namespace with hostNetwork; PID stays private (but for an
        // ephemeral container with a target, below).
        NetworkMode: sandboxMode,
        // Docker will not let a container join a sandbox's IPC namespace that is the host's: it names the host's.
        IpcMode: spec.hostIPC ? 'host' : sandboxMode,
        UTSMode: hostNetwork ? 'host' : '',
        Binds: spec.mounts.map(m => `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`),
        RestartPolicy: { Name: 'no' },
        Init: false,
      }
      if (spec.pidNamespaceOf) hostConfig.PidMode = `container:${spec.pidNamespaceOf}`
      else if (spec.hostPID) hostConfig.PidMode = 'host'
      if (spec.memoryLimitBytes) hostConfig.Memory = spec.memoryLimitBytes
      if (spec.nanoCpus) hostConfig.NanoCpus = spec.nanoCpus
      const options: Dockerode.ContainerCreateOptions = {
        name,
        Image: spec.image,
        Env: spec.env.map(e => `${e.name}=${e.value}`),
        Labels: labels,
        Tty: spec.tty ?? false,
        OpenStdin: spec.stdin ?? false,
        StdinOnce: spec.stdinOnce ?? false,
        AttachStdin: false,
        AttachStdout: false,
        AttachStderr: false,
        HostConfig: hostConfig,
      }
      // Kubernetes: command replaces the image's ENTRYPOINT, args its CMD. Docker drops the image's CMD by itself
      // once an Entrypoint is given, so `command` alone runs with no CMD, and `args` alone keep the ENTRYPOINT.
      if (spec.command?.length) options.Entrypoint = spec.command
      if (spec.args?.length) options.Cmd = spec.args
      if (spec.workingDir) options.WorkingDir = spec.workingDir
      try {
        const created = await d.createContainer(options)
        return created.id
      } catch (err) {
        if (this.unavailable('create container', err)) throw err
        throw new ContainerCreateError(`creating container ${name}: ${dockerMessage(err)}`)
      }
    })
  }

  async startContainer(id: string): Promise<void> {
    await this.call('start container', async d => {
      try {
        await d.getContainer(id).start()
      } catch (err) {
        if (statusOf(err) === 304) return // already started
        if (this.unavailable('start container', err) || statusOf(err) === 404) throw err
        throw new ContainerCreateError(`starting container ${id}: ${dockerMessage(err)}`)
      }
    })
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    await this.call('stop container', async d => {
      if (graceSeconds <= 0) return this.kill(d, id)
      try {
        await d.getContainer(id).stop({ t: Math.ceil(graceSeconds) })
      } catch (err) {
        if (statusOf(err) === 304 || statusOf(err) === 404) return // not running / gone
        throw err
      }
    })
  }

  /** SIGKILL; a container that is not running (409), already stopped (304) or gone (404) is fine. */
  private async kill(d: Dockerode, id: string): Promise<void> {
    try {
      await d.getContainer(id).kill()
    } catch (err) {
      const status = statusOf(err)
      if (status === 304 || status === 404 || status === 409) return
      throw err
    }
  }

  async removeContainer(id: string): Promise<void> {
    await this.call('remove container', d => this.remove(d, id))
  }

  /** Force-removes with anonymous volumes; gone (404) or already being removed (409) is fine. */
  private async remove(d: Dockerode, id: string): Promise<void> {
    try {
      await d.getContainer(id).remove({ force: true, v: true })
    } catch (err) {
      const status = statusOf(err)
      if (status === 404 || (status === 409 && /already in progress/i.test(dockerMessage(err)))) return
      throw err
    }
  }

  async listContainers(filter: ListFilter = {}): Promise<ContainerInfo[]> {
    return this.call('list containers', async d => {
      const found = await d.listContainers({ all: true, filters: { label: labelFilters(CONTAINER_TYPE, filter) } })
      const infos = await Promise.all(
        found.map(async c => {
          let info: Dockerode.ContainerInspectInfo
          try {
            info = await d.getContainer(c.Id).inspect()
          } catch (err) {
            if (statusOf(err) === 404) return undefined // removed since the listing
            throw err
          }
          return containerFromInspect(info, await this.imageIdOf(d, info.Image))
        }),
      )
      return infos.filter((i): i is ContainerInfo => i !== undefined)
    })
  }

  async watchChanges(filter: ListFilter, onChange: (podUid: string) => void, onEnd: (err: Error) => void): Promise<() => void> {
    return this.call('events', async d => {
      // Sandboxes and containers alike carry the pod UID label; `label=<key>` selects those that have it.
      const label = [filter.podUid !== undefined ? `${LABELS.podUid}=${filter.podUid}` : LABELS.podUid]
      if (filter.node !== undefined) label.push(`${LABELS.node}=${filter.node}`)
      const stream = (await d.getEvents({ filters: { type: ['container'], event: ['start', 'die', 'destroy', 'oom'], label } })) as NodeJS.ReadableStream & { destroy(): void }
      let ended = false
      const end = (err?: Error) => {
        if (ended) return
        ended = true
        onEnd(err ?? new Error('the engine closed its event stream'))
      }
      let pending = ''
      stream.on('data', (chunk: Buffer | string) => {
        pending += chunk.toString()
        for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
          const line = pending.slice(0, nl).trim()
          pending = pending.slice(nl + 1)
          if (!line) continue
          let uid: unknown
          try {
            uid = (JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } }).Actor?.Attributes?.[LABELS.podUid]
          } catch {
            continue // not an event: ignore it rather than lose the stream
          }
          if (typeof uid === 'string' && uid && !ended) onChange(uid)
        }
      })
      stream.on('error', (err: Error) => end(this.unavailable('events', err) ?? err))
      stream.on('end', () => end())
      stream.on('close', () => end())
      return () => {
        ended = true
        stream.destroy()
      }
    })
  }

  // ---- exec and logs ----

  async execSync(id: string, command: string[], timeoutSeconds: number): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    return this.call('exec', async d => {
      const exec = await d.getContainer(id).exec({ Cmd: command, AttachStdout: true, AttachStderr: true, AttachStdin: false, Tty: false })
      const stream = (await exec.start({ hijack: true, stdin: false })) as NodeJS.ReadableStream & { destroy(): void }
      const stdout = new Collector(EXEC_OUTPUT_CAP)
      const stderr = new Collector(EXEC_OUTPUT_CAP)
      d.modem.demuxStream(stream, stdout, stderr)
      let timer: NodeJS.Timeout | undefined
      const finished = await Promise.race([
        new Promise<'done'>((resolve, reject) => {
          stream.on('end', () => resolve('done'))
          stream.on('close', () => resolve('done'))
          stream.on('error', reject)
        }),
        new Promise<'timeout'>(resolve => {
          if (timeoutSeconds > 0) timer = setTimeout(() => resolve('timeout'), timeoutSeconds * 1000) // 0: no limit (CRI)
        }),
      ]).finally(() => clearTimeout(timer))
      if (finished === 'timeout') {
        stream.destroy()
        const note = `command timed out after ${timeoutSeconds}s`
        return { exitCode: -1, stdout: stdout.text(), stderr: stderr.text() ? `${stderr.text()}\n${note}` : note }
      }
      // The attach stream can end a moment before the engine records the exit code.
      let info = await exec.inspect()
      for (let i = 0; i < 50 && (info.Running || info.ExitCode === null); i++) {
        await new Promise(r => setTimeout(r, 20))
        info = await exec.inspect()
      }
      return { exitCode: info.ExitCode ?? -1, stdout: stdout.text(), stderr: stderr.text() }
    })
  }

  async logs(id: string, opts: LogOptions): Promise<Readable> {
    return this.call('logs', async d => {
      const info = await d.getContainer(id).inspect()
      const query: Record<string, string | number | boolean> = {
        stdout: true,
        stderr: true,
        follow: opts.follow ?? false,
        timestamps: opts.timestamps ?? false,
        tail: opts.tailLines !== undefined && opts.tailLines >= 0 ? opts.tailLines : 'all',
      }
      if (opts.sinceSeconds !== undefined && opts.sinceSeconds > 0) query.since = Math.floor(Date.now() / 1000) - opts.sinceSeconds
      // Container.logs() only streams with follow=true: without it dockerode buffers the body and tries to parse
      // it as JSON (a log that is a JSON document would come back as an object). Dial directly, always streaming.
      const source = await new Promise<Readable>((resolve, reject) => {
        d.modem.dial(
          { path: `/containers/${encodeURIComponent(id)}/logs?`, method: 'GET', isStream: true, statusCodes: { 200: true, 404: 'no such container', 500: 'server error' }, options: query },
          (err, res) => (err ? reject(err) : resolve(res as Readable)),
        )
      })
      if (info.Config.Tty) return limitBytes(source, opts.limitBytes) // a TTY's output comes raw
      const out = new StdStreamDemuxer()
      source.on('error', err => out.destroy(err))
      out.on('close', () => source.destroy()) // the reader gave up: stop following
      return limitBytes(source.pipe(out), opts.limitBytes)
    })
  }

  // ---- streaming: exec, attach, port-forward ----

  async exec(id: string, opts: ExecOptions): Promise<StreamSession> {
    return this.call('exec', async d => {
      const exec = await d.getContainer(id).exec({ Cmd: opts.command, AttachStdin: opts.stdin, AttachStdout: true, AttachStderr: true, Tty: opts.tty })
      const socket = (await exec.start({ hijack: true, stdin: opts.stdin, Detach: false, Tty: opts.tty })) as unknown as Duplex
      return hijackedSession(socket, {
        tty: opts.tty,
        stdin: opts.stdin,
        resize: async (w, h) => {
          await exec.resize({ w, h })
        },
        exitCode: async () => {
          // The stream can end a moment before the engine records the exit code.
          let info = await exec.inspect()
          for (let i = 0; i < 100 && (info.Running || info.ExitCode === null); i++) {
            await new Promise(r => setTimeout(r, 20))
            info = await exec.inspect()
          }
          return info.ExitCode ?? -1
        },
        kill: async () => {
          const info = await exec.inspect()
          if (info.Running) killContainerProcess(info.Pid, info.ContainerID)
        },
      })
    })
  }

  async attach(id: string, opts: AttachOptions): Promise<StreamSession> {
    return this.call('attach', async d => {
      const container = d.getContainer(id)
      const info = await container.inspect()
      if (!info.State.Running) throw new Error(`container ${id} is not running`)
      const tty = Boolean(info.Config.Tty) // the container's own setting decides how its output comes
      const stdin = opts.stdin && Boolean(info.Config.OpenStdin)
      const socket = (await container.attach({ stream: true, stdin, stdout: true, stderr: true, hijack: true })) as unknown as Duplex
      return hijackedSession(socket, {
        tty,
        stdin,
        resize: async (w, h) => {
          await container.resize({ w, h })
        },
        exitCode: async () => {
          const state = (await container.inspect().catch(() => undefined))?.State
          return !state || state.Running ? 0 : state.ExitCode
        },
      })
    })
  }

  /**
   * Reaches the port inside the sandbox's network namespace the way dockershim's socat did, without a binary on
   * the host: a short-lived helper container of `opts.image` that joins the sandbox's network
   * (`NetworkMode: container:<sandbox>`) and runs `nc 127.0.0.1 <port>` on its attached stdin/stdout. The helper
   * removes itself when nc exits (AutoRemove) and is killed when the stream is destroyed; it carries the
   * sandbox's ID, so removing the sandbox removes a helper that is left. A connection that fails (nothing
   * listens) destroys the stream with nc's message.
   */
  async portForward(sandbox: SandboxInfo, port: number, opts: PortForwardOptions): Promise<Duplex> {
    if (!(await this.imagePresent(opts.image))) await this.pullImage(opts.image)
    return this.call('port-forward', async d => {
      let helper: Dockerode.Container
      try {
        helper = await d.createContainer({
          Image: opts.image,
          Entrypoint: ['nc', '127.0.0.1', String(port)],
          Cmd: [],
          OpenStdin: true,
          StdinOnce: true,
          AttachStdin: true,
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          Labels: {
            ...opts.labels,
            [LABELS.type]: PORT_FORWARD_TYPE,
            [LABELS.podUid]: sandbox.podUid,
            [LABELS.podName]: sandbox.podName,
            [LABELS.podNamespace]: sandbox.podNamespace,
            [LABELS.node]: sandbox.node,
            [LABELS.sandboxId]: sandbox.id,
          },
          // No log driver: the bytes go only to the attached stream (json-file would encode every chunk; 2-3× slower).
          HostConfig: { NetworkMode: `container:${sandbox.id}`, AutoRemove: true, RestartPolicy: { Name: 'no' }, LogConfig: { Type: 'none', Config: {} } },
        })
      } catch (err) {
        if (this.unavailable('port-forward', err)) throw err
        throw new ContainerCreateError(`port-forward helper for pod ${sandbox.podNamespace}/${sandbox.podName}: ${dockerMessage(err)}`)
      }
      const kill = () => helper.remove({ force: true }).catch(() => {})
      try {
        const socket = (await helper.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex
        const exited = helper.wait({ condition: 'next-exit' }).then((r: { StatusCode: number }) => r.StatusCode, () => -1)
        await helper.start()
        return portForwardStream(socket, exited, kill)
      } catch (err) {
        await kill()
        if (this.unavailable('port-forward', err)) throw err
        throw new ContainerCreateError(`port-forward helper for pod ${sandbox.podNamespace}/${sandbox.podName}: ${dockerMessage(err)}`)
      }
    })
  }
}

/**
 * The helper's stdio as one byte stream: writes go to nc's stdin, reads come from its stdout; its stderr is kept
 * for the error when nc fails. Destroying the stream removes the helper.
 */
function portForwardStream(socket: Duplex, exited: Promise<number>, kill: () => Promise<unknown>): Duplex {
  const out = new PassThrough()
  const errText: Buffer[] = []
  const err = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (errText.length < 64) errText.push(chunk)
      done()
    },
  })
  demuxDockerStream(socket, out, err)
  let finished = false
  const duplex = new Duplex({
    read() {
      out.resume()
    },
    write(chunk: Buffer, _enc, done) {
      if (socket.destroyed || socket.writableEnded) return done()
      socket.write(chunk, () => done())
    },
    final(done) {
      if (!socket.destroyed && !socket.writableEnded) socket.end()
      done()
    },
    destroy(error, done) {
      if (!finished) void kill()
      socket.destroy()
      done(error)
    },
  })
  out.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) out.pause()
  })
  out.on('end', () => {
    void exited.then(code => {
      finished = true
      if (code === 0 || code === -1) duplex.push(null)
      else duplex.destroy(new Error(Buffer.concat(errText).toString('utf8').trim() || `port-forward helper exited with code ${code}`))
    })
  })
  socket.on('error', () => {})
  return duplex
}

function pullableImageId(id: string, repoDigests: string[] | undefined): string {
  return repoDigests && repoDigests.length > 0 ? `docker-pullable://${repoDigests[0]}` : `docker://${id}`
}

function labelFilters(type: string, filter: ListFilter): string[] {
  const labels = [`${LABELS.type}=${type}`]
  if (filter.podUid !== undefined) labels.push(`${LABELS.podUid}=${filter.podUid}`)
  if (filter.node !== undefined) labels.push(`${LABELS.node}=${filter.node}`)
  return labels
}

function sandboxFromInspect(info: Dockerode.ContainerInspectInfo): SandboxInfo {
  const labels = info.Config.Labels ?? {}
  const hostNetwork = info.HostConfig.NetworkMode === 'host'
  const networks = Object.values(info.NetworkSettings.Networks ?? {})
  // NetworkSettings.IPAddress is the default bridge's address (deprecated, still filled by 20.10; missing from
  // @types/dockerode), then the networks themselves.
  const legacyIp = (info.NetworkSettings as { IPAddress?: string }).IPAddress
  const ip = hostNetwork || !info.State.Running ? '' : legacyIp || info.NetworkSettings.Networks?.bridge?.IPAddress || networks.find(n => n.IPAddress)?.IPAddress || ''
  return {
    id: info.Id,
    podUid: labels[LABELS.podUid] ?? '',
    podName: labels[LABELS.podName] ?? '',
    podNamespace: labels[LABELS.podNamespace] ?? '',
    node: labels[LABELS.node] ?? '',
    attempt: Number(labels[LABELS.attempt] ?? 0),
    state: info.State.Running ? 'ready' : 'notready',
    ip,
    createdAt: new Date(info.Created),
  }
}

function sandboxFromListing(c: Dockerode.ContainerInfo): SandboxInfo {
  const labels = c.Labels ?? {}
  const running = c.State === 'running'
  const hostNetwork = c.HostConfig?.NetworkMode === 'host'
  const networks = c.NetworkSettings?.Networks ?? {}
  const ip = hostNetwork || !running ? '' : networks.bridge?.IPAddress || Object.values(networks).find(n => n.IPAddress)?.IPAddress || ''
  return {
    id: c.Id,
    podUid: labels[LABELS.podUid] ?? '',
    podName: labels[LABELS.podName] ?? '',
    podNamespace: labels[LABELS.podNamespace] ?? '',
    node: labels[LABELS.node] ?? '',
    attempt: Number(labels[LABELS.attempt] ?? 0),
    state: running ? 'ready' : 'notready',
    ip,
    createdAt: new Date(c.Created * 1000),
  }
}

function containerFromInspect(info: Dockerode.ContainerInspectInfo, imageId: string): ContainerInfo {
  const labels = info.Config.Labels ?? {}
  const s = info.State
  const state: ContainerInfo['state'] =
    s.Status === 'created'
      ? 'created'
      : s.Status === 'running' || s.Status === 'paused' || s.Status === 'restarting'
        ? 'running'
        : s.Status === 'exited' || s.Status === 'dead' || s.Status === 'removing'
          ? 'exited'
          : 'unknown'
  const result: ContainerInfo = {
    id: info.Id,
    podUid: labels[LABELS.podUid] ?? '',
    sandboxId: labels[LABELS.sandboxId],
    name: labels[LABELS.containerName] ?? '',
    attempt: Number(labels[LABELS.attempt] ?? 0),
    image: info.Config.Image,
    imageId,
    state,
    createdAt: new Date(info.Created),
    startedAt: dockerTime(s.StartedAt),
  }
  if (state === 'created' && s.ExitCode !== 0 && !dockerTime(s.FinishedAt)) {
    // The start failed (Docker leaves it `created` with an exit code and State.Error): an exit, as dockershim said.
    result.state = 'exited'
    result.startedAt = result.finishedAt = result.createdAt
    result.exitCode = s.ExitCode
    result.reason = 'ContainerCannotRun'
    if (s.Error) result.message = s.Error
  } else if (state === 'exited') {
    result.finishedAt = dockerTime(s.FinishedAt)
    // Docker stamps StartedAt when it has seen the task start and FinishedAt with containerd's exit time: a
    // container that exits at once can show FinishedAt before StartedAt. It ran at most until it finished.
    if (result.startedAt && result.finishedAt && result.finishedAt < result.startedAt) result.startedAt = result.finishedAt
    result.exitCode = s.ExitCode
    result.reason = s.OOMKilled ? 'OOMKilled' : s.ExitCode === 0 ? 'Completed' : 'Error'
  }
  return result
}

/** Collects what is written to it as text, keeping the first `cap` bytes. */
class Collector extends Writable {
  private readonly chunks: Buffer[] = []
  private size = 0
  constructor(private readonly cap: number) {
    super()
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.size < this.cap) {
      const part = chunk.subarray(0, this.cap - this.size)
      this.chunks.push(part)
      this.size += part.length
    }
    done()
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }
}

/**
 * Docker's multiplexed stdout/stderr of a non-TTY container: frames of an 8-byte header (stream type, 3 zero
 * bytes, big-endian payload length) and the payload. Passes the payloads on, in order, as one byte stream.
 */
class StdStreamDemuxer extends Transform {
  private pending: Buffer = Buffer.alloc(0)
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt32BE(4)
      if (this.pending.length < 8 + length) break
      this.push(this.pending.subarray(8, 8 + length))
      this.pending = this.pending.subarray(8 + length)
    }
    done()
  }
  override _flush(done: TransformCallback): void {
    if (this.pending.length > 0) this.push(this.pending.subarray(Math.min(8, this.pending.length))) // a cut-off frame
    done()
  }
}

