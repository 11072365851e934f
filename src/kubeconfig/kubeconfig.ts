import { mkdir, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { stringify } from 'yaml'

/**
 * A kubeconfig for a plain-HTTP server on loopback. `insecure-skip-tls-verify` is set because
 * @kubernetes/client-node refuses http:// clusters without it; kubectl and the Python client ignore it.
 */
export function kubeconfigFor(server: string, name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: {} }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  }
}

/** Writes a kubeconfig atomically (readers never see half a file), readable only by its owner. */
export async function writeKubeconfig(path: string, config: Record<string, unknown>): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, stringify(config), { mode: 0o600 })
  await rename(tmp, path)
}
