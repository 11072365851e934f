import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SchemaRegistry, t, type TypeSchema } from '../../src/api/schema/schema.ts'
import { apiSchemas } from '../../src/api/schema/types/index.ts'
import { parsePatch, STRATEGIC_MERGE_PATCH, SUPPORTED_PATCH_TYPES } from '../../src/apiserver/patch/apply-patch.ts'
import { strategicMergePatch } from '../../src/apiserver/patch/strategic-merge.ts'
import { ApiError } from '../../src/errors/api-error.ts'

/**
 * Strategic merge patch. The first group ports cases of apimachinery's pkg/util/strategicpatch/patch_test.go
 * verbatim (their `MergeItem` test type, declared below as a schema): applying the two-way patch to the original
 * gives the modified object, or, marked "(three-way)", applying the three-way patch to the current object gives
 * the result. The other groups use the real API schemas with patches as kubectl sends them.
 */

// patch_test.go's MergeItem and RetainKeysMergeItem, with their patchStrategy / patchMergeKey tags.
const MI = 'test.MergeItem'
const RK = 'test.RetainKeysMergeItem'
const mergeItem: TypeSchema = {
  name: MI,
  fields: [
    { name: 'name', proto: 1, type: t.string() },
    { name: 'value', proto: 2, type: t.string() },
    { name: 'other', proto: 3, type: t.string() },
    { name: 'mergingList', proto: 4, type: t.array(t.ref(MI)), patchStrategy: 'merge', patchMergeKey: 'name' },
    { name: 'nonMergingList', proto: 5, type: t.array(t.ref(MI)) },
    { name: 'mergingIntList', proto: 6, type: t.array(t.int64), patchStrategy: 'merge' },
    { name: 'nonMergingIntList', proto: 7, type: t.array(t.int64) },
    // *MergeItem in Go: used as a list in some cases, which Go resolves to the pointed-to struct.
    { name: 'mergeItemPtr', proto: 8, type: t.ref(MI), patchStrategy: 'merge', patchMergeKey: 'name' },
    { name: 'simpleMap', proto: 9, type: t.map(t.string()) },
    { name: 'replacingItem', proto: 10, type: t.raw, patchStrategy: 'replace' },
    { name: 'retainKeysMap', proto: 12, type: t.ref(RK), patchStrategy: 'retainKeys' },
    { name: 'retainKeysMergingList', proto: 13, type: t.array(t.ref(MI)), patchStrategy: 'merge,retainKeys', patchMergeKey: 'name' },
  ],
}
const retainKeysMergeItem: TypeSchema = {
  name: RK,
  fields: [
    { name: 'name', proto: 1, type: t.string() },
    { name: 'value', proto: 2, type: t.string() },
    { name: 'other', proto: 3, type: t.string() },
    { name: 'simpleMap', proto: 4, type: t.map(t.string()) },
    { name: 'mergingIntList', proto: 5, type: t.array(t.int64), patchStrategy: 'merge' },
    { name: 'mergingList', proto: 6, type: t.array(t.ref(MI)), patchStrategy: 'merge', patchMergeKey: 'name' },
    { name: 'nonMergingList', proto: 7, type: t.array(t.ref(MI)) },
  ],
}
const testSchemas = new SchemaRegistry([mergeItem, retainKeysMergeItem])

/** [description, original, patch, expected result or "!" + a part of the expected error] */
const portedCases: [string, string, string, string][] = [
  ["$setElementOrder contains item that is not present in the list to be merged", "{\"mergingList\":[{\"name\":1},{\"name\":3}]}", "{\"$setElementOrder/mergingList\":[{\"name\":3},{\"name\":2},{\"name\":1}],\"mergingList\":[{\"name\":3,\"value\":3},{\"name\":1,\"value\":1}]}", "{\"mergingList\":[{\"name\":3,\"value\":3},{\"name\":1,\"value\":1}]}"],
  ["should check if order in $setElementOrder and patch list match", "{\"mergingList\":[{\"name\":1},{\"name\":3},{\"name\":2}]}", "{\"$setElementOrder/mergingList\":[{\"name\":1},{\"name\":2},{\"name\":3}],\"mergingList\":[{\"name\":3,\"value\":3},{\"name\":1,\"value\":1}]}", "!doesn't match"],
  ["missing merge key should error out", "{\"mergingList\":[{\"name\":1,\"value\":\"a\"}]}", "{\"mergingList\":[{\"value\":\"b\"}]}", "!does not contain declared merge key"],
  ["$deleteFromPrimitiveList of nonexistent item in primitive list should not add the item to the list", "{\"mergingIntList\":[1,2]}", "{\"$deleteFromPrimitiveList/mergingIntList\":[3]}", "{\"mergingIntList\":[1,2]}"],
  ["$deleteFromPrimitiveList on nonexistent primitive list should not add the primitive list", "{\"foo\":[\"bar\"]}", "{\"$deleteFromPrimitiveList/mergingIntList\":[3]}", "{\"foo\":[\"bar\"]}"],
  ["$deleteFromPrimitiveList should delete item from a list with merge patch strategy", "{\"mergingIntList\":[1,2,3]}", "{\"$deleteFromPrimitiveList/mergingIntList\":[2]}", "{\"mergingIntList\":[1,3]}"],
  ["$deleteFromPrimitiveList should delete item from a list without merge patch strategy", "{\"nonMergingIntList\":[1,2,3]}", "{\"$deleteFromPrimitiveList/nonMergingIntList\":[2]}", "{\"nonMergingIntList\":[1,3]}"],
  ["unique scalars when merging lists", "{\"mergingIntList\":[1,2]}", "{\"mergingIntList\":[2,3]}", "{\"mergingIntList\":[1,2,3]}"],
  ["delete map from nested map", "{\"simpleMap\":{\"key1\":1,\"key2\":1}}", "{\"simpleMap\":{\"$patch\":\"delete\"}}", "{\"simpleMap\":{}}"],
  ["delete all items from merging list", "{\"mergingList\":[{\"name\":1},{\"name\":2}]}", "{\"mergingList\":[{\"$patch\":\"replace\"}]}", "{\"mergingList\":[]}"],
  ["add key and delete all keys from map", "{\"name\":1,\"value\":1}", "{\"other\":\"a\",\"$patch\":\"replace\"}", "{\"other\":\"a\"}"],
  ["delete all duplicate entries in a merging list", "{\"mergingList\":[{\"name\":1},{\"name\":1},{\"name\":2,\"value\":\"a\"},{\"name\":3},{\"name\":3}]}", "{\"mergingList\":[{\"name\":1,\"$patch\":\"delete\"},{\"name\":3,\"$patch\":\"delete\"}]}", "{\"mergingList\":[{\"name\":2,\"value\":\"a\"}]}"],
  ["preserve the order from the patch in a merging list", "{\"mergingList\":[{\"name\":1},{\"name\":2,\"value\":\"b\"},{\"name\":3}]}", "{\"mergingList\":[{\"name\":3,\"value\":\"c\"},{\"name\":1,\"value\":\"a\"},{\"name\":2,\"other\":\"x\"}]}", "{\"mergingList\":[{\"name\":3,\"value\":\"c\"},{\"name\":1,\"value\":\"a\"},{\"name\":2,\"value\":\"b\",\"other\":\"x\"}]}"],
  ["nested patch merge with empty list (three-way)", "{\"name\":\"hi\",\"mergingList\":[{\"name\":\"hello2\"}]}", "{\"$setElementOrder/mergingList\":[{\"name\":\"hello\"},{\"name\":\"doesntexist\"}],\"mergingList\":[{\"name\":\"hello\"}]}", "{\"name\":\"hi\",\"mergingList\":[{\"name\":\"hello\"},{\"name\":\"hello2\"}]}"],
  ["add and delete items in lists of scalars (three-way)", "{\"mergingIntList\":[1,2,3,4]}", "{\"$setElementOrder/mergingIntList\":[1,2,4],\"$deleteFromPrimitiveList/mergingIntList\":[3]}", "{\"mergingIntList\":[1,2,4]}"],
  ["merge lists of maps (three-way)", "{\"mergingList\":[{\"name\":1,\"other\":\"a\"},{\"name\":2,\"value\":2,\"other\":\"b\"}]}", "{\"$setElementOrder/mergingList\":[{\"name\":4},{\"name\":1},{\"name\":2},{\"name\":3}],\"mergingList\":[{\"name\":4,\"value\":4},{\"name\":3,\"value\":3}]}", "{\"mergingList\":[{\"name\":4,\"value\":4},{\"name\":1,\"other\":\"a\"},{\"name\":2,\"value\":2,\"other\":\"b\"},{\"name\":3,\"value\":3}]}"],
  ["delete missing map from merging list (three-way)", "{\"mergingList\":[{\"name\":2,\"other\":\"b\"}]}", "{\"$setElementOrder/mergingList\":[{\"name\":2}],\"mergingList\":[{\"name\":1,\"$patch\":\"delete\"}]}", "{\"mergingList\":[{\"name\":2,\"other\":\"b\"}]}"],
  ["add map and delete map from merging list (three-way)", "{\"mergingList\":[{\"name\":1},{\"name\":2,\"other\":\"b\"},{\"name\":4,\"other\":\"c\"}]}", "{\"$setElementOrder/mergingList\":[{\"name\":2},{\"name\":3}],\"mergingList\":[{\"name\":3},{\"name\":1,\"$patch\":\"delete\"}]}", "{\"mergingList\":[{\"name\":2,\"other\":\"b\"},{\"name\":4,\"other\":\"c\"},{\"name\":3}]}"],
  ["delete field from map in merging list (three-way)", "{\"mergingList\":[{\"name\":1,\"value\":1,\"other\":\"a\"},{\"name\":2,\"value\":2,\"other\":\"b\"}]}", "{\"$setElementOrder/mergingList\":[{\"name\":1},{\"name\":2}],\"mergingList\":[{\"name\":1,\"value\":null}]}", "{\"mergingList\":[{\"name\":1,\"other\":\"a\"},{\"name\":2,\"value\":2,\"other\":\"b\"}]}"],
  ["replace non merging list nested in merging list (three-way)", "{\"mergingList\":[{\"name\":1,\"other\":\"a\",\"nonMergingList\":[{\"name\":1},{\"name\":2,\"value\":2}]},{\"name\":2,\"other\":\"b\"}]}", "{\"$setElementOrder/mergingList\":[{\"name\":1},{\"name\":2}],\"mergingList\":[{\"name\":1,\"nonMergingList\":[{\"name\":1,\"value\":1}]}]}", "{\"mergingList\":[{\"name\":1,\"other\":\"a\",\"nonMergingList\":[{\"name\":1,\"value\":1}]},{\"name\":2,\"other\":\"b\"}]}"],
  ["add field to map in merging list nested in merging list (three-way)", "{\"mergingList\":[{\"name\":1,\"other\":\"a\",\"mergingList\":[{\"name\":1},{\"name\":2,\"value\":2}]},{\"name\":2,\"other\":\"b\"}]}", "{\"$setElementOrder/mergingList\":[{\"name\":1},{\"name\":2}],\"mergingList\":[{\"$setElementOrder/mergingList\":[{\"name\":1},{\"name\":2}],\"name\":1,\"mergingList\":[{\"name\":1,\"value\":1}]}]}", "{\"mergingList\":[{\"name\":1,\"other\":\"a\",\"mergingList\":[{\"name\":1,\"value\":1},{\"name\":2,\"value\":2}]},{\"name\":2,\"other\":\"b\"}]}"],
  ["delete an item in a list of primitives and preserve order (three-way)", "{\"mergingIntList\":[1,2,3]}", "{\"$setElementOrder/mergingIntList\":[2,1],\"$deleteFromPrimitiveList/mergingIntList\":[3]}", "{\"mergingIntList\":[2,1]}"],
  ["add and delete an item in a list and preserve order (three-way)", "{\"mergingList\":[{\"name\":1,\"other\":\"a\"},{\"name\":2,\"value\":2,\"other\":\"b\"},{\"name\":3,\"value\":3}]}", "{\"$setElementOrder/mergingList\":[{\"name\":4},{\"name\":2},{\"name\":1}],\"mergingList\":[{\"name\":4,\"value\":4},{\"name\":3,\"$patch\":\"delete\"}]}", "{\"mergingList\":[{\"name\":4,\"value\":4},{\"name\":2,\"value\":2,\"other\":\"b\"},{\"name\":1,\"other\":\"a\"}]}"],
  ["set elements order in a list with server-only items (three-way)", "{\"mergingList\":[{\"name\":1,\"other\":\"a\"},{\"name\":3,\"value\":3},{\"name\":4,\"value\":4},{\"name\":2,\"value\":2},{\"name\":9}]}", "{\"$setElementOrder/mergingList\":[{\"name\":4},{\"name\":2},{\"name\":3},{\"name\":1}]}", "{\"mergingList\":[{\"name\":4,\"value\":4},{\"name\":2,\"value\":2},{\"name\":3,\"value\":3},{\"name\":1,\"other\":\"a\"},{\"name\":9}]}"],
  ["set elements order in a list with server-only items 3 (three-way)", "{\"mergingList\":[{\"name\":1,\"other\":\"a\"},{\"name\":2,\"value\":2},{\"name\":7},{\"name\":9},{\"name\":8},{\"name\":3,\"value\":3},{\"name\":4,\"value\":4}]}", "{\"$setElementOrder/mergingList\":[{\"name\":2},{\"name\":1},{\"name\":4},{\"name\":3}]}", "{\"mergingList\":[{\"name\":2,\"value\":2},{\"name\":1,\"other\":\"a\"},{\"name\":7},{\"name\":9},{\"name\":8},{\"name\":4,\"value\":4},{\"name\":3,\"value\":3}]}"],
  ["set elements order in a int list with server-only items 2 (three-way)", "{\"mergingIntList\":[1,2,9,3,4]}", "{\"$setElementOrder/mergingIntList\":[2,1,4,3]}", "{\"mergingIntList\":[2,1,9,4,3]}"],
  ["retainKeys map should clear defaulted field (three-way)", "{\"retainKeysMap\":{\"value\":\"foo\"}}", "{\"retainKeysMap\":{\"$retainKeys\":[\"other\"],\"other\":\"bar\"}}", "{\"retainKeysMap\":{\"other\":\"bar\"}}"],
  ["retainKeys map deletes a field and clears a field (three-way)", "{\"retainKeysMap\":{\"name\":\"foo\",\"value\":\"bar\",\"other\":\"a\"}}", "{\"retainKeysMap\":{\"$retainKeys\":[\"name\"],\"value\":null}}", "{\"retainKeysMap\":{\"name\":\"foo\"}}"],
  ["retainKeys map adds an item and deletes an item in nested merging int list (three-way)", "{\"retainKeysMap\":{\"name\":\"foo\",\"mergingIntList\":[1,2,3,4]}}", "{\"retainKeysMap\":{\"$retainKeys\":[\"mergingIntList\",\"name\"],\"mergingIntList\":[5],\"$deleteFromPrimitiveList/mergingIntList\":[2],\"$setElementOrder/mergingIntList\":[1,3,5]}}", "{\"retainKeysMap\":{\"name\":\"foo\",\"mergingIntList\":[1,3,5,4]}}"],
  ["retainKeys list of maps changes a field and clear a field (three-way)", "{\"retainKeysMergingList\":[{\"name\":\"bar\"},{\"name\":\"foo\",\"value\":\"old\",\"other\":\"x\"}]}", "{\"$setElementOrder/retainKeysMergingList\":[{\"name\":\"bar\"},{\"name\":\"foo\"}],\"retainKeysMergingList\":[{\"$retainKeys\":[\"name\",\"value\"],\"name\":\"foo\",\"value\":\"new\"}]}", "{\"retainKeysMergingList\":[{\"name\":\"bar\"},{\"name\":\"foo\",\"value\":\"new\"}]}"],
  ["delete and reorder in one list, reorder in another (three-way)", "{\"mergingList\":[{\"name\":\"a\",\"value\":\"a\"},{\"name\":\"b\",\"value\":\"b\"}],\"mergeItemPtr\":[{\"name\":\"c\",\"value\":\"c\"},{\"name\":\"d\",\"value\":\"d\"}]}", "{\"$setElementOrder/mergingList\":[{\"name\":\"b\"}],\"$setElementOrder/mergeItemPtr\":[{\"name\":\"d\"},{\"name\":\"c\"}],\"mergingList\":[{\"$patch\":\"delete\",\"name\":\"a\"}]}", "{\"mergingList\":[{\"name\":\"b\",\"value\":\"b\"}],\"mergeItemPtr\":[{\"name\":\"d\",\"value\":\"d\"},{\"name\":\"c\",\"value\":\"c\"}]}"],
]

/** The ApiError `fn` throws. */
function apiError(fn: () => unknown): ApiError {
  try {
    fn()
  } catch (err) {
    if (err instanceof ApiError) return err
    throw err
  }
  assert.fail('expected an ApiError')
}

describe("strategic merge patch: apimachinery's patch_test.go cases", () => {
  for (const [description, original, patch, expected] of portedCases) {
    it(description, () => {
      const apply = () => strategicMergePatch(JSON.parse(original), JSON.parse(patch), mergeItem, testSchemas)
      if (expected.startsWith('!')) assert.match(apiError(apply).message, new RegExp(escapeRegExp(expected.slice(1))))
      else assert.deepEqual(apply(), JSON.parse(expected))
    })
  }
})

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

// ------------------------------------------------------------------------------------------------------------
// Real kinds, patches as kubectl and the clients send them.

const deploymentSchema = apiSchemas.forKind('apps', 'v1', 'Deployment')!
const podSchema = apiSchemas.forKind('', 'v1', 'Pod')!
const nodeSchema = apiSchemas.forKind('', 'v1', 'Node')!

const patchDeployment = (obj: unknown, patch: unknown) => strategicMergePatch(obj, patch, deploymentSchema, apiSchemas) as any
const patchPod = (obj: unknown, patch: unknown) => strategicMergePatch(obj, patch, podSchema, apiSchemas) as any

function deployment(containers: unknown[], extra: Record<string, unknown> = {}): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, annotations: { a: '1', b: '2' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers, ...extra } },
    },
  }
}

const containerA = () => ({
  name: 'a',
  image: 'nginx:1',
  env: [
    { name: 'X', value: '1' },
    { name: 'Y', value: '2' },
  ],
  ports: [{ containerPort: 80, protocol: 'TCP' }],
})
const containerB = () => ({ name: 'b', image: 'busybox', command: ['sleep', '3600'] })

describe('strategic merge patch: workloads', () => {
  it('schemas for the kinds under test are declared', () => {
    assert.ok(deploymentSchema && podSchema && nodeSchema)
  })

  it('merges containers by name: patching one keeps the other (kubectl patch)', () => {
    const obj = deployment([containerA(), containerB()])
    const out = patchDeployment(obj, { spec: { template: { spec: { containers: [{ name: 'a', image: 'x:2' }] } } } })
    const containers = out.spec.template.spec.containers
    assert.deepEqual(
      containers.map((c: any) => [c.name, c.image]),
      [
        ['a', 'x:2'],
        ['b', 'busybox'],
      ],
    )
    assert.deepEqual(containers[0].env, containerA().env, 'fields the patch does not name are kept')
    assert.deepEqual(containers[1].command, ['sleep', '3600'])
  })

  it('adds a container whose name is new, before the live ones (patch items first, as in Kubernetes)', () => {
    // The order of kubernetes.io's "Update API Objects in Place Using kubectl patch": patch-demo-ctr-2 comes first.
    const out = patchDeployment(deployment([containerA()]), { spec: { template: { spec: { containers: [{ name: 'c', image: 'redis' }] } } } })
    assert.deepEqual(
      out.spec.template.spec.containers.map((c: any) => c.name),
      ['c', 'a'],
    )
  })

  it("applies kubectl apply's 3-way diff: $setElementOrder, env deleted by name, container deleted", () => {
    const obj = deployment([containerA(), containerB()])
    // Observed from kubectl apply removing container b and env X (kubectl-compat.md §3.5).
    const patch = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'a' }],
            containers: [
              { '$setElementOrder/env': [{ name: 'Y' }], env: [{ $patch: 'delete', name: 'X' }], image: 'nginx:2', name: 'a' },
              { $patch: 'delete', name: 'b' },
            ],
          },
        },
      },
    }
    const out = patchDeployment(obj, patch)
    assert.deepEqual(out.spec.template.spec.containers, [
      { name: 'a', image: 'nginx:2', env: [{ name: 'Y', value: '2' }], ports: [{ containerPort: 80, protocol: 'TCP' }] },
    ])
  })

  it('orders a merged list by $setElementOrder, new items included', () => {
    const obj = deployment([containerA()])
    const patch = {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'a',
                '$setElementOrder/env': [{ name: 'Z' }, { name: 'X' }, { name: 'Y' }],
                env: [{ name: 'Z', value: '0' }],
              },
            ],
          },
        },
      },
    }
    const out = patchDeployment(obj, patch)
    assert.deepEqual(
      out.spec.template.spec.containers[0].env.map((e: any) => e.name),
      ['Z', 'X', 'Y'],
    )
  })

  it('interleaves live-only items (not in $setElementOrder) by their live order, best effort', () => {
    // A sidecar the server added between a and c; the user's apply only knows a and c and swaps them. Go's
    // mergeSortedSlice puts the sidecar first: it comes before c, the first ordered item, in the live list.
    const obj = deployment([{ name: 'a', image: 'a' }, { name: 'sidecar', image: 's' }, { name: 'c', image: 'c' }])
    const patch = { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }] } } } }
    const out = patchDeployment(obj, patch)
    assert.deepEqual(
      out.spec.template.spec.containers.map((c: any) => c.name),
      ['sidecar', 'c', 'a'],
    )
  })

  it('merges ports by containerPort (a number)', () => {
    const obj = deployment([containerA()])
    const patch = {
      spec: {
        template: {
          spec: {
            containers: [{ name: 'a', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443, protocol: 'TCP' }] }],
          },
        },
      },
    }
    const out = patchDeployment(obj, patch)
    assert.deepEqual(out.spec.template.spec.containers[0].ports, [
      { containerPort: 80, protocol: 'TCP', name: 'http' },
      { containerPort: 443, protocol: 'TCP' },
    ])
  })

  it('merges volumeMounts by mountPath', () => {
    const obj = deployment([{ name: 'a', image: 'a', volumeMounts: [{ name: 'data', mountPath: '/data' }] }])
    const patch = { spec: { template: { spec: { containers: [{ name: 'a', volumeMounts: [{ mountPath: '/data', readOnly: true }] }] } } } }
    const out = patchDeployment(obj, patch)
    assert.deepEqual(out.spec.template.spec.containers[0].volumeMounts, [{ name: 'data', mountPath: '/data', readOnly: true }])
  })

  it('merges volumes by name and clears the old volume source with $retainKeys', () => {
    const obj = deployment([containerA()], {
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'cfg', configMap: { name: 'old' } },
      ],
    })
    // kubectl apply switching volume "data" from emptyDir to a configMap (volumes are merge,retainKeys).
    const patch = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/volumes': [{ name: 'data' }, { name: 'cfg' }],
            volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' }, name: 'data' }],
          },
        },
      },
    }
    const out = patchDeployment(obj, patch)
    assert.deepEqual(out.spec.template.spec.volumes, [
      { name: 'data', configMap: { name: 'cm' } },
      { name: 'cfg', configMap: { name: 'old' } },
    ])
  })

  it('merges the fields of an inlined volume source (configMap.items replaced, name kept)', () => {
    const obj = deployment([containerA()], { volumes: [{ name: 'cfg', configMap: { name: 'cm', items: [{ key: 'a', path: 'a' }] } }] })
    const patch = { spec: { template: { spec: { volumes: [{ name: 'cfg', configMap: { items: [{ key: 'b', path: 'b' }] } }] } } } }
    const out = patchDeployment(obj, patch)
    assert.deepEqual(out.spec.template.spec.volumes, [{ name: 'cfg', configMap: { name: 'cm', items: [{ key: 'b', path: 'b' }] } }])
  })

  it('replaces tolerations (a list without a patch strategy)', () => {
    const obj = deployment([containerA()], {
      tolerations: [
        { key: 'a', operator: 'Exists' },
        { key: 'b', operator: 'Exists' },
      ],
    })
    const out = patchDeployment(obj, { spec: { template: { spec: { tolerations: [{ key: 'c', operator: 'Exists', effect: 'NoSchedule' }] } } } })
    assert.deepEqual(out.spec.template.spec.tolerations, [{ key: 'c', operator: 'Exists', effect: 'NoSchedule' }])
  })

  it('replaces command and args (lists of scalars without a strategy)', () => {
    const out = patchDeployment(deployment([containerB()]), { spec: { template: { spec: { containers: [{ name: 'b', command: ['true'] }] } } } })
    assert.deepEqual(out.spec.template.spec.containers[0].command, ['true'])
  })

  it('clears the other keys of the deployment strategy with $retainKeys', () => {
    const obj = deployment([containerA()])
    const out = patchDeployment(obj, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } })
    assert.deepEqual(out.spec.strategy, { type: 'Recreate' })
  })

  it('rejects a field set next to $retainKeys that the list does not name (400)', () => {
    const err = apiError(() => patchDeployment(deployment([containerA()]), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: {} } } }))
    assert.equal(err.code, 400)
    assert.equal(err.message, 'invalid patch format of retainKeys')
  })

  it('replaces a map with $patch: replace', () => {
    const obj = deployment([containerA()])
    const out = patchDeployment(obj, { metadata: { annotations: { $patch: 'replace', c: '3' } } })
    assert.deepEqual(out.metadata.annotations, { c: '3' })
    assert.deepEqual(out.metadata.labels, { app: 'web' })
  })

  it('empties a map with $patch: delete', () => {
    const out = patchDeployment(deployment([containerA()]), { metadata: { annotations: { $patch: 'delete' } } })
    assert.deepEqual(out.metadata.annotations, {})
  })

  it('replaces a whole merged list with a $patch: replace item', () => {
    const obj = deployment([containerA(), containerB()])
    const patch = { spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'x' }] } } } }
    assert.deepEqual(patchDeployment(obj, patch).spec.template.spec.containers, [{ name: 'only', image: 'x' }])
  })

  it('deletes keys set to null, and ignores nulls for keys that are absent', () => {
    const obj = deployment([containerA()])
    const out = patchDeployment(obj, {
      metadata: { annotations: { a: null, zzz: null } },
      spec: { strategy: { rollingUpdate: null }, template: { spec: { containers: [{ name: 'a', ports: null }] } } },
    })
    assert.deepEqual(out.metadata.annotations, { b: '2' })
    assert.deepEqual(out.spec.strategy, { type: 'RollingUpdate' })
    assert.equal('ports' in out.spec.template.spec.containers[0], false)
  })

  it('drops nulls and directives inside a value the object did not have', () => {
    const obj = deployment([containerA()])
    delete obj.spec.template.spec.containers[0].ports
    const patch = {
      spec: {
        template: {
          spec: {
            containers: [{ name: 'a', resources: { limits: { cpu: '1', memory: null } } }],
            securityContext: { runAsUser: 1000, fsGroup: null },
          },
        },
      },
    }
    const out = patchDeployment(obj, patch)
    assert.deepEqual(out.spec.template.spec.securityContext, { runAsUser: 1000 })
    assert.deepEqual(out.spec.template.spec.containers[0].resources, { limits: { cpu: '1' } })
  })

  it('adds the restartedAt annotation to the template (kubectl rollout restart)', () => {
    const obj = deployment([containerA()])
    const at = '2026-01-01T00:00:00Z'
    const out = patchDeployment(obj, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at } } } } })
    assert.deepEqual(out.spec.template.metadata, { labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/restartedAt': at } })
  })

  it('does not change its inputs', () => {
    const obj = deployment([containerA(), containerB()])
    const patch = {
      metadata: { annotations: { a: null } },
      spec: {
        strategy: { $retainKeys: ['type'], type: 'Recreate' },
        template: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ $patch: 'delete', name: 'a' }] } },
      },
    }
    const [objCopy, patchCopy] = [structuredClone(obj), structuredClone(patch)]
    const out = patchDeployment(obj, patch)
    assert.deepEqual(obj, objCopy)
    assert.deepEqual(patch, patchCopy)
    assert.deepEqual(
      out.spec.template.spec.containers.map((c: any) => c.name),
      ['b'],
    )
  })

  it('leaves no directive in the result, even in values taken from the patch', () => {
    const obj = deployment([containerA()])
    // A new container (appended as sent) carrying directives; they are dropped as Kubernetes drops unknown fields.
    const patch = { spec: { template: { spec: { containers: [{ name: 'n', image: 'n', '$setElementOrder/env': [{ name: 'E' }], env: [{ name: 'E', value: 'e' }] }] } } } }
    const out = patchDeployment(obj, patch)
    assert.deepEqual(
      out.spec.template.spec.containers.find((c: any) => c.name === 'n'),
      { name: 'n', image: 'n', env: [{ name: 'E', value: 'e' }] },
    )
  })
})

describe('strategic merge patch: metadata, pods, nodes', () => {
  const meta = (extra: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', ...extra }, spec: { containers: [{ name: 'c', image: 'i' }] } })

  it('unions finalizers and removes them with $deleteFromPrimitiveList', () => {
    const obj = meta({ finalizers: ['a', 'b'] })
    assert.deepEqual(patchPod(obj, { metadata: { finalizers: ['b', 'c'] } }).metadata.finalizers, ['a', 'b', 'c'])
    assert.deepEqual(patchPod(obj, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a', 'x'] } }).metadata.finalizers, ['b'])
    // kubectl apply: remove a, add c, in this order.
    const applied = patchPod(obj, { metadata: { '$setElementOrder/finalizers': ['c', 'b'], '$deleteFromPrimitiveList/finalizers': ['a'], finalizers: ['c'] } })
    assert.deepEqual(applied.metadata.finalizers, ['c', 'b'])
  })

  it('does not create a list from $deleteFromPrimitiveList alone', () => {
    assert.deepEqual(patchPod(meta({}), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }).metadata, { name: 'p', namespace: 'default' })
  })

  it('rejects a malformed $deleteFromPrimitiveList or $setElementOrder key (400)', () => {
    const e1 = apiError(() => patchPod(meta({ finalizers: ['a'] }), { metadata: { $deleteFromPrimitiveListfinalizers: ['a'] } }))
    assert.equal(e1.code, 400)
    assert.equal(e1.message, 'invalid patch format of primitive list')
    const e2 = apiError(() => patchPod(meta({}), { metadata: { $setElementOrderfinalizers: ['a'] } }))
    assert.equal(e2.code, 400)
    assert.equal(e2.message, 'invalid patch format of setElementOrder list')
  })

  it('merges ownerReferences by uid', () => {
    const ref = (uid: string, name: string) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name, uid })
    const obj = meta({ ownerReferences: [ref('u1', 'one'), ref('u2', 'two')] })
    const out = patchPod(obj, { metadata: { ownerReferences: [{ uid: 'u2', controller: true }, { $patch: 'delete', uid: 'u1' }] } })
    assert.deepEqual(out.metadata.ownerReferences, [{ ...ref('u2', 'two'), controller: true }])
  })

  it('merges pod status conditions by type, as the kubelet patches pods/status', () => {
    const obj = {
      ...meta({}),
      status: {
        phase: 'Pending',
        conditions: [
          { type: 'PodScheduled', status: 'True' },
          { type: 'Ready', status: 'False' },
        ],
      },
    }
    const patch = {
      status: {
        '$setElementOrder/conditions': [{ type: 'Initialized' }, { type: 'Ready' }, { type: 'PodScheduled' }],
        conditions: [
          { type: 'Initialized', status: 'True' },
          { type: 'Ready', status: 'True' },
        ],
        phase: 'Running',
      },
    }
    const out = patchPod(obj, patch)
    assert.equal(out.status.phase, 'Running')
    assert.deepEqual(out.status.conditions, [
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: 'True' },
      { type: 'PodScheduled', status: 'True' },
    ])
  })

  it('sets spec.unschedulable on a node (kubectl cordon)', () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDR: '10.0.0.0/24' } }
    const out = strategicMergePatch(node, { spec: { unschedulable: true } }, nodeSchema, apiSchemas) as any
    assert.deepEqual(out.spec, { podCIDR: '10.0.0.0/24', unschedulable: true })
  })

  it('merges fields the schema does not declare like a JSON merge patch', () => {
    const obj = { ...meta({}), spec: { containers: [], custom: { a: 1, list: [1, 2] } } }
    const out = patchPod(obj, { spec: { custom: { b: 2, list: [3] } } })
    assert.deepEqual(out.spec.custom, { a: 1, b: 2, list: [3] })
  })
})

describe('strategic merge patch: errors as Kubernetes reports them', () => {
  it('a list item without the merge key: 500 with an empty reason and Go\'s message', () => {
    const err = apiError(() => patchDeployment(deployment([containerA()]), { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }))
    assert.equal(err.code, 500)
    assert.equal(err.reason, '')
    assert.equal(err.message, 'map: map[image:x] does not contain declared merge key: name')
  })

  it('a $patch: delete item without the merge key', () => {
    const err = apiError(() => patchDeployment(deployment([containerA()]), { spec: { template: { spec: { containers: [{ $patch: 'delete', image: 'x' }] } } } }))
    assert.equal(err.message, 'map: map[$patch:delete image:x] does not contain declared merge key: name')
  })

  it('an unknown $patch value on a map or a list item', () => {
    const e1 = apiError(() => patchDeployment(deployment([containerA()]), { spec: { $patch: 'merge', replicas: 1 } }))
    assert.equal(e1.message, 'unknown patch type: merge in map: map[$patch:merge replicas:1]')
    const e2 = apiError(() => patchDeployment(deployment([containerA()]), { spec: { template: { spec: { containers: [{ $patch: 'bogus', name: 'a' }] } } } }))
    assert.equal(e2.message, 'unknown patch type: bogus in map: map[$patch:bogus name:a]')
    const e3 = apiError(() => patchDeployment(deployment([containerA()]), { spec: { template: { spec: { containers: [{ $patch: 'merge', name: 'a' }] } } } }))
    assert.equal(e3.message, 'merging lists cannot yet be specified in the patch')
  })

  it('$retainKeys that is not a list (400)', () => {
    const err = apiError(() => patchDeployment(deployment([containerA()]), { spec: { strategy: { $retainKeys: 'type' } } }))
    assert.equal(err.code, 400)
  })

  it('a list of lists in a merged list (422)', () => {
    const obj = { ...deployment([]), metadata: { name: 'web', finalizers: [['a']] } }
    const err = apiError(() => patchDeployment(obj, { metadata: { finalizers: [['b']] } }))
    assert.equal(err.code, 422)
    assert.equal(err.reason, 'Invalid')
  })

  it('patch items out of the $setElementOrder order', () => {
    const obj = deployment([containerA(), containerB()])
    const patch = { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }], containers: [{ name: 'b' }, { name: 'a' }] } } } }
    assert.match(apiError(() => patchDeployment(obj, patch)).message, /doesn't match \$setElementOrder list/)
  })

  it('a patch that is not an object (400)', () => {
    assert.equal(apiError(() => patchDeployment(deployment([]), [])).code, 400)
  })
})

describe('parsePatch: application/strategic-merge-patch+json', () => {
  const deploymentKind = { group: 'apps', version: 'v1', kind: 'Deployment' }
  const body = (v: unknown) => Buffer.from(JSON.stringify(v))

  it('is one of the supported patch types', () => {
    assert.ok(SUPPORTED_PATCH_TYPES.includes(STRATEGIC_MERGE_PATCH))
  })

  it('applies to the kind it is given', () => {
    const patcher = parsePatch(STRATEGIC_MERGE_PATCH, body({ spec: { template: { spec: { containers: [{ name: 'a', image: 'x:2' }] } } } }), deploymentKind)
    const out = patcher(deployment([containerA(), containerB()])) as any
    assert.deepEqual(
      out.spec.template.spec.containers.map((c: any) => c.image),
      ['x:2', 'busybox'],
    )
  })

  it('applies to an autoscaling/v1 Scale (the scale subresource)', () => {
    const scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 1 }, status: { replicas: 1 } }
    const out = parsePatch(STRATEGIC_MERGE_PATCH, body({ spec: { replicas: 3 } }), { group: 'autoscaling', version: 'v1', kind: 'Scale' })(scale as any) as any
    assert.equal(out.spec.replicas, 3)
  })

  it('is a 415 for a kind without a schema (custom resources), listing the other types', () => {
    const err = apiError(() => parsePatch(STRATEGIC_MERGE_PATCH, body({}), { group: 'example.com', version: 'v1', kind: 'Widget' }))
    assert.equal(err.code, 415)
    assert.equal(err.message, 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml')
  })

  it('lists strategic merge patch in the 415 for an unknown type', () => {
    const err = apiError(() => parsePatch('text/plain', body({}), deploymentKind))
    assert.equal(err.code, 415)
    assert.match(err.message, /application\/strategic-merge-patch\+json/)
  })

  it('rejects a body that is not an object (400); null is an empty patch', () => {
    assert.equal(apiError(() => parsePatch(STRATEGIC_MERGE_PATCH, body([{ op: 'add' }]), deploymentKind)).code, 400)
    assert.equal(apiError(() => parsePatch(STRATEGIC_MERGE_PATCH, Buffer.from('{'), deploymentKind)).code, 400)
    const obj = deployment([containerA()])
    assert.deepEqual(parsePatch(STRATEGIC_MERGE_PATCH, Buffer.from('null'), deploymentKind)(structuredClone(obj)), obj)
  })

  it('applies again to a newer object (a retried update)', () => {
    const patcher = parsePatch(STRATEGIC_MERGE_PATCH, body({ metadata: { labels: { tier: 'web' } } }), deploymentKind)
    const first = patcher(deployment([containerA()])) as any
    const second = patcher({ ...deployment([containerA()]), metadata: { name: 'web', labels: { other: 'x' } } }) as any
    assert.deepEqual(first.metadata.labels, { app: 'web', tier: 'web' })
    assert.deepEqual(second.metadata.labels, { other: 'x', tier: 'web' })
  })
})

describe('strategic merge patch: odd keys', () => {
  it('treats a "__proto__" key as data, not as the prototype', () => {
    const patch = JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}}}')
    const out = patchDeployment(deployment([containerA()]), patch)
    assert.equal(Object.getPrototypeOf(out.metadata.labels), Object.prototype)
    assert.deepEqual(Object.keys(out.metadata.labels), ['app', '__proto__'])
    assert.equal(({} as any).polluted, undefined)
  })
})
