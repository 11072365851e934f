import type { FieldSchema, SchemaRegistry, ValueSchema } from '../../api/schema/schema.ts'
import { jsonFields } from '../openapi/json-fields.ts'

/**
 * What a JSON value is decoded into, as far as strict decoding cares:
 * - `fields`: a Go struct — unknown keys and repeated known keys are errors;
 * - `map`: a Go map of a declared value type — repeated keys are errors;
 * - `array`: a slice — its items are decoded in turn;
 * - `any`: `interface{}` — repeated keys are errors at every depth (sigs.k8s.io/json objectInterface);
 * - `skip`: a scalar, or a type with its own UnmarshalJSON (RawExtension, FieldsV1, Time, Quantity…): nothing inside is checked.
 */
export type Target =
  | { kind: 'fields'; fields: Map<string, FieldSchema>; registry: SchemaRegistry; implicit?: Set<string>; targets?: Record<string, Target> }
  | { kind: 'map'; values: Target }
  | { kind: 'array'; items: Target }
  | { kind: 'any' }
  | { kind: 'skip' }

export const SKIP: Target = { kind: 'skip' }
export const ANY: Target = { kind: 'any' }

/** TypeMeta is inline in every top-level kind: apiVersion and kind are always known there. */
const TYPE_META = new Set(['apiVersion', 'kind'])

/** The target of a top-level kind (undefined when the type is not declared: nothing can be checked). */
export function kindTarget(registry: SchemaRegistry, typeName: string): Target | undefined {
  if (!registry.has(typeName)) return undefined
  return { kind: 'fields', fields: jsonFields(registry, typeName), registry, implicit: TYPE_META }
}

/** The target of a declared value (a field's type); one per value schema and registry, made on first use. */
export function valueTarget(registry: SchemaRegistry, v: ValueSchema): Target {
  const cached = targets.get(v)
  if (cached?.registry === registry) return cached.target
  const target = makeValueTarget(registry, v)
  targets.set(v, { registry, target })
  return target
}

/** Every field of every body is checked against its target: they are made once, not for each value. */
const targets = new WeakMap<ValueSchema, { registry: SchemaRegistry; target: Target }>()

function makeValueTarget(registry: SchemaRegistry, v: ValueSchema): Target {
  switch (v.kind) {
    case 'ref':
      return registry.has(v.name) ? { kind: 'fields', fields: jsonFields(registry, v.name), registry } : SKIP
    case 'array':
      return { kind: 'array', items: valueTarget(registry, v.items) }
    case 'map':
      return { kind: 'map', values: valueTarget(registry, v.values) }
    default:
      return SKIP
  }
}

/** Errors are reported as sigs.k8s.io/json does: `unknown field "spec.foo"`, `duplicate field "metadata.name"`. */
const MAX_ERRORS = 100

class ScanError extends Error {}

/**
 * Scans JSON text against a target, reporting unknown and duplicate fields in document order, deduplicated and
 * capped at 100 as sigs.k8s.io/json's UnmarshalStrict does. Paths join object keys with `.` and list indices as
 * `[i]`. The text must be valid JSON (it was parsed before); on malformed input the errors found so far are returned.
 */
export function strictJsonErrors(text: string, target: Target): string[] {
  const s = new Scanner(text)
  try {
    s.skipWs()
    s.value(target, '')
  } catch (err) {
    if (!(err instanceof ScanError)) throw err
  }
  return s.errors
}

class Scanner {
  i = 0
  readonly errors: string[] = []
  private readonly seen = new Set<string>()

  constructor(private readonly s: string) {}

  private error(type: 'unknown' | 'duplicate', stack: string, field: string): void {
    if (this.errors.length >= MAX_ERRORS) return
    const message = `${type} field ${JSON.stringify(stack ? `${stack}.${field}` : field)}`
    if (this.seen.has(message)) return
    this.seen.add(message)
    this.errors.push(message)
  }

  skipWs(): void {
    const s = this.s
    let i = this.i
    for (;;) {
      const c = s.charCodeAt(i)
      if (c === 32 || c === 10 || c === 13 || c === 9) i++
      else break
    }
    this.i = i
  }

  /** A string token (the scanner is at its opening quote); returns the decoded value. */
  private string(): string {
    const s = this.s
    const start = this.i + 1
    let end = s.indexOf('"', start)
    for (;;) {
      if (end < 0) throw new ScanError('unterminated string')
      // A quote preceded by an odd number of backslashes is escaped.
      let backslashes = 0
      while (s.charCodeAt(end - 1 - backslashes) === 92) backslashes++
      if (backslashes % 2 === 0) break
      end = s.indexOf('"', end + 1)
    }
    this.i = end + 1
    const raw = s.slice(start, end)
    return raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw
  }

  /** Skips any value without looking inside. */
  private skip(): void {
    const s = this.s
    const c = s.charCodeAt(this.i)
    if (c === 34) {
      this.string()
      return
    }
    if (c === 123 || c === 91) {
      let depth = 0
      let i = this.i
      for (;;) {
        const d = s.charCodeAt(i)
        if (Number.isNaN(d)) throw new ScanError('unexpected end')
        if (d === 34) {
          this.i = i
          this.string()
          i = this.i
          continue
        }
        if (d === 123 || d === 91) depth++
        else if (d === 125 || d === 93) {
          depth--
          if (depth === 0) {
            this.i = i + 1
            return
          }
        }
        i++
      }
    }
    // A literal: number, true, false, null.
    let i = this.i
    for (;;) {
      const d = s.charCodeAt(i)
      if (Number.isNaN(d) || d === 44 || d === 125 || d === 93 || d === 32 || d === 10 || d === 13 || d === 9) break
      i++
    }
    this.i = i
  }

  value(target: Target, stack: string): void {
    const c = this.s.charCodeAt(this.i)
    if (c === 123 && target.kind !== 'skip' && target.kind !== 'array') return this.object(target, stack)
    if (c === 91 && (target.kind === 'array' || target.kind === 'any')) return this.array(target.kind === 'array' ? target.items : ANY, stack)
    // Anything else is a scalar, or a type mismatch (a decoding error, not a strict one): skipped.
    this.skip()
  }

  /** The value of an object's member; its path is only spelled out for an object or a list (scalars report nothing). */
  private member(target: Target, stack: string, key: string): void {
    const c = this.s.charCodeAt(this.i)
    if (c === 123 || c === 91) this.value(target, stack ? `${stack}.${key}` : key)
    else this.skip()
  }

  private array(items: Target, stack: string): void {
    this.i++ // [
    this.skipWs()
    if (this.s.charCodeAt(this.i) === 93) {
      this.i++
      return
    }
    for (let index = 0; ; index++) {
      this.skipWs()
      const first = this.s.charCodeAt(this.i)
      if (first === 123 || first === 91) this.value(items, `${stack}[${index}]`)
      else this.skip()
      this.skipWs()
      const c = this.s.charCodeAt(this.i++)
      if (c === 93) return
      if (c !== 44) throw new ScanError('expected , or ]')
    }
  }

  private object(target: Exclude<Target, { kind: 'skip' } | { kind: 'array' }>, stack: string): void {
    this.i++ // {
    const seen = new Set<string>()
    this.skipWs()
    if (this.s.charCodeAt(this.i) === 125) {
      this.i++
      return
    }
    for (;;) {
      this.skipWs()
      if (this.s.charCodeAt(this.i) !== 34) throw new ScanError('expected a key')
      const key = this.string()
      this.skipWs()
      if (this.s.charCodeAt(this.i++) !== 58) throw new ScanError('expected :')
      this.skipWs()
      if (target.kind === 'fields') {
        const field = target.fields.get(key)
        const explicit = target.targets?.[key]
        if (field || explicit) {
          if (seen.has(key)) this.error('duplicate', stack, key)
          seen.add(key)
          this.member(explicit ?? valueTarget(target.registry, field!.type), stack, key)
        } else if (target.implicit?.has(key)) {
          if (seen.has(key)) this.error('duplicate', stack, key)
          seen.add(key)
          this.skip()
        } else {
          this.error('unknown', stack, key)
          this.skip()
        }
      } else {
        if (seen.has(key)) this.error('duplicate', stack, key)
        seen.add(key)
        this.member(target.kind === 'map' ? target.values : ANY, stack, key)
      }
      this.skipWs()
      const c = this.s.charCodeAt(this.i++)
      if (c === 125) return
      if (c !== 44) throw new ScanError('expected , or }')
    }
  }
}
