/**
 * Writes src/api/schema/types/<file>.ts for the kinds listed in OUTPUTS, from k8s.io/api's Go sources.
 *
 *   npx tsx scripts/gen-schema-types.ts <k8s.io/api git dir or checkout> [tag, default v0.36.3] [--compare]
 *
 * From types.go: JSON names and omitempty (required / emitEmpty), protobuf field numbers (the `protobuf:` tags),
 * pointers, patch strategies and merge keys, `+listType` / `+listMapKey` / `+mapType` / `+structType` markers and
 * `+enum` string types (their constants, sorted, as OpenAPI lists them). From types_swagger_doc_generated.go: the
 * descriptions, shortened to their first sentences. Every field number is checked against generated.proto.
 *
 * Types already declared by the hand-written files (HAND_WRITTEN) are referred to, never declared again; a type of
 * another package reached from a root goes to that package's output file.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FieldSchema, TypeSchema, ValueSchema } from '../src/api/schema/schema.ts'
import { metaV1Types } from '../src/api/schema/types/meta-v1.ts'
import { coreV1PodTypes } from '../src/api/schema/types/core-v1-pod.ts'
import { coreV1VolumeTypes } from '../src/api/schema/types/core-v1-volume.ts'
import { coreV1Types } from '../src/api/schema/types/core-v1.ts'
import { appsV1Types } from '../src/api/schema/types/apps-v1.ts'
import { autoscalingV1Types } from '../src/api/schema/types/autoscaling-v1.ts'
import { coordinationV1Types } from '../src/api/schema/types/coordination-v1.ts'
import { eventsV1Types } from '../src/api/schema/types/events-v1.ts'
import { batchV1Types } from '../src/api/schema/types/batch-v1.ts'
import { discoveryV1Types } from '../src/api/schema/types/discovery-v1.ts'

const HAND_WRITTEN = [metaV1Types, coreV1PodTypes, coreV1VolumeTypes, coreV1Types, appsV1Types, autoscalingV1Types, coordinationV1Types, eventsV1Types, batchV1Types, discoveryV1Types]

interface Output {
  /** File name under src/api/schema/types/, and the exported const. */
  file: string
  exportName: string
  title: string
  /** The Go package (directory of k8s.io/api) and the API group its kinds are served in. */
  pkg: string
  group: string
  kinds: string[]
}

/** One output per Go package: types of a package reached from elsewhere land in its file. */
const OUTPUTS: Output[] = [
  { file: 'rbac-v1.ts', exportName: 'rbacV1Types', title: 'rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding.', pkg: 'rbac/v1', group: 'rbac.authorization.k8s.io', kinds: ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'] },
  { file: 'apps-v1-sets.ts', exportName: 'appsV1SetTypes', title: 'apps/v1 StatefulSet, DaemonSet and ControllerRevision (Deployment and ReplicaSet are in apps-v1.ts).', pkg: 'apps/v1', group: 'apps', kinds: ['StatefulSet', 'DaemonSet', 'ControllerRevision'] },
  { file: 'batch-v1-cronjob.ts', exportName: 'batchV1CronJobTypes', title: 'batch/v1 CronJob (Job is in batch-v1.ts).', pkg: 'batch/v1', group: 'batch', kinds: ['CronJob'] },
  { file: 'policy-v1.ts', exportName: 'policyV1Types', title: 'policy/v1 PodDisruptionBudget.', pkg: 'policy/v1', group: 'policy', kinds: ['PodDisruptionBudget'] },
  { file: 'autoscaling-v2.ts', exportName: 'autoscalingV2Types', title: 'autoscaling/v2 HorizontalPodAutoscaler.', pkg: 'autoscaling/v2', group: 'autoscaling', kinds: ['HorizontalPodAutoscaler'] },
  { file: 'autoscaling-v1-hpa.ts', exportName: 'autoscalingV1HpaTypes', title: 'autoscaling/v1 HorizontalPodAutoscaler (Scale is in autoscaling-v1.ts).', pkg: 'autoscaling/v1', group: 'autoscaling', kinds: ['HorizontalPodAutoscaler'] },
  { file: 'networking-v1.ts', exportName: 'networkingV1Types', title: 'networking.k8s.io/v1 Ingress, IngressClass, NetworkPolicy.', pkg: 'networking/v1', group: 'networking.k8s.io', kinds: ['Ingress', 'IngressClass', 'NetworkPolicy'] },
  { file: 'core-v1-kinds.ts', exportName: 'coreV1KindTypes', title: 'core/v1 PersistentVolumeClaim, PersistentVolume, LimitRange, ResourceQuota, PodTemplate, and the core types the other groups refer to.', pkg: 'core/v1', group: '', kinds: ['PersistentVolumeClaim', 'PersistentVolume', 'LimitRange', 'ResourceQuota', 'PodTemplate'] },
  { file: 'storage-v1.ts', exportName: 'storageV1Types', title: 'storage.k8s.io/v1 StorageClass.', pkg: 'storage/v1', group: 'storage.k8s.io', kinds: ['StorageClass'] },
  { file: 'scheduling-v1.ts', exportName: 'schedulingV1Types', title: 'scheduling.k8s.io/v1 PriorityClass.', pkg: 'scheduling/v1', group: 'scheduling.k8s.io', kinds: ['PriorityClass'] },
  { file: 'admissionregistration-v1.ts', exportName: 'admissionregistrationV1Types', title: 'admissionregistration.k8s.io/v1 MutatingWebhookConfiguration and ValidatingWebhookConfiguration.', pkg: 'admissionregistration/v1', group: 'admissionregistration.k8s.io', kinds: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'] },
]

const API_VERSION_DESC = 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.'
const KIND_DESC = 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to.'
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.'

// ---- reading Go sources -------------------------------------------------------------------------------------------

interface GoField {
  name?: string
  goType: string
  tags: Record<string, string>
  markers: string[]
}
interface GoStruct {
  kind: 'struct'
  name: string
  markers: string[]
  fields: GoField[]
  file: string
}
interface GoNamed {
  kind: 'named'
  name: string
  markers: string[]
  underlying: string
  file: string
}
interface GoPackage {
  path: string
  types: Map<string, GoStruct | GoNamed>
  consts: Map<string, string[]>
  imports: Map<string, Map<string, string>>
  docs: Map<string, Record<string, string>>
  proto: Map<string, Map<string, number>>
}

const [repoArg, tagArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'))
if (!repoArg) {
  console.error('usage: npx tsx scripts/gen-schema-types.ts <k8s.io/api git dir or checkout> [tag] [--compare]')
  process.exit(2)
}
const TAG = tagArg ?? 'v0.36.3'
const git = (...args: string[]) => execFileSync('git', ['-C', repoArg, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 })

function parseTags(raw: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of raw.matchAll(/(\w+):"([^"]*)"/g)) out[m[1]] = m[2]
  return out
}

function parseGoFile(src: string, file: string, pkg: GoPackage): void {
  const imports = new Map<string, string>()
  pkg.imports.set(file, imports)
  const lines = src.split('\n')
  let markers: string[] = []
  let inImport = false
  let inConst = false
  let struct: GoStruct | undefined
  for (const rawLine of lines) {
    const line = rawLine.trim()
    if (inImport) {
      if (line === ')') inImport = false
      else {
        const m = /^(?:(\w+)\s+)?"([^"]+)"/.exec(line)
        if (m) imports.set(m[1] ?? m[2].split('/').pop()!, m[2])
      }
      continue
    }
    if (line.startsWith('import (')) {
      inImport = true
      continue
    }
    const single = /^import\s+(?:(\w+)\s+)?"([^"]+)"/.exec(line)
    if (single) {
      imports.set(single[1] ?? single[2].split('/').pop()!, single[2])
      continue
    }
    if (line.startsWith('//')) {
      const text = line.slice(2).trim()
      if (text.startsWith('+')) markers.push(text)
      continue
    }
    if (line === '') continue
    if (struct) {
      if (line === '}') {
        struct = undefined
        markers = []
        continue
      }
      const m = /^(?:(\w+)\s+)?([*\w.[\]]+)\s+`([^`]*)`/.exec(line)
      if (m) struct.fields.push({ name: m[1], goType: m[2], tags: parseTags(m[3]), markers })
      markers = []
      continue
    }
    if (inConst) {
      if (line === ')') inConst = false
      else {
        // `Name Type = "value"` or `Name = Type("value")`
        const m = /^(\w+)\s+(\w+)\s*=\s*"([^"]*)"/.exec(line) ?? /^(\w+)\s*=\s*(\w+)\("([^"]*)"\)/.exec(line)
        if (m) (pkg.consts.get(m[2]) ?? pkg.consts.set(m[2], []).get(m[2])!).push(m[3])
      }
      markers = []
      continue
    }
    if (line.startsWith('const (')) {
      inConst = true
      markers = []
      continue
    }
    const c = /^const\s+(\w+)\s+(\w+)\s*=\s*"([^"]*)"/.exec(line)
    if (c) {
      ;(pkg.consts.get(c[2]) ?? pkg.consts.set(c[2], []).get(c[2])!).push(c[3])
      markers = []
      continue
    }
    const s = /^type\s+(\w+)\s+struct\s*{\s*(})?/.exec(line)
    if (s) {
      const st: GoStruct = { kind: 'struct', name: s[1], markers, fields: [], file }
      pkg.types.set(s[1], st)
      if (!s[2]) struct = st
      markers = []
      continue
    }
    const n = /^type\s+(\w+)\s+([*\w.[\]]+)\s*$/.exec(line)
    if (n) {
      pkg.types.set(n[1], { kind: 'named', name: n[1], markers, underlying: n[2], file })
      markers = []
      continue
    }
    markers = []
  }
}

function parseSwaggerDocs(src: string): Map<string, Record<string, string>> {
  const docs = new Map<string, Record<string, string>>()
  let current: Record<string, string> | undefined
  for (const line of src.split('\n')) {
    const start = /^var map_(\w+) = map\[string\]string\{/.exec(line)
    if (start) {
      current = {}
      docs.set(start[1], current)
      continue
    }
    if (!current) continue
    if (line.startsWith('}')) {
      current = undefined
      continue
    }
    const m = /^\s*"([^"]*)":\s*("(?:[^"\\]|\\.)*"),?\s*$/.exec(line)
    if (m) current[m[1]] = JSON.parse(m[2])
  }
  return docs
}

function parseProto(src: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>()
  let current: Map<string, number> | undefined
  for (const line of src.split('\n')) {
    const start = /^message (\w+) \{/.exec(line)
    if (start) {
      current = new Map()
      out.set(start[1], current)
      continue
    }
    if (line.startsWith('}')) current = undefined
    const f = /^\s+(?:optional|repeated)?\s*[\w.<>, ]+?\s(\w+) = (\d+);/.exec(line)
    if (current && f) current.set(f[1], Number(f[2]))
  }
  return out
}

const packages = new Map<string, GoPackage>()
function loadPackage(path: string): GoPackage {
  let pkg = packages.get(path)
  if (pkg) return pkg
  pkg = { path, types: new Map(), consts: new Map(), imports: new Map(), docs: new Map(), proto: new Map() }
  packages.set(path, pkg)
  const files = git('ls-tree', '--name-only', `${TAG}:${path}`).split('\n').filter(Boolean)
  for (const f of files) {
    if (!f.endsWith('.go') || f.endsWith('_test.go') || f.startsWith('zz_') || f === 'generated.pb.go') continue
    const src = git('show', `${TAG}:${path}/${f}`)
    if (f === 'types_swagger_doc_generated.go') pkg.docs = parseSwaggerDocs(src)
    else parseGoFile(src, f, pkg)
  }
  pkg.proto = parseProto(git('show', `${TAG}:${path}/generated.proto`))
  return pkg
}

// ---- Go types to schemas ------------------------------------------------------------------------------------------

const openapiName = (pkgPath: string, name: string) => `io.k8s.api.${pkgPath.replace('/', '.')}.${name}`

interface Resolved {
  value: ValueSchema
  /** A Go struct value (encoding/json writes it even with omitempty). */
  struct: boolean
}

const declared = new Set(HAND_WRITTEN.flat().map((t) => t.name))
const queue: { pkg: string; name: string }[] = []
const queued = new Set<string>()

function enqueue(pkg: string, name: string): string {
  const full = openapiName(pkg, name)
  if (!declared.has(full) && !queued.has(full)) {
    queued.add(full)
    queue.push({ pkg, name })
  }
  return full
}

function resolveType(goType: string, pkg: GoPackage, file: string): Resolved {
  if (goType.startsWith('*')) return resolveType(goType.slice(1), pkg, file)
  if (goType === '[]byte') return { value: { kind: 'bytes' }, struct: false }
  if (goType.startsWith('[]')) return { value: { kind: 'array', items: resolveType(goType.slice(2), pkg, file).value }, struct: false }
  const map = /^map\[[\w.]+\](.+)$/.exec(goType)
  if (map) return { value: { kind: 'map', values: resolveType(map[1], pkg, file).value }, struct: false }
  switch (goType) {
    case 'string':
      return { value: { kind: 'string' }, struct: false }
    case 'bool':
      return { value: { kind: 'boolean' }, struct: false }
    case 'int32':
      return { value: { kind: 'integer', format: 'int32' }, struct: false }
    case 'int64':
    case 'int':
      return { value: { kind: 'integer', format: 'int64' }, struct: false }
    case 'float64':
      return { value: { kind: 'number' }, struct: false }
  }
  const dot = goType.indexOf('.')
  if (dot < 0) return resolveNamed(pkg, goType)
  const alias = goType.slice(0, dot)
  const name = goType.slice(dot + 1)
  const importPath = pkg.imports.get(file)?.get(alias)
  if (!importPath) throw new Error(`${pkg.path}/${file}: unknown import ${alias} in ${goType}`)
  switch (importPath) {
    case 'k8s.io/apimachinery/pkg/apis/meta/v1':
      if (name === 'Time') return { value: { kind: 'time' }, struct: true }
      if (name === 'MicroTime') return { value: { kind: 'microTime' }, struct: true }
      if (name === 'Duration') return { value: { kind: 'string' }, struct: true }
      if (!declared.has(META + name)) throw new Error(`meta/v1 ${name} is not declared in meta-v1.ts`)
      return { value: { kind: 'ref', name: META + name }, struct: true }
    case 'k8s.io/apimachinery/pkg/util/intstr':
      return { value: { kind: 'intOrString' }, struct: true }
    case 'k8s.io/apimachinery/pkg/api/resource':
      return { value: { kind: 'quantity' }, struct: true }
    case 'k8s.io/apimachinery/pkg/runtime':
      return { value: { kind: 'raw' }, struct: true }
    case 'k8s.io/apimachinery/pkg/types':
      return { value: { kind: 'string' }, struct: false }
  }
  const api = /^k8s\.io\/api\/(.+)$/.exec(importPath)
  if (!api) throw new Error(`unsupported import ${importPath} (${goType})`)
  return resolveNamed(loadPackage(api[1]), name)
}

function resolveNamed(pkg: GoPackage, name: string): Resolved {
  const type = pkg.types.get(name)
  if (!type) throw new Error(`${pkg.path}: no type ${name}`)
  if (type.kind === 'struct') return { value: { kind: 'ref', name: enqueue(pkg.path, name) }, struct: true }
  const under = resolveType(type.underlying, pkg, type.file)
  if (under.value.kind === 'string' && type.markers.includes('+enum')) {
    const values = [...(pkg.consts.get(name) ?? [])].sort()
    if (values.length) return { value: { kind: 'string', enum: values }, struct: false }
    console.warn(`warning: ${pkg.path}.${name} is +enum but no string constant of it was found`)
  }
  return under
}

const lowerFirst = (s: string) => s[0].toLowerCase() + s.slice(1)

function marker(markers: string[], key: string): string[] {
  return markers.filter((m) => m.startsWith(`+${key}=`)).map((m) => m.slice(key.length + 2).trim())
}

/** The first paragraph of a description, cut after the sentence that brings it past 250 characters. */
function shorten(text: string | undefined): string | undefined {
  if (!text) return undefined
  const para = text.split('\n\n')[0].replace(/\s*\n\s*/g, ' ').trim()
  const sentences = para.split(/(?<=[a-z0-9)"'`\]][.!?])\s+(?=[A-Z"(`])/)
  let out = ''
  for (const s of sentences) {
    if (out && out.length + s.length + 1 > 250) break
    out = out ? `${out} ${s}` : s
  }
  return out
}

function buildType(pkgPath: string, name: string, gvk?: TypeSchema['gvk']): TypeSchema {
  const pkg = loadPackage(pkgPath)
  const st = pkg.types.get(name)
  if (!st || st.kind !== 'struct') throw new Error(`${pkgPath}: ${name} is not a struct`)
  const docs = pkg.docs.get(name) ?? {}
  const proto = pkg.proto.get(name)
  if (!proto) throw new Error(`${pkgPath}: no message ${name} in generated.proto`)
  const fields: FieldSchema[] = []
  for (const f of st.fields) {
    const [jsonName = '', ...opts] = (f.tags.json ?? '').split(',')
    if (jsonName === '-') continue
    const inline = opts.includes('inline')
    if (inline && !f.tags.protobuf) {
      if (f.goType !== 'metav1.TypeMeta') throw new Error(`${name}: embedded ${f.goType} without a protobuf tag`)
      fields.push({ name: 'apiVersion', proto: 0, type: { kind: 'string' }, description: API_VERSION_DESC })
      fields.push({ name: 'kind', proto: 0, type: { kind: 'string' }, description: KIND_DESC })
      continue
    }
    const protoTag = (f.tags.protobuf ?? '').split(',')
    const number = Number(protoTag[1])
    // An embedded struct's tag may leave the name out (EphemeralContainer's `bytes,1,req`): generated.proto then
    // names the field after the type.
    const protoName = protoTag.find((p) => p.startsWith('name='))?.slice(5) ?? (f.name ? undefined : lowerFirst(f.goType.replace(/^.*\./, '')))
    if (!Number.isInteger(number) || !protoName) throw new Error(`${name}.${jsonName}: protobuf tag ${f.tags.protobuf}`)
    if (proto.get(protoName) !== number) throw new Error(`${name}.${protoName}: ${number} in types.go, ${proto.get(protoName)} in generated.proto`)
    const resolved = resolveType(f.goType, pkg, st.file)
    const pointer = f.goType.startsWith('*')
    const omitempty = opts.includes('omitempty')
    const field: FieldSchema = { name: inline ? protoName : jsonName, proto: number, type: resolved.value }
    const description = shorten(docs[jsonName])
    if (description && !inline) field.description = description
    // kube-openapi: required unless `+optional` or omitempty; `+required` wins over omitempty.
    const markedRequired = f.markers.includes('+required') || f.markers.includes('+k8s:required')
    if (!inline && (markedRequired || (!omitempty && !f.markers.includes('+optional')))) field.required = true
    if (f.tags.patchStrategy) field.patchStrategy = f.tags.patchStrategy as FieldSchema['patchStrategy']
    if (f.tags.patchMergeKey) field.patchMergeKey = f.tags.patchMergeKey
    const listType = marker(f.markers, 'listType')[0]
    if (listType) field.listType = listType as FieldSchema['listType']
    const keys = marker(f.markers, 'listMapKey')
    if (keys.length) field.listMapKeys = keys
    // encoding/json writes it when zero: no omitempty, or a struct value (omitempty never omits a struct).
    if (!inline && (!omitempty || (resolved.struct && !pointer))) field.emitEmpty = true
    if (pointer) field.pointer = true
    if (inline) field.inline = true
    const mapType = marker(f.markers, 'mapType')[0] ?? marker(f.markers, 'structType')[0]
    if (mapType === 'atomic' || mapType === 'granular') field.mapType = mapType
    fields.push(field)
  }
  const type = { name: openapiName(pkgPath, name) } as TypeSchema
  const description = shorten(docs[''])
  if (description) type.description = description
  if (gvk) type.gvk = gvk
  if (marker(st.markers, 'structType')[0] === 'atomic' || marker(st.markers, 'mapType')[0] === 'atomic') type.mapType = 'atomic'
  type.fields = fields
  return type
}

// ---- writing ------------------------------------------------------------------------------------------------------

const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

function valueSrc(v: ValueSchema): string {
  switch (v.kind) {
    case 'string':
      return v.enum ? `t.string([${v.enum.map(q).join(', ')}])` : 't.string()'
    case 'integer':
      return v.format === 'int32' ? 't.int32' : 't.int64'
    case 'number':
    case 'boolean':
    case 'bytes':
    case 'intOrString':
    case 'quantity':
    case 'time':
    case 'microTime':
    case 'raw':
      return `t.${v.kind}`
    case 'ref':
      return `t.ref(${q(v.name)})`
    case 'array':
      return `t.array(${valueSrc(v.items)})`
    case 'map':
      return `t.map(${valueSrc(v.values)})`
  }
}

function fieldSrc(f: FieldSchema): string {
  const parts = [`name: ${q(f.name)}`, `proto: ${f.proto}`, `type: ${valueSrc(f.type)}`]
  if (f.description) parts.push(`description: ${q(f.description)}`)
  if (f.required) parts.push('required: true')
  if (f.patchStrategy) parts.push(`patchStrategy: ${q(f.patchStrategy)}`)
  if (f.patchMergeKey) parts.push(`patchMergeKey: ${q(f.patchMergeKey)}`)
  if (f.listType) parts.push(`listType: ${q(f.listType)}`)
  if (f.listMapKeys) parts.push(`listMapKeys: [${f.listMapKeys.map(q).join(', ')}]`)
  if (f.emitEmpty) parts.push('emitEmpty: true')
  if (f.pointer) parts.push('pointer: true')
  if (f.inline) parts.push('inline: true')
  if (f.mapType) parts.push(`mapType: ${q(f.mapType)}`)
  return `      { ${parts.join(', ')} },`
}

function typeSrc(ty: TypeSchema): string {
  const lines = ['  {', `    name: ${q(ty.name)},`]
  if (ty.description) lines.push(`    description: ${q(ty.description)},`)
  if (ty.gvk) lines.push(`    gvk: { group: ${q(ty.gvk.group)}, version: ${q(ty.gvk.version)}, kind: ${q(ty.gvk.kind)} },`)
  if (ty.mapType) lines.push(`    mapType: ${q(ty.mapType)},`)
  lines.push('    fields: [', ...ty.fields.map(fieldSrc), '    ],', '  },')
  return lines.join('\n')
}

/**
 * `--compare`: the hand-written types (the same sources, declared before this script) against what it would
 * generate; prints every difference but the descriptions, and writes nothing.
 */
if (process.argv.includes('--compare')) {
  const strip = (f: FieldSchema) => JSON.stringify(Object.fromEntries(Object.entries(f).filter(([k]) => k !== 'description').sort(([a], [b]) => a.localeCompare(b))))
  let differences = 0
  for (const ty of HAND_WRITTEN.flat()) {
    const m = /^io\.k8s\.api\.(\w+)\.(v\w+)\.(\w+)$/.exec(ty.name)
    if (!m) continue
    let generated: TypeSchema
    try {
      generated = buildType(`${m[1]}/${m[2]}`, m[3], ty.gvk)
    } catch (err) {
      console.log(`${ty.name}: ${(err as Error).message}`)
      differences++
      continue
    }
    if ((ty.mapType ?? '') !== (generated.mapType ?? '')) console.log(`${ty.name}: mapType ${ty.mapType} / generated ${generated.mapType}`), differences++
    const names = new Set([...ty.fields, ...generated.fields].map((f) => f.name))
    for (const n of names) {
      const a = ty.fields.find((f) => f.name === n)
      const b = generated.fields.find((f) => f.name === n)
      if (!a || !b || strip(a) !== strip(b)) {
        differences++
        console.log(`${ty.name}.${n}:\n  hand      ${a ? strip(a) : '-'}\n  generated ${b ? strip(b) : '-'}`)
      }
    }
  }
  console.log(`${differences} differences`)
  process.exit(differences ? 1 : 0)
}

const byPkg = new Map(OUTPUTS.map((o) => [o.pkg, { output: o, types: [] as TypeSchema[] }]))
for (const o of OUTPUTS) {
  const version = o.pkg.split('/')[1]
  for (const kind of o.kinds) {
    for (const name of [kind, `${kind}List`]) {
      const full = openapiName(o.pkg, name)
      if (declared.has(full)) throw new Error(`${full} is already declared`)
      queued.add(full)
      byPkg.get(o.pkg)!.types.push(buildType(o.pkg, name, { group: o.group, version, kind: name }))
    }
  }
}
while (queue.length) {
  const { pkg, name } = queue.shift()!
  const target = byPkg.get(pkg)
  if (!target) throw new Error(`${pkg}.${name} is needed but no output is declared for package ${pkg}`)
  target.types.push(buildType(pkg, name))
}

const here = dirname(fileURLToPath(import.meta.url))
const outDir = join(here, '..', 'src', 'api', 'schema', 'types')
if (!existsSync(outDir)) throw new Error(`${outDir} does not exist`)
for (const { output, types } of byPkg.values()) {
  const src = [
    '/**',
    ` * ${output.title}`,
    ` * Generated by scripts/gen-schema-types.ts from k8s.io/api ${TAG} (do not edit by hand): JSON names, protobuf field`,
    ' * numbers (checked against generated.proto), pointers, patch strategies, list and map types and enums from types.go;',
    ' * descriptions shortened from types_swagger_doc_generated.go.',
    ' */',
    "import { t, type TypeSchema } from '../schema.ts'",
    '',
    `export const ${output.exportName}: TypeSchema[] = [`,
    ...types.map(typeSrc),
    ']',
    '',
  ].join('\n')
  writeFileSync(join(outDir, output.file), src)
  console.log(`${output.file}: ${types.length} types`)
}
