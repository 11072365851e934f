import { get } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'

/** How often a starting etcd is asked again: it answers within a few hundred ms of its start. */
const POLL_INTERVAL_MS = 10

/**
 * etcd's /health answers {"health":"true"} once the member has a leader and serves requests. Asked with
 * node:http rather than fetch: the first fetch of a process loads undici, which costs more than etcd's start.
 */
export function etcdHealthy(clientUrl: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(`${clientUrl}/health`, { timeout: timeoutMs, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 && (JSON.parse(body) as { health?: string }).health === 'true')
        } catch {
          resolve(false)
        }
      })
      res.on('error', () => resolve(false))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false)) // not listening yet, or not ready
  })
}

/**
 * Polls until etcd is healthy; `failed()` returns a reason to give up early (the process or container died).
 */
export async function waitForEtcd(clientUrl: string, deadlineMs: number, failed: () => string | undefined): Promise<void> {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    const why = failed()
    if (why) throw new Error(why)
    if (await etcdHealthy(clientUrl)) return
    if (Date.now() > deadline) throw new Error(`etcd at ${clientUrl} was not healthy within ${deadlineMs} ms`)
    await sleep(POLL_INTERVAL_MS)
  }
}
