/**
 * `serve()` in the test's own process on the in-memory store with fake-runtime nodes (pods go Running and Ready
 * once bound), with a loopback client: for controller tests that want the whole control loop without processes.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ApiClient } from '../../src/client/api-client.ts'
import { LoopbackClient } from '../../src/client/loopback-client.ts'
import { serve, type RunningServer, type ServeOptions } from '../../src/cluster/serve.ts'
import { silentLogger } from '../../src/log/logger.ts'
import { MemoryStore } from '../../src/store/memory-store.ts'

export interface InProcessServer {
  running: RunningServer
  client: ApiClient
  stop(): Promise<void>
}

export async function serveInProcess(opts: Partial<ServeOptions> = {}): Promise<InProcessServer> {
  const dir = await mkdtemp(join(tmpdir(), 'kubebox-serve-'))
  const running = await serve({
    runtime: 'fake',
    nodes: 1,
    nodeName: 'node',
    store: new MemoryStore(),
    port: 0,
    bindAddress: '127.0.0.1',
    dataDir: dir,
    serviceClusterIpRange: '10.96.0.0/12',
    log: silentLogger(),
    ...opts,
  } as ServeOptions)
  return {
    running,
    client: new LoopbackClient(running.apiServer),
    stop: async () => {
      await running.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
