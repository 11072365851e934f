/**
 * An in-memory ContainerRuntime that runs nothing (like kwok): for unit tests and for clusters of many pretend
 * nodes. Deterministic: IDs count up, IPs are handed out in order, state changes happen at times computed from the
 * start time (no timers), and every call is recorded in `calls`.
 *
 * Conventions, since there is no real process:
 * - A container runs until stopped, except when its command+args (command first) begins with `fake-exit:<code>`:
 *   then it goes running after `startDelayMs` and exits with <code> at that same moment. The elements after
 *   `fake-exit:<code>` are what it "prints": one log line each.
 * - A container whose command+args begin with `fake-cannot-run` fails to start: startContainer throws
 *   ContainerCreateError and the container shows exited, exit code 128, reason ContainerCannotRun, with a message
 *   (like a Docker container whose command does not exist).
 * - Until `startDelayMs` has passed after startContainer a container shows `created` (no startedAt).
 * - Logs: on start a container writes `fake container <name> started`, then its printed lines (above). With
 *   `timestamps`, each line is prefixed by the start time in RFC 3339 and a space, as Docker does.
 * - execSync answers exit 0 with stdout = the command joined by spaces plus `\n`, stderr empty. A command
 *   beginning with `fake-exit:<code>` answers that code instead; one beginning with `fake-hang` never answers
 *   (the call resolves after `timeoutSeconds` with exitCode -1, like DockerRuntime's timeout; with timeout 0, which
 *   means no limit, it never resolves). A container that is
 *   not running refuses exec with an Error.
 * - Stopping a running container: exit code 143 (SIGTERM) with graceSeconds > 0, 137 (SIGKILL) with 0; reason Error.
 *   stopSandbox kills its running containers (137) and takes the sandbox to notready (its IP becomes '');
 *   removeSandbox removes its containers too. Stop/remove of an unknown ID succeed.
 * - exec (streaming) writes the command joined by spaces plus `\n` to stdout, then, with stdin, echoes stdin to
 *   stdout until stdin ends; then it exits 0, or <code> for a command beginning with `fake-exit:<code>`. A command
 *   beginning with `fake-hang` runs until close() (exit code 137). `fake-not-found` exits 127 with
 *   `fake: executable file not found` on stderr (stdout with a TTY). stderr is empty otherwise; resize is recorded.
 * - attach writes `fake attach\n` to stdout, then echoes stdin (when asked for); it ends when the container stops
 *   running or on close(), with exit code 0.
 * - portForward answers with an echo: what is written to the stream is read back; ending it ends the stream. A
 *   sandbox that is not ready refuses.
 * - Images: `images` are present; pulling any other image succeeds (and makes it present) unless it is listed in
 *   `failPulls`. Creating a container of an absent image throws ContainerCreateError. imageId is `sha256:` + the
 *   SHA-256 of the image name.
 * - `available = false` makes every call throw RuntimeUnavailableError (an engine that went away), and ends the
 *   change subscriptions made through this runtime object (watchChanges), as a broken Docker event stream would.
 * - watchChanges reports, like Docker's events, every sandbox or container that started, stopped, exited or was
 *   removed, by pod UID, a moment after the call that did it (several changes of one pod in one turn of the event
 *   loop: one report). A container that goes running or exits later (startDelayMs) is reported when it does, by a
 *   timer; with an injected clock (`now`) no timers are set and the caller moves time.
 * - State lives in a FakeEngine; `new FakeRuntime({ engine: other.engine })` is a restarted kubelet on the same
 *   engine.
 */
import { createHash } from 'node:crypto'
import { PassThrough, Readable, type Duplex } from 'node:stream'
import {
  ContainerCreateError,
  ImagePullError,
  RuntimeUnavailableError,
  type ContainerInfo,
  type ContainerRuntime,
  type ContainerSpec,
  type AttachOptions,
  type ExecOptions,
  type PortForwardOptions,
  type StreamSession,
  type ListFilter,
  type LogOptions,
  type SandboxInfo,
  type SandboxSpec,
} from './container-runtime.ts'
import { limitBytes } from './limit-bytes.ts'
import { jsonClone } from '../../client/json-clone.ts'

export interface FakeRuntimeOptions {
  /** How long a started container takes to go running (and a `fake-exit:` one to exit). Default 0. */
  startDelayMs?: number
  /** Images present from the start. */
  images?: string[]
  /** Images whose pull fails with ImagePullError. */
  failPulls?: string[]
  /** The engine to share with another FakeRuntime (default: a new, empty one). */
  engine?: FakeEngine
  /** The clock, in ms since the epoch. Default Date.now. */
  now?: () => number
  /**
   * Whether every call is kept in `calls` (default true, for tests). A long-running fake cluster turns it off:
   * the list would grow by a dozen entries per pod, forever.
   */
  recordCalls?: boolean
}

interface FakeSandbox {
  id: string
  spec: SandboxSpec
  ip: string
  state: 'ready' | 'notready'
  createdAt: number
}

interface FakeContainer {
  id: string
  sandboxId: string
  sandbox: SandboxInfo
  spec: ContainerSpec
  createdAt: number
  /** When startContainer was called. */
  startCalledAt?: number
  /** Set when stopped: when and with which code. */
  stopped?: { at: number; exitCode: number }
  /** From `fake-exit:<code>`. */
  exitCode?: number
  /** From `fake-cannot-run`: set when its start failed. */
  cannotRun: boolean
  startFailedAt?: number
  printed: string[]
}

type Bucket<T> = Map<string, T>

interface ChangeWatcher {
  filter: ListFilter
  onChange(podUid: string): void
}

/**
 * What a fake engine holds: shared by FakeRuntime objects that stand for the same node across restarts (and by
 * every node of a `--runtime fake --nodes N` cluster). Read the maps, change them only through the methods: they
 * keep indexes by pod, by node and by sandbox, so that a kubelet's look at one pod (or at its node) costs what that
 * pod (or node) has, not what the engine holds — with 10,000 pods, scanning everything on each of the ~10 runtime
 * calls a pod start makes, and on every node's resync each second, was most of a fake cluster's CPU time.
 * Each index keeps insertion order, so a filtered list comes in the same order as the unfiltered one.
 */
export class FakeEngine {
  readonly sandboxes = new Map<string, FakeSandbox>()
  readonly containers = new Map<string, FakeContainer>()
  readonly images = new Set<string>()
  nextId = 1
  nextIp = 0
  private readonly sandboxesByPod = new Map<string, Bucket<FakeSandbox>>()
  private readonly sandboxesByNode = new Map<string, Bucket<FakeSandbox>>()
  private readonly containersByPod = new Map<string, Bucket<FakeContainer>>()
  private readonly containersByNode = new Map<string, Bucket<FakeContainer>>()
  private readonly containersBySandbox = new Map<string, Bucket<FakeContainer>>()
  private readonly watchers = new Set<ChangeWatcher>()
  /** Pods changed in this turn of the event loop, reported together on the next (pod UID → node). */
  private pending?: Map<string, string>

  watch(w: ChangeWatcher): () => void {
    this.watchers.add(w)
    return () => this.watchers.delete(w)
  }

  /** Something of a pod changed: its watchers hear of it shortly (asynchronously, as Docker's events arrive). */
  changed(podUid: string, node: string): void {
    if (this.watchers.size === 0) return
    if (!this.pending) {
      this.pending = new Map()
      setImmediate(() => {
        const pending = this.pending!
        this.pending = undefined
        for (const [uid, n] of pending)
          for (const w of this.watchers)
            if ((w.filter.podUid === undefined || w.filter.podUid === uid) && (w.filter.node === undefined || w.filter.node === n)) w.onChange(uid)
      })
    }
    this.pending.set(podUid, node)
  }

  addSandbox(sb: FakeSandbox): void {
    this.sandboxes.set(sb.id, sb)
    put(this.sandboxesByPod, sb.spec.podUid, sb.id, sb)
    put(this.sandboxesByNode, sb.spec.node, sb.id, sb)
  }

  /** Removes a sandbox and its containers. */
  deleteSandbox(id: string): void {
    const sb = this.sandboxes.get(id)
    if (!sb) return
    for (const c of [...(this.containersBySandbox.get(id)?.values() ?? [])]) this.deleteContainer(c.id)
    this.sandboxes.delete(id)
    drop(this.sandboxesByPod, sb.spec.podUid, id)
    drop(this.sandboxesByNode, sb.spec.node, id)
  }

  addContainer(c: FakeContainer): void {
    this.containers.set(c.id, c)
    put(this.containersByPod, c.sandbox.podUid, c.id, c)
    put(this.containersByNode, c.sandbox.node, c.id, c)
    put(this.containersBySandbox, c.sandboxId, c.id, c)
  }

  deleteContainer(id: string): void {
    const c = this.containers.get(id)
    if (!c) return
    this.containers.delete(id)
    drop(this.containersByPod, c.sandbox.podUid, id)
    drop(this.containersByNode, c.sandbox.node, id)
    drop(this.containersBySandbox, c.sandboxId, id)
  }

  /** The sandboxes a filter selects, in creation order. */
  sandboxesOf(filter: ListFilter): Iterable<FakeSandbox> {
    return select(this.sandboxes, this.sandboxesByPod, this.sandboxesByNode, filter, (sb) => sb.spec.node)
  }

  /** The containers a filter selects, in creation order. */
  containersOf(filter: ListFilter): Iterable<FakeContainer> {
    return select(this.containers, this.containersByPod, this.containersByNode, filter, (c) => c.sandbox.node)
  }

  containersInSandbox(id: string): Iterable<FakeContainer> {
    return this.containersBySandbox.get(id)?.values() ?? []
  }
}

function put<T>(index: Map<string, Bucket<T>>, key: string, id: string, value: T): void {
  let bucket = index.get(key)
  if (!bucket) index.set(key, (bucket = new Map()))
  bucket.set(id, value)
}

function drop<T>(index: Map<string, Bucket<T>>, key: string, id: string): void {
  const bucket = index.get(key)
  if (bucket?.delete(id) && bucket.size === 0) index.delete(key)
}

function select<T>(all: Map<string, T>, byPod: Map<string, Bucket<T>>, byNode: Map<string, Bucket<T>>, filter: ListFilter, nodeOf: (x: T) => string): T[] {
  if (filter.podUid !== undefined) {
    const mine = [...(byPod.get(filter.podUid)?.values() ?? [])]
    return filter.node === undefined ? mine : mine.filter((x) => nodeOf(x) === filter.node)
  }
  if (filter.node !== undefined) return [...(byNode.get(filter.node)?.values() ?? [])]
  return [...all.values()]
}

const FAKE_VERSION = '0.1.0-fake'
const CANNOT_RUN_MESSAGE = 'fake-cannot-run: the command cannot be started'

export class FakeRuntime implements ContainerRuntime {
  readonly type = 'fake'
  readonly engine: FakeEngine
  /** Every call, in order (arguments as passed). */
  readonly calls: { method: string; args: unknown[] }[] = []
  private up = true
  /** This object's change subscriptions, ended when the engine "goes away". */
  private readonly subscriptions = new Set<{ unwatch(): void; onEnd(err: Error): void }>()

  /** false: every call throws RuntimeUnavailableError, and change subscriptions end. */
  get available(): boolean {
    return this.up
  }

  set available(value: boolean) {
    this.up = value
    if (value) return
    for (const sub of [...this.subscriptions]) {
      sub.unwatch()
      sub.onEnd(new RuntimeUnavailableError('fake runtime is unavailable (events)'))
    }
  }
  private readonly startDelayMs: number
  private readonly failPulls: Set<string>
  private readonly now: () => number
  private readonly recordCalls: boolean
  /** Whether time-driven changes (startDelayMs) get timers: only on the real clock. */
  private readonly realClock: boolean

  constructor(opts: FakeRuntimeOptions = {}) {
    this.engine = opts.engine ?? new FakeEngine()
    for (const image of opts.images ?? []) this.engine.images.add(normalizeImage(image))
    this.startDelayMs = opts.startDelayMs ?? 0
    this.failPulls = new Set((opts.failPulls ?? []).map(normalizeImage))
    this.now = opts.now ?? Date.now
    this.recordCalls = opts.recordCalls ?? true
    this.realClock = opts.now === undefined
  }

  /**
   * Docker's event stream, for the fake engine: the kubelet then syncs a pod when something of it changed instead of
   * listing every container of its node each second (with 100 nodes of 100 pods, those listings were a tenth of a
   * fake cluster's CPU).
   */
  async watchChanges(filter: ListFilter, onChange: (podUid: string) => void, onEnd: (err: Error) => void): Promise<() => void> {
    this.record('watchChanges', [filter])
    const unwatch = this.engine.watch({ filter: { ...filter }, onChange })
    const sub = { unwatch, onEnd }
    this.subscriptions.add(sub)
    return () => {
      this.subscriptions.delete(sub)
      unwatch()
    }
  }

  private record(method: string, args: unknown[]): void {
    if (this.recordCalls) this.calls.push({ method, args })
    if (!this.available) throw new RuntimeUnavailableError(`fake runtime is unavailable (${method})`)
  }

  private newId(): string {
    // 64 hex digits like Docker's, counting up: deterministic.
    return (this.engine.nextId++).toString(16).padStart(64, '0')
  }

  async version(): Promise<string> {
    this.record('version', [])
    return FAKE_VERSION
  }

  // ---- images ----

  async imagePresent(image: string): Promise<boolean> {
    this.record('imagePresent', [image])
    return this.engine.images.has(normalizeImage(image))
  }

  async pullImage(image: string, onProgress?: (line: string) => void): Promise<void> {
    this.record('pullImage', [image])
    const name = normalizeImage(image)
    if (this.failPulls.has(name)) {
      throw new ImagePullError(image, `pulling ${image}: fake pull failure (image listed in failPulls)`)
    }
    onProgress?.(`Pulling from ${name}`)
    this.engine.images.add(name)
    onProgress?.(`Status: Downloaded newer image for ${name}`)
  }

  async imageId(image: string): Promise<string> {
    this.record('imageId', [image])
    const name = normalizeImage(image)
    if (!this.engine.images.has(name)) throw new Error(`no such image: ${image}`)
    return fakeImageId(name)
  }

  // ---- sandboxes ----

  async runSandbox(spec: SandboxSpec): Promise<SandboxInfo> {
    this.record('runSandbox', [spec])
    for (const sb of this.engine.sandboxesOf({ podUid: spec.podUid })) {
      if (sb.spec.attempt === spec.attempt) return this.sandboxInfo(sb)
    }
    if (!this.engine.images.has(normalizeImage(spec.image))) {
      throw new ContainerCreateError(`creating sandbox of pod ${spec.podNamespace}/${spec.podName}: no such image: ${spec.image}`)
    }
    // Host ports are the only thing sandboxes share: only a pod that asks for one looks at the others.
    if (spec.portMappings.length) for (const other of this.engine.sandboxes.values()) {
      if (other.state !== 'ready') continue
      for (const pm of spec.portMappings) {
        if (other.spec.portMappings.some(o => o.hostPort === pm.hostPort && o.protocol === pm.protocol && (o.hostIp || '127.0.0.1') === (pm.hostIp || '127.0.0.1'))) {
          throw new ContainerCreateError(`starting sandbox of pod ${spec.podNamespace}/${spec.podName}: host port ${pm.hostPort}/${pm.protocol} is already allocated`)
        }
      }
    }
    const sb: FakeSandbox = {
      id: this.newId(),
      spec: jsonClone(spec),
      ip: spec.hostNetwork ? '' : this.nextIp(),
      state: 'ready',
      createdAt: this.now(),
    }
    this.engine.addSandbox(sb)
    this.engine.changed(sb.spec.podUid, sb.spec.node)
    return this.sandboxInfo(sb)
  }

  /** 10.244.x.y, y in 2..254, in order: unique for 64k sandboxes. */
  private nextIp(): string {
    const n = this.engine.nextIp++
    return `10.244.${Math.floor(n / 253) % 256}.${(n % 253) + 2}`
  }

  async stopSandbox(id: string): Promise<void> {
    this.record('stopSandbox', [id])
    const sb = this.engine.sandboxes.get(id)
    if (!sb) return
    for (const c of this.engine.containersInSandbox(id)) this.stop(c, 0)
    sb.state = 'notready'
    sb.ip = ''
    this.engine.changed(sb.spec.podUid, sb.spec.node)
  }

  async removeSandbox(id: string): Promise<void> {
    this.record('removeSandbox', [id])
    const sb = this.engine.sandboxes.get(id)
    this.engine.deleteSandbox(id)
    if (sb) this.engine.changed(sb.spec.podUid, sb.spec.node)
  }

  async listSandboxes(filter: ListFilter = {}): Promise<SandboxInfo[]> {
    this.record('listSandboxes', [filter])
    return [...this.engine.sandboxesOf(filter)].map(sb => this.sandboxInfo(sb))
  }

  private sandboxInfo(sb: FakeSandbox): SandboxInfo {
    return {
      id: sb.id,
      podUid: sb.spec.podUid,
      podName: sb.spec.podName,
      podNamespace: sb.spec.podNamespace,
      node: sb.spec.node,
      attempt: sb.spec.attempt,
      state: sb.state,
      ip: sb.ip,
      createdAt: new Date(sb.createdAt),
    }
  }

  // ---- containers ----

  async createContainer(sandbox: SandboxInfo, spec: ContainerSpec): Promise<string> {
    this.record('createContainer', [sandbox, spec])
    const sb = this.engine.sandboxes.get(sandbox.id)
    if (!sb) throw new ContainerCreateError(`sandbox ${sandbox.id} of pod ${sandbox.podNamespace}/${sandbox.podName} does not exist`)
    if (!this.engine.images.has(normalizeImage(spec.image))) {
      throw new ContainerCreateError(`creating container ${spec.name} of pod ${sandbox.podNamespace}/${sandbox.podName}: no such image: ${spec.image}`)
    }
    for (const c of this.engine.containersOf({ podUid: sandbox.podUid })) {
      if (c.spec.name === spec.name && c.spec.attempt === spec.attempt) {
        throw new ContainerCreateError(`creating container ${spec.name} of pod ${sandbox.podNamespace}/${sandbox.podName}: attempt ${spec.attempt} exists`)
      }
    }
    const argv = [...(spec.command ?? []), ...(spec.args ?? [])]
    const exit = parseFakeExit(argv[0])
    const c: FakeContainer = {
      id: this.newId(),
      sandboxId: sb.id,
      sandbox: this.sandboxInfo(sb),
      spec: jsonClone(spec),
      createdAt: this.now(),
      exitCode: exit,
      cannotRun: argv[0] === 'fake-cannot-run',
      printed: exit === undefined ? [] : argv.slice(1),
    }
    this.engine.addContainer(c)
    return c.id
  }

  async startContainer(id: string): Promise<void> {
    this.record('startContainer', [id])
    const c = this.mustGet(id)
    if (c.startCalledAt !== undefined || c.startFailedAt !== undefined) return // started before: Docker answers 304
    if (c.cannotRun) {
      c.startFailedAt = this.now()
      throw new ContainerCreateError(`starting container ${id}: ${CANNOT_RUN_MESSAGE}`)
    }
    c.startCalledAt = this.now()
    this.engine.changed(c.sandbox.podUid, c.sandbox.node)
    // Running (or exited, for fake-exit) only later: reported when that happens.
    if (this.startDelayMs > 0 && this.realClock) setTimeout(() => this.engine.changed(c.sandbox.podUid, c.sandbox.node), this.startDelayMs + 1).unref()
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    this.record('stopContainer', [id, graceSeconds])
    const c = this.engine.containers.get(id)
    if (c) this.stop(c, graceSeconds)
  }

  private stop(c: FakeContainer, graceSeconds: number): void {
    const state = this.stateOf(c)
    if (state.state === 'running') c.stopped = { at: this.now(), exitCode: graceSeconds > 0 ? 143 : 137 }
    else if (state.state === 'created' && c.startCalledAt !== undefined) {
      // Stopped while still starting: it never ran.
      c.stopped = { at: this.now(), exitCode: 137 }
    } else return
    this.engine.changed(c.sandbox.podUid, c.sandbox.node)
  }

  async removeContainer(id: string): Promise<void> {
    this.record('removeContainer', [id])
    const c = this.engine.containers.get(id)
    this.engine.deleteContainer(id)
    if (c) this.engine.changed(c.sandbox.podUid, c.sandbox.node)
  }

  async listContainers(filter: ListFilter = {}): Promise<ContainerInfo[]> {
    this.record('listContainers', [filter])
    return [...this.engine.containersOf(filter)].map(c => this.containerInfo(c))
  }

  /** Where a container is now, computed from the clock. */
  private stateOf(c: FakeContainer): { state: ContainerInfo['state']; startedAt?: number; finishedAt?: number; exitCode?: number } {
    if (c.startCalledAt === undefined) return { state: 'created' }
    const runningAt = c.startCalledAt + this.startDelayMs
    if (c.stopped && c.stopped.at < runningAt) return { state: 'exited', finishedAt: c.stopped.at, exitCode: c.stopped.exitCode }
    const now = this.now()
    if (now < runningAt) return { state: 'created' }
    if (c.exitCode !== undefined) return { state: 'exited', startedAt: runningAt, finishedAt: runningAt, exitCode: c.exitCode }
    if (c.stopped) return { state: 'exited', startedAt: runningAt, finishedAt: c.stopped.at, exitCode: c.stopped.exitCode }
    return { state: 'running', startedAt: runningAt }
  }

  private containerInfo(c: FakeContainer): ContainerInfo {
    if (c.startFailedAt !== undefined) {
      const at = new Date(c.createdAt)
      return {
        id: c.id,
        podUid: c.sandbox.podUid,
        sandboxId: c.sandboxId,
        name: c.spec.name,
        attempt: c.spec.attempt,
        image: c.spec.image,
        imageId: fakeImageId(normalizeImage(c.spec.image)),
        state: 'exited',
        createdAt: at,
        startedAt: at,
        finishedAt: at,
        exitCode: 128,
        reason: 'ContainerCannotRun',
        message: CANNOT_RUN_MESSAGE,
      }
    }
    const s = this.stateOf(c)
    const info: ContainerInfo = {
      id: c.id,
      podUid: c.sandbox.podUid,
      sandboxId: c.sandboxId,
      name: c.spec.name,
      attempt: c.spec.attempt,
      image: c.spec.image,
      imageId: fakeImageId(normalizeImage(c.spec.image)),
      state: s.state,
      createdAt: new Date(c.createdAt),
    }
    if (s.startedAt !== undefined) info.startedAt = new Date(s.startedAt)
    if (s.state === 'exited') {
      info.finishedAt = new Date(s.finishedAt!)
      info.exitCode = s.exitCode
      info.reason = s.exitCode === 0 ? 'Completed' : 'Error'
    }
    return info
  }

  private mustGet(id: string): FakeContainer {
    const c = this.engine.containers.get(id)
    if (!c) throw new Error(`no such container: ${id}`)
    return c
  }

  // ---- exec and logs ----

  async execSync(id: string, command: string[], timeoutSeconds: number): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    this.record('execSync', [id, command, timeoutSeconds])
    const c = this.mustGet(id)
    if (this.stateOf(c).state !== 'running') throw new Error(`container ${id} is not running`)
    if (command[0] === 'fake-hang') {
      if (!(timeoutSeconds > 0)) await new Promise(() => {}) // no limit: it never answers
      await new Promise(resolve => setTimeout(resolve, timeoutSeconds * 1000))
      return { exitCode: -1, stdout: '', stderr: `command timed out after ${timeoutSeconds}s` }
    }
    return { exitCode: parseFakeExit(command[0]) ?? 0, stdout: `${command.join(' ')}\n`, stderr: '' }
  }

  async logs(id: string, opts: LogOptions): Promise<Readable> {
    this.record('logs', [id, opts])
    const c = this.mustGet(id)
    const format = (l: { at: number; text: string }) => `${opts.timestamps ? `${new Date(l.at).toISOString()} ` : ''}${l.text}\n`
    let lines = this.logLines(c)
    if (opts.sinceSeconds !== undefined && opts.sinceSeconds > 0) {
      const since = this.now() - opts.sinceSeconds * 1000
      lines = lines.filter(l => l.at >= since)
    }
    if (opts.tailLines !== undefined && opts.tailLines >= 0) lines = lines.slice(Math.max(0, lines.length - opts.tailLines))
    const text = lines.map(format).join('')
    if (!opts.follow || this.stateOf(c).state === 'exited') return limitBytes(Readable.from(text ? [Buffer.from(text)] : []), opts.limitBytes)
    // A follower stays open until the container exits or is removed, and gets the lines of a start that happens
    // meanwhile (a container still within startDelayMs).
    const out = new Readable({ read() {} })
    if (text) out.push(Buffer.from(text))
    let seen = this.logLines(c).length
    const timer = setInterval(() => {
      const fresh = this.logLines(c).slice(seen)
      seen += fresh.length
      if (fresh.length) out.push(Buffer.from(fresh.map(format).join('')))
      if (!this.engine.containers.has(id) || this.stateOf(c).state === 'exited') {
        clearInterval(timer)
        out.push(null)
      }
    }, 20)
    out.on('close', () => clearInterval(timer))
    return limitBytes(out, opts.limitBytes)
  }

  async exec(id: string, opts: ExecOptions): Promise<StreamSession> {
    this.record('exec', [id, opts])
    const c = this.mustGet(id)
    if (this.stateOf(c).state !== 'running') throw new Error(`container ${id} is not running`)
    const stdout = new PassThrough()
    const stderr = opts.tty ? undefined : new PassThrough()
    const first = opts.command[0] ?? ''
    let code = parseFakeExit(first) ?? 0
    const hang = first === 'fake-hang'
    if (first === 'fake-not-found') {
      code = 127
      ;(stderr ?? stdout).write('fake: executable file not found\n')
    } else stdout.write(`${opts.command.join(' ')}\n`)
    let stdin: PassThrough | undefined
    if (opts.stdin) {
      stdin = new PassThrough()
      stdin.pipe(stdout, { end: !hang })
    } else if (!hang) stdout.end()
    if (!hang) stderr?.end()
    let closed = false
    const exitCode = new Promise<number>(resolve => {
      stdout.once('end', () => resolve(closed ? 137 : code))
      stdout.once('close', () => resolve(closed ? 137 : code))
    })
    return {
      stdin,
      stdout,
      stderr,
      resize: async (w, h) => {
        this.calls.push({ method: 'resize', args: [id, w, h] })
      },
      exitCode,
      close() {
        closed = true
        stdin?.destroy()
        stdout.destroy()
        stderr?.destroy()
      },
    }
  }

  async attach(id: string, opts: AttachOptions): Promise<StreamSession> {
    this.record('attach', [id, opts])
    const c = this.mustGet(id)
    if (this.stateOf(c).state !== 'running') throw new Error(`container ${id} is not running`)
    const stdout = new PassThrough()
    const stderr = opts.tty ? undefined : new PassThrough()
    stdout.write('fake attach\n')
    let stdin: PassThrough | undefined
    if (opts.stdin) {
      stdin = new PassThrough()
      stdin.pipe(stdout, { end: false })
    }
    const finish = () => {
      clearInterval(timer)
      stdin?.unpipe(stdout)
      if (!stdout.writableEnded) stdout.end()
      if (stderr && !stderr.writableEnded) stderr.end()
    }
    const timer = setInterval(() => {
      if (!this.engine.containers.has(id) || this.stateOf(c).state !== 'running') finish()
    }, 20)
    const exitCode = new Promise<number>(resolve => {
      stdout.once('end', () => resolve(0))
      stdout.once('close', () => resolve(0))
    })
    return {
      stdin,
      stdout,
      stderr,
      resize: async (w, h) => {
        this.calls.push({ method: 'resize', args: [id, w, h] })
      },
      exitCode,
      close() {
        clearInterval(timer)
        stdin?.destroy()
        stdout.destroy()
        stderr?.destroy()
      },
    }
  }

  async portForward(sandbox: SandboxInfo, port: number, opts: PortForwardOptions): Promise<Duplex> {
    this.record('portForward', [sandbox.id, port, opts])
    const sb = this.engine.sandboxes.get(sandbox.id)
    if (!sb || sb.state !== 'ready') throw new Error(`sandbox ${sandbox.id} is not ready`)
    return new PassThrough()
  }

  /** What a container has "printed": a line when it started, then its `fake-exit:` lines, all at its start time. */
  private logLines(c: FakeContainer): { at: number; text: string }[] {
    const startedAt = this.stateOf(c).startedAt
    if (startedAt === undefined) return []
    return [`fake container ${c.spec.name} started`, ...c.printed].map(text => ({ at: startedAt, text }))
  }
}

/** `fake-exit:<code>` → code. */
function parseFakeExit(arg: string | undefined): number | undefined {
  const m = /^fake-exit:(-?\d+)$/.exec(arg ?? '')
  return m ? Number(m[1]) : undefined
}

/** `busybox` and `busybox:latest` are one image. */
function normalizeImage(image: string): string {
  if (image.includes('@')) return image
  const lastSlash = image.lastIndexOf('/')
  return image.slice(lastSlash + 1).includes(':') ? image : `${image}:latest`
}

/** Memoized: every container listing reports its image's ID, and hashing it each time showed in profiles. */
const imageIds = new Map<string, string>()

function fakeImageId(name: string): string {
  let id = imageIds.get(name)
  if (id === undefined) {
    id = `sha256:${createHash('sha256').update(name).digest('hex')}`
    if (imageIds.size < 10_000) imageIds.set(name, id)
  }
  return id
}
