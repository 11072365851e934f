/**
 * Decodes Kubernetes' protobuf encoding into the JSON shape the same object has in Kubernetes' JSON.
 *
 * A body is the magic `k8s\0` and a runtime.Unknown: {1: typeMeta {1: apiVersion, 2: kind}, 2: raw,
 * 3: contentEncoding, 4: contentType}; `raw` is the object's message, numbered as k8s.io/api's generated.proto.
 * The field numbers come from the schema registry, so every declared kind decodes with no code of its own.
 */
import type { KubeObject } from '../../api/meta.ts'
import type { FieldSchema, SchemaRegistry, TypeSchema, ValueSchema } from '../../api/schema/schema.ts'
import { ApiError, badRequest, unsupportedMediaType } from '../../errors/api-error.ts'
import { compile, hasMagic, keepsZeroValue, listMetaSchema, PROTOBUF_MEDIA_TYPE, resolveKind } from './fields.ts'
import { ProtoReader, WireError, WireType } from './wire.ts'

/** Decodes a protobuf request body (magic, runtime.Unknown envelope, object) to a JSON object. */
export function decodeProtobufObject(body: Uint8Array, schemas: SchemaRegistry): KubeObject {
  if (!hasMagic(body)) throw badRequest('the protobuf body does not start with the Kubernetes magic "k8s\\x00"')
  try {
    return decodeEnvelope(new ProtoReader(body, 4), schemas)
  } catch (err) {
    if (err instanceof ApiError) throw err
    if (err instanceof WireError || err instanceof SyntaxError) throw badRequest(`error decoding the protobuf body: ${err.message}`)
    throw err
  }
}

function decodeEnvelope(r: ProtoReader, schemas: SchemaRegistry): KubeObject {
  let apiVersion = ''
  let kind = ''
  let raw: Uint8Array | undefined
  let contentEncoding = ''
  let contentType = ''
  while (!r.done) {
    const { field, wireType } = r.tag()
    if (field === 1 && wireType === WireType.LEN) {
      const tm = r.message()
      while (!tm.done) {
        const t = tm.tag()
        if (t.field === 1 && t.wireType === WireType.LEN) apiVersion = tm.string()
        else if (t.field === 2 && t.wireType === WireType.LEN) kind = tm.string()
        else tm.skip(t.wireType)
      }
    } else if (field === 2 && wireType === WireType.LEN) raw = r.bytes()
    else if (field === 3 && wireType === WireType.LEN) contentEncoding = r.string()
    else if (field === 4 && wireType === WireType.LEN) contentType = r.string()
    else r.skip(wireType)
  }
  if (!apiVersion || !kind) throw badRequest('the protobuf body has no apiVersion and kind (runtime.Unknown typeMeta)')
  if (contentEncoding) throw badRequest(`unsupported contentEncoding ${JSON.stringify(contentEncoding)} in the protobuf body`)
  const bytes = raw ?? new Uint8Array(0)
  if (contentType === 'application/json') return { ...JSON.parse(new TextDecoder().decode(bytes)), apiVersion, kind }
  if (contentType && contentType !== PROTOBUF_MEDIA_TYPE) throw badRequest(`unsupported contentType ${JSON.stringify(contentType)} in the protobuf body`)

  const resolved = resolveKind(schemas, apiVersion, kind)
  if (!resolved) throw unsupportedMediaType(`${PROTOBUF_MEDIA_TYPE} (no protobuf schema for ${apiVersion} ${kind})`, ['application/json', 'application/yaml'])
  if ('type' in resolved) return { apiVersion, kind, ...decodeMessage(new ProtoReader(bytes), resolved.type, schemas) } as KubeObject

  // <Kind>List: {1: ListMeta, 2: repeated items}.
  const list: KubeObject = { apiVersion, kind, metadata: {}, items: [] }
  const r2 = new ProtoReader(bytes)
  const itemKind = kind.slice(0, -'List'.length)
  while (!r2.done) {
    const { field, wireType } = r2.tag()
    if (field === 1 && wireType === WireType.LEN) list.metadata = decodeMessage(r2.message(), listMetaSchema(schemas), schemas)
    else if (field === 2 && wireType === WireType.LEN) list.items.push({ apiVersion, kind: itemKind, ...decodeMessage(r2.message(), resolved.listOf, schemas) })
    else r2.skip(wireType)
  }
  return list
}

/** Decodes one message of a declared type; the result's keys follow the schema's declaration order. */
function decodeMessage(r: ProtoReader, type: TypeSchema, schemas: SchemaRegistry): Record<string, any> {
  const c = compile(schemas, type)
  const values = new Map<FieldSchema, any>()
  while (!r.done) {
    const { field: number, wireType } = r.tag()
    const field = c.byNumber.get(number)
    if (!field) {
      r.skip(wireType)
      continue
    }
    const t = field.type
    if (t.kind === 'array') {
      const list: any[] = values.get(field) ?? []
      values.set(field, list)
      if (wireType === WireType.LEN && isPackable(t.items)) {
        const packed = r.message()
        while (!packed.done) list.push(readScalar(packed, t.items, wireTypeOf(t.items), field))
      } else list.push(readValue(r, t.items, wireType, schemas, field))
    } else if (t.kind === 'map') {
      const map: Record<string, any> = values.get(field) ?? {}
      values.set(field, map)
      expect(field, wireType, WireType.LEN)
      const [key, value] = readMapEntry(r.message(), t.values, schemas, field)
      // A key named __proto__ must stay a plain entry, as JSON.parse makes it, not replace the prototype.
      if (key === '__proto__') Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true })
      else map[key] = value
    } else if (field.inline && t.kind === 'ref') {
      expect(field, wireType, WireType.LEN)
      values.set(field, { ...values.get(field), ...decodeMessage(r.message(), schemas.get(t.name), schemas) })
    } else values.set(field, readValue(r, t, wireType, schemas, field))
  }

  const out: Record<string, any> = {}
  for (const field of c.wire) {
    if (!values.has(field)) continue
    let v = values.get(field)
    if (field.inline) Object.assign(out, v)
    else if (v !== undefined && (keepsZeroValue(field) || !isZero(v, field.type))) {
      // A set *resource.Quantity whose message has no string is Go's zero Quantity, written "0" in JSON.
      if (field.pointer && field.type.kind === 'quantity' && v === '') v = '0'
      out[field.name] = v
    }
  }
  return out
}

/** The JSON value of one field occurrence (or one repeated element); `undefined` means JSON null / absent. */
function readValue(r: ProtoReader, t: ValueSchema, wireType: number, schemas: SchemaRegistry, field: FieldSchema): any {
  switch (t.kind) {
    case 'ref':
      expect(field, wireType, WireType.LEN)
      return decodeMessage(r.message(), schemas.get(t.name), schemas)
    case 'intOrString':
      expect(field, wireType, WireType.LEN)
      return readIntOrString(r.message())
    case 'quantity': {
      expect(field, wireType, WireType.LEN)
      const m = r.message()
      let s = ''
      while (!m.done) {
        const { field: n, wireType: w } = m.tag()
        if (n === 1 && w === WireType.LEN) s = m.string()
        else m.skip(w)
      }
      return s
    }
    case 'time':
    case 'microTime':
      expect(field, wireType, WireType.LEN)
      return readTimestamp(r.message(), t.kind === 'microTime')
    case 'raw':
      expect(field, wireType, WireType.LEN)
      return readRaw(r.message(), schemas)
    case 'array':
    case 'map':
      throw badRequest(`field ${field.name}: nested ${t.kind}s have no protobuf encoding`)
    default:
      return readScalar(r, t, wireType, field)
  }
}

function readScalar(r: ProtoReader, t: ValueSchema, wireType: number, field: FieldSchema): any {
  switch (t.kind) {
    case 'string':
      expect(field, wireType, WireType.LEN)
      return r.string()
    case 'bytes':
      expect(field, wireType, WireType.LEN)
      return Buffer.from(r.bytes()).toString('base64')
    case 'integer':
      expect(field, wireType, WireType.VARINT)
      return t.format === 'int32' ? r.int32() : r.int64()
    case 'boolean':
      expect(field, wireType, WireType.VARINT)
      return r.bool()
    case 'number':
      expect(field, wireType, WireType.FIXED64)
      return r.double()
    default:
      throw new Error(`not a scalar: ${t.kind}`)
  }
}

const isPackable = (t: ValueSchema) => t.kind === 'integer' || t.kind === 'boolean' || t.kind === 'number'
const wireTypeOf = (t: ValueSchema) => (t.kind === 'number' ? WireType.FIXED64 : WireType.VARINT)

function expect(field: FieldSchema, got: number, want: number): void {
  if (got !== want) throw new WireError(`field ${field.name} (${field.proto}) has wire type ${got}, expected ${want}`)
}

/** A map entry {1: key, 2: value}; a missing value is its type's zero value, as Go's unmarshal leaves it. */
function readMapEntry(r: ProtoReader, values: ValueSchema, schemas: SchemaRegistry, field: FieldSchema): [string, any] {
  let key = ''
  let value: any
  while (!r.done) {
    const { field: n, wireType } = r.tag()
    if (n === 1 && wireType === WireType.LEN) key = r.string()
    else if (n === 2) value = readValue(r, values, wireType, schemas, field)
    else r.skip(wireType)
  }
  return [key, value ?? zeroValue(values)]
}

function zeroValue(t: ValueSchema): any {
  switch (t.kind) {
    case 'string':
    case 'bytes':
      return ''
    case 'integer':
    case 'number':
    case 'intOrString':
      return 0
    case 'boolean':
      return false
    case 'quantity':
      return '0'
    case 'ref':
    case 'map':
      return {}
    case 'array':
      return []
    default:
      return null
  }
}

/** IntOrString {1: type (0 int, 1 string), 2: intVal, 3: strVal}. */
function readIntOrString(r: ProtoReader): number | string {
  let type = 0
  let intVal = 0
  let strVal = ''
  while (!r.done) {
    const { field, wireType } = r.tag()
    if (field === 1 && wireType === WireType.VARINT) type = r.int64()
    else if (field === 2 && wireType === WireType.VARINT) intVal = r.int32()
    else if (field === 3 && wireType === WireType.LEN) strVal = r.string()
    else r.skip(wireType)
  }
  return type === 1 ? strVal : intVal
}

/**
 * metav1.Time / MicroTime {1: seconds, 2: nanos}. An empty message is the zero time, which Go writes as JSON
 * null (left out here). Time is whole seconds (Go drops nanos); MicroTime keeps exactly 6 fractional digits.
 */
function readTimestamp(r: ProtoReader, micro: boolean): string | undefined {
  if (r.done) return undefined
  let seconds = 0
  let nanos = 0
  while (!r.done) {
    const { field, wireType } = r.tag()
    if (field === 1 && wireType === WireType.VARINT) seconds = r.int64()
    else if (field === 2 && wireType === WireType.VARINT) nanos = r.int32()
    else r.skip(wireType)
  }
  return formatTimestamp(seconds, micro ? nanos : 0, micro)
}

export function formatTimestamp(seconds: number, nanos: number, micro: boolean): string {
  const date = new Date(seconds * 1000)
  if (Number.isNaN(date.getTime())) throw new WireError(`timestamp ${seconds} is out of range`)
  const base = date.toISOString().slice(0, 19)
  if (!micro) return `${base}Z`
  const us = Math.max(0, Math.min(999_999, Math.floor(nanos / 1000)))
  return `${base}.${String(us).padStart(6, '0')}Z`
}

/** runtime.RawExtension (and FieldsV1, JSON): {1: raw bytes}, JSON text, or a nested protobuf object. */
function readRaw(r: ProtoReader, schemas: SchemaRegistry): any {
  let raw: Uint8Array | undefined
  while (!r.done) {
    const { field, wireType } = r.tag()
    if (field === 1 && wireType === WireType.LEN) raw = r.bytes()
    else r.skip(wireType)
  }
  if (!raw || raw.length === 0) return undefined
  if (hasMagic(raw)) return decodeProtobufObject(raw, schemas)
  return JSON.parse(new TextDecoder().decode(raw))
}

/** Go's omitempty notion of empty (refs, IntOrString and Quantity are structs: never omitted once present). */
function isZero(v: any, t: ValueSchema): boolean {
  switch (t.kind) {
    case 'string':
    case 'bytes':
      return v === ''
    case 'integer':
    case 'number':
      return v === 0
    case 'boolean':
      return v === false
    case 'quantity':
      return v === ''
    case 'array':
      return v.length === 0
    case 'map':
      return Object.keys(v).length === 0
    default:
      return false
  }
}
