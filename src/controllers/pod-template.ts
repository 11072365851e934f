import type { KubeObject, OwnerReference } from '../api/meta.ts'
import { jsonClone } from '../client/json-clone.ts'

/** The label a Deployment puts on each ReplicaSet's selector, template and pods (DefaultDeploymentUniqueLabelKey). */
export const POD_TEMPLATE_HASH = 'pod-template-hash'

/**
 * GetPodFromTemplate: a pod to create from a workload's template, named `<owner>-<random>` and controlled by the owner.
 */
export function podFromTemplate(template: any, ownerName: string, controllerRef: OwnerReference, extraFinalizers: string[] = []): KubeObject {
  const meta = template?.metadata ?? {}
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: `${ownerName}-`, ownerReferences: [controllerRef] },
    spec: jsonClone(template?.spec ?? {}),
  }
  if (meta.labels) pod.metadata.labels = { ...meta.labels }
  if (meta.annotations) pod.metadata.annotations = { ...meta.annotations }
  const finalizers = [...(meta.finalizers ?? []), ...extraFinalizers]
  if (finalizers.length) pod.metadata.finalizers = finalizers
  return pod
}

/**
 * The JSON of a value with what Go's semantic equality ignores taken out: nulls, empty maps and empty lists (a
 * template patched back by `kubectl rollout undo` carries `creationTimestamp: null`), map keys sorted.
 */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical).filter((v) => v !== undefined)
    return items.length ? items : undefined
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(value).sort()) {
      const v = canonical((value as Record<string, unknown>)[k])
      if (v !== undefined) out[k] = v
    }
    return Object.keys(out).length ? out : undefined
  }
  return value === null ? undefined : value
}

function withoutHash(template: any): unknown {
  const copy = jsonClone(template ?? {})
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH]
  return canonical(copy)
}

/** EqualIgnoreHash: two pod templates are the same but for the pod-template-hash label. */
export function equalIgnoreHash(a: any, b: any): boolean {
  return JSON.stringify(withoutHash(a)) === JSON.stringify(withoutHash(b))
}

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'

/**
 * controller.ComputeHash: FNV-32a over the template (here its canonical JSON; Go hashes its own printing of the
 * struct) and the collision count, then rand.SafeEncodeString of the decimal value: `7d9f8b6c5d`-like names.
 */
export function templateHash(template: unknown, collisionCount?: number): string {
  const bytes = [...Buffer.from(JSON.stringify(canonical(template) ?? {}))]
  if (collisionCount !== undefined && collisionCount !== null) {
    const count = Buffer.alloc(8)
    count.writeUInt32LE(collisionCount >>> 0, 0)
    bytes.push(...count)
  }
  let hash = 0x811c9dc5
  for (const b of bytes) hash = Math.imul(hash ^ b, 0x01000193) >>> 0
  return [...String(hash)].map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length]).join('')
}
