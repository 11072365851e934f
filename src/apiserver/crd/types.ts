/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition, as plain JSON types (k8s.io/apiextensions-apiserver
 * pkg/apis/apiextensions/v1/types.go), and the helpers on its conditions (pkg/apihelpers).
 */
import type { KubeObject } from '../../api/meta.ts'
import { formatTime } from '../../api/meta.ts'
import type { JSONSchemaProps } from './json-schema.ts'

export const CRD_GROUP = 'apiextensions.k8s.io'
/** The finalizer that keeps a deleted CRD until its custom resources are gone. */
export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io'

export interface CustomResourceDefinitionNames {
  plural: string
  singular?: string
  shortNames?: string[]
  kind: string
  listKind?: string
  categories?: string[]
}

export interface CustomResourceColumnDefinition {
  name: string
  type: string
  format?: string
  description?: string
  priority?: number
  jsonPath: string
}

export interface CustomResourceSubresourceScale {
  specReplicasPath: string
  statusReplicasPath: string
  labelSelectorPath?: string
}

export interface CustomResourceSubresources {
  status?: Record<string, never>
  scale?: CustomResourceSubresourceScale
}

export interface CustomResourceDefinitionVersion {
  name: string
  served: boolean
  storage: boolean
  deprecated?: boolean
  deprecationWarning?: string
  schema?: { openAPIV3Schema?: JSONSchemaProps }
  subresources?: CustomResourceSubresources
  additionalPrinterColumns?: CustomResourceColumnDefinition[]
  selectableFields?: { jsonPath: string }[]
}

export interface CustomResourceDefinitionSpec {
  group: string
  names: CustomResourceDefinitionNames
  scope: 'Namespaced' | 'Cluster'
  versions: CustomResourceDefinitionVersion[]
  conversion?: { strategy: 'None' | 'Webhook'; webhook?: unknown }
  preserveUnknownFields?: boolean
}

export type ConditionStatus = 'True' | 'False' | 'Unknown'

export interface CustomResourceDefinitionCondition {
  type: string
  status: ConditionStatus
  lastTransitionTime?: string
  reason?: string
  message?: string
}

export interface CustomResourceDefinitionStatus {
  conditions?: CustomResourceDefinitionCondition[]
  acceptedNames: CustomResourceDefinitionNames
  storedVersions?: string[]
}

export interface CustomResourceDefinition extends KubeObject {
  spec: CustomResourceDefinitionSpec
  status?: CustomResourceDefinitionStatus
}

export const NAMES_ACCEPTED = 'NamesAccepted'
export const ESTABLISHED = 'Established'
export const TERMINATING = 'Terminating'

export const findCondition = (crd: CustomResourceDefinition, type: string) => crd.status?.conditions?.find((c) => c.type === type)

export const isConditionTrue = (crd: CustomResourceDefinition, type: string) => findCondition(crd, type)?.status === 'True'

/** Sets a condition; lastTransitionTime changes only when the status does (SetCRDCondition). */
export function setCondition(crd: CustomResourceDefinition, condition: CustomResourceDefinitionCondition): void {
  const status = (crd.status ??= { acceptedNames: { plural: '', kind: '' } })
  const conditions = (status.conditions ??= [])
  const existing = conditions.find((c) => c.type === condition.type)
  if (!existing) {
    conditions.push({ ...condition, lastTransitionTime: condition.lastTransitionTime ?? formatTime() })
    return
  }
  if (existing.status !== condition.status) existing.lastTransitionTime = condition.lastTransitionTime ?? formatTime()
  existing.status = condition.status
  existing.reason = condition.reason
  existing.message = condition.message
}

/** The version objects are stored in (exactly one is marked `storage` in a valid CRD). */
export const storageVersionOf = (crd: CustomResourceDefinition): string | undefined => crd.spec.versions?.find((v) => v.storage)?.name
