/**
 * Starts a throwaway single-member etcd for a test file: its own temp data dir and free ports on 127.0.0.1.
 * Needs the `etcd` binary on PATH (Debian: etcd-server; CI installs it). Without it, startEtcd throws: the
 * integration tests fail loudly instead of skipping.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EtcdNotFoundError, EtcdPortInUseError, startEtcdProcess } from '../../src/etcd/etcd-process.ts'

export interface EtcdInstance {
  /** Client URL, e.g. http://127.0.0.1:41234 */
  endpoint: string
  stop(): Promise<void>
}

export async function startEtcd(): Promise<EtcdInstance> {
  // Another process can grab a "free" port before etcd binds it; such a start is retried on new ports.
  for (let attempt = 1; ; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), 'kubebox-etcd-'))
    try {
      const etcd = await startEtcdProcess({ dataDir: join(dir, 'data') })
      let stopping: Promise<void> | undefined
      const stop = () => (stopping ??= etcd.stop().then(() => rm(dir, { recursive: true, force: true })))
      return { endpoint: etcd.endpoint, stop }
    } catch (err) {
      await rm(dir, { recursive: true, force: true })
      if (err instanceof EtcdNotFoundError)
        throw new Error('integration tests need the `etcd` binary on PATH (Debian/Ubuntu: apt-get install etcd-server)')
      if (attempt < 3 && err instanceof EtcdPortInUseError) continue
      throw err
    }
  }
}
