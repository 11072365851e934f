import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { FieldSchema, TypeSchema, ValueSchema } from '../../src/api/schema/schema.ts'
import { apiSchemas } from '../../src/api/schema/types/index.ts'
import { builtinResources } from '../../src/apiserver/resources/index.ts'
import { ownSchemaOf } from '../../src/apiserver/openapi/own-schemas.ts'

const CORE = 'io.k8s.api.core.v1.'
const APPS = 'io.k8s.api.apps.v1.'
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.'

const types = [...apiSchemas.all()]

function field(typeName: string, name: string): FieldSchema {
  const f = apiSchemas.get(typeName).fields.find((x) => x.name === name)
  assert.ok(f, `${typeName}.${name} is declared`)
  return f
}

/** The innermost named type of a value (through arrays and maps). */
function refName(v: ValueSchema): string | undefined {
  if (v.kind === 'ref') return v.name
  if (v.kind === 'array') return refName(v.items)
  if (v.kind === 'map') return refName(v.values)
  return undefined
}

/** A type's fields as JSON sees them: inline (embedded) fields replaced by the embedded type's fields. */
function jsonFields(type: TypeSchema): FieldSchema[] {
  return type.fields.flatMap((f) => (f.inline ? jsonFields(apiSchemas.get(refName(f.type)!)) : [f]))
}

function refsOf(v: ValueSchema): string[] {
  switch (v.kind) {
    case 'ref':
      return [v.name]
    case 'array':
      return refsOf(v.items)
    case 'map':
      return refsOf(v.values)
    default:
      return []
  }
}

describe('schema registry: consistency', () => {
  it('declares a good number of types', () => {
    assert.ok(types.length > 150, `${types.length} types`)
  })

  it('resolves every ref to a declared type', () => {
    for (const t of types) {
      for (const f of t.fields) {
        for (const r of refsOf(f.type)) assert.ok(apiSchemas.has(r), `${t.name}.${f.name} refers to undeclared ${r}`)
      }
    }
  })

  it('has unique protobuf field numbers within each type (ignoring 0)', () => {
    for (const t of types) {
      const seen = new Map<number, string>()
      for (const f of t.fields) {
        assert.ok(Number.isInteger(f.proto) && f.proto >= 0, `${t.name}.${f.name}: proto ${f.proto}`)
        if (f.proto === 0) continue
        assert.ok(!seen.has(f.proto), `${t.name}: proto ${f.proto} used by ${seen.get(f.proto)} and ${f.name}`)
        seen.set(f.proto, f.name)
      }
    }
  })

  it('has unique JSON names within each type, after inlining embedded types', () => {
    for (const t of types) {
      const names = jsonFields(t).map((f) => f.name)
      assert.equal(new Set(names).size, names.length, `${t.name}: duplicate JSON names in ${names.join(', ')}`)
    }
  })

  it('inlines only refs, and gives proto 0 only to apiVersion/kind', () => {
    for (const t of types) {
      for (const f of t.fields) {
        if (f.inline) assert.equal(f.type.kind, 'ref', `${t.name}.${f.name}`)
        if (f.proto === 0) assert.ok(f.name === 'apiVersion' || f.name === 'kind', `${t.name}.${f.name} has proto 0`)
      }
    }
  })

  it('puts merge keys and list-map keys on lists of objects that have those fields', () => {
    for (const t of types) {
      for (const f of t.fields) {
        if (f.patchMergeKey || f.listMapKeys) {
          assert.equal(f.type.kind, 'array', `${t.name}.${f.name}`)
          const item = refName(f.type)
          assert.ok(item, `${t.name}.${f.name}: merge key on a list of scalars`)
          const itemFields = jsonFields(apiSchemas.get(item)).map((x) => x.name)
          for (const k of [f.patchMergeKey, ...(f.listMapKeys ?? [])].filter((k) => k !== undefined)) {
            assert.ok(itemFields.includes(k), `${t.name}.${f.name}: key ${k} not a field of ${item}`)
          }
        }
        if (f.listType === 'map') assert.ok(f.listMapKeys?.length, `${t.name}.${f.name}: listType map without keys`)
      }
    }
  })
})

describe('schema registry: served kinds', () => {
  it('has a schema for every kind the server serves, with TypeMeta as JSON-only fields and metadata as field 1', () => {
    // A kind that carries its own OpenAPI schema (CustomResourceDefinition) is served as JSON only.
    for (const def of builtinResources.filter((d) => !ownSchemaOf(d))) {
      const s = apiSchemas.forKind(def.group, def.version, def.kind)
      assert.ok(s, `no schema for ${def.group}/${def.version} ${def.kind}`)
      assert.equal(field(s.name, 'apiVersion').proto, 0, `${s.name}.apiVersion`)
      assert.equal(field(s.name, 'kind').proto, 0, `${s.name}.kind`)
      const metadata = field(s.name, 'metadata')
      assert.equal(metadata.proto, 1, `${s.name}.metadata`)
      assert.deepEqual(metadata.type, { kind: 'ref', name: `${META}ObjectMeta` })
      const list = apiSchemas.forKind(def.group, def.version, `${def.kind}List`)
      assert.ok(list, `no list schema for ${def.kind}`)
      assert.equal(field(list.name, 'metadata').proto, 1)
      assert.equal(field(list.name, 'items').proto, 2)
      assert.deepEqual(field(list.name, 'items').type, { kind: 'array', items: { kind: 'ref', name: s.name } })
    }
  })

  it('has a schema for the kinds of the subresources with a shape of their own (binding, scale)', () => {
    for (const def of builtinResources) {
      for (const [name, sub] of Object.entries(def.subresources ?? {})) {
        if (!sub.kind) continue
        assert.ok(apiSchemas.forKind(sub.kind.group, sub.kind.version, sub.kind.kind), `${def.plural}/${name}: ${sub.kind.kind}`)
      }
    }
    assert.equal(apiSchemas.forKind('', 'v1', 'Binding')?.name, `${CORE}Binding`)
    assert.equal(apiSchemas.forKind('autoscaling', 'v1', 'Scale')?.name, 'io.k8s.api.autoscaling.v1.Scale')
    assert.equal(apiSchemas.forKind('', 'v1', 'Status')?.name, `${META}Status`)
    assert.equal(apiSchemas.forKind('meta.k8s.io', 'v1', 'DeleteOptions')?.name, `${META}DeleteOptions`)
    assert.equal(apiSchemas.forKind('meta.k8s.io', 'v1', 'WatchEvent')?.name, `${META}WatchEvent`)
    assert.equal(apiSchemas.forKind('events.k8s.io', 'v1', 'Event')?.name, 'io.k8s.api.events.v1.Event')
    assert.equal(apiSchemas.forKind('', 'v1', 'Event')?.name, `${CORE}Event`)
  })
})

describe('schema registry: spot checks against k8s.io/api and apimachinery generated.proto / types.go', () => {
  it('has the real protobuf field numbers', () => {
    const cases: [string, string, number][] = [
      [`${CORE}Pod`, 'metadata', 1],
      [`${CORE}Pod`, 'spec', 2],
      [`${CORE}Pod`, 'status', 3],
      [`${CORE}PodSpec`, 'volumes', 1],
      [`${CORE}PodSpec`, 'containers', 2],
      [`${CORE}PodSpec`, 'restartPolicy', 3],
      [`${CORE}PodSpec`, 'nodeName', 10],
      [`${CORE}PodSpec`, 'initContainers', 20],
      [`${CORE}PodSpec`, 'tolerations', 22],
      [`${CORE}PodSpec`, 'ephemeralContainers', 34],
      [`${CORE}Container`, 'name', 1],
      [`${CORE}Container`, 'image', 2],
      [`${CORE}Container`, 'command', 3],
      [`${CORE}Container`, 'ports', 6],
      [`${CORE}Container`, 'env', 7],
      [`${CORE}Container`, 'resources', 8],
      [`${CORE}Container`, 'volumeMounts', 9],
      [`${CORE}Container`, 'livenessProbe', 10],
      [`${CORE}Container`, 'envFrom', 19],
      [`${CORE}Container`, 'startupProbe', 22],
      [`${CORE}ContainerPort`, 'containerPort', 3],
      [`${CORE}Probe`, 'initialDelaySeconds', 2],
      [`${CORE}ProbeHandler`, 'httpGet', 2],
      [`${CORE}VolumeSource`, 'hostPath', 1],
      [`${CORE}VolumeSource`, 'emptyDir', 2],
      [`${CORE}VolumeSource`, 'secret', 6],
      [`${CORE}VolumeSource`, 'persistentVolumeClaim', 10],
      [`${CORE}VolumeSource`, 'downwardAPI', 16],
      [`${CORE}VolumeSource`, 'configMap', 19],
      [`${CORE}VolumeSource`, 'projected', 26],
      [`${CORE}ConfigMapKeySelector`, 'key', 2],
      [`${CORE}PodStatus`, 'phase', 1],
      [`${CORE}PodStatus`, 'conditions', 2],
      [`${CORE}PodStatus`, 'podIP', 6],
      [`${CORE}PodStatus`, 'containerStatuses', 8],
      [`${CORE}PodStatus`, 'podIPs', 12],
      [`${CORE}ConfigMap`, 'data', 2],
      [`${CORE}ConfigMap`, 'binaryData', 3],
      [`${CORE}ConfigMap`, 'immutable', 4],
      [`${CORE}Secret`, 'data', 2],
      [`${CORE}Secret`, 'type', 3],
      [`${CORE}Secret`, 'stringData', 4],
      [`${CORE}Secret`, 'immutable', 5],
      [`${CORE}ServicePort`, 'port', 3],
      [`${CORE}ServicePort`, 'targetPort', 4],
      [`${CORE}ServicePort`, 'nodePort', 5],
      [`${CORE}ServicePort`, 'appProtocol', 6],
      [`${CORE}Event`, 'involvedObject', 2],
      [`${CORE}Event`, 'eventTime', 10],
      [`${CORE}Event`, 'reportingComponent', 14],
      [`${CORE}Binding`, 'target', 2],
      [`${CORE}NodeStatus`, 'conditions', 4],
      [`${CORE}Taint`, 'timeAdded', 4],
      ['io.k8s.api.events.v1.Event', 'eventTime', 2],
      ['io.k8s.api.events.v1.Event', 'regarding', 8],
      ['io.k8s.api.events.v1.Event', 'note', 10],
      [`${APPS}DeploymentSpec`, 'replicas', 1],
      [`${APPS}DeploymentSpec`, 'selector', 2],
      [`${APPS}DeploymentSpec`, 'template', 3],
      [`${APPS}DeploymentSpec`, 'strategy', 4],
      [`${APPS}DeploymentSpec`, 'progressDeadlineSeconds', 9],
      [`${APPS}DeploymentStatus`, 'conditions', 6],
      ['io.k8s.api.coordination.v1.LeaseSpec', 'holderIdentity', 1],
      ['io.k8s.api.coordination.v1.LeaseSpec', 'renewTime', 4],
      ['io.k8s.api.autoscaling.v1.ScaleStatus', 'selector', 2],
      [`${META}ObjectMeta`, 'name', 1],
      [`${META}ObjectMeta`, 'namespace', 3],
      [`${META}ObjectMeta`, 'uid', 5],
      [`${META}ObjectMeta`, 'resourceVersion', 6],
      [`${META}ObjectMeta`, 'creationTimestamp', 8],
      [`${META}ObjectMeta`, 'labels', 11],
      [`${META}ObjectMeta`, 'annotations', 12],
      [`${META}ObjectMeta`, 'ownerReferences', 13],
      [`${META}ObjectMeta`, 'finalizers', 14],
      [`${META}ObjectMeta`, 'managedFields', 17],
      [`${META}OwnerReference`, 'kind', 1],
      [`${META}OwnerReference`, 'apiVersion', 5],
      [`${META}ManagedFieldsEntry`, 'fieldsV1', 7],
      [`${META}ListMeta`, 'continue', 3],
      [`${META}Status`, 'code', 6],
      [`${META}DeleteOptions`, 'propagationPolicy', 4],
    ]
    for (const [type, name, proto] of cases) assert.equal(field(type, name).proto, proto, `${type}.${name}`)
  })

  it('has the real value kinds', () => {
    assert.deepEqual(field(`${CORE}Secret`, 'data').type, { kind: 'map', values: { kind: 'bytes' } })
    assert.deepEqual(field(`${CORE}ConfigMap`, 'binaryData').type, { kind: 'map', values: { kind: 'bytes' } })
    assert.deepEqual(field(`${CORE}ConfigMap`, 'data').type, { kind: 'map', values: { kind: 'string' } })
    assert.deepEqual(field(`${CORE}ResourceRequirements`, 'limits').type, { kind: 'map', values: { kind: 'quantity' } })
    assert.deepEqual(field(`${CORE}ServicePort`, 'targetPort').type, { kind: 'intOrString' })
    assert.deepEqual(field(`${CORE}HTTPGetAction`, 'port').type, { kind: 'intOrString' })
    assert.deepEqual(field(`${META}ObjectMeta`, 'creationTimestamp').type, { kind: 'time' })
    assert.deepEqual(field(`${META}ObjectMeta`, 'generation').type, { kind: 'integer', format: 'int64' })
    assert.deepEqual(field(`${CORE}Event`, 'eventTime').type, { kind: 'microTime' })
    assert.deepEqual(field('io.k8s.api.coordination.v1.LeaseSpec', 'acquireTime').type, { kind: 'microTime' })
    assert.deepEqual(field(`${META}ManagedFieldsEntry`, 'fieldsV1').type, { kind: 'raw' })
    assert.deepEqual(field(`${META}WatchEvent`, 'object').type, { kind: 'raw' })
    assert.deepEqual(field(`${CORE}ContainerPort`, 'containerPort').type, { kind: 'integer', format: 'int32' })
    assert.deepEqual(field(`${CORE}PodSpec`, 'terminationGracePeriodSeconds').type, { kind: 'integer', format: 'int64' })
    const restartPolicy = field(`${CORE}PodSpec`, 'restartPolicy').type
    assert.equal(restartPolicy.kind, 'string')
    assert.deepEqual(restartPolicy.kind === 'string' && restartPolicy.enum, ['Always', 'Never', 'OnFailure'])
  })

  it('has the real strategic merge patch strategies, merge keys and list types', () => {
    const cases: [string, string, FieldSchema['patchStrategy'] | undefined, string | undefined][] = [
      [`${CORE}PodSpec`, 'containers', 'merge', 'name'],
      [`${CORE}PodSpec`, 'initContainers', 'merge', 'name'],
      [`${CORE}PodSpec`, 'volumes', 'merge,retainKeys', 'name'],
      [`${CORE}PodSpec`, 'imagePullSecrets', 'merge', 'name'],
      [`${CORE}PodSpec`, 'tolerations', undefined, undefined],
      [`${CORE}Container`, 'ports', 'merge', 'containerPort'],
      [`${CORE}Container`, 'env', 'merge', 'name'],
      [`${CORE}Container`, 'envFrom', undefined, undefined],
      [`${CORE}Container`, 'volumeMounts', 'merge', 'mountPath'],
      [`${CORE}PodStatus`, 'conditions', 'merge', 'type'],
      [`${CORE}NodeStatus`, 'conditions', 'merge', 'type'],
      [`${CORE}NodeStatus`, 'addresses', 'merge', 'type'],
      [`${CORE}NodeSpec`, 'taints', undefined, undefined],
      [`${CORE}ServiceSpec`, 'ports', 'merge', 'port'],
      [`${CORE}ServiceAccount`, 'secrets', 'merge', 'name'],
      [`${CORE}NamespaceStatus`, 'conditions', 'merge', 'type'],
      [`${APPS}DeploymentStatus`, 'conditions', 'merge', 'type'],
      [`${APPS}ReplicaSetStatus`, 'conditions', 'merge', 'type'],
      [`${META}ObjectMeta`, 'ownerReferences', 'merge', 'uid'],
      [`${META}ObjectMeta`, 'finalizers', 'merge', undefined],
      [`${META}ObjectMeta`, 'managedFields', undefined, undefined],
    ]
    for (const [type, name, strategy, key] of cases) {
      const f = field(type, name)
      assert.equal(f.patchStrategy, strategy, `${type}.${name} patchStrategy`)
      assert.equal(f.patchMergeKey, key, `${type}.${name} patchMergeKey`)
    }
    assert.equal(field(`${CORE}PodSpec`, 'tolerations').listType, 'atomic')
    assert.equal(field(`${META}ObjectMeta`, 'finalizers').listType, 'set')
    assert.deepEqual(field(`${CORE}Container`, 'ports').listMapKeys, ['containerPort', 'protocol'])
    assert.deepEqual(field(`${CORE}ServiceSpec`, 'ports').listMapKeys, ['port', 'protocol'])
    assert.deepEqual(field(`${CORE}PodSpec`, 'containers').listMapKeys, ['name'])
  })

  it('declares Go-embedded structs as inline fields that are one message on the wire', () => {
    const volumeSource = field(`${CORE}Volume`, 'volumeSource')
    assert.equal(volumeSource.inline, true)
    assert.equal(volumeSource.proto, 2)
    assert.deepEqual(volumeSource.type, { kind: 'ref', name: `${CORE}VolumeSource` })
    assert.equal(field(`${CORE}Probe`, 'handler').proto, 1)
    assert.equal(field(`${CORE}Probe`, 'handler').inline, true)
    assert.equal(field(`${CORE}ConfigMapKeySelector`, 'localObjectReference').inline, true)
    const volumeJson = jsonFields(apiSchemas.get(`${CORE}Volume`)).map((f) => f.name)
    for (const n of ['name', 'hostPath', 'emptyDir', 'configMap', 'secret', 'downwardAPI', 'projected', 'persistentVolumeClaim']) {
      assert.ok(volumeJson.includes(n), `Volume JSON has ${n}`)
    }
  })

  it('marks required fields and fields Go always writes', () => {
    assert.equal(field(`${CORE}Container`, 'name').required, true)
    assert.equal(field(`${CORE}PodSpec`, 'containers').required, true)
    assert.notEqual(field(`${CORE}Container`, 'image').required, true)
    assert.equal(field(`${META}ObjectMeta`, 'creationTimestamp').emitEmpty, true)
    assert.notEqual(field(`${META}ObjectMeta`, 'labels').emitEmpty, true)
  })

  it('marks Go pointer fields (types.go `*T`), whose explicit zero value a protobuf body keeps', () => {
    const pointers: [string, string][] = [
      [`${APPS}DeploymentSpec`, 'replicas'], // *int32
      [`${APPS}DeploymentSpec`, 'revisionHistoryLimit'],
      [`${APPS}DeploymentSpec`, 'progressDeadlineSeconds'],
      [`${APPS}ReplicaSetSpec`, 'replicas'],
      [`${CORE}PodSpec`, 'terminationGracePeriodSeconds'], // *int64
      [`${CORE}PodSpec`, 'automountServiceAccountToken'], // *bool
      [`${CORE}PodSpec`, 'enableServiceLinks'],
      [`${CORE}PodSpec`, 'runtimeClassName'], // *string
      [`${CORE}PodSpec`, 'securityContext'], // *PodSecurityContext
      [`${CORE}ConfigMap`, 'immutable'],
      [`${CORE}Secret`, 'immutable'],
      [`${CORE}SecurityContext`, 'runAsUser'],
      [`${CORE}SecurityContext`, 'privileged'],
      [`${CORE}PodSecurityContext`, 'runAsUser'],
      [`${CORE}ConfigMapVolumeSource`, 'defaultMode'],
      [`${CORE}ConfigMapKeySelector`, 'optional'],
      [`${CORE}Toleration`, 'tolerationSeconds'],
      [`${CORE}EmptyDirVolumeSource`, 'sizeLimit'], // *resource.Quantity
      [`${CORE}Container`, 'livenessProbe'],
      ['io.k8s.api.batch.v1.JobSpec', 'backoffLimit'],
      ['io.k8s.api.batch.v1.JobSpec', 'suspend'],
      ['io.k8s.api.discovery.v1.EndpointConditions', 'ready'],
      ['io.k8s.api.coordination.v1.LeaseSpec', 'leaseDurationSeconds'],
      [`${META}ObjectMeta`, 'deletionGracePeriodSeconds'],
      [`${META}ObjectMeta`, 'deletionTimestamp'], // *Time
      [`${META}OwnerReference`, 'controller'],
      [`${META}DeleteOptions`, 'gracePeriodSeconds'],
    ]
    for (const [type, name] of pointers) assert.equal(field(type, name).pointer, true, `${type}.${name} is a pointer`)
    const plain: [string, string][] = [
      [`${APPS}DeploymentSpec`, 'minReadySeconds'],
      [`${APPS}DeploymentSpec`, 'paused'],
      [`${APPS}DeploymentSpec`, 'template'],
      [`${APPS}DeploymentStatus`, 'replicas'],
      [`${CORE}PodSpec`, 'hostNetwork'],
      [`${CORE}PodSpec`, 'nodeName'],
      [`${CORE}ContainerPort`, 'containerPort'],
      [`${CORE}Probe`, 'periodSeconds'],
      [`${CORE}Container`, 'resources'],
      [`${META}ObjectMeta`, 'generation'],
      [`${META}ObjectMeta`, 'creationTimestamp'],
    ]
    for (const [type, name] of plain) assert.notEqual(field(type, name).pointer, true, `${type}.${name} is not a pointer`)
    // Go has no pointers to slices or maps here, and an embedded (inline) struct is not a pointer.
    for (const t of types) {
      for (const f of t.fields) {
        if (!f.pointer) continue
        assert.ok(f.type.kind !== 'array' && f.type.kind !== 'map', `${t.name}.${f.name}: a pointer to a ${f.type.kind}`)
        assert.notEqual(f.inline, true, `${t.name}.${f.name}: an inline pointer`)
        assert.ok(f.proto > 0, `${t.name}.${f.name}: a pointer that is not on the wire`)
      }
    }
  })

  it('describes types and fields for kubectl explain', () => {
    assert.match(apiSchemas.get(`${CORE}Pod`).description ?? '', /^Pod is a collection of containers/)
    assert.match(field(`${CORE}Container`, 'image').description ?? '', /^Container image name/)
  })
})
