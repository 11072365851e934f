import type { KubeObject } from '../../api/meta.ts'
import { customResourceDefinitionSchema } from '../crd/crd-schema.ts'
import { defaultCustomResourceDefinition, validateCustomResourceDefinition, validateCustomResourceDefinitionUpdate } from '../crd/crd-validation.ts'
import { normalizeObject } from '../crd/normalize.ts'
import { CLEANUP_FINALIZER, CRD_GROUP, setCondition, storageVersionOf, type CustomResourceDefinition } from '../crd/types.ts'
import type { WithOwnSchema } from '../openapi/own-schemas.ts'
import { AGE_DESCRIPTION, column, nameColumn } from '../printers/format.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'
import { statusSubresource } from './subresources.ts'

const KIND = { kind: 'CustomResourceDefinition', version: 'v1' }

/** Decoding, as for any typed kind: unknown fields pruned (reported by fieldValidation), then the v1 defaults. */
function decode(crd: KubeObject): CustomResourceDefinition {
  normalizeObject(crd, customResourceDefinitionSchema, KIND)
  defaultCustomResourceDefinition(crd as CustomResourceDefinition)
  return crd as CustomResourceDefinition
}

/** status.storedVersions gains the storage version (the strategy's PrepareForCreate / PrepareForUpdate). */
function recordStorageVersion(crd: CustomResourceDefinition): void {
  const storage = storageVersionOf(crd)
  const status = (crd.status ??= { acceptedNames: { plural: '', kind: '' } })
  status.storedVersions ??= []
  if (storage && !status.storedVersions.includes(storage)) status.storedVersions.push(storage)
}

/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition (apiextensions-apiserver pkg/registry/customresourcedefinition).
 * The server sets its status (crd/crd-controller.ts: accepted names and the NamesAccepted, Established and
 * Terminating conditions) and serves the kinds it defines. Deleting one first deletes its custom resources:
 * the first DELETE adds the `customresourcecleanup.apiextensions.k8s.io` finalizer (which every CRD carries
 * implicitly until then) and the Terminating condition, as the CRD REST storage's Delete does.
 */
export const customresourcedefinitions: ResourceDefinition & WithOwnSchema = {
  group: CRD_GROUP,
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  namespaced: false,
  verbs: ALL_VERBS,
  strategy: {
    tracksGeneration: true,
    prepareForCreate(obj) {
      const crd = decode(obj)
      crd.status = { acceptedNames: { plural: '', kind: '' } }
      recordStorageVersion(crd)
    },
    prepareForUpdate(obj) {
      recordStorageVersion(decode(obj))
    },
    validate: (obj) => validateCustomResourceDefinition(obj as CustomResourceDefinition),
    validateUpdate: (obj, old) => validateCustomResourceDefinitionUpdate(obj as CustomResourceDefinition, old as CustomResourceDefinition),
    // Until its deletion begins, a CRD is finalized by the cleanup of its custom resources; then the finalizer is real.
    extraFinalizers: (obj) => (obj.metadata.deletionTimestamp ? [] : [CLEANUP_FINALIZER]),
    prepareForDelete(obj) {
      const crd = obj as CustomResourceDefinition
      const finalizers = (crd.metadata.finalizers ??= [])
      if (!finalizers.includes(CLEANUP_FINALIZER)) finalizers.push(CLEANUP_FINALIZER)
      setCondition(crd, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionPending', message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon' })
    },
  },
  subresources: { status: statusSubresource },
  // rest.NewDefaultTableConvertor, as the CRD storage uses it: the name and the creation time.
  table: {
    columns: [nameColumn(), column('Created At', 'date', AGE_DESCRIPTION)],
    row: (crd) => [crd.metadata.name ?? '', crd.metadata.creationTimestamp ?? null],
  },
  storage: {
    group: CRD_GROUP,
    resource: `${CRD_GROUP}/customresourcedefinitions`,
    toStorage: (obj) => obj,
    fromStorage: (obj) => obj,
  },
  openapi: {
    name: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
    listName: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionList',
    schema: customResourceDefinitionSchema as Record<string, unknown>,
  },
}
