/**
 * A CustomResourceDefinition turned into the ResourceDefinitions of its served versions, so that custom
 * resources are served by the same generic registry, handlers, watch cache, discovery, Tables and OpenAPI as
 * built-in kinds (apiextensions-apiserver's customresource_handler builds a REST storage per served version):
 * - stored under `/registry/<group>/<plural>/`, in the storage version (conversion `None`: only apiVersion
 *   changes between versions);
 * - objects are pruned by the version's structural schema, defaulted and validated (422 with field paths);
 * - `metadata.generation` starts at 1 and grows with every change outside metadata (outside status too when
 *   the status subresource is enabled, which then alone writes status);
 * - the status and scale subresources when the version declares them, its additionalPrinterColumns as the
 *   Table, its selectableFields as field selectors, its schema in the OpenAPI documents.
 */
import type { KubeObject } from '../../api/meta.ts'
import { scaleOf } from '../resources/subresources.ts'
import { ApiError } from '../../errors/api-error.ts'
import { jsonEqual } from '../../util/deep-equal.ts'
import type { OwnSchema, WithOwnSchema } from '../openapi/own-schemas.ts'
import { ownSchemaName } from '../openapi/own-schemas.ts'
import { compareVersions } from '../discovery.ts'
import { ALL_VERBS, type ResourceDefinition, type Strategy, type SubresourceDefinition } from '../registry/resource-definition.ts'
import { customResourceTable } from './custom-resource-table.ts'
import { isObject, type JSONSchemaProps } from './json-schema.ts'
import { findValue, setValue } from './jsonpath.ts'
import { normalizeObject } from './normalize.ts'
import { validateObject } from './schema-validation.ts'
import { storageVersionOf, type CustomResourceDefinition, type CustomResourceDefinitionNames, type CustomResourceDefinitionVersion, type CustomResourceSubresourceScale } from './types.ts'

export type CustomResourceKind = ResourceDefinition & WithOwnSchema

export interface ServeOptions {
  /** The names to serve under (the accepted names). */
  names: CustomResourceDefinitionNames
  /** The CRD is being deleted: its objects may be read and deleted, not created. */
  terminating: boolean
}

/** The etcd key segment of a CRD's objects: `/registry/<group>/<plural>/…`, as Kubernetes keys them. */
export const storageResourceOf = (crd: CustomResourceDefinition) => `${crd.spec.group}/${crd.spec.names.plural}`

/** The definitions of the served versions of a CRD, in Kubernetes' version priority (discovery lists them so). */
export function customResourceKinds(crd: CustomResourceDefinition, opts: ServeOptions): CustomResourceKind[] {
  const served = crd.spec.versions.filter((v) => v.served).sort((a, b) => compareVersions(a.name, b.name))
  const storage = storageVersionOf(crd) ?? served[0]?.name
  return served.map((v) => customResourceKind(crd, v, storage!, served.length > 1, opts))
}

const withoutMetadata = (obj: KubeObject) => {
  const { metadata: _, ...rest } = obj
  return rest
}

function customResourceKind(crd: CustomResourceDefinition, v: CustomResourceDefinitionVersion, storageVersion: string, shared: boolean, opts: ServeOptions): CustomResourceKind {
  const { group } = crd.spec
  const { names } = opts
  const plural = crd.spec.names.plural
  const schema = v.schema?.openAPIV3Schema
  const id = { kind: names.kind, version: v.name }
  const hasStatus = Boolean(v.subresources?.status)
  const strategy: Strategy = {
    prepareForCreate(obj) {
      if (opts.terminating)
        throw new ApiError(405, 'MethodNotAllowed', `create is not supported on resources of kind "${plural}.${group}"`, { group, kind: plural })
      if (hasStatus) delete obj.status
      normalizeObject(obj, schema, id)
      obj.metadata.generation = 1
    },
    prepareForUpdate(obj, old) {
      normalizeObject(obj, schema, id)
      if (!jsonEqual(withoutMetadata(obj), withoutMetadata(old))) obj.metadata.generation = (old.metadata.generation ?? 0) + 1
    },
    validate: (obj) => validateObject(obj, schema),
  }
  const subresources: Record<string, SubresourceDefinition> = {}
  if (hasStatus) subresources.status = statusSubresource(schema, id)
  if (v.subresources?.scale) subresources.scale = scaleSubresource(v.subresources.scale)
  const selectable = v.selectableFields ?? []
  const own: OwnSchema = {
    name: ownSchemaName(group, v.name, names.kind),
    listName: ownSchemaName(group, v.name, names.listKind ?? `${names.kind}List`),
    schema: (schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }) as Record<string, unknown>,
  }
  return {
    group,
    version: v.name,
    kind: names.kind,
    plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    ...(names.shortNames?.length && { shortNames: names.shortNames }),
    ...(names.categories?.length && { categories: names.categories }),
    namespaced: crd.spec.scope === 'Namespaced',
    verbs: ALL_VERBS,
    strategy,
    ...(Object.keys(subresources).length && { subresources }),
    ...(selectable.length && { selectableFields: (obj: KubeObject) => Object.fromEntries(selectable.map((f) => [f.jsonPath.replace(/^\./, ''), fieldText(findValue(obj, f.jsonPath))])) }),
    table: customResourceTable(v.additionalPrinterColumns),
    storage: {
      group,
      resource: storageResourceOf(crd),
      toStorage: (obj) => ({ ...obj, apiVersion: `${group}/${storageVersion}` }),
      // Several versions read the same stored (and, on watches, shared) objects: each sets its own apiVersion on a copy.
      fromStorage: shared ? (obj) => ({ ...obj }) : (obj) => obj,
    },
    openapi: own,
  }
}

/** A selectable field's value as a field selector compares it. */
const fieldText = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v))

/** `/status`: only `.status` changes, pruned and defaulted by the status part of the schema. */
function statusSubresource(schema: JSONSchemaProps | undefined, id: { kind: string; version: string }): SubresourceDefinition {
  return {
    verbs: ['get', 'patch', 'update'],
    merge(current, input) {
      const part = { metadata: {}, status: input.status } as KubeObject
      if (input.status === undefined) delete part.status
      normalizeObject(part, schema ? { ...schema, required: [] } : schema, id)
      if (part.status === undefined) delete current.status
      else current.status = part.status
      return current
    },
  }
}

/** `/scale`: an autoscaling/v1 Scale over the paths the CRD names. */
function scaleSubresource(scale: CustomResourceSubresourceScale): SubresourceDefinition {
  const replicas = (obj: KubeObject, path: string) => {
    const v = findValue(obj, path)
    return typeof v === 'number' ? v : 0
  }
  return {
    verbs: ['get', 'patch', 'update'],
    kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
    view: {
      get(obj) {
        const status: Record<string, unknown> = { replicas: replicas(obj, scale.statusReplicasPath) }
        if (scale.labelSelectorPath) {
          const selector = findValue(obj, scale.labelSelectorPath)
          if (typeof selector === 'string') status.selector = selector
        }
        return scaleOf(obj, { replicas: replicas(obj, scale.specReplicasPath) }, status)
      },
      apply(obj, view) {
        setValue(obj, scale.specReplicasPath, isObject(view.spec) && typeof view.spec.replicas === 'number' ? view.spec.replicas : 0)
        if (view.metadata?.resourceVersion) obj.metadata.resourceVersion = view.metadata.resourceVersion
        return obj
      },
    },
  }
}
