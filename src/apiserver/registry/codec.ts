import type { KubeObject } from '../../api/meta.ts'
import type { KeyValue } from '../../store/store.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * Objects are stored as JSON without a resourceVersion (it is the key's modRevision, as in Kubernetes),
 * so a value never disagrees with its own revision.
 *
 * apiVersion, kind and metadata come first, in that order: a LIST served from the watch cache then splices the
 * stored text into its body, inserting the resourceVersion right after `"metadata":{` (see json-splice.ts),
 * instead of parsing and re-serializing every object.
 */
export function encodeObject(obj: KubeObject): Uint8Array {
  const { apiVersion, kind, metadata: { resourceVersion: _rv, ...metadata }, ...rest } = obj
  return encoder.encode(JSON.stringify({ apiVersion, kind, metadata, ...rest }))
}

/**
 * A stored value as the watch cache keeps it: bytes that own their memory. A value the store hands out as a view
 * into a larger buffer (a whole etcd response) is copied, so that keeping it does not keep the response alive.
 */
export function ownedBytes(value: Uint8Array): Uint8Array {
  return value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : new Uint8Array(value)
}

export function bytesText(bytes: Uint8Array): string {
  return decoder.decode(bytes)
}

export function decodeObject(kv: KeyValue, revision = kv.modRevision): KubeObject {
  return decodeText(decoder.decode(kv.value), revision)
}

/** A stored value (as text) with its resourceVersion. */
export function decodeText(text: string, revision: number): KubeObject {
  const obj = JSON.parse(text) as KubeObject
  obj.metadata.resourceVersion = String(revision)
  return obj
}
