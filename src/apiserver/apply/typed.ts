/**
 * The typed operations of server-side apply on plain JSON objects, ported from structured-merge-diff's `typed`
 * package (tofieldset.go, compare.go, merge.go, remove.go): the set of fields an object sets, the fields two
 * versions of an object differ in, the merge of an applied configuration into a live object, and the removal of
 * a set of fields from an object.
 *
 * The schema comes from the declared API types (src/api/schema), as Kubernetes takes it from the OpenAPI:
 * - a struct field of a named type is a struct (granular, or atomic with `mapType: atomic` on the field or type);
 * - a map is granular unless `mapType: atomic`;
 * - a list is associative by `listMapKeys` (`listType: map`), a set (`listType: set`) or atomic (`listType:
 *   atomic`); without a list type, a strategic `merge` list with a `patchMergeKey` is associative by that key, a
 *   strategic `merge` list of scalars a set, anything else atomic (kube-openapi's schemaconv);
 * - raw JSON and fields the schema does not declare are "deduced": objects are granular maps, lists atomic.
 */
import type { FieldSchema, SchemaRegistry, TypeSchema, ValueSchema } from '../../api/schema/schema.ts'
import { FieldSet } from './field-set.ts'
import { fieldElement, keyElement, pathString, serializePathElement, valueElement, type Json, type PathElement } from './path.ts'

export type Shape =
  | { kind: 'struct'; type: TypeSchema; fields: Map<string, FieldSchema>; atomic: boolean }
  | { kind: 'map'; atomic: boolean; values?: ValueSchema }
  /** keys: the key fields of an associative list; [] for a set of scalars. */
  | { kind: 'list'; atomic: boolean; keys: string[]; items?: ValueSchema }
  | { kind: 'scalar' }
  | { kind: 'deduced' }

const SCALAR: Shape = { kind: 'scalar' }
const DEDUCED: Shape = { kind: 'deduced' }

/**
 * Defaults of key fields, for items that leave a key out (getAssociativeKeyDefault): a port's protocol is TCP
 * (`+default="TCP"` on ContainerPort, ServicePort and EndpointPort).
 */
const KEY_DEFAULTS: Record<string, Json> = { protocol: 'TCP' }

type JsonMap = { [key: string]: Json }

export const isMap = (v: unknown): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A problem converting a value to its typed form (an item without its key, a duplicate key in an applied list). */
export class TypedValueError extends Error {
  constructor(readonly problems: { path: string; message: string }[]) {
    super(
      problems.length === 1
        ? describe(problems[0]!)
        : ['errors:', ...problems.map((p) => `  ${describe(p)}`)].join('\n'),
    )
  }
}

const describe = (p: { path: string; message: string }) => (p.path ? `${p.path}: ${p.message}` : p.message)

/** The shapes of the declared API types, resolved lazily and cached. */
export class TypedSchema {
  private readonly fieldMaps = new Map<string, Map<string, FieldSchema>>()

  constructor(readonly registry?: SchemaRegistry) {}

  /** The shape of a top-level kind's objects (deduced when the kind has no declared schema). */
  root(type: TypeSchema | undefined): Shape {
    return type ? this.structShape(type, false) : DEDUCED
  }

  /** The shape of a value, with the list/map semantics its field declares. */
  resolve(value: ValueSchema | undefined, field?: FieldSchema): Shape {
    if (!value) return DEDUCED
    switch (value.kind) {
      case 'ref': {
        if (!this.registry?.has(value.name)) return DEDUCED
        return this.structShape(this.registry.get(value.name), field?.mapType === 'atomic')
      }
      case 'array': {
        const merge = field?.patchStrategy?.split(',').includes('merge')
        const listType = field?.listType ?? (merge ? (field?.patchMergeKey ? 'map' : 'set') : 'atomic')
        if (listType === 'atomic') return { kind: 'list', atomic: true, keys: [], items: value.items }
        const keys = listType === 'map' ? (field?.listMapKeys ?? (field?.patchMergeKey ? [field.patchMergeKey] : [])) : []
        return { kind: 'list', atomic: false, keys, items: value.items }
      }
      case 'map':
        return { kind: 'map', atomic: field?.mapType === 'atomic', values: value.values }
      case 'raw':
        return DEDUCED
      default:
        return SCALAR
    }
  }

  private structShape(type: TypeSchema, atomic: boolean): Shape {
    return { kind: 'struct', type, fields: this.fieldsOf(type), atomic: atomic || type.mapType === 'atomic' }
  }

  /** The JSON fields of a struct: its own and those of inlined structs, as Go promotes embedded fields. */
  fieldsOf(type: TypeSchema): Map<string, FieldSchema> {
    let fields = this.fieldMaps.get(type.name)
    if (!fields) {
      fields = new Map()
      this.collect(type, fields, new Set())
      this.fieldMaps.set(type.name, fields)
    }
    return fields
  }

  private collect(type: TypeSchema, into: Map<string, FieldSchema>, seen: Set<string>): void {
    seen.add(type.name)
    for (const f of type.fields) {
      if (!f.inline) {
        if (!into.has(f.name)) into.set(f.name, f)
      } else if (f.type.kind === 'ref' && this.registry?.has(f.type.name) && !seen.has(f.type.name)) {
        this.collect(this.registry.get(f.type.name), into, seen)
      }
    }
  }

  /** The shape of the value under `key` of a map or struct. */
  child(shape: Shape, key: string): { shape: Shape; field?: FieldSchema } {
    if (shape.kind === 'struct') {
      const field = shape.fields.get(key)
      return field ? { shape: this.resolve(field.type, field), field } : { shape: DEDUCED }
    }
    if (shape.kind === 'map') return { shape: this.resolve(shape.values) }
    return { shape: DEDUCED }
  }

  /** The shape of the items of a list. */
  item(shape: Shape): Shape {
    return shape.kind === 'list' ? this.resolve(shape.items) : DEDUCED
  }

  /** A deduced shape made concrete for a value: objects are granular maps, lists atomic, the rest scalars. */
  concrete(shape: Shape, value: Json | undefined): Shape {
    if (shape.kind !== 'deduced') return shape
    if (isMap(value)) return { kind: 'map', atomic: false }
    if (Array.isArray(value)) return { kind: 'list', atomic: true, keys: [] }
    return SCALAR
  }

  // -------------------------------------------------------------------------------------------------------------
  // List items

  /** The path element of an item of an associative list (listItemToPathElement); throws a message on error. */
  itemElement(shape: Shape & { kind: 'list' }, item: Json): PathElement {
    if (shape.keys.length) {
      if (item === null) throw new Error('associative list with keys may not have a null element')
      if (!isMap(item)) throw new Error('associative list with keys may not have non-map elements')
      const fields: [string, Json][] = []
      for (const k of shape.keys) {
        if (k in item) fields.push([k, item[k]!])
        else if (KEY_DEFAULTS[k] !== undefined) fields.push([k, KEY_DEFAULTS[k]!])
      }
      if (!fields.length)
        throw new Error(
          `associative list with keys has an element that omits all key fields [${shape.keys.map((k) => JSON.stringify(k)).join(' ')}] (and doesn't have default values for any key fields)`,
        )
      return keyElement(fields)
    }
    if (isMap(item)) throw new Error("associative list without keys has an element that's a map type")
    if (Array.isArray(item)) throw new Error('not supported: associative list with lists as elements')
    if (item === null) throw new Error("associative list without keys has an element that's an explicit null")
    return valueElement(item)
  }

  // -------------------------------------------------------------------------------------------------------------
  // Validation of an applied configuration (ObjectToTyped without AllowDuplicates)

  /**
   * Throws TypedValueError when a field is not declared, or an associative list item lacks its key or is repeated
   * (an applied configuration must be valid as a typed object; a live object may repeat items).
   */
  validate(value: Json, shape: Shape): void {
    const problems: { path: string; message: string }[] = []
    this.validateAt(value, shape, [], problems)
    if (problems.length) throw new TypedValueError(problems)
  }

  private validateAt(value: Json, shape: Shape, path: PathElement[], problems: { path: string; message: string }[]): void {
    shape = this.concrete(shape, value)
    const expected = shape.kind === 'list' ? 'list' : shape.kind === 'struct' || shape.kind === 'map' ? 'map' : shape.kind === 'scalar' ? 'scalar' : undefined
    const actual = value === null ? undefined : Array.isArray(value) ? 'list' : isMap(value) ? 'map' : 'scalar'
    if (expected && actual && expected !== actual) {
      problems.push({ path: pathString(path), message: `expected ${expected}, got ${JSON.stringify(value)}` })
      return
    }
    if (shape.kind === 'list') {
      if (!Array.isArray(value) || shape.atomic) return
      const seen = new Set<string>()
      value.forEach((item, i) => {
        let pe: PathElement
        try {
          pe = this.itemElement(shape, item)
        } catch (err) {
          problems.push({ path: pathString(path), message: `element ${i}: ${(err as Error).message}` })
          return
        }
        const id = serializePathElement(pe)
        if (seen.has(id)) {
          problems.push({ path: pathString(path), message: `duplicate entries for key ${pathString([pe])}` })
          return
        }
        seen.add(id)
        this.validateAt(item, this.item(shape), [...path, pe], problems)
      })
    } else if ((shape.kind === 'struct' || shape.kind === 'map') && isMap(value) && !shape.atomic) {
      for (const [k, v] of Object.entries(value)) {
        const p = [...path, fieldElement(k)]
        if (shape.kind === 'struct' && !shape.fields.has(k)) problems.push({ path: pathString(p), message: 'field not declared in schema' })
        else this.validateAt(v, this.child(shape, k).shape, p, problems)
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // ToFieldSet

  /** The set of fields a value sets (TypedValue.ToFieldSet). */
  toFieldSet(value: Json, shape: Shape): FieldSet {
    const set = new FieldSet()
    this.fieldSetAt(value, shape, [], set)
    return set
  }

  private fieldSetAt(value: Json, shape: Shape, path: PathElement[], set: FieldSet): void {
    shape = this.concrete(shape, value)
    switch (shape.kind) {
      case 'scalar':
      case 'deduced':
        set.insert(path)
        return
      case 'list': {
        if (shape.atomic) {
          set.insert(path)
          return
        }
        if (!Array.isArray(value)) return
        const pes = value.map((item) => this.safeItemElement(shape, item))
        const counts = new Map<string, number>()
        for (const pe of pes) if (pe) counts.set(serializePathElement(pe), (counts.get(serializePathElement(pe)) ?? 0) + 1)
        const itemShape = this.item(shape)
        const done = new Set<string>()
        value.forEach((item, i) => {
          const pe = pes[i]
          if (!pe) return
          const id = serializePathElement(pe)
          if (counts.get(id)! > 1) {
            // Duplicated items are owned as a whole.
            if (!done.has(id)) set.insert([...path, pe])
            done.add(id)
            return
          }
          const p = [...path, pe]
          this.fieldSetAt(item, itemShape, p, set)
          set.insert(p)
        })
        return
      }
      case 'struct':
      case 'map': {
        if (shape.atomic) {
          set.insert(path)
          return
        }
        if (!isMap(value)) return
        for (const [k, v] of Object.entries(value)) {
          const p = [...path, fieldElement(k)]
          const { shape: childShape, field } = this.child(shape, k)
          this.fieldSetAt(v, childShape, p, set)
          if (v === null || (isMap(v) && Object.keys(v).length === 0)) set.insert(p)
          else if (!field) set.insert(p)
        }
      }
    }
  }

  private safeItemElement(shape: Shape & { kind: 'list' }, item: Json): PathElement | undefined {
    try {
      return this.itemElement(shape, item)
    } catch {
      return undefined
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Compare

  /** The fields `rhs` adds, modifies and removes relative to `lhs` (TypedValue.Compare). */
  compare(lhs: Json | undefined, rhs: Json | undefined, shape: Shape): Comparison {
    const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() }
    if (lhs !== undefined && rhs !== undefined && jsonEquals(lhs, rhs)) return c
    this.compareAt(lhs, rhs, shape, [], c)
    return c
  }

  private compareAt(lhs: Json | undefined, rhs: Json | undefined, shape: Shape, path: PathElement[], c: Comparison): void {
    const concrete = this.concreteOfPair(shape, lhs, rhs)
    let leaf = false
    if (concrete === undefined) leaf = this.compareLeaf(lhs, rhs, path, c)
    else if (concrete.kind === 'scalar' || concrete.kind === 'deduced') leaf = this.compareLeaf(lhs, rhs, path, c)
    else if (concrete.kind === 'list') {
      const l = Array.isArray(lhs) ? lhs : undefined
      const r = Array.isArray(rhs) ? rhs : undefined
      if (concrete.atomic || ((!l || !l.length) && (!r || !r.length))) leaf = this.compareLeaf(lhs, rhs, path, c)
      else this.compareListItems(concrete, l ?? [], r ?? [], path, c)
    } else {
      const l = isMap(lhs) ? lhs : undefined
      const r = isMap(rhs) ? rhs : undefined
      if (concrete.atomic || ((!l || !Object.keys(l).length) && (!r || !Object.keys(r).length))) leaf = this.compareLeaf(lhs, rhs, path, c)
      else this.compareMapItems(concrete, l, r, path, c)
    }
    if (!leaf) {
      if (lhs === undefined) c.added.insert(path)
      else if (rhs === undefined) c.removed.insert(path)
    }
  }

  /** The shape both sides are compared as; undefined when they are of different kinds (compared as a leaf). */
  private concreteOfPair(shape: Shape, lhs: Json | undefined, rhs: Json | undefined): Shape | undefined {
    if (shape.kind !== 'deduced') return shape
    const l = lhs === undefined ? undefined : this.concrete(shape, lhs)
    const r = rhs === undefined ? undefined : this.concrete(shape, rhs)
    if (l && r && l.kind !== r.kind) return undefined
    return l ?? r
  }

  private compareLeaf(lhs: Json | undefined, rhs: Json | undefined, path: PathElement[], c: Comparison): true {
    if (lhs === undefined) c.added.insert(path)
    else if (rhs === undefined) c.removed.insert(path)
    else if (!jsonEquals(lhs, rhs)) c.modified.insert(path)
    return true
  }

  private compareMapItems(shape: Shape, lhs: JsonMap | undefined, rhs: JsonMap | undefined, path: PathElement[], c: Comparison): void {
    // The keys of both, the left's first (no Set of them built for every map compared).
    if (lhs) for (const k of Object.keys(lhs)) this.compareMapItem(shape, lhs, rhs, k, path, c)
    if (rhs) for (const k of Object.keys(rhs)) if (!lhs || !Object.prototype.hasOwnProperty.call(lhs, k)) this.compareMapItem(shape, lhs, rhs, k, path, c)
  }

  private compareMapItem(shape: Shape, lhs: JsonMap | undefined, rhs: JsonMap | undefined, k: string, path: PathElement[], c: Comparison): void {
    let l = lhs?.[k]
    let r = rhs?.[k]
    if (l === undefined && r === undefined) return
    // Equal values differ in nothing: an update leaves most of an object as it was, and comparing it field by
    // field (paths, shapes, field sets) cost many times this plain walk.
    if (l !== undefined && r !== undefined && jsonEquals(l, r)) return
    const { shape: childShape, field } = this.child(shape, k)
    // Go's typed objects always carry their non-pointer struct fields (`spec`, `template`, a container's
    // `resources`), and fields without omitempty (`containers`, as null): an absent one is there empty, not a
    // removed or added field.
    if (field && !field.pointer && (childShape.kind === 'struct' || field.emitEmpty)) {
      const zero = childShape.kind === 'struct' ? {} : null
      if (l === undefined && lhs) l = zero
      if (r === undefined && rhs) r = zero
    }
    this.compareAt(l, r, childShape, [...path, fieldElement(k)], c)
  }

  private compareListItems(shape: Shape & { kind: 'list' }, lhs: Json[], rhs: Json[], path: PathElement[], c: Comparison): void {
    const order: string[] = []
    const byId = new Map<string, { pe: PathElement; l: Json[]; r: Json[] }>()
    const gather = (list: Json[], side: 'l' | 'r') => {
      for (const item of list) {
        let pe: PathElement
        try {
          pe = this.itemElement(shape, item)
        } catch {
          continue
        }
        const id = serializePathElement(pe)
        let e = byId.get(id)
        if (!e) {
          byId.set(id, (e = { pe, l: [], r: [] }))
          order.push(id)
        }
        e[side].push(item)
      }
    }
    gather(lhs, 'l')
    gather(rhs, 'r')
    const itemShape = this.item(shape)
    for (const id of order) {
      const { pe, l, r } = byId.get(id)!
      if (l.length === 1 && r.length === 1 && jsonEquals(l[0], r[0])) continue
      const p = [...path, pe]
      if (l.length <= 1 && r.length <= 1) this.compareAt(l[0], r[0], itemShape, p, c)
      else if (l.length >= 2 && r.length >= 2) {
        if (!jsonEquals(l, r)) c.modified.insert(p)
      } else if (l.length >= 2) {
        if (r.length) this.compareAt(undefined, r[0], itemShape, p, c)
        c.removed.insert(p)
      } else {
        if (l.length) this.compareAt(l[0], undefined, itemShape, p, c)
        c.added.insert(p)
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Merge (the applied configuration into the live object)

  /** `rhs` merged into `lhs`: maps and associative lists merge, everything else is taken from `rhs`. */
  merge(lhs: Json | undefined, rhs: Json | undefined, shape: Shape): Json | undefined {
    return this.mergeAt(lhs, rhs, shape)
  }

  private mergeAt(lhs: Json | undefined, rhs: Json | undefined, shape: Shape): Json | undefined {
    const keep = () => (rhs !== undefined ? rhs : lhs)
    const concrete = this.concreteOfPair(shape, lhs, rhs)
    if (!concrete || concrete.kind === 'scalar' || concrete.kind === 'deduced') return keep()
    if (concrete.kind === 'list') {
      const l = Array.isArray(lhs) ? lhs : undefined
      const r = Array.isArray(rhs) ? rhs : undefined
      if (concrete.atomic || ((!l || !l.length) && (!r || !r.length))) return keep()
      const out = this.mergeListItems(concrete, l ?? [], r ?? [])
      return out.length ? out : undefined
    }
    const l = isMap(lhs) ? lhs : undefined
    const r = isMap(rhs) ? rhs : undefined
    if (concrete.atomic || ((!l || !Object.keys(l).length) && (!r || !Object.keys(r).length))) return keep()
    const out: JsonMap = {}
    for (const k of new Set([...Object.keys(l ?? {}), ...Object.keys(r ?? {})])) {
      const v = this.mergeAt(l?.[k], r?.[k], this.child(concrete, k).shape)
      if (v !== undefined) out[k] = v
    }
    return Object.keys(out).length ? out : undefined
  }

  /**
   * merge.go's visitListItems: the live items in their order, with the applied items merged in place; applied
   * items the live list lacks go after the live item they follow in the applied list, and items both have are
   * ordered as the applied list orders them.
   */
  private mergeListItems(shape: Shape & { kind: 'list' }, lhs: Json[], rhs: Json[]): Json[] {
    const index = (list: Json[], allowDuplicates: boolean) => {
      const pes: { pe: PathElement; id: string }[] = []
      const observed = new Map<string, Json | undefined>()
      for (const item of list) {
        const pe = this.itemElement(shape, item)
        const id = serializePathElement(pe)
        if (observed.has(id)) {
          if (!allowDuplicates) throw new Error(`duplicate entries for key ${pathString([pe])}`)
          observed.set(id, undefined) // duplicated live items are not merged with the applied one
        } else observed.set(id, item)
        pes.push({ pe, id })
      }
      return { pes, observed }
    }
    const R = index(rhs, false)
    const L = index(lhs, true)
    const itemShape = this.item(shape)
    const out: Json[] = []
    const shared = R.pes.filter((p) => L.observed.has(p.id)).map((p) => p.id)
    let nextShared = shared.shift()
    const mergedR = new Set<string>()
    const push = (v: Json | undefined) => {
      if (v !== undefined) out.push(v)
    }
    let lI = 0
    let rI = 0
    while (lI < L.pes.length || rI < R.pes.length) {
      if (lI < L.pes.length && rI < R.pes.length) {
        const id = L.pes[lI]!.id
        if (id === R.pes[rI]!.id) {
          mergedR.add(id)
          push(this.mergeAt(L.observed.get(id) ?? undefined, R.observed.get(id), itemShape))
          lI++
          rI++
          nextShared = shared.shift()
          continue
        }
        if (R.observed.has(id) && nextShared !== undefined && nextShared !== id) {
          lI++ // a shared item, but not the one wanted now
          continue
        }
      }
      if (lI < L.pes.length) {
        const id = L.pes[lI]!.id
        if (!R.observed.has(id)) {
          push(this.mergeAt(lhs[lI], undefined, itemShape))
          lI++
          continue
        } else if (mergedR.has(id)) lI++
      }
      if (rI < R.pes.length) {
        const id = R.pes[rI]!.id
        mergedR.add(id)
        push(this.mergeAt(L.observed.get(id) ?? undefined, R.observed.get(id), itemShape))
        rI++
        if (nextShared === id) nextShared = shared.shift()
      }
    }
    return out
  }

  // -------------------------------------------------------------------------------------------------------------
  // RemoveItems

  /** The value without the fields of `set` (TypedValue.RemoveItems). Maps and lists left empty disappear. */
  removeItems(value: Json | undefined, set: FieldSet, shape: Shape): Json | undefined {
    if (value === undefined || set.empty()) return value
    const concrete = this.concrete(shape, value)
    if (concrete.kind === 'list') {
      if (!Array.isArray(value) || !value.length || concrete.atomic) return value
      const out: Json[] = []
      const itemShape = this.item(concrete)
      for (const item of value) {
        let pe: PathElement
        try {
          pe = this.itemElement(concrete, item)
        } catch {
          out.push(item)
          continue
        }
        if (set.hasMember(pe)) continue
        const sub = set.withPrefix(pe)
        const kept = sub.empty() ? item : this.removeItems(item, sub, itemShape)
        if (kept !== undefined) out.push(kept)
      }
      return out.length ? out : undefined
    }
    if (concrete.kind === 'struct' || concrete.kind === 'map') {
      if (!isMap(value) || concrete.atomic) return value
      const out: JsonMap = {}
      for (const [k, v] of Object.entries(value)) {
        const pe = fieldElement(k)
        if (set.hasMember(pe)) continue
        const sub = set.withPrefix(pe)
        if (sub.empty()) {
          out[k] = v
          continue
        }
        const kept = this.removeItems(v, sub, this.child(concrete, k).shape)
        if (kept !== undefined) out[k] = kept
      }
      return Object.keys(out).length ? out : undefined
    }
    return value
  }

  // -------------------------------------------------------------------------------------------------------------
  // EnsureNamedFieldsAreMembers

  /** The set with every struct field that has children made a member too (named fields are owned as such). */
  ensureNamedFieldsAreMembers(set: FieldSet, shape: Shape): FieldSet {
    const out = new FieldSet()
    for (const [k, pe] of set.members) out.members.set(k, pe)
    for (const [k, c] of set.children) {
      let childShape: Shape = DEDUCED
      if (c.pe.kind === 'field') {
        if (shape.kind === 'struct' && shape.fields.has(c.pe.name)) out.members.set(k, c.pe)
        childShape = this.child(shape, c.pe.name).shape
      } else if (c.pe.kind === 'key' && shape.kind === 'list') childShape = this.item(shape)
      out.children.set(k, { pe: c.pe, set: this.ensureNamedFieldsAreMembers(c.set, childShape) })
    }
    return out
  }
}

export interface Comparison {
  added: FieldSet
  modified: FieldSet
  removed: FieldSet
}

/** Structural equality of JSON values; numbers compare numerically (an int and a float of the same value are equal). */
export function jsonEquals(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!jsonEquals(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  for (const k of ka) if (!(k in b) || !jsonEquals(a[k], b[k])) return false
  return true
}

