/**
 * The Swagger 2.0 document as gnostic's `openapi.v2.Document` protobuf (`openapiv2/OpenAPIv2.proto` in
 * google/gnostic-models): what client-go's `OpenAPISchema()` asks for (Accept
 * `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`). kubectl 1.27 and 1.28 download it before every
 * validated `create`/`apply`/`replace`, and parse its definitions with kube-openapi's `proto.NewOpenAPIData`.
 *
 * Only the parts of the message our documents use are encoded: info, paths (operations, parameters, responses,
 * vendor extensions) and definitions. Vendor extensions and enum values are `Any{yaml}`; JSON text is YAML.
 */
import type { JsonObject } from './schemas.ts'

/**
 * One growing buffer. An embedded message is written in place: `open` reserves its tag, `close` moves the
 * content right by the size of its length prefix (one memmove per message) and writes the prefix.
 */
class Writer {
  private buf = Buffer.allocUnsafe(64 * 1024)
  private pos = 0

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  private varint(n: number): void {
    this.ensure(10)
    while (n > 0x7f) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80
      n = Math.floor(n / 128)
    }
    this.buf[this.pos++] = n
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType)
  }

  string(field: number, s: unknown): this {
    if (typeof s !== 'string' || s === '') return this
    const len = Buffer.byteLength(s)
    this.tag(field, 2)
    this.varint(len)
    this.ensure(len)
    this.pos += this.buf.write(s, this.pos, 'utf8')
    return this
  }

  strings(field: number, list: unknown): this {
    if (Array.isArray(list)) for (const s of list) this.string(field, s)
    return this
  }

  bool(field: number, b: unknown): this {
    if (b === true) {
      this.tag(field, 0)
      this.varint(1)
    }
    return this
  }

  /** Writes an embedded message: `body` writes its fields. */
  message(field: number, body: (w: this) => void): this {
    this.tag(field, 2)
    const mark = this.pos
    body(this)
    const len = this.pos - mark
    let size = 1
    while (len >= 2 ** (7 * size)) size++
    this.ensure(size)
    this.buf.copyWithin(mark + size, mark, this.pos)
    const end = this.pos + size
    this.pos = mark
    this.varint(len)
    this.pos = end
    return this
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos))
  }
}

const obj = (v: unknown): JsonObject | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined)

/** `Any{yaml}` */
const anyYaml = (value: unknown) => (w: Writer) => void w.string(2, JSON.stringify(value))

/** The `x-…` keys of an object as `repeated NamedAny`. */
function vendorExtensions(w: Writer, field: number, o: JsonObject): void {
  for (const [k, v] of Object.entries(o)) if (k.startsWith('x-')) w.message(field, (n) => n.string(1, k).message(2, anyYaml(v)))
}

function schema(w: Writer, s: JsonObject): void {
  w.string(1, s.$ref).string(2, s.format).string(4, s.description)
  w.strings(19, s.required)
  if (Array.isArray(s.enum)) for (const e of s.enum) w.message(20, anyYaml(e))
  const additional = obj(s.additionalProperties)
  if (additional) w.message(21, (a) => a.message(1, (x) => schema(x, additional)))
  if (typeof s.type === 'string') w.message(22, (t) => t.string(1, s.type))
  const items = obj(s.items)
  if (items) w.message(23, (i) => i.message(1, (x) => schema(x, items)))
  if (Array.isArray(s.allOf)) for (const a of s.allOf) w.message(24, (x) => schema(x, a as JsonObject))
  const properties = obj(s.properties)
  if (properties)
    w.message(25, (p) => {
      for (const [name, value] of Object.entries(properties)) p.message(1, (n) => n.string(1, name).message(2, (x) => schema(x, value as JsonObject)))
    })
  vendorExtensions(w, 31, s)
}

/** ParametersItem{parameter: Parameter{body_parameter | non_body_parameter}} */
function parametersItem(w: Writer, p: JsonObject): void {
  w.message(1, (param) => {
    if (p.in === 'body') {
      const s = obj(p.schema)
      param.message(1, (b) => {
        b.string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required)
        if (s) b.message(5, (x) => schema(x, s))
      })
      return
    }
    // QueryParameterSubSchema and PathParameterSubSchema share fields 1-4; type is 6 in one and 5 in the other (unique_items 20/19).
    const isPath = p.in === 'path'
    param.message(2, (nonBody) =>
      nonBody.message(isPath ? 4 : 3, (sub) => sub.bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name).string(isPath ? 5 : 6, p.type).bool(isPath ? 19 : 20, p.uniqueItems)),
    )
  })
}

function operation(w: Writer, op: JsonObject): void {
  w.strings(1, op.tags).string(3, op.description).string(5, op.operationId).strings(6, op.produces).strings(7, op.consumes)
  if (Array.isArray(op.parameters)) for (const p of op.parameters) w.message(8, (x) => parametersItem(x, p as JsonObject))
  const responses = obj(op.responses)
  if (responses)
    w.message(9, (r) => {
      for (const [code, value] of Object.entries(responses)) {
        const v = value as JsonObject
        const s = obj(v.schema)
        r.message(1, (named) =>
          named.string(1, code).message(2, (rv) =>
            rv.message(1, (response) => {
              response.string(1, v.description)
              if (s) response.message(2, (item) => item.message(1, (x) => schema(x, s)))
            }),
          ),
        )
      }
    })
  w.strings(10, op.schemes)
  vendorExtensions(w, 13, op)
}

const METHOD_FIELDS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 }

function pathItem(w: Writer, item: JsonObject): void {
  for (const [method, field] of Object.entries(METHOD_FIELDS)) {
    const op = obj(item[method])
    if (op) w.message(field, (x) => operation(x, op))
  }
  if (Array.isArray(item.parameters)) for (const p of item.parameters) w.message(9, (x) => parametersItem(x, p as JsonObject))
}

/** Encodes a Swagger 2.0 document (as built by `buildV2Document`) as an `openapi.v2.Document`. */
export function encodeSwaggerProto(doc: JsonObject): Buffer {
  const w = new Writer()
  w.string(1, doc.swagger)
  const info = obj(doc.info)
  if (info) w.message(2, (i) => i.string(1, info.title).string(2, info.version))
  const paths = obj(doc.paths)
  if (paths)
    w.message(8, (p) => {
      for (const [name, item] of Object.entries(paths)) p.message(2, (n) => n.string(1, name).message(2, (x) => pathItem(x, item as JsonObject)))
    })
  const definitions = obj(doc.definitions)
  if (definitions)
    w.message(9, (d) => {
      for (const [name, s] of Object.entries(definitions)) d.message(1, (n) => n.string(1, name).message(2, (x) => schema(x, s as JsonObject)))
    })
  return w.finish()
}
