/**
 * A set of field paths (structured-merge-diff's `fieldpath.Set`): a trie whose nodes hold the elements that are
 * members of the set at that level and the children under which deeper members are. A path is in the set when
 * its last element is a member of the node its prefix leads to; an inner node is not a member unless inserted.
 *
 * FieldsV1, the managedFields encoding, writes the trie as JSON: each element as a key (`f:spec`,
 * `k:{"name":"x"}`, `v:"a"`), a member as `{}`, a node that is both a member and has children with `".": {}`.
 */
import {
  comparePathElements,
  deserializePathElement,
  pathString,
  serializePathElement,
  type Path,
  type PathElement,
} from './path.ts'

interface Child {
  pe: PathElement
  set: FieldSet
}

export type FieldsV1 = { [key: string]: FieldsV1 }

/** 'f', the first character of a field's FieldsV1 key. */
const F = 102

export class FieldSet {
  /** Members at this level, by their FieldsV1 key. */
  readonly members = new Map<string, PathElement>()
  /** Children (non-empty sets) by their FieldsV1 key. */
  readonly children = new Map<string, Child>()
  /**
   * The FieldsV1 of this node, without and with `"."`, once emitted. Sets are not changed once built (set operations
   * make new ones, sharing unchanged children), so a set decoded from a stored object or shared by a union is
   * written out once, however many writes carry it. insert() and descend() forget it.
   */
  private written?: FieldsV1
  private writtenWithSelf?: FieldsV1

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet()
    for (const p of paths) s.insert(p)
    return s
  }

  /** Adds a path (its parents are not added). The empty path (the whole object) is never tracked. */
  insert(path: Path): void {
    if (path.length === 0) return
    let s: FieldSet = this
    for (let i = 0; i < path.length - 1; i++) s = s.descend(path[i]!)
    const last = path[path.length - 1]!
    s.members.set(serializePathElement(last), last)
    s.written = s.writtenWithSelf = undefined
  }

  /** The child set under `pe`, created when absent. */
  descend(pe: PathElement): FieldSet {
    this.written = this.writtenWithSelf = undefined
    const key = serializePathElement(pe)
    let child = this.children.get(key)
    if (!child) this.children.set(key, (child = { pe, set: new FieldSet() }))
    return child.set
  }

  has(path: Path): boolean {
    if (path.length === 0) return false
    let s: FieldSet | undefined = this
    for (let i = 0; i < path.length - 1 && s; i++) s = s.children.get(serializePathElement(path[i]!))?.set
    return Boolean(s?.members.has(serializePathElement(path[path.length - 1]!)))
  }

  hasMember(pe: PathElement): boolean {
    return this.members.has(serializePathElement(pe))
  }

  /** The set of paths under `pe` (relative to it); empty when there are none. */
  withPrefix(pe: PathElement): FieldSet {
    return this.children.get(serializePathElement(pe))?.set ?? EMPTY
  }

  empty(): boolean {
    if (this.members.size) return false
    for (const c of this.children.values()) if (!c.set.empty()) return false
    return true
  }

  size(): number {
    let n = this.members.size
    for (const c of this.children.values()) n += c.set.size()
    return n
  }

  union(o: FieldSet): FieldSet {
    const out = new FieldSet()
    for (const [k, pe] of this.members) out.members.set(k, pe)
    for (const [k, pe] of o.members) out.members.set(k, pe)
    for (const [k, c] of this.children) {
      const other = o.children.get(k)
      out.children.set(k, { pe: c.pe, set: other ? c.set.union(other.set) : c.set })
    }
    for (const [k, c] of o.children) if (!this.children.has(k)) out.children.set(k, c)
    return out
  }

  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet()
    for (const [k, pe] of this.members) if (o.members.has(k)) out.members.set(k, pe)
    for (const [k, c] of this.children) {
      const other = o.children.get(k)
      if (!other) continue
      const res = c.set.intersection(other.set)
      if (!res.empty()) out.children.set(k, { pe: c.pe, set: res })
    }
    return out
  }

  /**
   * The paths of this set not in `o`. As in Kubernetes, a member of `o` does not remove the paths beneath it
   * (parent - child = parent, child - parent = child): see recursiveDifference for that.
   */
  difference(o: FieldSet): FieldSet {
    const out = new FieldSet()
    for (const [k, pe] of this.members) if (!o.members.has(k)) out.members.set(k, pe)
    for (const [k, c] of this.children) {
      const other = o.children.get(k)
      if (!other) {
        out.children.set(k, c)
        continue
      }
      const diff = c.set.difference(other.set)
      if (!diff.empty()) out.children.set(k, { pe: c.pe, set: diff })
    }
    return out
  }

  /** The paths of this set not in `o`, and not beneath a member of `o`. */
  recursiveDifference(o: FieldSet): FieldSet {
    const out = new FieldSet()
    for (const [k, pe] of this.members) if (!o.members.has(k)) out.members.set(k, pe)
    for (const [k, c] of this.children) {
      if (o.members.has(k)) continue
      const other = o.children.get(k)
      if (!other) {
        out.children.set(k, c)
        continue
      }
      const diff = c.set.recursiveDifference(other.set)
      if (!diff.empty()) out.children.set(k, { pe: c.pe, set: diff })
    }
    return out
  }

  /** Whether every path of this set is in `o` (this.difference(o) is empty), without building the difference. */
  isSubsetOf(o: FieldSet): boolean {
    if (this === o) return true
    for (const k of this.members.keys()) if (!o.members.has(k)) return false
    for (const [k, c] of this.children) {
      const other = o.children.get(k)
      if (other ? !c.set.isSubsetOf(other.set) : !c.set.empty()) return false
    }
    return true
  }

  equals(o: FieldSet): boolean {
    return this.difference(o).empty() && o.difference(this).empty()
  }

  /** Every path of the set: the members of a node (in order), then those of its children (Set.Iterate). */
  paths(prefix: PathElement[] = [], out: Path[] = []): Path[] {
    for (const pe of sortedElements(this.members.values())) out.push([...prefix, pe])
    for (const c of sortedChildren(this.children.values())) c.set.paths([...prefix, c.pe], out)
    return out
  }

  toString(): string {
    return this.paths().map(pathString).join('\n')
  }

  /** The FieldsV1 document of the set, keys in Kubernetes' order. */
  toFieldsV1(): FieldsV1 {
    return this.emit(false)
  }

  private emit(includeSelf: boolean): FieldsV1 {
    const done = includeSelf ? this.writtenWithSelf : this.written
    if (done) return done
    const out = this.write(includeSelf)
    if (includeSelf) this.writtenWithSelf = out
    else this.written = out
    return out
  }

  private write(includeSelf: boolean): FieldsV1 {
    const out: FieldsV1 = {}
    if (includeSelf) out['.'] = {}
    const keys: string[] = []
    let onlyFields = true
    for (const key of this.members.keys()) {
      keys.push(key)
      if (key.charCodeAt(0) !== F) onlyFields = false
    }
    for (const [key, c] of this.children) {
      if (this.members.has(key) || c.set.empty()) continue
      keys.push(key)
      if (key.charCodeAt(0) !== F) onlyFields = false
    }
    // Field keys (`f:name`, nearly all of them) sort as their names do: a plain sort, no element comparisons.
    if (onlyFields) keys.sort()
    else keys.sort((a, b) => comparePathElements(this.elementOf(a), this.elementOf(b)))
    for (const key of keys) {
      const child = this.children.get(key)?.set
      out[key] = child && !child.empty() ? child.emit(this.members.has(key)) : {}
    }
    return out
  }

  private elementOf(key: string): PathElement {
    return this.members.get(key) ?? this.children.get(key)!.pe
  }

  /** Parses a FieldsV1 document (throws on a malformed key). */
  static fromFieldsV1(doc: unknown): FieldSet {
    const set = new FieldSet()
    if (doc === null || doc === undefined) return set
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('FieldsV1 must be an object')
    readInto(set, doc as Record<string, unknown>)
    return set
  }
}

/** Reads the entries of one FieldsV1 object into `set`. */
function readInto(set: FieldSet, doc: Record<string, unknown>): void {
  for (const key in doc) {
    if (key === '.') continue
    const value = doc[key]
    const pe = deserializePathElement(key)
    if (!pe) continue
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`FieldsV1 entry ${key} must be an object`)
    const inner = value as Record<string, unknown>
    // `{}` and `{".": {}, ...}` make the element a member; other keys are its children.
    let empty = true
    let hasChildren = false
    for (const k in inner) {
      empty = false
      if (k !== '.') {
        hasChildren = true
        break
      }
    }
    if (empty || '.' in inner) set.members.set(serializePathElement(pe), pe)
    if (hasChildren) {
      const child = set.descend(pe)
      readInto(child, inner)
      if (child.empty()) set.children.delete(serializePathElement(pe))
    }
  }
}

const EMPTY = new FieldSet()

const sortedElements = (it: Iterable<PathElement>) => [...it].sort(comparePathElements)
const sortedChildren = (it: Iterable<Child>) => [...it].sort((a, b) => comparePathElements(a.pe, b.pe))
