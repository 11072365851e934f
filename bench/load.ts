import http from 'node:http'

/** A keep-alive HTTP client for benchmarks: lower overhead than fetch, so the server is what is measured. */
export class BenchClient {
  private readonly agent: http.Agent
  private readonly host: string
  private readonly port: number

  constructor(baseUrl: string, concurrency: number) {
    const url = new URL(baseUrl)
    this.host = url.hostname
    this.port = Number(url.port)
    this.agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
  }

  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: this.host, port: this.port, method, path, agent: this.agent, headers: { Accept: 'application/json', ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}), ...headers } },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c) => chunks.push(c))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }))
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      if (payload) req.write(payload)
      req.end()
    })
  }

  /** Opens a watch stream; calls `onEvent` with each parsed event and its arrival time. */
  watch(path: string, onEvent: (ev: any, at: number) => void): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: this.host, port: this.port, method: 'GET', path, agent: false, headers: { Accept: 'application/json' } }, (res) => {
        let buffered = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          const at = performance.now()
          buffered += chunk
          let nl: number
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl)
            buffered = buffered.slice(nl + 1)
            if (line.trim()) onEvent(JSON.parse(line), at)
          }
        })
        resolve(() => req.destroy())
      })
      req.on('error', (err) => (err.message.includes('aborted') || (err as any).code === 'ECONNRESET' ? undefined : reject(err)))
      req.end()
    })
  }

  close(): void {
    this.agent.destroy()
  }
}

export interface Stats {
  count: number
  p50: number
  p99: number
  rps: number
}

export function stats(latencies: number[], elapsedMs: number): Stats {
  const sorted = [...latencies].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), rps: (sorted.length / elapsedMs) * 1000 }
}

/**
 * Runs `op` from `concurrency` loops until `total` operations are done; returns each one's latency (ms).
 * Each loop gets its own index range, so ops can name distinct objects.
 */
export async function runConcurrent(concurrency: number, total: number, op: (i: number) => Promise<void>): Promise<{ latencies: number[]; elapsedMs: number }> {
  const latencies: number[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t0 = performance.now()
        await op(i)
        latencies.push(performance.now() - t0)
      }
    }),
  )
  return { latencies, elapsedMs: performance.now() - started }
}
