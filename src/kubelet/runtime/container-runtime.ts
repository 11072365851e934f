import type { Duplex, Readable, Writable } from 'node:stream'

/**
 * What the kubelet needs from a container engine, in the spirit of the CRI: a pod is a sandbox (holding the
 * pod's network namespace, its IP and its host ports) plus containers that join it. Implementations:
 * DockerRuntime (dockerode) and FakeRuntime (no containers, kwok-like), held to one contract suite
 * (test/contract/runtime.contract.ts).
 *
 * The runtime keeps no state of its own that is not also on the engine: every sandbox and container carries
 * labels naming its pod, so a restarted kubelet rebuilds everything from `listSandboxes`/`listContainers`.
 */
export interface ContainerRuntime {
  /** `docker` or `fake`: what nodeInfo.containerRuntimeVersion and containerIDs are prefixed with. */
  readonly type: string
  /** The engine's version, e.g. `20.10.24`; throws RuntimeUnavailableError when the engine does not answer. */
  version(): Promise<string>

  imagePresent(image: string): Promise<boolean>
  /** Pulls an image; `onProgress` gets human-readable lines. Throws ImagePullError (bad name, not found, no access). */
  pullImage(image: string, onProgress?: (line: string) => void): Promise<void>
  /** The image's ID (`sha256:…`) and repo digest if known, for containerStatuses[].imageID. */
  imageId(image: string): Promise<string>

  /** Creates and starts a pod's sandbox. Idempotent per `spec.podUid` + `spec.attempt`. */
  runSandbox(spec: SandboxSpec): Promise<SandboxInfo>
  stopSandbox(id: string): Promise<void>
  removeSandbox(id: string): Promise<void>
  listSandboxes(filter?: ListFilter): Promise<SandboxInfo[]>

  /** Creates a container in a sandbox (not started). Throws ContainerCreateError for bad specs. */
  createContainer(sandbox: SandboxInfo, spec: ContainerSpec): Promise<string>
  startContainer(id: string): Promise<void>
  /** SIGTERM (or the image's stop signal), then SIGKILL after `graceSeconds`. Stopping a stopped container is fine. */
  stopContainer(id: string, graceSeconds: number): Promise<void>
  removeContainer(id: string): Promise<void>
  listContainers(filter?: ListFilter): Promise<ContainerInfo[]>
  /**
   * Optional: reports each change the engine sees (a sandbox or container of the selection started, exited or was
   * removed) by the pod UID in its labels, so that the kubelet does not have to poll. Resolves once subscribed;
   * `onEnd` is called once if the subscription breaks (the engine restarted). The returned function unsubscribes.
   * Runtimes without it are polled.
   */
  watchChanges?(filter: ListFilter, onChange: (podUid: string) => void, onEnd: (err: Error) => void): Promise<() => void>

  /**
   * Runs a command in a running container and collects its output (probes). After `timeoutSeconds` (0: no limit)
   * it resolves with exitCode -1, the output so far and `command timed out after Ns` appended to stderr; the
   * command itself may go on running (Docker cannot kill an exec). Throws when the container is not running.
   */
  execSync(id: string, command: string[], timeoutSeconds: number): Promise<{ exitCode: number; stdout: string; stderr: string }>
  /** The container's log as a stream of bytes (stdout and stderr interleaved). */
  logs(id: string, opts: LogOptions): Promise<Readable>

  /**
   * Starts a command in a running container with its standard streams attached (`kubectl exec`). Throws when the
   * container is not running. A command that can not be started ends with exit code 126 or 127 and the engine's
   * message on stderr (on stdout with a TTY), as `docker exec` does. `close()` ends the session early (the client
   * left): the streams are torn down and the command is killed if the engine allows it.
   */
  exec(id: string, opts: ExecOptions): Promise<StreamSession>
  /**
   * Attaches to the standard streams of a running container's main process (`kubectl attach`). stdin needs a
   * container created with `stdin: true`. The session ends when the container exits or on `close()`; its
   * exitCode is then the container's (0 when it is still running).
   */
  attach(id: string, opts: AttachOptions): Promise<StreamSession>
  /**
   * A TCP connection to `port` on 127.0.0.1 INSIDE the sandbox's network namespace (`kubectl port-forward`), as a
   * byte stream: what is written goes to the port, what the port sends can be read. Ending the writable side
   * half-closes the connection; destroying the stream drops it. Rejects when nothing listens on the port.
   */
  portForward(sandbox: SandboxInfo, port: number, opts: PortForwardOptions): Promise<Duplex>
}

export interface ExecOptions {
  command: string[]
  /** Attach a stdin (StreamSession.stdin); ending it closes the command's stdin. */
  stdin: boolean
  /** Run in a pseudo-terminal: stdout and stderr are one stream, and `resize` works. */
  tty: boolean
}

export interface AttachOptions {
  stdin: boolean
  tty: boolean
}

export interface PortForwardOptions {
  /** The image of the helper that reaches into the sandbox (busybox: `nc`), for runtimes that need one. */
  image: string
  /** Labels for anything the runtime creates for the connection (owner labels, for orphan cleanup). */
  labels?: Record<string, string>
}

/** A running exec or attach: its streams, a way to resize its terminal, and how it ended. */
export interface StreamSession {
  /** Present when stdin was asked for. */
  stdin?: Writable
  /** stdout (with a TTY: the terminal's output, stdout and stderr together). Ends when the process ends. */
  stdout: Readable
  /** Present without a TTY. */
  stderr?: Readable
  /** Resizes the TTY (columns, rows); ignored without one. */
  resize(width: number, height: number): Promise<void>
  /** The exit code, once the process has ended and its output has been read. */
  exitCode: Promise<number>
  /** Ends the session now: streams are destroyed, an exec'd process is killed where the engine allows it. */
  close(): void
}

/** Labels on every sandbox and container, as the dockershim named them. */
export const LABELS = {
  podUid: 'io.kubernetes.pod.uid',
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  containerName: 'io.kubernetes.container.name',
  /** `podsandbox` or `container`. */
  type: 'io.kubernetes.docker.type',
  /** Restart count of a container / attempt of a sandbox: a new one gets the next number. */
  attempt: 'io.kubernetes.container.restartCount',
  /** Which kubebox node (kubelet) owns it, so several nodes share one engine without touching each other. */
  node: 'dev.kubebox.node',
  /** On containers: the ID of the sandbox they joined (ContainerInfo.sandboxId). */
  sandboxId: 'io.kubernetes.sandbox.id',
} as const

/** Narrows a listing: only the given pod's, only the given node's (several kubelets may share one engine). */
export interface ListFilter {
  podUid?: string
  node?: string
}

export interface SandboxSpec {
  podUid: string
  podName: string
  podNamespace: string
  node: string
  attempt: number
  /** The pause image (--pod-infra-image). */
  image: string
  hostname: string
  /** Host ports to publish: hostPort on `hostIp` → containerPort in the sandbox. */
  portMappings: { containerPort: number; hostPort: number; protocol: 'TCP' | 'UDP' | 'SCTP'; hostIp: string }[]
  /** Use the host's network namespace (spec.hostNetwork). */
  hostNetwork: boolean
  /** Use the host's IPC namespace (spec.hostIPC). */
  hostIPC?: boolean
  dnsServers?: string[]
  labels?: Record<string, string>
}

export interface SandboxInfo {
  id: string
  podUid: string
  podName: string
  podNamespace: string
  node: string
  attempt: number
  state: 'ready' | 'notready'
  /** The pod IP: the sandbox's address on the engine's network ('' with hostNetwork: the node's). */
  ip: string
  createdAt: Date
}

export interface ContainerSpec {
  name: string
  image: string
  command?: string[]
  args?: string[]
  env: { name: string; value: string }[]
  workingDir?: string
  /** Bind mounts prepared by the kubelet (volumes): host path → container path. */
  mounts: { hostPath: string; containerPath: string; readOnly: boolean }[]
  /** Limits from resources.limits: memory in bytes, cpu in nano-CPUs. */
  memoryLimitBytes?: number
  nanoCpus?: number
  tty?: boolean
  stdin?: boolean
  stdinOnce?: boolean
  /** The container (runtime ID) whose process namespace this one joins: an ephemeral container's target. */
  pidNamespaceOf?: string
  /** The host's process and IPC namespaces (spec.hostPID, spec.hostIPC: `kubectl debug node/…` asks for both). */
  hostPID?: boolean
  hostIPC?: boolean
  attempt: number
  labels?: Record<string, string>
}

export interface ContainerInfo {
  id: string
  podUid: string
  sandboxId?: string
  name: string
  attempt: number
  image: string
  imageId: string
  state: 'created' | 'running' | 'exited' | 'unknown'
  createdAt: Date
  startedAt?: Date
  finishedAt?: Date
  exitCode?: number
  /** The engine's reason for an exit: `OOMKilled`, `Error`, `Completed`, or `ContainerCannotRun` (start failed). */
  reason?: string
  /** The engine's message when the start failed (e.g. the command does not exist). */
  message?: string
}

export interface LogOptions {
  follow?: boolean
  tailLines?: number
  sinceSeconds?: number
  timestamps?: boolean
  /** Stop after this many bytes (the log may end in the middle of a line, as the kubelet's does). */
  limitBytes?: number
}

export class RuntimeUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RuntimeUnavailableError'
  }
}

export class ImagePullError extends Error {
  constructor(
    readonly image: string,
    message: string,
  ) {
    super(message)
    this.name = 'ImagePullError'
  }
}

export class ContainerCreateError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ContainerCreateError'
  }
}
