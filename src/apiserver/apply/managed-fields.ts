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
}

/**
 * The identity of a manager: the JSON of its entry without time and fields, and without the API version for an
 * Apply manager (one applier across versions), as BuildManagerIdentifier writes it.
 */
export function buildManagerIdentifier(e: { manager: string; operation: 'Apply' | 'Update'; apiVersion?: string; subresource?: string }): string {
  const id: ManagedFieldsEntry = { manager: e.manager, operation: e.operation }
  if (e.operation === 'Update' && e.apiVersion) id.apiVersion = e.apiVersion
  if (e.subresource) id.subresource = e.subresource
  return JSON.stringify(id)
}

/** Decodes metadata.managedFields; throws on an invalid entry (DecodeManagedFields). */
export function decodeManagedFields(entries: unknown): Managed {
  const managed = new Managed()
  if (entries === undefined || entries === null) return managed
  if (!Array.isArray(entries)) throw new Error('managedFields must be a list')
  entries.forEach((raw, i) => {
    if (!isMap(raw)) throw new Error(`managed fields entry ${i} must be an object`)
    const e = raw as ManagedFieldsEntry
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new Error('operation must be `Apply` or `Update`')
    if (!e.apiVersion) throw new Error('apiVersion must not be empty')
    if (!e.fieldsType) throw new Error(`missing fieldsType in managed fields entry ${i}`)
    if (e.fieldsType !== 'FieldsV1') throw new Error(`invalid fieldsType ${JSON.stringify(e.fieldsType)} in managed fields entry ${i}`)
    const id = buildManagerIdentifier({ manager: e.manager ?? '', operation: e.operation, apiVersion: e.apiVersion, subresource: e.subresource })
    const vs: VersionedSet = { set: FieldSet.fromFieldsV1(e.fieldsV1 ?? {}), apiVersion: e.apiVersion, applied: e.operation === 'Apply' }
    managed.fields.set(id, vs)
    managed.times.set(id, e.time)
    managed.decoded.set(id, { vs, entry: e })
  })
  return managed
}

const timeSeconds = (t: string | undefined) => (t ? Math.floor(Date.parse(t) / 1000) : 0)

/** The entries of metadata.managedFields, sorted as Kubernetes sorts them; undefined when there are none. */
export function encodeManagedFields(managed: Managed): ManagedFieldsEntry[] | undefined {
  if (!managed.fields.size) return undefined
  const entries: ManagedFieldsEntry[] = []
  for (const [id, vs] of managed.fields) {
    const decoded = managed.decoded.get(id)
    if (decoded && decoded.vs.set === vs.set && decoded.vs.apiVersion === vs.apiVersion && decoded.entry.time === managed.times.get(id)) {
      entries.push(decoded.entry)
      continue
    }
    const parsed = JSON.parse(id) as ManagedFieldsEntry
    const entry: ManagedFieldsEntry = { manager: parsed.manager, operation: vs.applied ? 'Apply' : parsed.operation, apiVersion: vs.apiVersion }
    const time = managed.times.get(id)
    if (time) entry.time = time
    entry.fieldsType = 'FieldsV1'
    entry.fieldsV1 = vs.set.toFieldsV1()
    if (parsed.subresource) entry.subresource = parsed.subresource
    entries.push(entry)
  }
  const cmp = (a: string | undefined, b: string | undefined) => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0)
  return entries.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      timeSeconds(p.time) - timeSeconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource, q.subresource),
  )
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
    const previous = managers.get(manager)?.set ?? new FieldSet()
    const set = this.filter(previous.difference(compare.removed).union(compare.modified).union(compare.added))
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
