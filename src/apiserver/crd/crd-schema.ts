/**
 * The schema of the CustomResourceDefinition kind itself, written as a structural schema (descriptions from
 * k8s.io/apiextensions-apiserver pkg/apis/apiextensions/v1/types.go): what `kubectl explain crd` shows, and what
 * CRD objects are pruned by. A version's `openAPIV3Schema` (JSONSchemaProps, recursive) is kept as it is written.
 */
import type { JSONSchemaProps } from './json-schema.ts'

const str = (description: string): JSONSchemaProps => ({ type: 'string', description })
const bool = (description: string): JSONSchemaProps => ({ type: 'boolean', description })
const strings = (description: string, listType?: 'atomic' | 'set'): JSONSchemaProps => ({ type: 'array', description, items: { type: 'string' }, ...(listType && { 'x-kubernetes-list-type': listType }) })

const names = (description: string): JSONSchemaProps => ({
  type: 'object',
  description,
  required: ['plural', 'kind'],
  properties: {
    categories: strings('categories is a list of grouped resources this custom resource belongs to (e.g. \'all\'). This is published in API discovery documents, and used by clients to support invocations like `kubectl get all`.', 'atomic'),
    kind: str('kind is the serialized kind of the resource. It is normally CamelCase and singular. Custom resource instances will use this value as the `kind` attribute in API calls.'),
    listKind: str('listKind is the serialized kind of the list for this resource. Defaults to "`kind`List".'),
    plural: str('plural is the plural name of the resource to serve. The custom resources are served under `/apis/<group>/<version>/.../<plural>`. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`). Must be all lowercase.'),
    shortNames: strings('shortNames are short names for the resource, exposed in API discovery documents, and used by clients to support invocations like `kubectl get <shortname>`. It must be all lowercase.', 'atomic'),
    singular: str('singular is the singular name of the resource. It must be all lowercase. Defaults to lowercased `kind`.'),
  },
})

const column: JSONSchemaProps = {
  type: 'object',
  description: 'CustomResourceColumnDefinition specifies a column for server side printing.',
  required: ['name', 'type', 'jsonPath'],
  properties: {
    description: str('description is a human readable description of this column.'),
    format: str("format is an optional OpenAPI type definition for this column. The 'name' format is applied to the primary identifier column to assist in clients identifying column is the resource name."),
    jsonPath: str('jsonPath is a simple JSON path (i.e. with array notation) which is evaluated against each custom resource to produce the value for this column.'),
    name: str('name is a human readable name for the column.'),
    priority: { type: 'integer', format: 'int32', description: 'priority is an integer defining the relative importance of this column compared to others. Lower numbers are considered higher priority. Columns that may be omitted in limited space scenarios should be given a priority greater than 0.' },
    type: str('type is an OpenAPI type definition for this column. See https://github.com/OAI/OpenAPI-Specification/blob/master/versions/2.0.md#data-types for details.'),
  },
}

const version: JSONSchemaProps = {
  type: 'object',
  description: 'CustomResourceDefinitionVersion describes a version for CRD.',
  required: ['name', 'served', 'storage'],
  properties: {
    additionalPrinterColumns: { type: 'array', description: 'additionalPrinterColumns specifies additional columns returned in Table output. If no columns are specified, a single column displaying the age of the custom resource is used.', items: column, 'x-kubernetes-list-type': 'atomic' },
    deprecated: bool('deprecated indicates this version of the custom resource API is deprecated.'),
    deprecationWarning: str('deprecationWarning overrides the default warning returned to API clients.'),
    name: str('name is the version name, e.g. “v1”, “v2beta1”, etc. The custom resources are served under this version at `/apis/<group>/<version>/...` if `served` is true.'),
    schema: {
      type: 'object',
      description: 'schema describes the schema used for validation, pruning, and defaulting of this version of the custom resource.',
      properties: {
        openAPIV3Schema: { type: 'object', description: 'openAPIV3Schema is the OpenAPI v3 schema to use for validation and pruning.', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
    selectableFields: {
      type: 'array',
      description: 'selectableFields specifies paths to fields that may be used as field selectors.',
      items: { type: 'object', required: ['jsonPath'], properties: { jsonPath: str('jsonPath is a simple JSON path which is evaluated against each custom resource to produce a field selector value.') } },
      'x-kubernetes-list-type': 'atomic',
    },
    served: bool('served is a flag enabling/disabling this version from being served via REST APIs'),
    storage: bool('storage indicates this version should be used when persisting custom resources to storage. There must be exactly one version with storage=true.'),
    subresources: {
      type: 'object',
      description: 'subresources specify what subresources this version of the defined custom resource have.',
      properties: {
        scale: {
          type: 'object',
          description: 'scale indicates the custom resource should serve a `/scale` subresource that returns an `autoscaling/v1` Scale object.',
          required: ['specReplicasPath', 'statusReplicasPath'],
          properties: {
            labelSelectorPath: str('labelSelectorPath defines the JSON path inside of a custom resource that corresponds to Scale `status.selector`.'),
            specReplicasPath: str('specReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `spec.replicas`.'),
            statusReplicasPath: str('statusReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `status.replicas`.'),
          },
        },
        status: { type: 'object', description: 'status indicates the custom resource should serve a `/status` subresource.', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  },
}

const condition: JSONSchemaProps = {
  type: 'object',
  description: 'CustomResourceDefinitionCondition contains details for the current condition of this pod.',
  required: ['type', 'status'],
  properties: {
    lastTransitionTime: { type: 'string', format: 'date-time', description: 'lastTransitionTime last time the condition transitioned from one status to another.' },
    message: str('message is a human-readable message indicating details about last transition.'),
    observedGeneration: { type: 'integer', format: 'int64', description: 'observedGeneration represents the .metadata.generation that the condition was set based upon.' },
    reason: str("reason is a unique, one-word, CamelCase reason for the condition's last transition."),
    status: str('status is the status of the condition. Can be True, False, Unknown.'),
    type: str('type is the type of the condition. Types include Established, NamesAccepted and Terminating.'),
  },
}

export const customResourceDefinitionSchema: JSONSchemaProps = {
  type: 'object',
  description: 'CustomResourceDefinition represents a resource that should be exposed on the API server.  Its name MUST be in the format <.spec.name>.<.spec.group>.',
  required: ['spec'],
  properties: {
    spec: {
      type: 'object',
      description: 'spec describes how the user wants the resources to appear',
      required: ['group', 'names', 'scope', 'versions'],
      properties: {
        conversion: {
          type: 'object',
          description: 'conversion defines conversion settings for the CRD.',
          required: ['strategy'],
          properties: {
            strategy: str('strategy specifies how custom resources are converted between versions. Allowed values are: - `"None"`: The converter only change the apiVersion and would not touch any other field in the custom resource. - `"Webhook"`: API Server will call to an external webhook to do the conversion.'),
            webhook: { type: 'object', description: 'webhook describes how to call the conversion webhook. Required when `strategy` is set to `"Webhook"`.', 'x-kubernetes-preserve-unknown-fields': true },
          },
        },
        group: str('group is the API group of the defined custom resource. The custom resources are served under `/apis/<group>/...`. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`).'),
        names: names('names specify the resource and kind names for the custom resource.'),
        preserveUnknownFields: bool('preserveUnknownFields indicates that object fields which are not specified in the OpenAPI schema should be preserved when persisting to storage. apiVersion, kind, metadata and known fields inside metadata are always preserved.'),
        scope: str('scope indicates whether the defined custom resource is cluster- or namespace-scoped. Allowed values are `Cluster` and `Namespaced`.'),
        versions: { type: 'array', description: 'versions is the list of all API versions of the defined custom resource.', items: version, 'x-kubernetes-list-type': 'atomic' },
      },
    },
    status: {
      type: 'object',
      description: 'status indicates the actual state of the CustomResourceDefinition',
      properties: {
        acceptedNames: names('acceptedNames are the names that are actually being used to serve discovery. They may be different than the names in spec.'),
        conditions: { type: 'array', description: 'conditions indicate state for particular aspects of a CustomResourceDefinition', items: condition, 'x-kubernetes-list-map-keys': ['type'], 'x-kubernetes-list-type': 'map' },
        storedVersions: strings('storedVersions lists all versions of CustomResources that were ever persisted. Tracking these versions allows a migration path for stored versions in etcd.'),
      },
    },
  },
}
