/**
 * Field paths of server-side apply, as structured-merge-diff's `fieldpath` package names them: a path is a list of
 * elements, each a field name (`.spec`), the key of an item of an associative list (`[name="nginx"]`), a value of
 * a set (`[="a"]`) or an index (`[0]`). In managedFields (FieldsV1) each element is written `f:spec`,
 * `k:{"name":"nginx"}`, `v:"a"` or `i:0`.
 */

/** A JSON value as decoded from a request or the store. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

export type PathElement =
  | { readonly kind: 'field'; readonly name: string }
  /** Key fields sorted by name, as value.FieldList.Sort() leaves them. */
  | { readonly kind: 'key'; readonly fields: readonly (readonly [string, Json])[] }
  | { readonly kind: 'value'; readonly value: Json }
  | { readonly kind: 'index'; readonly index: number }

export type Path = readonly PathElement[]

/**
 * Where an element keeps its FieldsV1 key once computed: field sets look elements up by it at every level, and
 * serializing a key element (goJson of its values) on each lookup was the field manager's largest cost.
 */
const KEY = Symbol('FieldsV1 key')
type Keyed = { [KEY]?: string }

export const fieldElement = (name: string): PathElement => ({ kind: 'field', name, [KEY]: `f:${name}` }) as PathElement

export const keyElement = (fields: [string, Json][]): PathElement => {
  const pe = { kind: 'key', fields: [...fields].sort((a, b) => compareStrings(a[0], b[0])) } as PathElement
  serializePathElement(pe)
  return pe
}

export const valueElement = (value: Json): PathElement => {
  const pe: PathElement = { kind: 'value', value }
  serializePathElement(pe)
  return pe
}

export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const KIND_ORDER = { field: 0, key: 1, value: 2, index: 3 } as const

/** The total order of path elements (PathElement.Compare): fields, then keys, then values, then indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  if (a.kind !== b.kind) return KIND_ORDER[a.kind] - KIND_ORDER[b.kind]
  switch (a.kind) {
    case 'field':
      return compareStrings(a.name, (b as typeof a).name)
    case 'key': {
      const r = (b as typeof a).fields
      for (let i = 0; ; i++) {
        if (i >= a.fields.length && i >= r.length) return 0
        if (i >= a.fields.length) return -1
        if (i >= r.length) return 1
        const c = compareStrings(a.fields[i]![0], r[i]![0]) || compareValues(a.fields[i]![1], r[i]![1])
        if (c) return c
      }
    }
    case 'value':
      return compareValues(a.value, (b as typeof a).value)
    case 'index':
      return a.index - (b as typeof a).index
  }
}

const typeRank = (v: Json): number =>
  typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : typeof v === 'boolean' ? 2 : Array.isArray(v) ? 3 : v !== null ? 4 : 5

/** value.Compare: numbers, then strings, booleans, lists, maps and null. */
export function compareValues(a: Json, b: Json): number {
  const ra = typeRank(a)
  const rb = typeRank(b)
  if (ra !== rb) return ra - rb
  switch (ra) {
    case 0:
      return (a as number) - (b as number)
    case 1:
      return compareStrings(a as string, b as string)
    case 2:
      return Number(a) - Number(b)
    case 3: {
      const la = a as Json[]
      const lb = b as Json[]
      for (let i = 0; i < Math.min(la.length, lb.length); i++) {
        const c = compareValues(la[i]!, lb[i]!)
        if (c) return c
      }
      return la.length - lb.length
    }
    case 4: {
      const ka = Object.keys(a as object).sort(compareStrings)
      const kb = Object.keys(b as object).sort(compareStrings)
      for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
        const c = compareStrings(ka[i]!, kb[i]!) || compareValues((a as any)[ka[i]!], (b as any)[kb[i]!])
        if (c) return c
      }
      return ka.length - kb.length
    }
    default:
      return 0
  }
}

const GO_ESCAPED = /[<>&\u2028\u2029]/

/** JSON as Go's encoding/json writes it (HTML-safe: <, > and & escaped), as FieldsV1 keys are written. */
export function goJson(v: Json): string {
  const s = JSON.stringify(v)
  if (!GO_ESCAPED.test(s)) return s
  return s.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** The FieldsV1 key of a path element: `f:name`, `k:{"name":"x"}`, `v:"a"`, `i:0` (computed once per element). */
export function serializePathElement(pe: PathElement): string {
  return (pe as Keyed)[KEY] ?? ((pe as Keyed)[KEY] = computeKey(pe))
}

function computeKey(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `f:${pe.name}`
    case 'key':
      return `k:{${pe.fields.map(([n, v]) => `${goJson(n)}:${goJson(v)}`).join(',')}}`
    case 'value':
      return `v:${goJson(pe.value)}`
    case 'index':
      return `i:${pe.index}`
  }
}

/** Parses a FieldsV1 key; undefined for an unknown element type (skipped, as Kubernetes skips it). */
export function deserializePathElement(s: string): PathElement | undefined {
  if (s.length < 2 || s[1] !== ':') throw new Error(`missing colon: ${s}`)
  const rest = s.slice(2)
  switch (s[0]) {
    case 'f':
      return fieldElement(rest)
    case 'v':
      return valueElement(JSON.parse(rest))
    case 'k': {
      const obj = JSON.parse(rest)
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error(`invalid key: ${s}`)
      return keyElement(Object.entries(obj) as [string, Json][])
    }
    case 'i': {
      if (!/^-?\d+$/.test(rest)) throw new Error(`invalid index: ${s}`)
      const pe: PathElement = { kind: 'index', index: Number(rest) }
      serializePathElement(pe)
      return pe
    }
    default:
      return undefined
  }
}

/** value.ToString: how a key or set value appears in a path string (strings quoted as Go's %q). */
function valueString(v: Json): string {
  if (v === null) return 'null'
  if (typeof v === 'string') return JSON.stringify(v)
  if (Array.isArray(v)) return `[${v.map(valueString).join(',')}]`
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k}=${valueString(x)}`).join('')
  return String(v)
}

/** PathElement.String(): `.name`, `[name="x",protocol="TCP"]`, `[="a"]`, `[0]`. */
export function pathElementString(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `.${pe.name}`
    case 'key':
      return `[${pe.fields.map(([n, v]) => `${n}=${valueString(v)}`).join(',')}]`
    case 'value':
      return `[=${valueString(pe.value)}]`
    case 'index':
      return `[${pe.index}]`
  }
}

/** Path.String(): `.spec.template.spec.containers[name="nginx"].image`. */
export const pathString = (p: Path): string => p.map(pathElementString).join('')
