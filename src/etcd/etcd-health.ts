import { setTimeout as sleep } from 'node:timers/promises'

/** etcd's /health answers {"health":"true"} once the member has a leader and serves requests. */
export async function etcdHealthy(clientUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) })
    const body = (await res.json()) as { health?: string }
    return res.ok && body.health === 'true'
  } catch {
    return false // not listening yet, or not ready
  }
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
    await sleep(50)
  }
}
