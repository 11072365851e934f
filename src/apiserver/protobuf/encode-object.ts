/**
 * Encodes a JSON object into Kubernetes' protobuf encoding: the magic `k8s\0` and a runtime.Unknown whose
 * `raw` is the object's message, numbered from the schema registry (the inverse of decode-object.ts).
 *
 * Encoding is exact or it fails: a key the schema does not declare, or a value of the wrong JSON type, throws
 * a ProtobufEncodeError instead of being dropped, so a caller can answer JSON rather than lose data.
 */
import type { FieldSchema, SchemaRegistry, TypeSchema, ValueSchema } from '../../api/schema/schema.ts'
import { compile, listMetaSchema, PROTOBUF_MAGIC, resolveKind } from './fields.ts'
import { ProtoWriter, WireType } from './wire.ts'

export class ProtobufEncodeError extends Error {}

/** JSON keys of TypeMeta: carried by the envelope, not by the message, unless a type declares them as fields. */
const TYPE_META = new Set(['apiVersion', 'kind'])

/** Encodes a top-level object (or a `<Kind>List` of a declared kind) with its envelope. */
export function encodeProtobufObject(obj: Record<string, any>, schemas: SchemaRegistry): Uint8Array {
  const { apiVersion, kind } = obj
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !apiVersion || !kind)
    throw new ProtobufEncodeError('the object has no apiVersion and kind')
  const resolved = resolveKind(schemas, apiVersion, kind)
  if (!resolved) throw new ProtobufEncodeError(`no protobuf schema for ${apiVersion} ${kind}`)

  const e = new Encoder(schemas)
  const w = e.w.raw(PROTOBUF_MAGIC)
  w.tag(1, WireType.LEN)
  const typeMeta = w.fork()
  w.tag(1, WireType.LEN).string(apiVersion)
  w.tag(2, WireType.LEN).string(kind)
  w.join(typeMeta)
  w.tag(2, WireType.LEN)
  const raw = w.fork()
  if ('type' in resolved) e.message(obj, resolved.type, false)
  else e.list(obj, resolved.listOf)
  w.join(raw)
  w.tag(3, WireType.LEN).string('') // contentEncoding, contentType: empty, as Go writes them
  w.tag(4, WireType.LEN).string('')
  return w.finish()
}

/** One encoding: the writer, and the JSON path being written (joined only for an error message). */
class Encoder {
  readonly w = new ProtoWriter()
  private readonly path: (string | number)[] = []

  constructor(private readonly schemas: SchemaRegistry) {}

  /** A list kind: {1: ListMeta, 2: repeated items}. */
  list(list: Record<string, any>, item: TypeSchema): void {
    for (const key of Object.keys(list)) {
      if (!TYPE_META.has(key) && key !== 'metadata' && key !== 'items') this.fail(`unknown field "${key}" in a list`)
    }
    if (list.metadata != null) this.nested(1, list.metadata, listMetaSchema(this.schemas), 'metadata')
    const items = list.items ?? []
    if (!Array.isArray(items)) this.fail('items is not an array')
    for (let i = 0; i < items.length; i++) this.nested(2, items[i], item, i)
  }

  private nested(n: number, value: unknown, type: TypeSchema, segment: string | number): void {
    this.path.push(segment)
    this.w.tag(n, WireType.LEN)
    const mark = this.w.fork()
    this.message(value, type, false)
    this.w.join(mark)
    this.path.pop()
  }

  /** The fields of one message, in declaration order; an inline type is read from the same JSON object. */
  message(value: unknown, type: TypeSchema, inline: boolean): void {
    if (!isObject(value)) this.fail(`expected an object (${type.name})`)
    const obj = value as Record<string, any>
    const c = compile(this.schemas, type)
    if (!inline) {
      for (const key in obj) {
        if (c.jsonKeys.has(key) || TYPE_META.has(key) || obj[key] == null) continue
        this.fail(`unknown field "${key}" (not declared in ${type.name})`)
      }
    }
    for (const field of c.wire) {
      if (field.inline && field.type.kind === 'ref') {
        this.w.tag(field.proto, WireType.LEN)
        const mark = this.w.fork()
        this.message(obj, this.schemas.get(field.type.name), true)
        this.w.join(mark)
        continue
      }
      const v = obj[field.name]
      // Absent or null is Go's nil: not written. Any other value is, zeros included (a pointer's explicit 0 or
      // false must reach the other side; a plain field's zero is what Go writes anyway).
      if (v === undefined || v === null) continue
      this.path.push(field.name)
      this.field(field, v)
      this.path.pop()
    }
  }

  private field(field: FieldSchema, v: unknown): void {
    const t = field.type
    if (t.kind === 'array') {
      if (!Array.isArray(v)) this.fail('expected an array')
      const items = v as unknown[]
      for (let i = 0; i < items.length; i++) {
        const item = items[i]
        this.path.push(i)
        if (item === null || item === undefined) this.fail('null in a list')
        this.value(field.proto, t.items, item)
        this.path.pop()
      }
    } else if (t.kind === 'map') {
      if (!isObject(v)) this.fail('expected an object (map)')
      const map = v as Record<string, unknown>
      // Go's generated marshaller sorts map keys; so do we, for identical bytes.
      for (const key of Object.keys(map).sort()) {
        const item = map[key]
        if (item === undefined) continue
        this.path.push(key)
        this.w.tag(field.proto, WireType.LEN)
        const mark = this.w.fork()
        this.w.tag(1, WireType.LEN).string(key)
        if (item !== null) this.value(2, t.values, item)
        this.w.join(mark)
        this.path.pop()
      }
    } else this.value(field.proto, t, v)
  }

  private value(n: number, t: ValueSchema, v: unknown): void {
    const w = this.w
    switch (t.kind) {
      case 'string':
        if (typeof v !== 'string') this.wrongType('a string', v)
        w.tag(n, WireType.LEN).string(v as string)
        return
      case 'integer':
        if (typeof v !== 'number' || !Number.isInteger(v)) this.wrongType('an integer', v)
        if (t.format === 'int32' && ((v as number) < -(2 ** 31) || (v as number) >= 2 ** 31)) this.wrongType('an int32', v)
        w.tag(n, WireType.VARINT).int64(v as number)
        return
      case 'number':
        if (typeof v !== 'number') this.wrongType('a number', v)
        w.tag(n, WireType.FIXED64).double(v as number)
        return
      case 'boolean':
        if (typeof v !== 'boolean') this.wrongType('a boolean', v)
        w.tag(n, WireType.VARINT).bool(v as boolean)
        return
      case 'bytes':
        if (typeof v !== 'string' || !BASE64.test(v)) this.wrongType('base64 text', v)
        w.tag(n, WireType.LEN).bytes(Buffer.from(v as string, 'base64'))
        return
      case 'ref':
        w.tag(n, WireType.LEN)
        {
          const mark = w.fork()
          this.message(v, this.schemas.get(t.name), false)
          w.join(mark)
        }
        return
      case 'intOrString': {
        // Go writes all three fields of the struct.
        const isInt = typeof v === 'number' && Number.isInteger(v)
        if (!isInt && typeof v !== 'string') this.wrongType('an integer or a string', v)
        w.tag(n, WireType.LEN)
        const mark = w.fork()
        w.tag(1, WireType.VARINT).int64(isInt ? 0 : 1)
        w.tag(2, WireType.VARINT).int64(isInt ? (v as number) : 0)
        w.tag(3, WireType.LEN).string(isInt ? '' : (v as string))
        w.join(mark)
        return
      }
      case 'quantity': {
        // Go's Quantity also unmarshals a JSON number.
        if (typeof v !== 'string' && typeof v !== 'number') this.wrongType('a quantity string', v)
        w.tag(n, WireType.LEN)
        const mark = w.fork()
        w.tag(1, WireType.LEN).string(String(v))
        w.join(mark)
        return
      }
      case 'time':
      case 'microTime': {
        const ts = typeof v === 'string' ? parseTimestamp(v) : undefined
        if (!ts) return this.wrongType('an RFC 3339 time', v)
        // Time is whole seconds on the wire (as Go's Time.ProtoTime); MicroTime keeps microseconds.
        const nanos = t.kind === 'microTime' ? Math.floor(ts.nanos / 1000) * 1000 : 0
        w.tag(n, WireType.LEN)
        const mark = w.fork()
        w.tag(1, WireType.VARINT).int64(ts.seconds)
        w.tag(2, WireType.VARINT).int64(nanos)
        w.join(mark)
        return
      }
      case 'raw': {
        w.tag(n, WireType.LEN)
        const mark = w.fork()
        w.tag(1, WireType.LEN).string(JSON.stringify(v))
        w.join(mark)
        return
      }
      case 'array':
      case 'map':
        this.fail(`a nested ${t.kind} has no protobuf encoding`)
    }
  }

  private wrongType(what: string, v: unknown): never {
    return this.fail(`expected ${what}, got ${JSON.stringify(v)}`)
  }

  private fail(message: string): never {
    const path = this.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '')
    throw new ProtobufEncodeError(path ? `${path}: ${message}` : message)
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/

/** RFC 3339 with an optional fraction of up to nanoseconds (Date keeps only milliseconds, so it is parsed apart). */
export function parseTimestamp(s: string): { seconds: number; nanos: number } | undefined {
  const m = RFC3339.exec(s)
  if (!m) return undefined
  const [, y, mo, d, h, mi, sec, frac, , sign, oh, om] = m
  const ms = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +sec!)
  if (Number.isNaN(ms)) return undefined
  const offset = sign ? (sign === '-' ? -1 : 1) * (+oh! * 3600 + +om! * 60) : 0
  return { seconds: ms / 1000 - offset, nanos: frac ? Number(frac.padEnd(9, '0')) : 0 }
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v)
