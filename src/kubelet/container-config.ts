import type { KubeObject } from '../api/meta.ts'
import type { ApiClient } from '../client/api-client.ts'
import { core } from '../client/api-client.ts'
import { ApiError } from '../errors/api-error.ts'
import { parseBytes, parseCpu } from '../api/quantity.ts'

/** A container can not be configured (missing ConfigMap key…): reported as CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ContainerConfigError'
  }
}

/** Reads ConfigMaps and Secrets once per sync, however many containers and volumes name them. */
export class ObjectReader {
  private readonly cache = new Map<string, Promise<KubeObject | undefined>>()

  constructor(
    private readonly client: ApiClient,
    private readonly namespace: string,
  ) {}

  read(kind: 'configmaps' | 'secrets', name: string): Promise<KubeObject | undefined> {
    const key = `${kind}/${name}`
    let p = this.cache.get(key)
    if (!p) {
      p = this.client.get(core(kind), this.namespace, name).catch((err) => {
        if (err instanceof ApiError && err.code === 404) return undefined
        throw err
      })
      this.cache.set(key, p)
    }
    return p
  }

  /** The string value of one key, decoding Secrets' base64; undefined when absent and `optional`. */
  async value(kind: 'configmaps' | 'secrets', name: string, key: string, optional: boolean): Promise<string | undefined> {
    const obj = await this.read(kind, name)
    const singular = kind === 'configmaps' ? 'configmap' : 'secret'
    if (!obj) {
      if (optional) return undefined
      throw new ContainerConfigError(`${singular} "${name}" not found`)
    }
    const data = obj.data ?? {}
    if (!(key in data) && !(kind === 'configmaps' && key in (obj.binaryData ?? {}))) {
      if (optional) return undefined
      throw new ContainerConfigError(`couldn't find key ${key} in ${kind === 'configmaps' ? 'ConfigMap' : 'Secret'} ${this.namespace}/${name}`)
    }
    return kind === 'secrets' ? Buffer.from(data[key], 'base64').toString('utf8') : (data[key] ?? Buffer.from(obj.binaryData[key], 'base64').toString('utf8'))
  }
}

/** The value a downward-API fieldRef names (metadata.name, metadata.labels['x'], status.podIP…). */
export function fieldRefValue(pod: KubeObject, fieldPath: string, podIP: string, hostIP: string): string {
  const indexed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath)
  if (indexed) return (pod.metadata as any)[indexed[1]]?.[indexed[2]] ?? ''
  switch (fieldPath) {
    case 'metadata.name': return pod.metadata.name ?? ''
    case 'metadata.namespace': return pod.metadata.namespace ?? ''
    case 'metadata.uid': return pod.metadata.uid ?? ''
    case 'metadata.labels': return formatMap(pod.metadata.labels)
    case 'metadata.annotations': return formatMap(pod.metadata.annotations)
    case 'spec.nodeName': return pod.spec?.nodeName ?? ''
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? ''
    case 'status.podIP': return podIP
    case 'status.podIPs': return podIP
    case 'status.hostIP': return hostIP
    case 'status.hostIPs': return hostIP
    default: throw new ContainerConfigError(`unsupported fieldRef fieldPath: ${fieldPath}`)
  }
}

/** The downward API's file format for label and annotation maps: `key="value"` lines, sorted. */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {}).sort().map((k) => `${k}=${JSON.stringify(map![k])}`).join('\n')
}

/** Kubernetes expands `$(VAR)` in env values, command and args with earlier variables; `$$(VAR)` escapes. */
export function expandVars(text: string, vars: Map<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name) => {
    if (m === '$$') return '$'
    return vars.has(name) ? vars.get(name)! : m
  })
}

/** A container's environment: envFrom first, then env in order, each value expanded with the ones before it. */
export async function resolveEnv(container: any, pod: KubeObject, reader: ObjectReader, podIP: string, hostIP: string): Promise<Map<string, string>> {
  const vars = new Map<string, string>()
  for (const from of container.envFrom ?? []) {
    const kind = from.configMapRef ? 'configmaps' : 'secrets'
    const ref = from.configMapRef ?? from.secretRef
    const obj = await reader.read(kind, ref.name)
    if (!obj) {
      if (ref.optional) continue
      throw new ContainerConfigError(`${kind === 'configmaps' ? 'configmap' : 'secret'} "${ref.name}" not found`)
    }
    for (const [k, v] of Object.entries<string>(obj.data ?? {}))
      vars.set(`${from.prefix ?? ''}${k}`, kind === 'secrets' ? Buffer.from(v, 'base64').toString('utf8') : v)
  }
  for (const env of container.env ?? []) {
    if (env.value !== undefined || !env.valueFrom) {
      vars.set(env.name, expandVars(env.value ?? '', vars))
      continue
    }
    const from = env.valueFrom
    let value: string | undefined
    if (from.configMapKeyRef) value = await reader.value('configmaps', from.configMapKeyRef.name, from.configMapKeyRef.key, Boolean(from.configMapKeyRef.optional))
    else if (from.secretKeyRef) value = await reader.value('secrets', from.secretKeyRef.name, from.secretKeyRef.key, Boolean(from.secretKeyRef.optional))
    else if (from.fieldRef) value = fieldRefValue(pod, from.fieldRef.fieldPath, podIP, hostIP)
    else if (from.resourceFieldRef) value = resourceFieldValue(container, from.resourceFieldRef.resource)
    if (value !== undefined) vars.set(env.name, value)
  }
  return vars
}

/** resourceFieldRef: limits/requests as plain numbers (cpu in whole cores rounded up, memory in bytes). */
function resourceFieldValue(container: any, resource: string): string {
  const [kind, name] = resource.split('.')
  const value = container.resources?.[kind]?.[name]
  if (value === undefined) return name === 'cpu' ? '1' : '0'
  if (name === 'cpu') return String(Math.max(1, Math.ceil(parseCpu(String(value)))))
  return String(parseBytes(String(value)))
}
