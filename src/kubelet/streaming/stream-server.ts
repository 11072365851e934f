/**
 * The kubelet's streaming endpoint: a small HTTP server (on the node's address, its own port, reported in the
 * Node's status.daemonEndpoints.kubeletEndpoint.Port) that the API server proxies pods/log, exec, attach and
 * portforward to, as kube-apiserver does to a real kubelet. Every protocol is handled here, once:
 *
 *   GET  /containerLogs/{namespace}/{pod}/{container}?follow&tailLines&timestamps&previous&sinceSeconds&sinceTime&limitBytes
 *   GET|POST /exec/{namespace}/{pod}/{container}?command=…&stdin&stdout&stderr&tty     (upgrade)
 *   GET|POST /attach/{namespace}/{pod}/{container}?stdin&stdout&stderr&tty             (upgrade)
 *   GET|POST /portForward/{namespace}/{pod}[?ports=…]                                  (upgrade)
 *
 * Upgrades: WebSocket (`v5.channel.k8s.io`, `v4.channel.k8s.io`, base64 and legacy variants; port-forward also
 * `SPDY/3.1+portforward.k8s.io`, SPDY tunnelled in WebSocket messages) and SPDY/3.1 (`X-Stream-Protocol-Version`
 * negotiation). Errors before an upgrade are metav1.Status JSON bodies with the HTTP code.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import type { KubeObject } from '../../api/meta.ts'
import { ApiError, badRequest } from '../../errors/api-error.ts'
import { statusOf } from '../../errors/to-status.ts'
import type { Logger } from '../../log/logger.ts'
import { parseBool } from '../../util/bool.ts'
import type { ContainerRuntime, LogOptions } from '../runtime/container-runtime.ts'
import { liveSandbox, logContainerId, runningContainer } from './container-target.ts'
import { PORT_FORWARD_PROTOCOL, serveSpdyPortForward, serveWebSocketPortForward, type PortDialer } from './port-forward.ts'
import { serveRemoteCommand, type RemoteCommandRequest } from './remote-command.ts'
import { SpdySession } from './spdy/session.ts'
import { serveSpdyRemoteCommand, SPDY_REMOTE_COMMAND_PROTOCOLS, type StdioOptions } from './spdy-remote-command.ts'
import { statusText } from './stream-status.ts'
import { BASE64_CHANNEL, CHANNEL, channelSocket, SPDY_TUNNEL_PORT_FORWARD, V4_BASE64_CHANNEL, V4_CHANNEL, V5_CHANNEL, webSocketDuplex } from './websocket-channels.ts'

export interface StreamServerOptions {
  runtime: ContainerRuntime
  /** This node's pod of that namespace and name, as the kubelet currently knows it. */
  findPod(namespace: string, name: string): KubeObject | undefined
  /** The address to listen on (the node's address). */
  address: string
  /** 0 or absent: a free port. */
  port?: number
  /** The image of the helper that reaches into a pod's network namespace (runtime.portForward). */
  portForwardImage: string
  /** Labels for helper containers (owner labels). */
  containerLabels?: Record<string, string>
  log: Logger
}

const EXEC_WS_PROTOCOLS = [V5_CHANNEL, V4_CHANNEL, V4_BASE64_CHANNEL, CHANNEL, BASE64_CHANNEL]
const PORT_FORWARD_WS_PROTOCOLS = [SPDY_TUNNEL_PORT_FORWARD, V4_CHANNEL, V4_BASE64_CHANNEL, PORT_FORWARD_PROTOCOL, CHANNEL]
const CHOSEN = Symbol('chosen websocket protocol')

interface ContainerRoute {
  kind: 'containerLogs' | 'exec' | 'attach'
  namespace: string
  pod: string
  container: string
}
type Route = ContainerRoute | { kind: 'portForward'; namespace: string; pod: string }

function parseRoute(pathname: string): Route | undefined {
  const parts = pathname.split('/').filter(Boolean).map((p) => decodeURIComponent(p))
  const [kind, namespace, pod, container] = parts
  if ((kind === 'containerLogs' || kind === 'exec' || kind === 'attach') && parts.length === 4) return { kind, namespace, pod, container }
  if (kind === 'portForward' && parts.length === 3) return { kind, namespace, pod }
  return undefined
}

function bool(query: URLSearchParams, name: string): boolean {
  const v = parseBool(query.get(name) ?? undefined)
  if (v === undefined) throw badRequest(`invalid boolean value for ${name}: ${query.get(name)}`)
  return v
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name)
  if (raw === null || raw === '') return undefined
  if (!/^-?\d+$/.test(raw)) throw badRequest(`invalid value for ${name}: ${raw}`)
  return Number(raw)
}

/** Header values, whether sent as several lines or comma-separated. */
function headerList(req: IncomingMessage, name: string): string[] {
  const out: string[] = []
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    if (req.rawHeaders[i].toLowerCase() === name) out.push(...req.rawHeaders[i + 1].split(',').map((s) => s.trim()).filter(Boolean))
  return out
}

function isWebSocket(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket'
}

export class StreamServer {
  private server?: Server
  /**
   * The protocol is chosen here, not by ws: ws rejects `SPDY/3.1+portforward.k8s.io` (a '/' is no token character
   * in RFC 6455's grammar), so the offer is taken off the request and the answer put on the 101 ('headers').
   */
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })
  private readonly sockets = new Set<Socket>()
  private readonly log: Logger

  constructor(private readonly opts: StreamServerOptions) {
    this.log = opts.log.child({ component: 'stream-server' })
    this.wss.on('headers', (headers: string[], req: IncomingMessage) => {
      const chosen = (req as unknown as Record<symbol, string>)[CHOSEN]
      if (chosen) headers.push(`Sec-WebSocket-Protocol: ${chosen}`)
    })
  }

  /** Listens; resolves with the port. */
  async start(): Promise<number> {
    const server = createServer({ noDelay: true }, (req, res) => void this.onRequest(req, res))
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => void this.onUpgrade(req, socket, head))
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.once('close', () => this.sockets.delete(socket))
    })
    server.requestTimeout = 0
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.opts.port ?? 0, this.opts.address, () => resolve())
    })
    return (server.address() as AddressInfo).port
  }

  async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    for (const client of this.wss.clients) client.terminate()
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  private pod(namespace: string, name: string): KubeObject {
    const pod = this.opts.findPod(namespace, name)
    if (!pod) throw new ApiError(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' })
    return pod
  }

  // ---- plain requests: logs ----

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://kubelet')
      const route = parseRoute(url.pathname)
      if (!route) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource')
      if (route.kind !== 'containerLogs') throw badRequest('Upgrade request required')
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, 'MethodNotAllowed', 'only GET is allowed')
      await this.serveLogs(route, url.searchParams, req, res)
    } catch (err) {
      this.fail(res, err)
    }
  }

  private async serveLogs(route: ContainerRoute, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pod = this.pod(route.namespace, route.pod)
    const id = logContainerId(pod, route.container, bool(query, 'previous'))
    const opts: LogOptions = { follow: bool(query, 'follow'), timestamps: bool(query, 'timestamps'), tailLines: intParam(query, 'tailLines'), limitBytes: intParam(query, 'limitBytes') }
    const since = intParam(query, 'sinceSeconds')
    const sinceTime = query.get('sinceTime')
    if (since !== undefined) opts.sinceSeconds = since
    else if (sinceTime) {
      const at = Date.parse(sinceTime)
      if (Number.isNaN(at)) throw badRequest(`invalid sinceTime: ${sinceTime}`)
      opts.sinceSeconds = Math.max(1, Math.ceil((Date.now() - at) / 1000))
    }
    const stream = await this.opts.runtime.logs(id, opts)
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'X-Content-Type-Options': 'nosniff' })
    res.flushHeaders()
    if (req.method === 'HEAD') {
      stream.destroy()
      res.end()
      return
    }
    stream.pipe(res)
    stream.on('error', () => res.end())
    res.on('close', () => stream.destroy()) // the client left: stop following
  }

  private fail(res: ServerResponse, err: unknown): void {
    const status = err instanceof ApiError ? statusOf(err) : statusOf(new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`))
    if (!(err instanceof ApiError)) this.log.warn({ err: (err as Error).message }, 'streaming request failed')
    if (res.headersSent) {
      res.destroy()
      return
    }
    res.writeHead(status.code, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify(status))
  }

  // ---- upgrades: exec, attach, port-forward ----

  private async onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    socket.on('error', () => {})
    try {
      const url = new URL(req.url ?? '/', 'http://kubelet')
      const route = parseRoute(url.pathname)
      if (!route || route.kind === 'containerLogs') throw new ApiError(404, 'NotFound', 'the server could not find the requested resource')
      const pod = this.pod(route.namespace, route.pod)
      if (route.kind === 'portForward') {
        const sandbox = await liveSandbox(this.opts.runtime, pod)
        const dial: PortDialer = (port) => this.opts.runtime.portForward(sandbox, port, { image: this.opts.portForwardImage, labels: this.opts.containerLabels })
        return this.upgradePortForward(req, socket, head, url.searchParams, dial)
      }
      const query = url.searchParams
      const tty = bool(query, 'tty')
      const stdio: StdioOptions = { stdin: bool(query, 'stdin'), stdout: bool(query, 'stdout'), stderr: bool(query, 'stderr') && !tty, tty }
      if (!stdio.stdin && !stdio.stdout && !stdio.stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr')
      const command = query.getAll('command')
      if (route.kind === 'exec' && command.length === 0) throw badRequest('you must specify at least one command for the container')
      const container = await runningContainer(this.opts.runtime, pod, route.container)
      const runtime = this.opts.runtime
      const request: RemoteCommandRequest =
        route.kind === 'exec'
          ? { kind: 'exec', start: () => runtime.exec(container.id, { command, stdin: stdio.stdin, tty }) }
          : { kind: 'attach', start: () => runtime.attach(container.id, { stdin: stdio.stdin, tty }) }
      this.upgradeRemoteCommand(req, socket, head, stdio, request)
    } catch (err) {
      this.rejectUpgrade(socket, err)
    }
  }

  private upgradeRemoteCommand(req: IncomingMessage, socket: Socket, head: Buffer, stdio: StdioOptions, request: RemoteCommandRequest): void {
    if (isWebSocket(req)) {
      return this.acceptWebSocket(req, socket, head, EXEC_WS_PROTOCOLS, (ws, protocol) => {
        const ch = channelSocket(ws, protocol)
        const v4 = protocol === V5_CHANNEL || protocol.startsWith('v4.')
        // The readiness signal: an empty message on the lowest writable channel.
        void ch.send(stdio.stdout ? 1 : stdio.stderr ? 2 : 3, Buffer.alloc(0))
        void serveRemoteCommand(
          request,
          {
            stdin: stdio.stdin ? ch.input(0) : undefined,
            stdout: stdio.stdout ? ch.output(1) : undefined,
            stderr: stdio.stderr ? ch.output(2) : undefined,
            resize: stdio.tty ? ch.input(4) : undefined,
            writeStatus: async (status) => {
              const text = v4 ? JSON.stringify(status) : statusText(status)
              if (text) await ch.send(3, Buffer.from(text))
            },
            close: () => ch.close(),
            gone: ch.gone,
          },
          this.log,
        )
      })
    }
    const protocol = this.acceptSpdy(req, socket, SPDY_REMOTE_COMMAND_PROTOCOLS)
    if (protocol === undefined) return
    const session = this.spdySession(socket, head)
    serveSpdyRemoteCommand(session, protocol, stdio, request, this.log)
  }

  private upgradePortForward(req: IncomingMessage, socket: Socket, head: Buffer, query: URLSearchParams, dial: PortDialer): void {
    if (isWebSocket(req)) {
      const ports: number[] = []
      for (const value of query.getAll('ports'))
        for (const p of value.split(',')) {
          const port = Number(p)
          if (!/^\d+$/.test(p) || port < 1 || port > 65535) throw badRequest(`unable to parse "${p}" as a port`)
          ports.push(port)
        }
      const offered = headerList(req, 'sec-websocket-protocol')
      const tunnel = offered.length === 0 ? false : offered.find((p) => PORT_FORWARD_WS_PROTOCOLS.includes(p)) === SPDY_TUNNEL_PORT_FORWARD
      if (!tunnel && ports.length === 0) throw badRequest('query parameter "ports" is required')
      return this.acceptWebSocket(req, socket, head, PORT_FORWARD_WS_PROTOCOLS, (ws, protocol) => {
        if (protocol === SPDY_TUNNEL_PORT_FORWARD) serveSpdyPortForward(new SpdySession(webSocketDuplex(ws)), dial, this.log)
        else serveWebSocketPortForward(channelSocket(ws, protocol), ports, dial, this.log)
      })
    }
    if (this.acceptSpdy(req, socket, [PORT_FORWARD_PROTOCOL]) === undefined) return
    serveSpdyPortForward(this.spdySession(socket, head), dial, this.log)
  }

  /** Completes a WebSocket handshake with the first protocol the client offers that we speak. */
  private acceptWebSocket(req: IncomingMessage, socket: Socket, head: Buffer, supported: string[], then: (ws: WebSocket, protocol: string) => void): void {
    const offered = headerList(req, 'sec-websocket-protocol')
    const chosen = offered.find((p) => supported.includes(p))
    if (offered.length > 0 && !chosen) throw badRequest(`unable to upgrade: none of the requested protocols (${offered.join(', ')}) is supported: ${supported.join(', ')}`)
    ;(req as unknown as Record<symbol, string>)[CHOSEN] = chosen ?? ''
    delete req.headers['sec-websocket-protocol']
    this.log.debug({ url: req.url, transport: 'websocket', protocol: chosen ?? '' }, 'stream upgrade')
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {})
      then(ws, chosen ?? '')
    })
  }

  /** Answers a SPDY upgrade: 101 with the negotiated X-Stream-Protocol-Version, or 403 (httpstream.Handshake). */
  private acceptSpdy(req: IncomingMessage, socket: Socket, supported: string[]): string | undefined {
    if (!/^spdy\/3\.1$/i.test(req.headers.upgrade ?? '')) throw badRequest(`unsupported upgrade: ${req.headers.upgrade}`)
    const offered = headerList(req, 'x-stream-protocol-version')
    const chosen = offered.find((p) => supported.includes(p))
    if (!chosen) {
      const message = offered.length === 0 ? 'unable to upgrade: X-Stream-Protocol-Version is required' : `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${supported.join(' ')}]`
      const code = offered.length === 0 ? 400 : 403
      const body = `${message}\n`
      socket.end(
        `HTTP/1.1 ${code} ${code === 400 ? 'Bad Request' : 'Forbidden'}\r\nContent-Type: text/plain; charset=utf-8\r\n${supported.map((p) => `X-Accepted-Stream-Protocol-Versions: ${p}\r\n`).join('')}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      )
      return undefined
    }
    this.log.debug({ url: req.url, transport: 'spdy', protocol: chosen }, 'stream upgrade')
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${chosen}\r\n\r\n`)
    return chosen
  }

  private spdySession(socket: Socket, head: Buffer): SpdySession {
    socket.setNoDelay(true)
    const session = new SpdySession(socket as Duplex)
    if (head.length) session.feed(head)
    return session
  }

  /** A failure before the upgrade: the Status as an HTTP answer on the raw socket. */
  private rejectUpgrade(socket: Socket, err: unknown): void {
    const status = err instanceof ApiError ? statusOf(err) : statusOf(new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`))
    if (!(err instanceof ApiError)) this.log.warn({ err: (err as Error).message }, 'streaming upgrade failed')
    const body = JSON.stringify(status)
    if (!socket.writable) return
    socket.end(`HTTP/1.1 ${status.code} ${reasonPhrase(status.code)}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  }
}

export function reasonPhrase(code: number): string {
  return ({ 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 500: 'Internal Server Error', 503: 'Service Unavailable' } as Record<number, string>)[code] ?? 'Error'
}
