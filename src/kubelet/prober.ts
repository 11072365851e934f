import { connect } from 'node:net'
import type { ContainerRuntime } from './runtime/container-runtime.ts'

export interface ProbeTarget {
  containerId: string
  /** The pod's IP (the sandbox's address on the engine's network). */
  podIP: string
}

export type ProbeOutcome = { ok: true } | { ok: false; message: string }

/** Runs one probe of a container (exec, httpGet, tcpSocket; grpc is reported as unsupported). */
export interface Prober {
  run(probe: any, target: ProbeTarget, containerPorts: any[]): Promise<ProbeOutcome>
}

/** A named port (`http`) or a number. */
function resolvePort(port: unknown, containerPorts: any[]): number {
  if (typeof port === 'number') return port
  const named = containerPorts.find((p) => p.name === port)
  if (named) return named.containerPort
  const n = Number(port)
  if (Number.isInteger(n)) return n
  throw new Error(`unknown port ${String(port)}`)
}

/**
 * The real prober: exec through the runtime; httpGet and tcpSocket dial the pod's own IP (a container our
 * engine started), as the kubelet does — never any other address.
 */
export class NetworkProber implements Prober {
  constructor(private readonly runtime: ContainerRuntime) {}

  async run(probe: any, target: ProbeTarget, containerPorts: any[]): Promise<ProbeOutcome> {
    const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000
    try {
      if (probe.exec) {
        const r = await this.runtime.execSync(target.containerId, probe.exec.command ?? [], probe.timeoutSeconds ?? 1)
        return r.exitCode === 0 ? { ok: true } : { ok: false, message: `command ${JSON.stringify(probe.exec.command)} exited with ${r.exitCode}: ${(r.stdout + r.stderr).trim().slice(0, 200)}` }
      }
      if (!target.podIP) return { ok: false, message: 'the pod has no IP yet' }
      if (probe.httpGet) {
        const port = resolvePort(probe.httpGet.port, containerPorts)
        const scheme = (probe.httpGet.scheme ?? 'HTTP').toLowerCase()
        const path = probe.httpGet.path ?? '/'
        const headers = Object.fromEntries((probe.httpGet.httpHeaders ?? []).map((h: any) => [h.name, h.value]))
        const res = await fetch(`${scheme}://${target.podIP}:${port}${path.startsWith('/') ? path : '/' + path}`, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' })
        await res.body?.cancel()
        return res.status >= 200 && res.status < 400 ? { ok: true } : { ok: false, message: `HTTP probe failed with statuscode: ${res.status}` }
      }
      if (probe.tcpSocket) {
        const port = resolvePort(probe.tcpSocket.port, containerPorts)
        await new Promise<void>((resolve, reject) => {
          const socket = connect({ host: target.podIP, port, timeout: timeoutMs })
          socket.once('connect', () => (socket.destroy(), resolve()))
          socket.once('timeout', () => (socket.destroy(), reject(new Error('timeout'))))
          socket.once('error', reject)
        })
        return { ok: true }
      }
      return { ok: false, message: 'unsupported probe type' }
    } catch (err) {
      return { ok: false, message: (err as Error).message }
    }
  }
}

/** The fake runtime's prober: exec goes to the fake runtime; network probes succeed (its pod IPs are not real). */
export class FakeProber implements Prober {
  constructor(private readonly runtime: ContainerRuntime) {}

  async run(probe: any, target: ProbeTarget): Promise<ProbeOutcome> {
    if (probe.exec) {
      const r = await this.runtime.execSync(target.containerId, probe.exec.command ?? [], probe.timeoutSeconds ?? 1)
      return r.exitCode === 0 ? { ok: true } : { ok: false, message: `exit code ${r.exitCode}` }
    }
    return { ok: true }
  }
}
