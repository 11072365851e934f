/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), as the API server applies it:
 * a port of apimachinery's `pkg/util/strategicpatch/patch.go` (StrategicMergeMapPatch → mergeMap with
 * MergeParallelList and IgnoreUnmatchedNulls, the server-side options).
 *
 * - Maps merge recursively; `null` deletes a key. A field whose `patchStrategy` is `replace` is replaced.
 * - Lists whose field's strategy includes `merge` merge: lists of objects by the field's `patchMergeKey`,
 *   lists of scalars as a union (deduplicated). Other lists are replaced.
 * - Directives: `$patch: replace|delete` on a map; `$patch: delete|replace` items in a merged list of objects;
 *   `$retainKeys` (drop every key of the live map not listed); `$setElementOrder/<list>` (the order of the
 *   merged list: listed items in that order, live-only items interleaved by their live order);
 *   `$deleteFromPrimitiveList/<list>` (remove scalars from a merged scalar list).
 *
 * Merge keys and strategies come from the schema registry (the same declarations the OpenAPI is derived
 * from), as Kubernetes takes them from the Go struct tags of the versioned type.
 *
 * Errors are those of Kubernetes (`interpretStrategicMergePatchError` in apiserver's handlers/patch.go):
 * malformed `$retainKeys`, `$deleteFromPrimitiveList/` and `$setElementOrder/` directives are 400s, lists of
 * lists 422s, anything else (a missing merge key, an unknown `$patch` value, a `$setElementOrder` list out of
 * order) a 500 with an empty reason and Go's message, which kubectl prints as
 * `Error from server: map: map[image:x] does not contain declared merge key: name`.
 */
import type { FieldSchema, SchemaRegistry, TypeSchema, ValueSchema } from '../../api/schema/schema.ts'
import { ApiError, badRequest } from '../../errors/api-error.ts'

type JsonMap = Record<string, unknown>

const directiveMarker = '$patch'
const deleteDirective = 'delete'
const replaceDirective = 'replace'
const mergeDirective = 'merge'
const retainKeysStrategy = 'retainKeys'
const deleteFromPrimitiveListDirectivePrefix = '$deleteFromPrimitiveList'
const retainKeysDirective = '$' + retainKeysStrategy
const setElementOrderDirectivePrefix = '$setElementOrder'

/**
 * Applies `patch` to `original` and returns the result. Neither input is changed.
 * `schema` is the versioned type of the object (`io.k8s.api.apps.v1.Deployment`); `schemas` resolves its refs.
 */
export function strategicMergePatch(original: unknown, patch: unknown, schema: TypeSchema, schemas: SchemaRegistry): unknown {
  if (!isMap(patch)) throw badRequest(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type map[string]interface {}`)
  // Go's mergeMap works in place on maps it owns; so does this port, on copies.
  const base = isMap(original) ? structuredClone(original) : {}
  const result = mergeMap(base, structuredClone(patch), new PatchMeta(schemas, { type: schema }))
  // Directives left in values taken verbatim from the patch (items added to a merged list, replaced lists)
  // are unknown fields that Kubernetes' conversion back to the typed object drops.
  return stripDirectives(result)
}

// ---------------------------------------------------------------------------------------------------------------
// Errors, with the texts of apimachinery's mergepatch/errors.go and patch.go.

/** Errors Kubernetes does not map to a status: ErrorToAPIStatus makes them a 500 with reason Unknown (''). */
const unknownError = (message: string) => new ApiError(500, '', message)
const errBadPatchFormatForPrimitiveList = () => badRequest('invalid patch format of primitive list')
const errBadPatchFormatForRetainKeys = () => badRequest('invalid patch format of retainKeys')
const errBadPatchFormatForSetElementOrderList = () => badRequest('invalid patch format of setElementOrder list')
const errNoListOfLists = () =>
  new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request: lists of lists are not supported')
const errNoMergeKey = (m: JsonMap, key: string) => unknownError(`map: ${goFormat(m)} does not contain declared merge key: ${key}`)
const errBadArgType = (expected: string, actual: unknown) => unknownError(`expected a ${expected}, but received a ${goType(actual)}`)
const errBadPatchType = (t: unknown, m: JsonMap) => unknownError(`unknown patch type: ${goFormat(t)} in map: ${goFormat(m)}`)

const MAP_TYPE = 'map[string]interface {}'
const SLICE_TYPE = '[]interface {}'

// ---------------------------------------------------------------------------------------------------------------
// Patch metadata: what LookupPatchMeta answers from the Go struct tags, here from the schema registry.

/** A position in the schema: a declared type (struct), another value shape, or nothing known. */
interface Node {
  type?: TypeSchema
  value?: ValueSchema
}

interface FieldMeta {
  strategies: string[]
  mergeKey: string
}

const NO_META: FieldMeta = { strategies: [], mergeKey: '' }

class PatchMeta {
  constructor(
    private readonly schemas: SchemaRegistry,
    private readonly node: Node,
  ) {}

  private struct(): TypeSchema | undefined {
    if (this.node.type) return this.node.type
    const v = this.node.value
    if (v?.kind === 'ref' && this.schemas.has(v.name)) return this.schemas.get(v.name)
    return undefined
  }

  /**
   * The field `key` of this struct: its type and patch metadata. Where Kubernetes fails (a field the type
   * does not declare, a map of structs, raw JSON), this answers "nothing known": maps then merge and lists
   * are replaced, as in a JSON merge patch.
   */
  forStruct(key: string): [PatchMeta, FieldMeta] {
    const struct = this.struct()
    if (struct) {
      const field = findField(this.jsonFields(struct), key)
      if (!field) return [this.at({}), NO_META]
      return [this.at({ value: field.type }), metaOf(field)]
    }
    if (this.node.value?.kind === 'map') return [this.at({ value: this.node.value.values }), NO_META]
    return [this.at({}), NO_META]
  }

  /** The field `key` of this struct when it is a list: the type of its items and its patch metadata. */
  forSlice(key: string): [PatchMeta, FieldMeta] {
    const [sub, meta] = this.forStruct(key)
    const v = sub.node.value
    // A struct where a list is found: Go resolves a pointer field to its element type the same way.
    if (v?.kind === 'ref') return [sub, meta]
    return [this.at(v?.kind === 'array' ? { value: v.items } : {}), meta]
  }

  /** Go's `schema.Name()` for PatchMetaFromStruct: the kind of the Go type. */
  name(): string {
    if (this.struct()) return 'struct'
    switch (this.node.value?.kind) {
      case 'map':
        return 'map'
      case 'array':
        return 'slice'
      case undefined:
        return 'interface'
      default:
        return this.node.value!.kind
    }
  }

  /** The JSON fields of a struct: its own, then those of its inlined (embedded) structs, as Go promotes them. */
  private jsonFields(struct: TypeSchema, seen = new Set<string>()): FieldSchema[] {
    seen.add(struct.name)
    const own = struct.fields.filter((f) => !f.inline)
    const promoted = struct.fields
      .filter((f) => f.inline && f.type.kind === 'ref' && this.schemas.has(f.type.name) && !seen.has(f.type.name))
      .flatMap((f) => this.jsonFields(this.schemas.get((f.type as { name: string }).name), seen))
    return [...own, ...promoted]
  }

  private at(node: Node): PatchMeta {
    return new PatchMeta(this.schemas, node)
  }
}

function findField(fields: FieldSchema[], key: string): FieldSchema | undefined {
  // encoding/json matches a field name exactly, else case-insensitively.
  return fields.find((f) => f.name === key) ?? fields.find((f) => f.name.toLowerCase() === key.toLowerCase())
}

function metaOf(field: FieldSchema): FieldMeta {
  return { strategies: field.patchStrategy ? field.patchStrategy.split(',') : [], mergeKey: field.patchMergeKey ?? '' }
}

/** extractRetainKeysPatchStrategy: the non-retainKeys strategy of a field ('', 'merge' or 'replace'). */
function patchStrategyOf(strategies: string[]): string {
  switch (strategies.length) {
    case 0:
      return ''
    case 1:
      return strategies[0] === retainKeysStrategy ? '' : strategies[0]!
    case 2:
      if (strategies[0] === retainKeysStrategy) return strategies[1]!
      if (strategies[1] === retainKeysStrategy) return strategies[0]!
  }
  throw unknownError(`unexpected patch strategy: [${strategies.join(' ')}]`)
}

// ---------------------------------------------------------------------------------------------------------------
// mergeMap and its helpers. Like Go's, these change `original` and `patch` in place.

function mergeMap(original: JsonMap, patch: JsonMap, schema: PatchMeta): JsonMap {
  if (Object.hasOwn(patch, directiveMarker)) return handleDirectiveInMergeMap(patch[directiveMarker], patch)

  applyRetainKeysDirective(original, patch)

  // Process $setElementOrder lists together with the lists they order; this removes both from the patch.
  mergePatchIntoOriginal(original, patch, schema)

  for (const key of Object.keys(patch)) {
    const patchV = patch[key]
    let k = key
    // A parallel deletion list works on the list it names.
    let isDeleteList = false
    if (key.startsWith(deleteFromPrimitiveListDirectivePrefix)) {
      k = extractKey(key, deleteFromPrimitiveListDirectivePrefix)
      isDeleteList = true
    }

    // null deletes the key (IgnoreUnmatchedNulls: a null for a key not present is dropped).
    if (patchV === null) {
      delete original[k]
      continue
    }

    if (!Object.hasOwn(original, k)) {
      // Not in the original: take the patch value, minus nulls and directives.
      if (!isDeleteList) setFromPatch(original, k, patchV)
      continue
    }

    const originalV = original[k]
    if (goType(originalV) !== goType(patchV)) {
      if (!isDeleteList) setFromPatch(original, k, patchV)
      continue
    }

    // Both maps or both lists: recurse.
    if (isMap(originalV)) {
      const [subschema, meta] = schema.forStruct(k)
      const strategy = patchStrategyOf(meta.strategies)
      put(original, k, strategy !== replaceDirective ? mergeMap(originalV, patchV as JsonMap, subschema) : patchV)
    } else if (Array.isArray(originalV)) {
      const [subschema, meta] = schema.forSlice(k)
      const strategy = patchStrategyOf(meta.strategies)
      put(original, k, mergeSliceHandler(originalV, patchV, subschema, strategy, meta.mergeKey, isDeleteList))
    } else {
      setFromPatch(original, k, patchV)
    }
  }
  return original
}

function setFromPatch(original: JsonMap, k: string, patchV: unknown): void {
  discardNullValuesFromPatch(patchV)
  const [v, keep] = removeDirectives(patchV)
  if (keep) put(original, k, v)
  else delete original[k]
}

/** `obj[k] = v`, also for a key named `__proto__` (JSON.parse makes it an own key; plain assignment would not). */
function put(obj: JsonMap, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true })
  else obj[k] = v
}

function handleDirectiveInMergeMap(directive: unknown, patch: JsonMap): JsonMap {
  // replace: the map is the patch (nothing merged); delete: the map is emptied.
  if (directive === replaceDirective) {
    delete patch[directiveMarker]
    return patch
  }
  if (directive === deleteDirective) return {}
  throw errBadPatchType(directive, patch)
}

function applyRetainKeysDirective(original: JsonMap, patch: JsonMap): void {
  if (!Object.hasOwn(patch, retainKeysDirective)) return
  const retainKeys = patch[retainKeysDirective]
  delete patch[retainKeysDirective]
  if (!Array.isArray(retainKeys)) throw errBadPatchFormatForRetainKeys()

  const keep = new Set<unknown>(retainKeys)
  // Every field the patch sets must be listed.
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(deleteFromPrimitiveListDirectivePrefix) || k.startsWith(setElementOrderDirectivePrefix)) continue
    if (!keep.has(k)) throw errBadPatchFormatForRetainKeys()
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k]
}

/**
 * Merges each `$setElementOrder/<list>` with `<list>` and orders the result: items of the order list in its
 * order; items only in the live list keep their relative live order, interleaved with the former by their
 * live positions. Removes both keys from the patch.
 */
function mergePatchIntoOriginal(original: JsonMap, patch: JsonMap, schema: PatchMeta): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(setElementOrderDirectivePrefix) || !Object.hasOwn(patch, key)) continue
    const setElementOrderInPatch = patch[key]
    delete patch[key]

    if (!Array.isArray(setElementOrderInPatch)) throw errBadArgType(SLICE_TYPE, setElementOrderInPatch)
    const originalKey = extractKey(key, setElementOrderDirectivePrefix)

    const foundOriginal = Object.hasOwn(original, originalKey)
    const foundPatch = Object.hasOwn(patch, originalKey)
    const originalList = original[originalKey]
    const patchList = patch[originalKey]
    let originalFieldValue: unknown[] = []
    let patchFieldValue: unknown[] = []
    if (foundOriginal) {
      if (!Array.isArray(originalList)) throw errBadArgType(SLICE_TYPE, originalList)
      originalFieldValue = originalList
    }
    if (foundPatch) {
      if (!Array.isArray(patchList)) throw errBadArgType(SLICE_TYPE, patchList)
      patchFieldValue = patchList
    }
    const [subschema, meta] = schema.forSlice(originalKey)
    const strategy = patchStrategyOf(meta.strategies)
    const mergeKey = meta.mergeKey
    validatePatchWithSetOrderList(patchFieldValue, setElementOrderInPatch, mergeKey)

    let merged: unknown[]
    if (foundOriginal && !foundPatch) {
      merged = originalFieldValue
    } else if (!foundOriginal && foundPatch) {
      merged = removeDirectives(patchFieldValue)[0] as unknown[]
    } else if (foundOriginal && foundPatch) {
      const alias = new GoSliceAlias(originalFieldValue)
      merged = mergeSliceHandler([...originalFieldValue], patchFieldValue, subschema, strategy, mergeKey, false, alias)
      // The live order is what Go's slice of the live list shows after mergeSlice wrote into its array.
      originalFieldValue = alias.view(originalFieldValue.length)
    } else {
      continue
    }

    const [patchItems, serverOnlyItems] = mergeKey
      ? partitionMapsByPresentInList(merged, setElementOrderInPatch, mergeKey)
      : partitionPrimitivesByPresentInList(merged, setElementOrderInPatch)
    const kind = sliceElementType(originalFieldValue, patchFieldValue)
    put(original, originalKey, normalizeElementOrder(patchItems, serverOnlyItems, setElementOrderInPatch, originalFieldValue, mergeKey, kind))
    delete patch[originalKey]
  }
}

/**
 * The patch list's items (deletions aside) must appear in the `$setElementOrder` list, in the same relative order.
 */
function validatePatchWithSetOrderList(patchList: unknown[], setOrderList: unknown[], mergeKey: string): void {
  if (setOrderList.length === 0 || patchList.length === 0) return
  const nonDeleteList = mergeKey ? extractToDeleteItems(patchList)[0] : patchList
  let patchIndex = 0
  let setOrderIndex = 0
  while (patchIndex < nonDeleteList.length && setOrderIndex < setOrderList.length) {
    if (containsDirectiveMarker(nonDeleteList[patchIndex])) {
      patchIndex++
      continue
    }
    if (mergeKeyValueEqual(nonDeleteList[patchIndex], setOrderList[setOrderIndex], mergeKey)) patchIndex++
    setOrderIndex++
  }
  if (patchIndex < nonDeleteList.length && setOrderIndex >= setOrderList.length) {
    throw unknownError(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${setElementOrderDirectivePrefix} list:\n${goFormat(setOrderList)}\n`,
    )
  }
}

function containsDirectiveMarker(item: unknown): boolean {
  return isMap(item) && Object.hasOwn(item, directiveMarker)
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (!mergeKey) return left === right
  if (!isMap(left)) throw errBadArgType(MAP_TYPE, left)
  if (!isMap(right)) throw errBadArgType(MAP_TYPE, right)
  if (!Object.hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey)
  if (!Object.hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey)
  return left[mergeKey] === right[mergeKey]
}

function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/')
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    if (prefix === deleteFromPrimitiveListDirectivePrefix) throw errBadPatchFormatForPrimitiveList()
    if (prefix === setElementOrderDirectivePrefix) throw errBadPatchFormatForSetElementOrderList()
    throw unknownError(`fail to find unknown prefix "${prefix}" in ${s}\n`)
  }
  return s.slice(slash + 1)
}

function mergeSliceHandler(
  original: unknown[],
  patch: unknown,
  schema: PatchMeta,
  strategy: string,
  mergeKey: string,
  isDeleteList: boolean,
  alias?: GoSliceAlias,
): unknown[] {
  if (!Array.isArray(patch)) throw errBadArgType(SLICE_TYPE, patch)
  // Deletion lists work the same whatever the field's strategy.
  if (strategy === mergeDirective || isDeleteList) return mergeSlice(original, patch, schema, mergeKey, isDeleteList, alias)
  return patch
}

function mergeSlice(
  original: unknown[],
  patch: unknown[],
  schema: PatchMeta,
  mergeKey: string,
  isDeleteList: boolean,
  alias?: GoSliceAlias,
): unknown[] {
  if (original.length === 0 && patch.length === 0) return original

  const kind = sliceElementType(original, patch)
  let merged: unknown[]
  if (kind !== 'map') {
    if (isDeleteList) return deleteFromSlice(original, patch)
    merged = deduplicateScalars([...original, ...patch])
  } else {
    if (!mergeKey) throw unknownError(`cannot merge lists without merge key for ${schema.name()}`)
    ;[original, patch] = mergeSliceWithSpecialElements(original, patch, mergeKey, alias)
    merged = mergeSliceWithoutSpecialElements([...original], patch, mergeKey, schema, alias)
  }

  // Items of the patch in the patch's order; the others by their live order, interleaved.
  const [patchItems, serverOnlyItems] = mergeKey
    ? partitionMapsByPresentInList(merged, patch, mergeKey)
    : partitionPrimitivesByPresentInList(merged, patch)
  return normalizeElementOrder(patchItems, serverOnlyItems, patch, original, mergeKey, kind)
}

/** Applies `$patch: delete` items (and `$patch: replace`) of a list of maps; returns [original, patch without them]. */
function mergeSliceWithSpecialElements(original: unknown[], patch: unknown[], mergeKey: string, alias?: GoSliceAlias): [unknown[], unknown[]] {
  const patchWithoutSpecialElements: unknown[] = []
  let replace = false
  for (const v of patch) {
    const typedV = v as JsonMap
    if (!Object.hasOwn(typedV, directiveMarker)) {
      patchWithoutSpecialElements.push(v)
      continue
    }
    const patchType = typedV[directiveMarker]
    switch (patchType) {
      case deleteDirective:
        if (!Object.hasOwn(typedV, mergeKey)) throw errNoMergeKey(typedV, mergeKey)
        original = deleteMatchingEntries(original, mergeKey, typedV[mergeKey], alias)
        break
      case replaceDirective:
        // The other items of the patch are the whole list; keep pruning other $patch items.
        replace = true
        break
      case mergeDirective:
        throw unknownError('merging lists cannot yet be specified in the patch')
      default:
        throw errBadPatchType(patchType, typedV)
    }
  }
  if (replace) {
    alias?.detach()
    return [patchWithoutSpecialElements, []]
  }
  return [original, patchWithoutSpecialElements]
}

function deleteMatchingEntries(original: unknown[], mergeKey: string, mergeValue: unknown, alias?: GoSliceAlias): unknown[] {
  for (;;) {
    const found = findMapInSliceBasedOnKeyValue(original, mergeKey, mergeValue)
    if (!found) return original
    alias?.remove(found.index)
    original = [...original.slice(0, found.index), ...original.slice(found.index + 1)]
  }
}

function mergeSliceWithoutSpecialElements(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
  schema: PatchMeta,
  alias?: GoSliceAlias,
): unknown[] {
  for (const v of patch) {
    const typedV = v as JsonMap
    if (!Object.hasOwn(typedV, mergeKey)) throw errNoMergeKey(typedV, mergeKey)
    const found = findMapInSliceBasedOnKeyValue(original, mergeKey, typedV[mergeKey])
    // Merge into the live item with this key, or append the patch item as it is.
    if (found) original[found.index] = mergeMap(found.map, typedV, schema)
    else {
      original.push(v)
      alias?.append(v)
    }
  }
  return original
}

/**
 * Go's mergeSlice shortens and appends to the live list's slice in place (`append(s[:i], s[i+1:]...)`,
 * `append(s, v)` within capacity), and mergePatchIntoOriginal then reads the live order through its own,
 * longer, view of the same array. Kubernetes' own tests pin the resulting order (e.g. "add map and delete map
 * from merging list"), so this models that array: capacity as json.Unmarshal's appends leave it (powers of
 * two), until an append outgrows it or the list is replaced.
 */
class GoSliceAlias {
  private readonly backing: unknown[]
  private len: number
  private readonly cap: number
  private attached = true

  constructor(list: unknown[]) {
    this.backing = [...list]
    this.len = list.length
    this.cap = list.length === 0 ? 0 : 2 ** Math.ceil(Math.log2(list.length))
  }

  remove(i: number): void {
    if (!this.attached) return
    this.backing.copyWithin(i, i + 1, this.len)
    this.len--
  }

  append(v: unknown): void {
    if (this.attached && this.len < this.cap) this.backing[this.len++] = v
    else this.attached = false
  }

  detach(): void {
    this.attached = false
  }

  view(length: number): unknown[] {
    return this.backing.slice(0, length)
  }
}

function deleteFromSlice(current: unknown[], toDelete: unknown[]): unknown[] {
  const del = new Set(toDelete)
  return current.filter((v) => !del.has(v))
}

function findMapInSliceBasedOnKeyValue(m: unknown[], key: string, value: unknown): { map: JsonMap; index: number } | undefined {
  for (let i = 0; i < m.length; i++) {
    const v = m[i]
    if (!isMap(v)) throw unknownError(`value for key ${i} is not a map`)
    if (Object.hasOwn(v, key) && v[key] === value) return { map: v, index: i }
  }
  return undefined
}

function partitionPrimitivesByPresentInList(original: unknown[], partitionBy: unknown[]): [unknown[], unknown[]] {
  const inPatch = new Set(partitionBy)
  const patch: unknown[] = []
  const serverOnly: unknown[] = []
  for (const v of original) (inPatch.has(v) ? patch : serverOnly).push(v)
  return [patch, serverOnly]
}

function partitionMapsByPresentInList(original: unknown[], partitionBy: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const patch: unknown[] = []
  const serverOnly: unknown[] = []
  for (const v of original) {
    if (!isMap(v)) throw errBadArgType(MAP_TYPE, v)
    if (!Object.hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey)
    ;(findMapInSliceBasedOnKeyValue(partitionBy, mergeKey, v[mergeKey]) ? patch : serverOnly).push(v)
  }
  return [patch, serverOnly]
}

/**
 * Sorts `patch` items by `patchOrder` and `serverOnly` items by `serverOrder`, then merges the two sorted
 * lists, keeping the relative order within each.
 */
function normalizeElementOrder(
  patch: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: ElementKind,
): unknown[] {
  patch = normalizeSliceOrder(patch, patchOrder, mergeKey, kind)
  serverOnly = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind)
  return mergeSortedSlice(serverOnly, patch, serverOrder, mergeKey, kind)
}

/**
 * Inserts each item of `left` into `right`: before the first item of `right` that comes after it in the live
 * order, scanning from the last insertion.
 */
function mergeSortedSlice(left: unknown[], right: unknown[], serverOrder: unknown[], mergeKey: string, kind: ElementKind): unknown[] {
  const less = (l: unknown, r: unknown): [boolean, boolean] => {
    const li = index(serverOrder, l, mergeKey, kind)
    const ri = index(serverOrder, r, mergeKey, kind)
    return li >= 0 && ri >= 0 ? [li < ri, true] : [false, false]
  }
  const s: unknown[] = []
  let i = 0
  let j = 0
  const size = left.length + right.length
  for (let k = 0; k < size; k++) {
    if (i >= left.length && j < right.length) s.push(right[j++])
    else if (j >= right.length && i < left.length) s.push(left[i++])
    else {
      const [isLess, foundBoth] = less(left[i], right[j])
      if (foundBoth && isLess) s.push(left[i++])
      else s.push(right[j++])
    }
  }
  return s
}

/** The position of an item (by merge key value for maps) in `l`, or -1. */
function index(l: unknown[], valToLookUp: unknown, mergeKey: string, kind: ElementKind): number {
  const getVal = kind === 'map' ? (item: unknown) => (isMap(item) ? item[mergeKey] : undefined) : (item: unknown) => item
  const want = getVal(valToLookUp)
  return l.findIndex((v) => getVal(v) === want)
}

/** Splits a list of maps into the items to keep and the `$patch: delete` items. */
function extractToDeleteItems(l: unknown[]): [unknown[], unknown[]] {
  const nonDelete: unknown[] = []
  const toDelete: unknown[] = []
  for (const v of l) {
    if (!isMap(v)) throw errBadArgType(MAP_TYPE, v)
    ;(v[directiveMarker] === deleteDirective ? toDelete : nonDelete).push(v)
  }
  return [nonDelete, toDelete]
}

function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: ElementKind): unknown[] {
  let toDelete: unknown[] = []
  if (kind === 'map') {
    validateMergeKeyInLists(mergeKey, toSort, order)
    ;[toSort, toDelete] = extractToDeleteItems(toSort)
  }
  // sort.SliceStable with Go's comparator: items missing from `order` compare as "less".
  const sorted = [...toSort].sort((a, b) => {
    const ia = index(order, a, mergeKey, kind)
    if (ia >= 0) {
      const ib = index(order, b, mergeKey, kind)
      if (ib >= 0) return ia - ib
    }
    return 0
  })
  return [...sorted, ...toDelete]
}

function validateMergeKeyInLists(mergeKey: string, ...lists: unknown[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isMap(item)) throw errBadArgType(MAP_TYPE, item)
      if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey)
    }
  }
}

/** Go's "clever" deduplication (order is restored afterwards by normalizeElementOrder). */
function deduplicateScalars(s: unknown[]): unknown[] {
  let length = s.length - 1
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (s[i] === s[j]) {
        s[j] = s[length]
        s.length = length
        length--
        j--
      }
    }
  }
  return s
}

type ElementKind = 'map' | 'scalar'

/** The kind of the elements of the lists, which must all have the same JSON type and not be lists. */
function sliceElementType(...slices: unknown[][]): ElementKind {
  let prev: string | undefined
  for (const s of slices) {
    for (const v of s) {
      const current = goType(v)
      if (prev === undefined) {
        prev = current
        if (current === SLICE_TYPE) throw errNoListOfLists()
      } else if (prev !== current) {
        throw unknownError(`list element types are not identical: ${goFormat(slices)}`)
      }
    }
  }
  if (prev === undefined) throw unknownError('no elements in any of the given slices')
  return prev === MAP_TYPE ? 'map' : 'scalar'
}

/** Removes maps carrying `$patch` (and list items that are such maps), recursively. Changes the input. */
function removeDirectives(obj: unknown): [unknown, boolean] {
  if (isMap(obj)) {
    if (Object.hasOwn(obj, directiveMarker)) return [undefined, false]
    for (const [k, v] of Object.entries(obj)) {
      const [nv, keep] = removeDirectives(v)
      if (keep) obj[k] = nv
      else delete obj[k]
    }
    return [obj, true]
  }
  if (Array.isArray(obj)) {
    const res: unknown[] = []
    for (const v of obj) {
      const [nv, keep] = removeDirectives(v)
      if (keep) res.push(nv)
    }
    return [res, true]
  }
  return [obj, true]
}

function discardNullValuesFromPatch(v: unknown): void {
  if (isMap(v)) {
    for (const [k, e] of Object.entries(v)) {
      if (e === null) delete v[k]
      else discardNullValuesFromPatch(e)
    }
  } else if (Array.isArray(v)) {
    for (const e of v) discardNullValuesFromPatch(e)
  }
}

const isDirectiveKey = (k: string) =>
  k === directiveMarker ||
  k === retainKeysDirective ||
  k.startsWith(setElementOrderDirectivePrefix + '/') ||
  k.startsWith(deleteFromPrimitiveListDirectivePrefix + '/')

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) v.forEach(stripDirectives)
  else if (isMap(v)) {
    for (const [k, e] of Object.entries(v)) {
      if (isDirectiveKey(k)) delete v[k]
      else stripDirectives(e)
    }
  }
  return v
}

// ---------------------------------------------------------------------------------------------------------------
// JSON values seen as Go sees the result of json.Unmarshal into interface{}.

function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** reflect.TypeOf of a decoded JSON value (integers are int64, as the apiserver decodes them). */
function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>'
  if (Array.isArray(v)) return SLICE_TYPE
  switch (typeof v) {
    case 'object':
      return MAP_TYPE
    case 'string':
      return 'string'
    case 'boolean':
      return 'bool'
    case 'number':
      return Number.isInteger(v) ? 'int64' : 'float64'
  }
  return typeof v
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  return typeof v === 'object' ? 'object' : typeof v
}

/** fmt's %v of a decoded JSON value: `map[a:1 b:[x y]]`, keys sorted. */
function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>'
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`
  if (isMap(v)) {
    const keys = Object.keys(v).sort()
    return `map[${keys.map((k) => `${k}:${goFormat(v[k])}`).join(' ')}]`
  }
  if (typeof v === 'number') return goFloat(v)
  return String(v)
}

function goFloat(n: number): string {
  if (Number.isInteger(n) || !Number.isFinite(n)) return String(n)
  const exp = Math.floor(Math.log10(Math.abs(n)))
  if (exp < -4 || exp >= 21) {
    const [mant, e] = n.toExponential().split('e')
    const sign = e!.startsWith('-') ? '-' : '+'
    const digits = e!.replace(/^[-+]/, '')
    return `${mant}e${sign}${digits.padStart(2, '0')}`
  }
  return String(n)
}
