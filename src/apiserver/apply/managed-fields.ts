/**
 * metadata.managedFields: which manager owns which fields, as apimachinery's managedfields/internal stores it, and
 * structured-merge-diff's merge.Updater that keeps it (merge/update.go): an update takes the fields it changes
 * from every other manager; an apply merges the configuration, prunes what the manager applied before and left
 * out now, and reports the fields it would change under another manager as conflicts unless forced.
 */
import { FieldSet } from './field-set.ts'
import { pathString, type Json, type Path } from './path.ts'
import { isMap, jsonEquals, type Comparison, type Shape, type TypedSchema } from './typed.ts'

export interface ManagedFieldsEntry {
  manager?: string
  operation?: 'Apply' | 'Update'
  apiVersion?: string
  time?: string
  fieldsType?: 'FieldsV1'
  fieldsV1?: unknown
  subresource?: string
}

/** The fields of one manager, at the API version it used; `applied` for an Apply manager. */
export interface VersionedSet {
  set: FieldSet
  apiVersion: string
  applied: boolean
}

/** Managers by identifier (buildManagerIdentifier), and when each last changed something. */
export class Managed {
  constructor(
    readonly fields = new Map<string, VersionedSet>(),
    readonly times = new Map<string, string | undefined>(),
    /** The entries as decoded, written back as they were while their set and time stay the same. */
    readonly decoded = new Map<string, { vs: VersionedSet; entry: ManagedFieldsEntry }>(),
  ) {}

  /** Managers this write recorded: their entries are written anew even when their set is still the decoded one. */
  readonly touched = new Set<string>()
}

/**
 * The identity of a manager: the JSON of its entry without time and fields, and without the API version for an
 * Apply manager (one applier across versions), as BuildManagerIdentifier writes it.
 */
export function buildManagerIdentifier(e: { manager: string; operation: 'Apply' | 'Update'; apiVersion?: string; subresource?: string }): string {
  // Every write asks for its manager's identifier (and decoding for each entry): built once per combination.
  const memoKey = `${e.operation}\u0000${e.manager}\u0000${e.apiVersion ?? ''}\u0000${e.subresource ?? ''}`
  let id = identifiers.get(memoKey)
  if (id === undefined) {
    const entry: ManagedFieldsEntry = { manager: e.manager, operation: e.operation }
    if (e.operation === 'Update' && e.apiVersion) entry.apiVersion = e.apiVersion
    if (e.subresource) entry.subresource = e.subresource
    id = JSON.stringify(entry)
    if (identifiers.size >= MAX_CACHED) identifiers.clear()
    identifiers.set(memoKey, id)
  }
  return id
}

const MAX_CACHED = 1024
const identifiers = new Map<string, string>()
const parsedIdentifiers = new Map<string, ManagedFieldsEntry>()

/** An identifier's fields (never changed by the caller), parsed once. */
function parseIdentifier(id: string): ManagedFieldsEntry {
  let parsed = parsedIdentifiers.get(id)
  if (!parsed) {
    parsed = JSON.parse(id) as ManagedFieldsEntry
    if (parsedIdentifiers.size >= MAX_CACHED) parsedIdentifiers.clear()
    parsedIdentifiers.set(id, parsed)
  }
  return parsed
}

/**
 * FieldsV1 documents decoded, by their JSON text (FieldSets are never changed once built, so they can be shared).
 * Every update decodes the managedFields it starts from, and objects of a kind written by the same managers carry
 * the same few documents (the fields of a pod its controller set, those of its status the kubelet set...):
 * stringifying one is several times cheaper than parsing it into a set again.
 */
const decodedSets = new Map<string, FieldSet>()
/** At most this many characters of FieldsV1 text are kept (with their sets, a few times that in memory). */
const MAX_CACHED_CHARS = 2 * 1024 * 1024
let cachedChars = 0

function decodeFieldsV1(doc: unknown): FieldSet {
  if (doc === null || typeof doc !== 'object') return FieldSet.fromFieldsV1(doc)
  const text = JSON.stringify(doc)
  let set = decodedSets.get(text)
  if (!set) {
    set = FieldSet.fromFieldsV1(doc)
    if (text.length <= MAX_CACHED_CHARS / 64) {
      // Oldest first out (a Map iterates in insertion order).
      for (const old of decodedSets.keys()) {
        if (cachedChars + text.length <= MAX_CACHED_CHARS && decodedSets.size < MAX_CACHED) break
        decodedSets.delete(old)
        cachedChars -= old.length
      }
      decodedSets.set(text, set)
      cachedChars += text.length
    }
  }
  return set
}

/** Decodes metadata.managedFields; throws on an invalid entry (DecodeManagedFields). */
export function decodeManagedFields(entries: unknown): Managed {
  const managed = new Managed()
  if (entries === undefined || entries === null) return managed
  if (!Array.isArray(entries)) throw new Error('managedFields must be a list')
  for (let i = 0; i < entries.length; i++) {
    const raw: unknown = entries[i]
    if (!isMap(raw)) throw new Error(`managed fields entry ${i} must be an object`)
    const e = raw as ManagedFieldsEntry
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new Error('operation must be `Apply` or `Update`')
    if (!e.apiVersion) throw new Error('apiVersion must not be empty')
    if (!e.fieldsType) throw new Error(`missing fieldsType in managed fields entry ${i}`)
    if (e.fieldsType !== 'FieldsV1') throw new Error(`invalid fieldsType ${JSON.stringify(e.fieldsType)} in managed fields entry ${i}`)
    const id = buildManagerIdentifier({ manager: e.manager ?? '', operation: e.operation, apiVersion: e.apiVersion, subresource: e.subresource })
    const vs: VersionedSet = { set: decodeFieldsV1(e.fieldsV1 ?? {}), apiVersion: e.apiVersion, applied: e.operation === 'Apply' }
    managed.fields.set(id, vs)
    managed.times.set(id, e.time)
    managed.decoded.set(id, { vs, entry: e })
  }
  return managed
}

const timeSeconds = (t: string | undefined) => (t ? Math.floor(Date.parse(t) / 1000) : 0)

/** The entries of metadata.managedFields, sorted as Kubernetes sorts them; undefined when there are none. */
export function encodeManagedFields(managed: Managed): ManagedFieldsEntry[] | undefined {
  if (!managed.fields.size) return undefined
  const entries: ManagedFieldsEntry[] = []
  for (const [id, vs] of managed.fields) {
    const decoded = managed.decoded.get(id)
    if (decoded && !managed.touched.has(id) && decoded.vs.set === vs.set && decoded.vs.apiVersion === vs.apiVersion && decoded.entry.time === managed.times.get(id)) {
      entries.push(decoded.entry)
      continue
    }
    const parsed = parseIdentifier(id)
    const entry: ManagedFieldsEntry = { manager: parsed.manager, operation: vs.applied ? 'Apply' : parsed.operation, apiVersion: vs.apiVersion }
    const time = managed.times.get(id)
    if (time) entry.time = time
    entry.fieldsType = 'FieldsV1'
    entry.fieldsV1 = vs.set.toFieldsV1()
    if (parsed.subresource) entry.subresource = parsed.subresource
    entries.push(entry)
  }
  // Each entry's time in seconds once, not a Date.parse per comparison.
  const keyed = entries.map((entry) => ({ entry, seconds: timeSeconds(entry.time) }))
  keyed.sort(
    (p, q) =>
      cmp(p.entry.operation, q.entry.operation) ||
      p.seconds - q.seconds ||
      cmp(p.entry.manager, q.entry.manager) ||
      cmp(p.entry.apiVersion, q.entry.apiVersion) ||
      cmp(p.entry.subresource, q.entry.subresource),
  )
  return keyed.map((k) => k.entry)
}

function cmp(a: string | undefined, b: string | undefined): number {
  return (a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0
}

/** A field another manager owns that an apply would change: the manager's identifier and the field's path. */
export interface Conflict {
  manager: string
  path: Path
}

export class ConflictsError extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super(conflicts.map((c) => `conflict with ${c.manager}: ${pathString(c.path)}`).join('\n'))
  }
}

/** Filters what a manager may own at this endpoint (Kubernetes' reset fields: status on the main resource...). */
export type FieldFilter = (set: FieldSet) => FieldSet

/** What an update changed: the field manager's case of a manager new to the object (its current operation). */
function changedFields(c: Comparison): FieldSet {
  if (c.modified.empty()) return c.added
  return c.added.empty() ? c.modified : c.modified.union(c.added)
}

/** merge.Updater, for one API version (kubebox serves each kind in one version: no conversion between them). */
export class Updater {
  constructor(
    private readonly typed: TypedSchema,
    private readonly shape: Shape,
    private readonly filter: FieldFilter = (s) => s,
  ) {}

  private filtered(c: Comparison): Comparison {
    return { added: this.filter(c.added), modified: this.filter(c.modified), removed: this.filter(c.removed) }
  }

  /**
   * What `next` changes relative to `live`, taken away from every manager but `workflow`; with conflicts (fields
   * another manager owns that change) thrown unless `force`.
   */
  private update(live: Json, next: Json, managers: Map<string, VersionedSet>, workflow: string, force: boolean): Comparison {
    const compare = this.filtered(this.typed.compare(live, next, this.shape))
    const changed = compare.modified.union(compare.added)
    const conflicts = new Map<string, FieldSet>()
    for (const [manager, vs] of managers) {
      if (manager === workflow) continue
      const conflictSet = vs.set.intersection(changed)
      if (!conflictSet.empty()) conflicts.set(manager, conflictSet)
    }
    if (!force && conflicts.size) {
      const list: Conflict[] = []
      for (const [manager, set] of conflicts) for (const path of set.paths()) list.push({ manager, path })
      throw new ConflictsError(list)
    }
    for (const [manager, vs] of managers) {
      if (manager === workflow) continue
      let set = vs.set
      const conflictSet = conflicts.get(manager)
      if (conflictSet) set = set.difference(conflictSet)
      if (!compare.removed.empty()) set = set.difference(compare.removed)
      if (set !== vs.set) managers.set(manager, { ...vs, set })
    }
    for (const [manager, vs] of [...managers]) if (vs.set.empty()) managers.delete(manager)
    return compare
  }

  /** Updater.Update: `manager` (an Update) owns what it changed, on top of what it owned. */
  updateOp(live: Json, next: Json, apiVersion: string, managers: Map<string, VersionedSet>, manager: string): void {
    const compare = this.update(live, next, managers, manager, true)
    const previous = managers.get(manager)?.set
    const set = this.filter(previous ? previous.difference(compare.removed).union(compare.modified).union(compare.added) : changedFields(compare))
    if (set.empty()) managers.delete(manager)
    else managers.set(manager, { set, apiVersion, applied: false })
  }

  /**
   * Updater.Apply: the configuration merged into the live object; fields the manager applied last time and omits
   * now are removed unless another manager owns them. Returns the new object, or undefined when it is unchanged.
   */
  apply(live: Json, config: Json, apiVersion: string, managers: Map<string, VersionedSet>, manager: string, force: boolean): Json | undefined {
    const merged = this.typed.merge(live, config, this.shape) ?? {}
    const lastSet = managers.get(manager)
    const set = this.filter(this.typed.toFieldSet(config, this.shape))
    managers.set(manager, { set, apiVersion, applied: true })
    const next = this.prune(merged, managers, manager, lastSet)
    this.update(live, next, managers, manager, force)
    return jsonEquals(live, next) ? undefined : next
  }

  /** Removes a field iff the manager applied it last time, does not apply it now, and no other manager owns it. */
  private prune(merged: Json, managers: Map<string, VersionedSet>, manager: string, lastSet: VersionedSet | undefined): Json {
    if (!lastSet || lastSet.set.empty()) return merged
    const t = this.typed
    const named = (s: FieldSet) => t.ensureNamedFieldsAreMembers(s, this.shape)
    let pruned = t.removeItems(merged, named(lastSet.set), this.shape) ?? {}
    // Add back what any manager (the applier's new configuration included) owns.
    let owned = new FieldSet()
    for (const vs of managers.values()) owned = owned.union(vs.set)
    const mergedSet = named(t.toFieldSet(merged, this.shape))
    pruned = t.removeItems(merged, mergedSet.difference(named(t.toFieldSet(pruned, this.shape)).union(named(owned))), this.shape) ?? {}
    // Add back what the applier did not own last time (dangling items: unowned, or owned by updaters).
    const prunedSet = named(t.toFieldSet(pruned, this.shape))
    return t.removeItems(merged, mergedSet.difference(prunedSet).intersection(named(lastSet.set)), this.shape) ?? {}
  }
}
