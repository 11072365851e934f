/**
 * A deliberately small HTTP client for tests that talk to the API server as any outside client would:
 * plain fetch(), JSON in and out, and watch streams read line by line. No kubebox code is involved, so a
 * test written with it can not share a bug with the server.
 */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { waitFor } from './kubectl.ts'

export interface ApiResponse {
  status: number
  contentType: string
  /** The parsed JSON body (undefined when empty, the raw text when not JSON). */
  body: any
}

export interface RequestOptions {
  /** Content-Type of the body (default application/json); patches name their type here. */
  contentType?: string
  accept?: string
}

/** One request; never throws on HTTP errors (tests assert on the status). */
export async function api(baseUrl: string, method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json'
  if (opts.accept) headers.accept = opts.accept
  const res = await fetch(baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  let parsed: any = undefined
  if (text) {
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = text
    }
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: parsed }
}

/** Asserts a status code, showing the body when it is not the one expected. */
export function expectStatus(res: ApiResponse, code: number, what = ''): void {
  assert.equal(res.status, code, `${what ? what + ': ' : ''}expected HTTP ${code}, got ${res.status}: ${JSON.stringify(res.body)}`)
}

/** Asserts a metav1.Status failure body with this code and reason; returns its details. */
export function expectFailure(res: ApiResponse, code: number, reason: string, what = ''): any {
  expectStatus(res, code, what)
  assert.equal(res.body?.kind, 'Status', `${what}: body is not a Status: ${JSON.stringify(res.body)}`)
  assert.equal(res.body.apiVersion, 'v1')
  assert.equal(res.body.status, 'Failure')
  assert.equal(res.body.code, code)
  assert.equal(res.body.reason, reason, `${what}: ${res.body.message}`)
  assert.equal(typeof res.body.message, 'string')
  return res.body.details ?? {}
}

/** Polls `check` every 20 ms until it returns a truthy value (or the deadline passes, which fails the test). */
export function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  return waitFor(what, check, { timeoutMs, intervalMs: 20 })
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'
  object: any
}

/** A `?watch=1` stream: every event is kept in `events`; `next()` walks them in order. */
export class WatchStream {
  readonly events: WatchEvent[] = []
  ended = false
  private cursor = 0
  private constructor(
    private readonly abort: AbortController,
    readonly status: number,
  ) {}

  /** Opens a watch; `path` must already carry `watch=1` (or be a /watch/ path) and any other parameters. */
  static async open(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<WatchStream> {
    const abort = new AbortController()
    const res = await fetch(baseUrl + path, { signal: abort.signal, headers })
    const stream = new WatchStream(abort, res.status)
    if (res.status !== 200) {
      const text = await res.text()
      abort.abort()
      assert.fail(`watch ${path} answered ${res.status}: ${text}`)
    }
    void stream.pump(res.body!)
    return stream
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder()
    let buffered = ''
    try {
      for await (const chunk of body) {
        buffered += decoder.decode(chunk, { stream: true })
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          const line = buffered.slice(0, nl).trim()
          buffered = buffered.slice(nl + 1)
          if (line) this.events.push(JSON.parse(line))
        }
      }
    } catch {
      // aborted by close(), or the server went away: either way the stream is over
    } finally {
      this.ended = true
    }
  }

  /** The next event not yet returned (BOOKMARKs skipped), waiting up to `timeoutMs`. */
  async next(timeoutMs = 5000): Promise<WatchEvent> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      while (this.cursor < this.events.length) {
        const ev = this.events[this.cursor++]!
        if (ev.type !== 'BOOKMARK') return ev
      }
      if (this.ended) assert.fail(`watch ended while waiting for an event; saw ${this.describe()}`)
      if (Date.now() > deadline) assert.fail(`no watch event within ${timeoutMs} ms; saw ${this.describe()}`)
      await sleep(5)
    }
  }

  /** Events until (and including) the first one `done` accepts. */
  async until(done: (ev: WatchEvent) => boolean, timeoutMs = 10_000): Promise<WatchEvent[]> {
    const deadline = Date.now() + timeoutMs
    const seen: WatchEvent[] = []
    for (;;) {
      const ev = await this.next(Math.max(1, deadline - Date.now()))
      seen.push(ev)
      if (done(ev)) return seen
    }
  }

  /** Asserts that no (non-BOOKMARK) event arrives within `ms`. */
  async expectQuiet(ms = 300): Promise<void> {
    await sleep(ms)
    const rest = this.events.slice(this.cursor).filter((e) => e.type !== 'BOOKMARK')
    assert.deepEqual(rest.map(summary), [], 'unexpected watch events')
  }

  describe(): string {
    return `[${this.events.map(summary).join(', ')}]`
  }

  close(): void {
    this.abort.abort()
  }
}

const summary = (e: WatchEvent) => `${e.type} ${e.object?.metadata?.name ?? e.object?.message ?? ''}@${e.object?.metadata?.resourceVersion ?? ''}`
