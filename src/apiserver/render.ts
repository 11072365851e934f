import type { KubeObject } from '../api/meta.ts'
import { defaultTable } from './printers/index.ts'
import type { CachedPage } from './registry/cached-list.ts'
import { decodeObject } from './registry/codec.ts'
import type { GenericRegistry } from './registry/generic-registry.ts'
import { itemHead, JsonChunks, metadataOffset } from './registry/json-splice.ts'
import type { KeyValue } from '../store/store.ts'
import type { StoredValue } from '../bus/events.ts'
import { apiVersionOf, type ResourceDefinition } from './registry/resource-definition.ts'
import type { ResponseShape } from './negotiation.ts'

/** How a Table row carries its object: `includeObject=None|Metadata|Object` (default Metadata). */
export type IncludeObject = 'None' | 'Metadata' | 'Object'

export const partialObjectMetadata = (obj: KubeObject, version = 'v1') => ({
  kind: 'PartialObjectMetadata',
  apiVersion: `meta.k8s.io/${version}`,
  metadata: obj.metadata,
})

/**
 * A Table (meta.k8s.io) of objects, built by the kind's server-side printer (kubectl has none of its own).
 * `withHeaders` = false drops columnDefinitions, as watch events after the first do.
 */
export function buildTable(def: ResourceDefinition, objects: KubeObject[], opts: { version: string; include: IncludeObject; resourceVersion?: string; continue?: string; withHeaders?: boolean }) {
  const table = def.table ?? defaultTable
  const now = new Date()
  const metadata: Record<string, unknown> = {}
  if (opts.resourceVersion) metadata.resourceVersion = opts.resourceVersion
  if (opts.continue) metadata.continue = opts.continue
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.version}`,
    metadata,
    columnDefinitions: opts.withHeaders === false ? [] : table.columns.map((c) => ({ format: '', description: '', ...c })),
    rows: objects.map((obj) => {
      const row: Record<string, unknown> = { cells: table.row(obj, now) }
      if (opts.include === 'Object') row.object = obj
      else if (opts.include === 'Metadata') row.object = partialObjectMetadata(obj, opts.version)
      return row
    }),
  }
}

/** One object as the client asked: itself, its metadata, or a one-row Table. */
export function renderObject(def: ResourceDefinition, obj: KubeObject, shape: ResponseShape, include: IncludeObject): unknown {
  if (shape.as === 'Table') return buildTable(def, [obj], { version: shape.version, include, resourceVersion: obj.metadata.resourceVersion })
  if (shape.as === 'PartialObjectMetadata' || shape.as === 'PartialObjectMetadataList') return partialObjectMetadata(obj, shape.version)
  return obj
}

export function renderList(def: ResourceDefinition, items: KubeObject[], meta: { resourceVersion: string; continue?: string; remainingItemCount?: number }, shape: ResponseShape, include: IncludeObject): unknown {
  if (shape.as === 'Table') return buildTable(def, items, { version: shape.version, include, resourceVersion: meta.resourceVersion, continue: meta.continue })
  const metadata: Record<string, unknown> = { resourceVersion: meta.resourceVersion }
  if (meta.continue) metadata.continue = meta.continue
  if (meta.remainingItemCount !== undefined) metadata.remainingItemCount = meta.remainingItemCount
  if (shape.as === 'PartialObjectMetadata' || shape.as === 'PartialObjectMetadataList')
    return { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${shape.version}`, metadata, items: items.map((o) => partialObjectMetadata(o, shape.version)) }
  return { kind: `${def.kind}List`, apiVersion: def.group ? `${def.group}/${def.version}` : def.version, metadata, items }
}

const itemHeads = new WeakMap<ResourceDefinition, Uint8Array>()

function itemHeadOf(def: ResourceDefinition): Uint8Array {
  let head = itemHeads.get(def)
  if (head === undefined) itemHeads.set(def, (head = itemHead(apiVersionOf(def), def.kind)))
  return head
}

const QUOTE = Buffer.from('"')
const QUOTE_COMMA = Buffer.from('",')

/**
 * One stored object as JSON, as JSON.stringify(registry.fromStorage(decoded)) would write it (resourceVersion first
 * in metadata): the stored text spliced as a LIST item is, not parsed and serialized again; decoded when it must be.
 */
export function renderStoredJson(registry: GenericRegistry, kv: KeyValue): Buffer | string {
  const offset = registry.def.storage ? -1 : metadataOffset(kv.value)
  if (offset < 0) return JSON.stringify(registry.fromStorage(decodeObject(kv)))
  return Buffer.concat(splicedParts(registry.def, kv.value, offset, kv.modRevision))
}

/**
 * The same for a value the watch cache holds (its metadata offset already found), framed by `before` and `after`
 * (a watch event's line); undefined when it must be decoded to be served.
 */
export function renderSplicedJson(def: ResourceDefinition, stored: StoredValue, before: Buffer, after: Buffer): Buffer | undefined {
  if (def.storage || stored.offset < 0) return undefined
  return Buffer.concat([before, ...splicedParts(def, stored.bytes, stored.offset, stored.revision), after])
}

/** The stored text with the definition's apiVersion and kind, and `"resourceVersion":"<revision>"` first in metadata. */
function splicedParts(def: ResourceDefinition, bytes: Uint8Array, offset: number, revision: number): Uint8Array[] {
  const rest = Buffer.from(bytes.buffer, bytes.byteOffset + offset, bytes.byteLength - offset)
  return [itemHeadOf(def), Buffer.from(String(revision)), rest[0] === 0x7d ? QUOTE : QUOTE_COMMA, rest]
}

/**
 * A JSON List of a page from the watch cache, as JSON.stringify(renderList(…)) would write it (members in another
 * order), in chunks: the stored text of each object is spliced in, with apiVersion, kind and resourceVersion set,
 * unless the definition is a view of another's storage or the text is not in the canonical form; those are decoded.
 */
export function renderCachedListJson(registry: GenericRegistry, page: CachedPage): { chunks: Buffer[]; length: number; release(): void } {
  const def = registry.def
  const head = itemHeadOf(def)
  const splice = !def.storage
  const metadata: Record<string, unknown> = { resourceVersion: page.resourceVersion }
  if (page.continue) metadata.continue = page.continue
  const out = new JsonChunks()
  out.text(`{"kind":${JSON.stringify(`${def.kind}List`)},"apiVersion":${JSON.stringify(apiVersionOf(def))},"metadata":${JSON.stringify(metadata)},"items":[`)
  for (let i = 0; i < page.objects.length; i++) {
    const obj = page.objects[i]!
    if (splice && obj.offset >= 0) out.item(head, obj.bytes, obj.offset, obj.revision, i > 0)
    else out.text((i > 0 ? ',' : '') + JSON.stringify(page.decoded[i] ?? registry.decodeCached(obj)))
  }
  out.text(']}')
  return out.end()
}

/** The Content-Type that answers a shape (client-go decodes by it). */
export function contentTypeFor(shape: ResponseShape): string {
  if (shape.as === 'object') return shape.format === 'yaml' ? 'application/yaml' : 'application/json'
  return `application/json;as=${shape.as};v=${shape.version};g=meta.k8s.io`
}
