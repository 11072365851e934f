import type { DeleteOptions, KubeObject, Status } from '../api/meta.ts'
import { ApiError } from '../errors/api-error.ts'
import type { ApiClient, ClientListOptions, ClientWatch, PatchType, ResourceId, ResourceInfo, WatchHandler } from './api-client.ts'

export interface HttpClientOptions {
  /** The API server's URL, e.g. http://127.0.0.1:6443 */
  server: string
  /** A bearer token, if the server wants one. */
  token?: string
  /** The user agent the server logs. */
  userAgent?: string
}

/**
 * The ApiClient over HTTP, for components in another process or on another machine (`cluster agent`).
 * Speaks the same JSON API as kubectl; failures come back as ApiError with the server's Status.
 */
export class HttpClient implements ApiClient {
  private readonly base: string
  private readonly headers: Record<string, string>

  constructor(opts: HttpClientOptions) {
    this.base = opts.server.replace(/\/+$/, '')
    this.headers = { 'User-Agent': opts.userAgent ?? 'kubebox' }
    if (opts.token) this.headers.Authorization = `Bearer ${opts.token}`
  }

  private path(r: ResourceId, namespace?: string, name?: string, subresource?: string): string {
    let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`
    if (namespace) p += `/namespaces/${encodeURIComponent(namespace)}`
    p += `/${r.resource}`
    if (name) p += `/${encodeURIComponent(name)}`
    if (subresource) p += `/${subresource}`
    return p
  }

  private async request(method: string, path: string, body?: unknown, contentType = 'application/json', signal?: AbortSignal): Promise<any> {
    let res: Response
    try {
      res = await fetch(this.base + path, {
        method,
        headers: { ...this.headers, Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': contentType } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal,
      })
    } catch (err) {
      throw new ApiError(503, 'ServiceUnavailable', `the API server at ${this.base} can not be reached: ${(err as Error).message}`)
    }
    const text = await res.text()
    const parsed = text ? safeJson(text) : undefined
    if (!res.ok) throw errorFrom(res.status, parsed, text)
    return parsed
  }

  async discover(): Promise<ResourceInfo[]> {
    const out: ResourceInfo[] = []
    const core = await this.request('GET', '/api/v1')
    const groups = await this.request('GET', '/apis')
    const lists: { group: string; version: string; doc: any }[] = [{ group: '', version: 'v1', doc: core }]
    for (const g of groups.groups ?? [])
      for (const v of g.versions ?? []) lists.push({ group: g.name, version: v.version, doc: await this.request('GET', `/apis/${g.name}/${v.version}`) })
    for (const { group, version, doc } of lists)
      for (const r of doc.resources ?? [])
        if (!r.name.includes('/')) out.push({ group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs })
    return out
  }

  get(r: ResourceId, namespace: string, name: string): Promise<KubeObject> {
    return this.request('GET', this.path(r, namespace, name))
  }

  async list(r: ResourceId, opts: ClientListOptions = {}) {
    const list = await this.request('GET', this.path(r, opts.namespace) + query(opts))
    return { items: (list.items ?? []) as KubeObject[], resourceVersion: String(list.metadata?.resourceVersion ?? '') }
  }

  create(r: ResourceId, namespace: string, obj: KubeObject, subresource?: string): Promise<KubeObject> {
    if (subresource) return this.request('POST', this.path(r, namespace, obj.metadata.name, subresource), obj)
    return this.request('POST', this.path(r, namespace), obj)
  }

  update(r: ResourceId, namespace: string, obj: KubeObject, subresource?: string): Promise<KubeObject> {
    return this.request('PUT', this.path(r, namespace, obj.metadata.name, subresource), obj)
  }

  patch(r: ResourceId, namespace: string, name: string, type: PatchType, patch: unknown, subresource?: string): Promise<KubeObject> {
    return this.request('PATCH', this.path(r, namespace, name, subresource), patch, type)
  }

  delete(r: ResourceId, namespace: string, name: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    return this.request('DELETE', this.path(r, namespace, name), opts)
  }

  async deleteCollection(r: ResourceId, opts: ClientListOptions & DeleteOptions): Promise<void> {
    const { namespace, labelSelector, fieldSelector, ...deleteOptions } = opts
    await this.request('DELETE', this.path(r, namespace) + query({ labelSelector, fieldSelector }), deleteOptions)
  }

  async watch(r: ResourceId, opts: ClientListOptions & { resourceVersion?: string }, handler: WatchHandler): Promise<ClientWatch> {
    const abort = new AbortController()
    const params = query({ ...opts, watch: 'true', allowWatchBookmarks: 'true' })
    let res: Response
    try {
      res = await fetch(this.base + this.path(r, opts.namespace) + params, { headers: { ...this.headers, Accept: 'application/json' }, signal: abort.signal })
    } catch (err) {
      throw new ApiError(503, 'ServiceUnavailable', `the API server at ${this.base} can not be reached: ${(err as Error).message}`)
    }
    if (!res.ok || !res.body) {
      const text = await res.text()
      throw errorFrom(res.status, safeJson(text), text)
    }
    void this.readEvents(res.body, handler, abort.signal)
    return { close: () => abort.abort() }
  }

  /** Reads newline-delimited watch events until the stream ends; an ERROR event or a broken stream ends the watch. */
  private async readEvents(body: ReadableStream<Uint8Array>, handler: WatchHandler, signal: AbortSignal): Promise<void> {
    const decoder = new TextDecoder()
    let buffered = ''
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true })
        let nl: number
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim()
          buffered = buffered.slice(nl + 1)
          if (!line) continue
          const ev = JSON.parse(line)
          if (ev.type === 'ERROR') return handler.end(errorFrom(ev.object?.code ?? 500, ev.object, line))
          if (ev.type === 'BOOKMARK') continue
          handler.event(ev.type, ev.object)
        }
      }
      if (!signal.aborted) handler.end(new ApiError(504, 'Timeout', 'the watch stream ended'))
    } catch (err) {
      if (!signal.aborted) handler.end(err instanceof Error ? err : new Error(String(err)))
    }
  }
}

/** The query string of list/watch options (the namespace is in the path, not here). */
function query(params: object): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (typeof v === 'string' && v !== '' && k !== 'namespace') q.set(k, v)
  const s = q.toString()
  return s ? `?${s}` : ''
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The ApiError a failed response stands for: the server's Status when it sent one. */
function errorFrom(code: number, body: unknown, text: string): ApiError {
  const status = body as Status | undefined
  if (status?.kind === 'Status') return new ApiError(status.code || code, status.reason ?? 'Unknown', status.message ?? text, status.details)
  return new ApiError(code, 'Unknown', text || `HTTP ${code}`)
}
