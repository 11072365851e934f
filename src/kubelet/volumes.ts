import { mkdir, rm, writeFile, rename } from 'node:fs/promises'
import { dirname, join, normalize } from 'node:path'
import type { KubeObject } from '../api/meta.ts'
import { ContainerConfigError, fieldRefValue, type ObjectReader } from './container-config.ts'

/** Where a pod's volumes live on the node: `<dataDir>/pods/<uid>/volumes/<name>`. */
export const podDir = (dataDir: string, uid: string) => join(dataDir, 'pods', uid)

/**
 * Materialises a pod's volumes as host directories (emptyDir, configMap, secret, downwardAPI, projected)
 * or host paths (hostPath), so that every container of the pod bind-mounts the same files.
 * Returns volume name → host path.
 */
export async function prepareVolumes(pod: KubeObject, dataDir: string, reader: ObjectReader, podIP: string, hostIP: string): Promise<Map<string, string>> {
  const paths = new Map<string, string>()
  const base = join(podDir(dataDir, pod.metadata.uid!), 'volumes')
  for (const volume of pod.spec?.volumes ?? []) {
    const dir = join(base, safeName(volume.name))
    if (volume.hostPath) {
      const type = volume.hostPath.type ?? ''
      if (type === 'DirectoryOrCreate' || type === 'Directory' || type === '') await mkdir(volume.hostPath.path, { recursive: true }).catch(() => {})
      paths.set(volume.name, volume.hostPath.path)
      continue
    }
    await mkdir(dir, { recursive: true })
    paths.set(volume.name, dir)
    if (volume.emptyDir) continue
    const files = new Map<string, string | Buffer>()
    if (volume.configMap) await addObjectFiles(files, reader, 'configmaps', volume.configMap)
    else if (volume.secret) await addObjectFiles(files, reader, 'secrets', { ...volume.secret, name: volume.secret.secretName })
    else if (volume.downwardAPI) addDownwardFiles(files, pod, volume.downwardAPI.items ?? [], podIP, hostIP)
    else if (volume.projected)
      for (const source of volume.projected.sources ?? []) {
        if (source.configMap) await addObjectFiles(files, reader, 'configmaps', source.configMap)
        else if (source.secret) await addObjectFiles(files, reader, 'secrets', source.secret)
        else if (source.downwardAPI) addDownwardFiles(files, pod, source.downwardAPI.items ?? [], podIP, hostIP)
      }
    else continue // persistentVolumeClaim and others: an empty directory (no storage provisioner here)
    for (const [rel, content] of files) await writeAtomically(join(dir, rel), content)
  }
  return paths
}

export async function removePodDir(dataDir: string, uid: string): Promise<void> {
  await rm(podDir(dataDir, uid), { recursive: true, force: true })
}

async function addObjectFiles(files: Map<string, string | Buffer>, reader: ObjectReader, kind: 'configmaps' | 'secrets', ref: any): Promise<void> {
  const obj = await reader.read(kind, ref.name)
  if (!obj) {
    if (ref.optional) return
    throw new ContainerConfigError(`${kind === 'configmaps' ? 'configmap' : 'secret'} "${ref.name}" not found`)
  }
  const entries: [string, Buffer][] = []
  for (const [k, v] of Object.entries<string>(obj.data ?? {})) entries.push([k, kind === 'secrets' ? Buffer.from(v, 'base64') : Buffer.from(v)])
  for (const [k, v] of Object.entries<string>(obj.binaryData ?? {})) entries.push([k, Buffer.from(v, 'base64')])
  const items: any[] | undefined = ref.items
  if (!items) for (const [k, v] of entries) files.set(k, v)
  else
    for (const item of items) {
      const found = entries.find(([k]) => k === item.key)
      if (!found) {
        if (ref.optional) continue
        throw new ContainerConfigError(`configmap references non-existent config key: ${item.key}`)
      }
      files.set(safeRelative(item.path), found[1])
    }
}

function addDownwardFiles(files: Map<string, string | Buffer>, pod: KubeObject, items: any[], podIP: string, hostIP: string): void {
  for (const item of items) if (item.fieldRef) files.set(safeRelative(item.path), fieldRefValue(pod, item.fieldRef.fieldPath, podIP, hostIP))
}

/** Volume names are DNS labels; anything else is refused rather than allowed to escape the pod directory. */
function safeName(name: string): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(String(name))) throw new ContainerConfigError(`invalid volume name "${name}"`)
  return name
}

function safeRelative(path: string): string {
  const p = normalize(String(path))
  if (p.startsWith('..') || p.startsWith('/')) throw new ContainerConfigError(`invalid volume item path "${path}"`)
  return p
}

async function writeAtomically(path: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.tmp-${process.pid}`
  await writeFile(tmp, content, { mode: 0o644 })
  await rename(tmp, path)
}
