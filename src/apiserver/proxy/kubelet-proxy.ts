/**
 * The API server's side of the connect subresources (pods/log, exec, attach, portforward), as kube-apiserver's
 * proxy to the kubelet: the stored object says which node and which kubelet path (SubresourceDefinition.connect),
 * the Node object says where that kubelet listens (its InternalIP and status.daemonEndpoints.kubeletEndpoint.Port),
 * and the request goes there. A plain request (logs) is proxied as a streamed HTTP response; an upgrade
 * (WebSocket, SPDY) is spliced: the request line and headers are written to the kubelet as they came, then the
 * two sockets are piped together, so every streaming protocol is spoken once, by the kubelet.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { connect as netConnect, type Socket } from 'node:net'
import type { Context } from 'koa'
import type { KubeObject } from '../../api/meta.ts'
import { ApiError, serviceUnavailable } from '../../errors/api-error.ts'
import { toStatus } from '../../errors/to-status.ts'
import type { Logger } from '../../log/logger.ts'
import type { ConnectLocation } from '../registry/resource-definition.ts'

/** Where a node's kubelet listens. */
export interface KubeletAddress {
  host: string
  port: number
}

/** How long connecting to a kubelet may take before the request fails with 503. */
const DIAL_TIMEOUT_MS = 10_000

/** The kubelet endpoint a Node reports: its InternalIP (else Hostname) and status.daemonEndpoints.kubeletEndpoint.Port. */
export function kubeletAddress(node: KubeObject): KubeletAddress {
  const addresses: { type?: string; address?: string }[] = node.status?.addresses ?? []
  const host = addresses.find((a) => a.type === 'InternalIP')?.address ?? addresses.find((a) => a.type === 'Hostname')?.address
  const port = Number(node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0)
  if (!host || !(port > 0)) throw serviceUnavailable(`the kubelet of node "${node.metadata.name}" reports no endpoint`)
  return { host, port }
}

export class KubeletProxy {
  /** Spliced connections (the HTTP server no longer tracks an upgraded socket), closed by closeAll(). */
  private readonly spliced = new Set<Socket>()

  constructor(
    /** The Node of a name (through the API server's own registry); rejects when there is none. */
    private readonly getNode: (name: string) => Promise<KubeObject>,
    private readonly log: Logger,
  ) {}

  /** Drops every spliced connection (the API server stops). */
  closeAll(): void {
    for (const socket of this.spliced) socket.destroy()
    this.spliced.clear()
  }

  async locate(location: ConnectLocation): Promise<KubeletAddress> {
    let node: KubeObject
    try {
      node = await this.getNode(location.node)
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) throw serviceUnavailable(`the kubelet of node "${location.node}" can not be reached: the node does not exist`)
      throw err
    }
    return kubeletAddress(node)
  }

  /** A plain request (logs): the kubelet's answer streamed back, status and body as they are. */
  async proxyRequest(koa: Context, location: ConnectLocation): Promise<void> {
    const target = await this.locate(location)
    const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest({ host: target.host, port: target.port, path: location.path, method: koa.method === 'HEAD' ? 'HEAD' : 'GET', headers: { accept: koa.get('accept') || '*/*' }, timeout: DIAL_TIMEOUT_MS })
      req.once('response', resolve)
      req.once('timeout', () => req.destroy(new Error('timed out')))
      req.once('error', (err) => reject(serviceUnavailable(`error dialing backend: ${err.message}`)))
      req.end()
    })
    upstream.socket?.setTimeout(0)
    koa.status = upstream.statusCode ?? 502
    const type = upstream.headers['content-type']
    if (type) koa.type = type
    koa.set('Cache-Control', 'no-cache, private')
    koa.body = upstream // koa destroys it when the client leaves, which closes the kubelet connection
  }

  /**
   * An upgrade request: resolved with `resolve` (which throws ApiError before anything is sent), then the raw
   * request is replayed to the kubelet and the sockets are joined. Errors before the join answer with a Status.
   */
  async proxyUpgrade(req: IncomingMessage, socket: Socket, head: Buffer, resolve: () => Promise<ConnectLocation>): Promise<void> {
    socket.on('error', () => {})
    let upstream: Socket | undefined
    try {
      const location = await resolve()
      const target = await this.locate(location)
      upstream = await dial(target)
      const lines = [`${req.method} ${location.path} HTTP/1.1`, `Host: ${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`]
      for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() !== 'host') lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`)
      if (head.length) upstream.write(head)
    } catch (err) {
      upstream?.destroy()
      const { status, isBug } = toStatus(err)
      if (isBug) this.log.error({ err, url: req.url }, 'internal error')
      return writeStatus(socket, status.code, JSON.stringify(status))
    }
    const up = upstream
    this.spliced.add(socket)
    socket.once('close', () => this.spliced.delete(socket))
    up.setNoDelay(true)
    socket.setNoDelay(true)
    up.on('error', () => socket.destroy())
    socket.on('close', () => up.destroy())
    up.on('close', () => socket.destroy())
    socket.pipe(up)
    up.pipe(socket)
  }
}

function dial(target: KubeletAddress): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: target.host, port: target.port })
    const timer = setTimeout(() => socket.destroy(new Error('timed out')), DIAL_TIMEOUT_MS)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      resolve(socket)
    })
    socket.once('error', (err) => {
      clearTimeout(timer)
      reject(serviceUnavailable(`error dialing backend: dial tcp ${target.host}:${target.port}: ${err.message}`))
    })
  })
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 500: 'Internal Server Error', 503: 'Service Unavailable' }

/** A whole HTTP answer on a raw socket (an upgrade that did not happen). */
export function writeStatus(socket: Socket, code: number, body: string): void {
  if (!socket.writable) return
  socket.end(`HTTP/1.1 ${code} ${REASONS[code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
}
