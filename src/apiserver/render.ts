import type { KubeObject } from '../api/meta.ts'
import { defaultTable } from './printers/index.ts'
import type { ResourceDefinition } from './registry/resource-definition.ts'
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

/** The Content-Type that answers a shape (client-go decodes by it). */
export function contentTypeFor(shape: ResponseShape): string {
  if (shape.as === 'object') return shape.format === 'yaml' ? 'application/yaml' : 'application/json'
  return `application/json;as=${shape.as};v=${shape.version};g=meta.k8s.io`
}
