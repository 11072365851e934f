import type { KubeObject } from '../../api/meta.ts'
import type { KeyValue } from '../../store/store.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * Objects are stored as JSON without a resourceVersion (it is the key's modRevision, as in Kubernetes),
 * so a value never disagrees with its own revision.
 */
export function encodeObject(obj: KubeObject): Uint8Array {
  const { resourceVersion: _rv, ...metadata } = obj.metadata
  return encoder.encode(JSON.stringify({ ...obj, metadata }))
}

export function decodeObject(kv: KeyValue, revision = kv.modRevision): KubeObject {
  const obj = JSON.parse(decoder.decode(kv.value)) as KubeObject
  obj.metadata.resourceVersion = String(revision)
  return obj
}
