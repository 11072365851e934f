/**
 * The field manager of the API server (apimachinery's managedfields FieldManager and the wrappers
 * NewDefaultFieldManager stacks around structured-merge-diff): every create and update records which manager
 * changed which fields in metadata.managedFields; server-side apply merges a configuration and reports conflicts.
 *
 * - Update (POST, PUT, non-apply PATCH): the manager named by `?fieldManager=` or the User-Agent's product
 *   (`kubectl-client-side-apply`, `kubectl-edit`...) gets an `Update` entry with the fields it set or changed,
 *   and those fields leave every other manager's set. An object that has no managedFields when updated is not
 *   tracked (skipNonApplied), unless it is being created. At most 10 Update managers are kept; the oldest are
 *   merged into `ancient-changes`.
 * - Apply: see `applyConfiguration`.
 * - Fields of the object's identity (apiVersion, kind, name, namespace, uid, resourceVersion, generation,
 *   creationTimestamp, managedFields) are never owned. On the main resource `status` is not owned when the kind
 *   has a status subresource; through `status` only `status` is (Kubernetes' reset fields).
 */
import type { KubeObject } from '../../api/meta.ts'
import { formatTime } from '../../api/meta.ts'
import type { SchemaRegistry } from '../../api/schema/schema.ts'
import { apiSchemas } from '../../api/schema/types/index.ts'
import { ApiError, badRequest } from '../../errors/api-error.ts'
import { apiVersionOf, type ResourceDefinition } from '../registry/resource-definition.ts'
import { FieldSet } from './field-set.ts'
import {
  buildManagerIdentifier,
  ConflictsError,
  decodeManagedFields,
  encodeManagedFields,
  Managed,
  Updater,
  type Conflict,
  type FieldFilter,
  type ManagedFieldsEntry,
} from './managed-fields.ts'
import { fieldElement, pathString, type Json } from './path.ts'
import { isMap, TypedSchema, TypedValueError, type Shape } from './typed.ts'

/** Who writes, as a write request names it. */
export interface FieldManagerOptions {
  /** The manager (`fieldManager` query parameter, or derived from the User-Agent). */
  manager: string
  /** The subresource written, when it is not the one the registry is told (scale, written through its view). */
  subresource?: string
  /** Set by server-side apply, which computed managedFields already: the registry stores these. */
  applied?: { managedFields?: unknown[] }
}

/**
 * The manager of writes that name none: the API server's own (the namespaces it makes at boot), as upstream's are
 * named. The other components name theirs (LoopbackClient's manager).
 */
export const DEFAULT_MANAGER = 'kube-apiserver'

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration'

const MAX_UPDATE_MANAGERS = 10
const CURRENT_OPERATION = 'current-operation'
const BEFORE_FIRST_APPLY = 'before-first-apply'
const ANCIENT_CHANGES = 'ancient-changes'
/** Kubernetes' FieldManagerMaxLength. */
const FIELD_MANAGER_MAX_LENGTH = 128

/**
 * The manager of a request (managerOrUserAgent): the `fieldManager` parameter, else the User-Agent up to its
 * first '/' (`kubectl-client-side-apply`... when kubectl names itself so; `OpenAPI-Generator` for the Python
 * client), printable characters only, at most 128 bytes.
 */
export function managerOrUserAgent(manager: string | undefined, userAgent: string | undefined): string {
  if (manager) return manager
  const ua = userAgent ?? ''
  // A client sends the same User-Agent on every request: its manager is worked out once.
  let out = userAgentManagers.get(ua)
  if (out !== undefined) return out
  out = ''
  for (const ch of ua.split('/')[0]!) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) continue
    if (Buffer.byteLength(out + ch) > FIELD_MANAGER_MAX_LENGTH) break
    out += ch
  }
  if (userAgentManagers.size >= 256) userAgentManagers.clear()
  userAgentManagers.set(ua, out)
  return out
}

const userAgentManagers = new Map<string, string>()

/** The identity fields of an object, never owned (stripMetaManager). */
const STRIP = FieldSet.of(
  [fieldElement('apiVersion')],
  [fieldElement('kind')],
  [fieldElement('metadata')],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map((f) => [
    fieldElement('metadata'),
    fieldElement(f),
  ]),
)

const STATUS = FieldSet.of([fieldElement('status')])

function onlyStatus(set: FieldSet): FieldSet {
  const out = new FieldSet()
  const status = fieldElement('status')
  if (set.hasMember(status)) out.insert([status])
  const under = set.withPrefix(status)
  if (!under.empty()) out.children.set('f:status', { pe: status, set: under })
  return out
}

const gvkString = (apiVersion: string, kind: string) => `${apiVersion.includes('/') ? apiVersion : `/${apiVersion}`}, Kind=${kind}`

/** The field manager of the API server; one per schema registry. */
export class FieldManager {
  private readonly typed: TypedSchema
  private readonly shapes = new Map<string, Shape>()

  constructor(registry: SchemaRegistry = apiSchemas) {
    this.typed = new TypedSchema(registry)
  }

  private shapeOf(def: ResourceDefinition): Shape {
    const key = `${def.group}/${def.version}/${def.kind}`
    let shape = this.shapes.get(key)
    if (!shape) this.shapes.set(key, (shape = this.typed.root(this.typed.registry?.forKind(def.group, def.version, def.kind))))
    return shape
  }

  private filterFor(def: ResourceDefinition, subresource: string | undefined): FieldFilter {
    if (subresource === 'status') return onlyStatus
    if (def.subresources?.status) return (s) => s.recursiveDifference(STATUS)
    return (s) => s
  }

  /**
   * Records an update (or a create, `live` undefined) by `opts.manager` in `next.metadata.managedFields`.
   * `subresource` is the one written (its entry says so).
   */
  update(def: ResourceDefinition, live: KubeObject | undefined, next: KubeObject, opts: { manager: string; subresource?: string }): void {
    const managed = decodeLiveOrNew(live, next, Boolean(opts.subresource))
    delete next.metadata.managedFields
    // An object updated without managedFields stays untracked until it is applied to; a new one is tracked.
    if (live && managed.fields.size === 0) return
    const apiVersion = apiVersionOf(def)
    const updater = new Updater(this.typed, this.shapeOf(def), this.filterFor(def, opts.subresource))
    const id = buildManagerIdentifier({ manager: opts.manager || 'unknown', operation: 'Update', apiVersion, subresource: opts.subresource })
    this.recordUpdate(updater, (live ? stripManagedFields(live) : {}) as Json, next as Json, apiVersion, managed, id)
    capUpdateManagers(managed)
    setManagedFields(next, managed)
  }

  /** managedFieldsUpdater + stripMetaManager around Updater.Update. */
  private recordUpdate(updater: Updater, live: Json, next: Json, apiVersion: string, managed: Managed, id: string): void {
    updater.updateOp(live, next, apiVersion, managed.fields, CURRENT_OPERATION)
    const current = managed.fields.get(CURRENT_OPERATION)
    if (!current) return
    managed.fields.delete(CURRENT_OPERATION)
    const set = current.set.difference(STRIP)
    if (set.empty()) return
    const previous = managed.fields.get(id)
    // A manager that changed only fields it owned keeps its (decoded, already written out) set.
    const owned = previous ? (set.isSubsetOf(previous.set) ? previous.set : set.union(previous.set)) : set
    managed.fields.set(id, { set: owned, apiVersion, applied: false })
    managed.touched.add(id)
    managed.times.set(id, formatTime())
  }

  /**
   * Server-side apply of `config` by `opts.manager` to `live` (undefined: the object does not exist yet and is
   * created from the configuration). Returns the object to store, its managedFields set. Throws a 409 Conflict
   * listing the fields other managers own that the configuration changes, unless `force`; a 400 for a
   * configuration of another kind or with managedFields.
   *
   * - The manager owns exactly the fields of its configuration; fields it applied before and omits now are
   *   removed from the object unless another manager owns them.
   * - The `kubectl` manager may take over, without conflicts, the fields of the last-applied-configuration
   *   annotation of client-side apply that still have their applied values (migration to server-side apply),
   *   and the annotation is kept up to date when the object has one.
   */
  apply(def: ResourceDefinition, live: KubeObject | undefined, config: KubeObject, opts: { manager: string; subresource?: string; force: boolean }): KubeObject {
    const apiVersion = apiVersionOf(def)
    if (config.apiVersion !== apiVersion || config.kind !== def.kind)
      throw badRequest(`invalid object type: ${gvkString(String(config.apiVersion ?? ''), String(config.kind ?? ''))}`)
    let managed: Managed
    try {
      managed = decodeManagedFields(live?.metadata.managedFields)
    } catch (err) {
      throw new ApiError(500, 'InternalError', `Internal error occurred: failed to decode managed fields: ${(err as Error).message}`)
    }
    let result: KubeObject
    try {
      result = this.applyOnce(def, live, config, managed, opts, opts.force)
    } catch (err) {
      if (!(err instanceof ConflictsError) || opts.manager !== 'kubectl' || !live) throw conflictOrError(err)
      // Conflicts on fields kubectl's client-side apply set to the values they still have are not conflicts.
      const allowed = this.allowedConflictsFromLastApplied(def, live)
      const remaining = allowed ? err.conflicts.filter((c) => !allowed.has(c.path)) : err.conflicts
      if (remaining.length) throw conflictError(remaining)
      result = this.applyOnce(def, live, config, decodeManagedFields(live.metadata.managedFields), opts, true)
    }
    if (opts.manager === 'kubectl' && result.metadata.annotations?.[LAST_APPLIED_ANNOTATION]) {
      result.metadata.annotations[LAST_APPLIED_ANNOTATION] = buildLastApplied(config)
    }
    return result
  }

  private applyOnce(
    def: ResourceDefinition,
    live: KubeObject | undefined,
    config: KubeObject,
    managed: Managed,
    opts: { manager: string; subresource?: string },
    force: boolean,
  ): KubeObject {
    const apiVersion = apiVersionOf(def)
    const shape = this.shapeOf(def)
    const updater = new Updater(this.typed, shape, this.filterFor(def, opts.subresource))
    const liveJson = (live ? stripManagedFields(live) : {}) as Json
    // The first apply to an object with no managedFields: its fields so far belong to `before-first-apply`.
    if (live && managed.fields.size === 0) {
      const id = buildManagerIdentifier({ manager: BEFORE_FIRST_APPLY, operation: 'Update', apiVersion, subresource: opts.subresource })
      this.recordUpdate(updater, {}, liveJson, apiVersion, managed, id)
      capUpdateManagers(managed)
    }
    if (config.metadata?.managedFields != null) throw badRequest('metadata.managedFields must be nil')
    try {
      this.typed.validate(config as Json, shape)
    } catch (err) {
      if (!(err instanceof TypedValueError)) throw err
      const who = `${config.metadata?.namespace ?? live?.metadata.namespace ?? '<unknown>'}/${config.metadata?.name ?? '<unknown>'}`
      throw new ApiError(500, '', `failed to create typed patch object (${who}; ${gvkString(apiVersion, def.kind)}): ${err.message}`)
    }
    const id = buildManagerIdentifier({ manager: opts.manager, operation: 'Apply', subresource: opts.subresource })
    const next = updater.apply(liveJson, config as Json, apiVersion, managed.fields, id, force)
    if (next !== undefined) dropConfigNulls(next, config as Json)
    const vs = managed.fields.get(id)
    if (vs) {
      const set = vs.set.difference(STRIP)
      if (set.empty()) managed.fields.delete(id)
      else managed.fields.set(id, { ...vs, set })
    }
    const object = (next ?? structuredClone(liveJson)) as KubeObject
    if (next !== undefined) managed.times.set(id, formatTime())
    object.metadata ??= {}
    setManagedFields(object, managed)
    return object
  }

  /**
   * The fields of kubectl's last-applied-configuration that the live object still has at the applied values
   * (lastAppliedManager.allowedConflictsFromLastApplied); undefined when there is no usable annotation.
   */
  private allowedConflictsFromLastApplied(def: ResourceDefinition, live: KubeObject): FieldSet | undefined {
    const text = live.metadata.annotations?.[LAST_APPLIED_ANNOTATION]
    if (!text) return undefined
    let lastApplied: Json
    try {
      lastApplied = JSON.parse(text)
    } catch {
      return undefined
    }
    if (!isMap(lastApplied) || lastApplied.apiVersion !== apiVersionOf(def)) return undefined
    const shape = this.shapeOf(def)
    try {
      this.typed.validate(lastApplied, shape)
    } catch {
      return undefined
    }
    const liveJson = stripManagedFields(live) as Json
    const set = this.typed.toFieldSet(lastApplied, shape)
    const c = this.typed.compare(lastApplied, liveJson, shape)
    return set.difference(c.modified).difference(c.added).difference(c.removed)
  }
}

/** The managed fields an update starts from (decodeLiveOrNew): the request's when it sets valid ones, else the live object's. */
function decodeLiveOrNew(live: KubeObject | undefined, next: KubeObject, isSubresource: boolean): Managed {
  if (isSubresource) return decodeOrEmpty(live?.metadata.managedFields)
  const requested = next.metadata.managedFields
  // `[]` or `[{}]` resets managedFields.
  if (Array.isArray(requested) && (requested.length === 0 || (requested.length === 1 && isMap(requested[0]) && !Object.keys(requested[0]).length)))
    return new Managed()
  try {
    const managed = decodeManagedFields(requested)
    if (managed.fields.size) return managed
  } catch {
    // fall back to the live object's
  }
  return decodeOrEmpty(live?.metadata.managedFields)
}

// At module level: tsx (esbuild's keepNames) names a function declared inside another on every call.
function decodeOrEmpty(entries: unknown): Managed {
  try {
    return decodeManagedFields(entries)
  } catch {
    return new Managed()
  }
}

function setManagedFields(obj: KubeObject, managed: Managed): void {
  const entries = encodeManagedFields(managed)
  if (entries) obj.metadata.managedFields = entries
  else delete obj.metadata.managedFields
}

/** The object without managedFields; shares everything else with `obj` (the typed operations do not mutate). */
function stripManagedFields(obj: KubeObject): KubeObject {
  const { managedFields: _, ...metadata } = obj.metadata
  return { ...obj, metadata }
}

/** Merges the oldest Update managers into `ancient-changes` (per API version) beyond 10 (capManagersManager). */
function capUpdateManagers(managed: Managed): void {
  let count = 0
  for (const vs of managed.fields.values()) if (!vs.applied) count++
  if (count <= MAX_UPDATE_MANAGERS) return // nearly always: no lists built on every write
  const updaters = [...managed.fields].filter(([, vs]) => !vs.applied).map(([id]) => id)
  const seconds = (id: string) => {
    const t = managed.times.get(id)
    return t ? Math.floor(Date.parse(t) / 1000) : 0
  }
  updaters.sort((a, b) => seconds(a) - seconds(b) || (a < b ? -1 : a > b ? 1 : 0))
  const firstOfVersion = new Map<string, string>()
  let length = updaters.length
  for (let i = 0; i < updaters.length && length > MAX_UPDATE_MANAGERS; i++) {
    const id = updaters[i]!
    const vs = managed.fields.get(id)!
    const time = managed.times.get(id)
    const bucket = buildManagerIdentifier({ manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: vs.apiVersion })
    const first = firstOfVersion.get(vs.apiVersion)
    if (first === undefined) {
      firstOfVersion.set(vs.apiVersion, id)
      continue
    }
    if (!managed.fields.has(bucket)) {
      managed.fields.set(bucket, managed.fields.get(first)!)
      managed.fields.delete(first)
    }
    managed.fields.set(bucket, { set: vs.set.union(managed.fields.get(bucket)!.set), apiVersion: vs.apiVersion, applied: vs.applied })
    managed.fields.delete(id)
    managed.times.set(bucket, time)
    length--
  }
}

/**
 * Removes from the merged object the fields the configuration sets to null: a null clears a field, and Go's typed
 * objects do not keep it (ownership is computed before, on the merged value with its nulls, as Kubernetes does).
 */
function dropConfigNulls(object: Json, config: Json): void {
  if (!isMap(object) || !isMap(config)) return
  for (const [k, v] of Object.entries(config)) {
    if (v === null && object[k] === null) delete object[k]
    else if (isMap(v)) dropConfigNulls(object[k] as Json, v)
  }
}

/** The last-applied annotation the server writes for kubectl's server-side apply: the configuration, keys sorted. */
function buildLastApplied(config: KubeObject): string {
  const copy = structuredClone(config)
  if (copy.metadata?.annotations) delete copy.metadata.annotations[LAST_APPLIED_ANNOTATION]
  return JSON.stringify(sortKeys(copy))
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v === null || typeof v !== 'object') return v
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  )
}

// -------------------------------------------------------------------------------------------------------------
// Conflicts as a metav1.Status (apimachinery's managedfields/internal/conflict.go)

/** `"kubectl-client-side-apply" using v1`, `"kubectl"`, `"kubelet" with subresource "status" using v1`. */
export function printManager(identifier: string): string {
  let e: ManagedFieldsEntry
  try {
    e = JSON.parse(identifier)
  } catch {
    return JSON.stringify(identifier)
  }
  let s = JSON.stringify(e.manager ?? '')
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`
  if (e.operation === 'Update') s += e.time ? ` using ${e.apiVersion} at ${e.time}` : ` using ${e.apiVersion}`
  return s
}

/** 409 Conflict: `Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: .spec.replicas`. */
export function conflictError(conflicts: Conflict[]): ApiError {
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: pathString(c.path) }))
  let message: string
  if (conflicts.length === 1) message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0]!.manager)}: ${pathString(conflicts[0]!.path)}`
  else {
    const byManager = new Map<string, string[]>()
    for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), pathString(c.path)])
    const lines: string[] = []
    for (const manager of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${printManager(manager)}:`)
      for (const p of byManager.get(manager)!) lines.push(`- ${p}`)
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`
  }
  return new ApiError(409, 'Conflict', message, { causes })
}

function conflictOrError(err: unknown): unknown {
  return err instanceof ConflictsError ? conflictError(err.conflicts) : err
}

/** The one field manager of the built-in schemas. */
export const fieldManager = new FieldManager()

/**
 * The generic registry's hook, on every create (`live` undefined) and update: records the write in
 * `next.metadata.managedFields` for the request's manager (the API server's own when none is named). Server-side
 * apply computed them already (`applied`); action subresources (pods/binding) are not tracked, as in Kubernetes.
 */
export function trackWrite(
  def: ResourceDefinition,
  live: KubeObject | undefined,
  next: KubeObject,
  opts: { fieldManager?: FieldManagerOptions; subresource?: string },
): void {
  const fm = opts.fieldManager
  if (fm?.applied) {
    if (fm.applied.managedFields) next.metadata.managedFields = fm.applied.managedFields
    else delete next.metadata.managedFields
    return
  }
  const subresource = fm?.subresource ?? opts.subresource
  if (subresource && def.subresources?.[subresource]?.action) return
  fieldManager.update(def, live, next, { manager: fm?.manager ?? DEFAULT_MANAGER, subresource })
}
