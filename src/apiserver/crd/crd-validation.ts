/**
 * Defaulting and validation of CustomResourceDefinitions (apiextensions-apiserver pkg/apis/apiextensions/v1
 * defaults.go and pkg/apis/apiextensions/validation/validation.go), the essentials: names, group, scope,
 * versions (exactly one storage version, DNS-1035 names, a structural schema each), subresources, printer
 * columns, and on update the immutable group, plural, and (once established) scope and kind.
 * Messages and field paths are worded as Kubernetes words them.
 */
import type { StatusCause } from '../../api/meta.ts'
import { isDNS1123Subdomain } from '../../api/validation.ts'
import { CauseReason } from '../../errors/api-error.ts'
import { additionalSchema, isObject, itemSchema, type JSONSchemaProps } from './json-schema.ts'
import { JsonPathError, parseJsonPath } from './jsonpath.ts'
import { formatValue, validateValue } from './schema-validation.ts'
import { ESTABLISHED, isConditionTrue, type CustomResourceDefinition, type CustomResourceDefinitionNames, type CustomResourceSubresources } from './types.ts'

const PRINTER_COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string']
const PRINTER_COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password']

const required = (field: string, detail = ''): StatusCause => ({ field, reason: CauseReason.required, message: detail ? `Required value: ${detail}` : 'Required value' })
const invalid = (field: string, value: unknown, detail: string): StatusCause => ({ field, reason: CauseReason.invalid, message: `Invalid value: ${formatValue(value)}: ${detail}` })
const forbidden = (field: string, detail: string): StatusCause => ({ field, reason: CauseReason.forbidden, message: `Forbidden: ${detail}` })
const notSupported = (field: string, value: unknown, supported: string[]): StatusCause => ({
  field,
  reason: CauseReason.notSupported,
  message: `Unsupported value: ${formatValue(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
})
const immutable = (field: string, value: unknown): StatusCause => invalid(field, value, 'field is immutable')

const DNS1035_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?'
const DNS1035 = new RegExp(`^${DNS1035_FMT}$`)

/** IsDNS1035Label: version names, plural, singular, short names, categories. [] when valid. */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = []
  if (value.length > 63) errs.push('must be no more than 63 characters')
  if (!DNS1035.test(value))
    errs.push(
      `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '${DNS1035_FMT}')`,
    )
  return errs
}

/** SetDefaults_CustomResourceDefinition: singular and listKind from the kind, conversion None, the stored version. */
export function defaultCustomResourceDefinition(crd: CustomResourceDefinition): void {
  if (!isObject(crd.spec)) return
  const names = crd.spec.names
  if (isObject(names)) {
    if (!names.singular && typeof names.kind === 'string') names.singular = names.kind.toLowerCase()
    if (!names.listKind && names.kind) names.listKind = `${names.kind}List`
  }
  crd.spec.conversion ??= { strategy: 'None' }
}

/** ValidateCustomResourceDefinition: the whole object as created (metadata aside, which the registry checks). */
export function validateCustomResourceDefinition(crd: CustomResourceDefinition): StatusCause[] {
  const causes: StatusCause[] = []
  const spec = (isObject(crd.spec) ? crd.spec : {}) as CustomResourceDefinition['spec']
  const name = crd.metadata?.name
  if (name && name !== `${spec.names?.plural}.${spec.group}`) causes.push(invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'))
  causes.push(...validateSpec(spec))
  causes.push(...validateNames(crd.status?.acceptedNames, 'status.acceptedNames'))
  causes.push(...validateStoredVersions(crd))
  return causes
}

/** ValidateCustomResourceDefinitionUpdate: as on create, plus what may not change. */
export function validateCustomResourceDefinitionUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): StatusCause[] {
  const causes = validateCustomResourceDefinition(crd)
  const spec = crd.spec ?? {}
  const oldSpec = old.spec ?? {}
  if (isConditionTrue(old, ESTABLISHED)) {
    if (spec.scope !== oldSpec.scope) causes.push(immutable('spec.scope', spec.scope))
    if (spec.names?.kind !== oldSpec.names?.kind) causes.push(immutable('spec.names.kind', spec.names?.kind))
  }
  if (spec.group !== oldSpec.group) causes.push(immutable('spec.group', spec.group))
  if (spec.names?.plural !== oldSpec.names?.plural) causes.push(immutable('spec.names.plural', spec.names?.plural))
  return causes
}

function validateSpec(spec: CustomResourceDefinition['spec']): StatusCause[] {
  const causes: StatusCause[] = []
  if (!spec.group) causes.push(required('spec.group'))
  else {
    const errs = isDNS1123Subdomain(spec.group)
    if (errs.length) causes.push(invalid('spec.group', spec.group, errs.join(',')))
    else if (spec.group.split('.').length < 2) causes.push(invalid('spec.group', spec.group, 'should be a domain with at least one dot'))
  }
  if (!spec.scope) causes.push(required('spec.scope'))
  else if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced') causes.push(notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']))

  const versions = Array.isArray(spec.versions) ? spec.versions : []
  let storage = 0
  const seen = new Set<string>()
  let unique = true
  versions.forEach((v, i) => {
    const at = `spec.versions[${i}]`
    if (!isObject(v)) return void causes.push(invalid(at, v, 'must be an object'))
    if (v.storage) storage++
    if (seen.has(v.name)) unique = false
    seen.add(v.name)
    const errs = isDNS1035Label(String(v.name ?? ''))
    if (errs.length) causes.push(invalid(`${at}.name`, v.name ?? '', errs.join(',')))
    const schema = v.schema?.openAPIV3Schema
    if (!isObject(schema)) causes.push(required(`${at}.schema.openAPIV3Schema`, 'schemas are required'))
    else causes.push(...validateStructuralSchema(schema, `${at}.schema.openAPIV3Schema`))
    causes.push(...validateSubresources(v.subresources, `${at}.subresources`))
    ;(v.additionalPrinterColumns ?? []).forEach((col, j) => causes.push(...validateColumn(col, `${at}.additionalPrinterColumns[${j}]`)))
    ;(v.selectableFields ?? []).forEach((f, j) => causes.push(...validateJsonPath(f?.jsonPath, `${at}.selectableFields[${j}].jsonPath`)))
  })
  if (!versions.length) causes.push(required('spec.versions', 'must have exactly one version marked as storage version'))
  else {
    if (!unique) causes.push(invalid('spec.versions', versions.map((v) => v?.name), 'must contain unique version names'))
    if (storage !== 1) causes.push(invalid('spec.versions', versions.map((v) => v?.name), 'must have exactly one version marked as storage version'))
  }

  const names = (isObject(spec.names) ? spec.names : {}) as Partial<CustomResourceDefinitionNames>
  if (!names.plural) causes.push(required('spec.names.plural'))
  if (!names.singular) causes.push(required('spec.names.singular'))
  if (!names.kind) causes.push(required('spec.names.kind'))
  if (!names.listKind) causes.push(required('spec.names.listKind'))
  causes.push(...validateNames(names, 'spec.names'))

  const strategy = spec.conversion?.strategy
  if (spec.conversion && strategy !== 'None' && strategy !== 'Webhook')
    causes.push(strategy ? notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']) : required('spec.conversion.strategy'))
  if (spec.preserveUnknownFields === true)
    causes.push(invalid('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead'))
  return causes
}

/** ValidateCustomResourceDefinitionNames (also for status.acceptedNames, where they may be empty). */
function validateNames(names: Partial<CustomResourceDefinitionNames> | undefined, at: string): StatusCause[] {
  const causes: StatusCause[] = []
  if (!names) return causes
  const label = (field: string, value: string | undefined, prefix = '') => {
    if (!value) return
    const errs = isDNS1035Label(prefix ? value.toLowerCase() : value)
    if (errs.length) causes.push(invalid(`${at}.${field}`, value, prefix + errs.join(',')))
  }
  label('plural', names.plural)
  label('singular', names.singular)
  label('kind', names.kind, 'may have mixed case, but should otherwise match: ')
  label('listKind', names.listKind, 'may have mixed case, but should otherwise match: ')
  ;(names.shortNames ?? []).forEach((s, i) => {
    const errs = isDNS1035Label(String(s))
    if (errs.length) causes.push(invalid(`${at}.shortNames[${i}]`, s, errs.join(',')))
  })
  if (names.kind && names.kind === names.listKind) causes.push(invalid(`${at}.listKind`, names.listKind, 'kind and listKind may not be the same'))
  ;(names.categories ?? []).forEach((c, i) => {
    const errs = isDNS1035Label(String(c))
    if (errs.length) causes.push(invalid(`${at}.categories[${i}]`, c, errs.join(',')))
  })
  return causes
}

function validateStoredVersions(crd: CustomResourceDefinition): StatusCause[] {
  const stored = crd.status?.storedVersions ?? []
  const causes: StatusCause[] = []
  const versions = Array.isArray(crd.spec?.versions) ? crd.spec.versions : []
  stored.forEach((v, i) => {
    if (!versions.some((x) => x?.name === v)) causes.push(invalid(`status.storedVersions[${i}]`, v, 'must appear in spec.versions'))
  })
  return causes
}

function validateSubresources(sub: CustomResourceSubresources | undefined, at: string): StatusCause[] {
  const causes: StatusCause[] = []
  const scale = sub?.scale
  if (!scale) return causes
  const path = (field: 'specReplicasPath' | 'statusReplicasPath' | 'labelSelectorPath', under: string[], detail: string) => {
    const value = scale[field]
    if (!value) return field === 'labelSelectorPath' ? undefined : void causes.push(required(`${at}.scale.${field}`))
    const errs = validateJsonPath(value, `${at}.scale.${field}`)
    if (errs.length) causes.push(...errs)
    else if (!under.some((p) => value.startsWith(p))) causes.push(invalid(`${at}.scale.${field}`, value, detail))
  }
  path('specReplicasPath', ['.spec.'], 'should be a json path under .spec')
  path('statusReplicasPath', ['.status.'], 'should be a json path under .status')
  path('labelSelectorPath', ['.spec.', '.status.'], 'should be a json path under either .spec or .status')
  return causes
}

function validateJsonPath(value: string | undefined, at: string): StatusCause[] {
  if (!value) return [required(at)]
  if (!value.startsWith('.')) return [invalid(at, value, 'must be a simple json path starting with .')]
  try {
    parseJsonPath(value)
    return []
  } catch (err) {
    if (err instanceof JsonPathError) return [invalid(at, value, `is an invalid JSONPath: ${err.message}`)]
    throw err
  }
}

function validateColumn(value: unknown, at: string): StatusCause[] {
  const causes: StatusCause[] = []
  if (!isObject(value)) return [invalid(at, value, 'must be an object')]
  const col = value as Record<string, any>
  if (!col.name) causes.push(required(`${at}.name`))
  if (!col.type) causes.push(required(`${at}.type`, `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`))
  else if (!PRINTER_COLUMN_TYPES.includes(col.type)) causes.push(invalid(`${at}.type`, col.type, `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`))
  if (col.format && !PRINTER_COLUMN_FORMATS.includes(col.format)) causes.push(invalid(`${at}.format`, col.format, `must be one of ${PRINTER_COLUMN_FORMATS.join(',')}`))
  causes.push(...validateJsonPath(col.jsonPath, `${at}.jsonPath`))
  return causes
}

// -------------------------------------------------------------------------------------------------------------
// Structural schemas (pkg/apiserver/schema/validation.go, the invariants a v1 CRD's schema must keep)

/** The problems of a version's openAPIV3Schema: a structural schema whose defaults are valid. */
export function validateStructuralSchema(schema: JSONSchemaProps, at: string): StatusCause[] {
  const causes: StatusCause[] = []
  if (schema.type !== 'object') {
    if (!schema.type) causes.push(required(`${at}.type`, 'must not be empty at the root'))
    else causes.push(invalid(`${at}.type`, schema.type, 'must be object at the root'))
  }
  const meta = schema.properties?.metadata
  if (isObject(meta)) {
    const extra = Object.keys(meta.properties ?? {}).filter((k) => k !== 'name' && k !== 'generateName')
    if (extra.length || Object.keys(meta).some((k) => !['type', 'properties', 'description'].includes(k)))
      causes.push(forbidden(`${at}.properties[metadata]`, 'must not specify anything other than name and generateName, but metadata is implicitly specified'))
  }
  walkSchema(schema, at, '', causes, 'root')
  return causes
}

function walkSchema(s: JSONSchemaProps, at: string, valuePath: string, causes: StatusCause[], position: 'root' | 'field' | 'item'): void {
  if (!isObject(s)) return void causes.push(invalid(at, s, 'must be a schema object'))
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true
  const intOrString = s['x-kubernetes-int-or-string'] === true
  if (position !== 'root' && !s.type && !preserve && !intOrString)
    causes.push(required(`${at}.type`, position === 'item' ? 'must not be empty for specified array items' : 'must not be empty for specified object fields'))
  if (s.type === 'array' && !s.items) causes.push(required(`${at}.items`, 'must be specified'))
  if (s.properties && s.additionalProperties !== undefined && s.additionalProperties !== true && Object.keys(s.properties).length)
    causes.push(forbidden(`${at}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'))
  if (s.uniqueItems === true) causes.push(forbidden(`${at}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'))
  if (s.pattern !== undefined && typeof s.pattern !== 'string') causes.push(invalid(`${at}.pattern`, s.pattern, 'must be a string'))
  if (s['x-kubernetes-list-type'] === 'map' && !s['x-kubernetes-list-map-keys']?.length)
    causes.push(required(`${at}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'))
  if (s.default !== undefined) {
    const { default: value, ...rest } = s
    for (const c of validateValue(value, rest, valuePath)) causes.push({ ...c, field: `${at}.default`, message: c.message })
  }
  for (const [name, prop] of Object.entries(s.properties ?? {})) walkSchema(prop, `${at}.properties[${name}]`, valuePath ? `${valuePath}.${name}` : name, causes, 'field')
  const values = additionalSchema(s)
  if (values && values !== 'any') walkSchema(values, `${at}.additionalProperties`, valuePath, causes, 'field')
  if (Array.isArray(s.items)) causes.push(forbidden(`${at}.items`, 'items must be a schema object and not an array'))
  else {
    const items = itemSchema(s)
    if (items) walkSchema(items, `${at}.items`, valuePath, causes, 'item')
  }
}
