import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { parse, stringify } from 'yaml'

/** The kubeconfig kubectl reads by default: the first file of $KUBECONFIG, else ~/.kube/config (as kind writes). */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = env.KUBECONFIG?.split(':').find(Boolean)
  return first ?? join(homedir(), '.kube', 'config')
}

type Named = { name: string }

function upsert<T extends Named>(list: T[] | undefined, entry: T): T[] {
  return [...(list ?? []).filter((e) => e?.name !== entry.name), entry]
}

/**
 * Merges the cluster, user and context named in `source` (a single-context kubeconfig) into `target`,
 * keeping everything else, and makes it the current context.
 */
export async function mergeKubeconfig(target: string, source: Record<string, any>): Promise<void> {
  const config = (await readConfig(target)) ?? { apiVersion: 'v1', kind: 'Config', preferences: {} }
  config.clusters = upsert(config.clusters, source.clusters[0])
  config.users = upsert(config.users, source.users[0])
  config.contexts = upsert(config.contexts, source.contexts[0])
  config['current-context'] = source['current-context']
  await writeConfig(target, config)
}

/** Removes a context and its cluster and user from `target` (`cluster down --purge`). */
export async function removeFromKubeconfig(target: string, name: string): Promise<void> {
  const config = await readConfig(target)
  if (!config) return
  const keep = (list: Named[] | undefined) => (list ?? []).filter((e) => e?.name !== name)
  config.clusters = keep(config.clusters)
  config.users = keep(config.users)
  config.contexts = keep(config.contexts)
  if (config['current-context'] === name) config['current-context'] = ''
  await writeConfig(target, config)
}

async function readConfig(path: string): Promise<Record<string, any> | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    return undefined
  }
  const parsed = parse(text)
  if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) throw new Error(`${path} is not a kubeconfig`)
  return parsed ?? undefined
}

async function writeConfig(path: string, config: Record<string, any>): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, stringify(config), { mode: 0o600 })
  await rename(tmp, path)
}
