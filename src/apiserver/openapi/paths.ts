import { STRATEGIC_MERGE_PATCH, SUPPORTED_PATCH_TYPES } from '../patch/apply-patch.ts'
import type { ResourceDefinition, SubresourceDefinition, Verb } from '../registry/resource-definition.ts'
import { ownKindComponent, ownListComponent, ownSchemaOf } from './own-schemas.ts'
import { NAMES, type JsonObject, type SchemaCollector } from './schemas.ts'

/**
 * The operations of every resource path, as Kubernetes' OpenAPI documents describe them: an operation per verb
 * with `x-kubernetes-action` and `x-kubernetes-group-version-kind`, the query parameters it takes (kubectl's
 * QueryParamVerifier looks for `fieldValidation` on the PATCH operation of a kind to trust server-side
 * validation), request bodies and responses. Built flavour-neutral, then rendered as OpenAPI 3.0 or Swagger 2.0.
 */

interface Gvk {
  group: string
  version: string
  kind: string
}

interface ParamSpec {
  name: string
  in: 'path' | 'query'
  description: string
  type?: 'string' | 'integer' | 'boolean'
  required?: boolean
}

interface OpSpec {
  method: 'get' | 'put' | 'post' | 'patch' | 'delete'
  action: string
  operationId: string
  description: string
  gvk: Gvk
  params: ParamSpec[]
  body?: { schema?: string; contentTypes: string[] }
  responses: { code: string; description: string; schema?: string }[]
}

interface PathSpec {
  path: string
  params: ParamSpec[]
  ops: OpSpec[]
}

/** What responses are offered in (Kubernetes adds CBOR on newer versions; we do not serve it). */
const PRODUCES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']
/**
 * The patch types we apply. kubectl's client-side apply builds a strategic merge patch from the v3 document only
 * when the PATCH operation of the kind lists `application/strategic-merge-patch+json`; kinds without declared
 * types (custom resources) take no strategic merge patch (patch/apply-patch.ts answers 415), so theirs do not
 * list it and kubectl sends a JSON merge patch, as with Kubernetes' custom resources.
 */
const PATCH_CONSUMES = SUPPORTED_PATCH_TYPES
const PATCH_CONSUMES_UNTYPED = SUPPORTED_PATCH_TYPES.filter((t) => t !== STRATEGIC_MERGE_PATCH)

const q = (name: string, description: string, type: ParamSpec['type'] = 'string'): ParamSpec => ({ name, in: 'query', description, type })

const P = {
  pretty: q('pretty', "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)."),
  allowWatchBookmarks: q('allowWatchBookmarks', 'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag.', 'boolean'),
  continue: q('continue', 'The continue option should be set when retrieving more results from the server. The value must be the one returned in metadata.continue of a previous list.'),
  fieldSelector: q('fieldSelector', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  labelSelector: q('labelSelector', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  limit: q('limit', 'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata.', 'integer'),
  resourceVersion: q('resourceVersion', 'resourceVersion sets a constraint on what resource versions a request may be served from. Defaults to unset.'),
  resourceVersionMatch: q('resourceVersionMatch', 'resourceVersionMatch determines how resourceVersion is applied to list calls. Defaults to unset.'),
  sendInitialEvents: q('sendInitialEvents', '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection.', 'boolean'),
  timeoutSeconds: q('timeoutSeconds', 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.', 'integer'),
  watch: q('watch', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.', 'boolean'),
  dryRun: q('dryRun', 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: q('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.'),
  fieldValidation: q(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default. - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
  ),
  force: q('force', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.', 'boolean'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately.', 'integer'),
  orphanDependents: q('orphanDependents', 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned.', 'boolean'),
  propagationPolicy: q('propagationPolicy', "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background' and 'Foreground'."),
  ignoreStoreReadError: q('ignoreStoreReadErrorWithClusterBreakingPotential', 'if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.', 'boolean'),
}

const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch]
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation]
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.ignoreStoreReadError, P.orphanDependents, P.propagationPolicy]
const DELETE_COLLECTION_PARAMS = [P.continue, P.dryRun, P.fieldSelector, P.gracePeriodSeconds, P.ignoreStoreReadError, P.labelSelector, P.limit, P.orphanDependents, P.propagationPolicy, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds]

const capitalize = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s)

/** `apps` → `Apps`, `coordination.k8s.io` → `Coordination`, `rbac.authorization.k8s.io` → `RbacAuthorization`, core → `Core`. */
function groupWord(group: string): string {
  if (!group) return 'Core'
  return group.replace(/\.k8s\.io$/, '').split('.').map(capitalize).join('')
}

/** The tag Kubernetes files operations under: `core_v1`, `apps_v1`, `coordination_v1`. */
export function tagOf(group: string, version: string): string {
  const word = groupWord(group)
  return `${word[0]!.toLowerCase()}${word.slice(1)}_${version}`
}

/** Names the component of a kind (undefined when it has none). */
type SchemaOf = (gvk: Gvk) => string | undefined

/** Path specs of one resource. */
function resourcePaths(def: ResourceDefinition, schemaOf: SchemaOf, listOf: SchemaOf, typed: (gvk: Gvk) => boolean): PathSpec[] {
  const prefix = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`
  const gvk: Gvk = { group: def.group, version: def.version, kind: def.kind }
  const id = `${groupWord(def.group)}${capitalize(def.version)}`
  const scoped = def.namespaced ? `Namespaced${def.kind}` : def.kind
  const base = def.namespaced ? `${prefix}/namespaces/{namespace}/${def.plural}` : `${prefix}/${def.plural}`
  const nsParam: ParamSpec[] = def.namespaced ? [{ name: 'namespace', in: 'path', description: 'object name and auth scope, such as for teams and projects', required: true }] : []
  const nameParam = (what: string): ParamSpec => ({ name: 'name', in: 'path', description: `name of the ${what}`, required: true })
  const kindSchema = schemaOf(gvk)
  const has = (v: Verb) => def.verbs.includes(v)
  const out: PathSpec[] = []

  const collection: OpSpec[] = []
  if (has('list'))
    collection.push({ method: 'get', action: 'list', operationId: `list${id}${scoped}`, description: `list or watch objects of kind ${def.kind}`, gvk, params: LIST_PARAMS, responses: [{ code: '200', description: 'OK', schema: listOf(gvk) }] })
  if (has('create'))
    collection.push({
      method: 'post',
      action: 'post',
      operationId: `create${id}${scoped}`,
      description: `create ${article(def.kind)} ${def.kind}`,
      gvk,
      params: WRITE_PARAMS,
      body: { schema: kindSchema, contentTypes: ['*/*'] },
      responses: [
        { code: '200', description: 'OK', schema: kindSchema },
        { code: '201', description: 'Created', schema: kindSchema },
        { code: '202', description: 'Accepted', schema: kindSchema },
      ],
    })
  if (has('deletecollection'))
    collection.push({
      method: 'delete',
      action: 'deletecollection',
      operationId: `delete${id}Collection${scoped}`,
      description: `delete collection of ${def.kind}`,
      gvk,
      params: DELETE_COLLECTION_PARAMS,
      body: { schema: NAMES.deleteOptions, contentTypes: ['*/*'] },
      responses: [{ code: '200', description: 'OK', schema: NAMES.status }],
    })
  if (collection.length) out.push({ path: base, params: [...nsParam, P.pretty], ops: collection })

  const item: OpSpec[] = []
  if (has('get'))
    item.push({ method: 'get', action: 'get', operationId: `read${id}${scoped}`, description: `read the specified ${def.kind}`, gvk, params: [], responses: [{ code: '200', description: 'OK', schema: kindSchema }] })
  if (has('update'))
    item.push({
      method: 'put',
      action: 'put',
      operationId: `replace${id}${scoped}`,
      description: `replace the specified ${def.kind}`,
      gvk,
      params: WRITE_PARAMS,
      body: { schema: kindSchema, contentTypes: ['*/*'] },
      responses: [
        { code: '200', description: 'OK', schema: kindSchema },
        { code: '201', description: 'Created', schema: kindSchema },
      ],
    })
  if (has('patch'))
    item.push({
      method: 'patch',
      action: 'patch',
      operationId: `patch${id}${scoped}`,
      description: `partially update the specified ${def.kind}`,
      gvk,
      params: [...WRITE_PARAMS, P.force],
      body: { schema: NAMES.patch, contentTypes: typed(gvk) ? PATCH_CONSUMES : PATCH_CONSUMES_UNTYPED },
      responses: [
        { code: '200', description: 'OK', schema: kindSchema },
        { code: '201', description: 'Created', schema: kindSchema },
      ],
    })
  if (has('delete'))
    item.push({
      method: 'delete',
      action: 'delete',
      operationId: `delete${id}${scoped}`,
      description: `delete ${article(def.kind)} ${def.kind}`,
      gvk,
      params: DELETE_PARAMS,
      body: { schema: NAMES.deleteOptions, contentTypes: ['*/*'] },
      responses: [
        { code: '200', description: 'OK', schema: kindSchema ?? NAMES.status },
        { code: '202', description: 'Accepted', schema: kindSchema ?? NAMES.status },
      ],
    })
  if (item.length) out.push({ path: `${base}/{name}`, params: [nameParam(def.kind), ...nsParam, P.pretty], ops: item })

  for (const [name, sub] of Object.entries(def.subresources ?? {})) {
    const ops = subresourceOps(def, name, sub, id, scoped, schemaOf, typed)
    if (ops.length) out.push({ path: `${base}/{name}/${name}`, params: [nameParam(subresourceObject(sub, def)), ...nsParam, P.pretty], ops })
  }

  if (def.namespaced && has('list'))
    out.push({
      path: `${prefix}/${def.plural}`,
      params: [...LIST_PARAMS, P.pretty],
      ops: [{ method: 'get', action: 'list', operationId: `list${id}${def.kind}ForAllNamespaces`, description: `list or watch objects of kind ${def.kind}`, gvk, params: [], responses: [{ code: '200', description: 'OK', schema: listOf(gvk) }] }],
    })
  return out
}

const article = (word: string) => (/^[AEIOU]/.test(word) ? 'an' : 'a')
const subresourceObject = (sub: SubresourceDefinition, def: ResourceDefinition) => (sub.kind && sub.action ? sub.kind.kind : def.kind)

function subresourceOps(def: ResourceDefinition, name: string, sub: SubresourceDefinition, id: string, scoped: string, schemaOf: SchemaOf, typed: (gvk: Gvk) => boolean): OpSpec[] {
  const gvk: Gvk = sub.kind ?? { group: def.group, version: def.version, kind: def.kind }
  const schema = schemaOf(gvk)
  const Sub = capitalize(name)
  const ops: OpSpec[] = []
  const has = (v: Verb) => sub.verbs.includes(v)
  if (has('get')) ops.push({ method: 'get', action: 'get', operationId: `read${id}${scoped}${Sub}`, description: `read ${name} of the specified ${def.kind}`, gvk, params: [], responses: [{ code: '200', description: 'OK', schema }] })
  if (has('create'))
    ops.push({
      method: 'post',
      action: 'post',
      operationId: `create${id}${scoped}${Sub}`,
      description: `create ${name} of ${article(def.kind)} ${def.kind}`,
      gvk,
      params: WRITE_PARAMS,
      body: { schema, contentTypes: ['*/*'] },
      responses: [
        { code: '200', description: 'OK', schema },
        { code: '201', description: 'Created', schema },
        { code: '202', description: 'Accepted', schema },
      ],
    })
  if (has('update'))
    ops.push({
      method: 'put',
      action: 'put',
      operationId: `replace${id}${scoped}${Sub}`,
      description: `replace ${name} of the specified ${def.kind}`,
      gvk,
      params: WRITE_PARAMS,
      body: { schema, contentTypes: ['*/*'] },
      responses: [
        { code: '200', description: 'OK', schema },
        { code: '201', description: 'Created', schema },
      ],
    })
  if (has('patch'))
    ops.push({
      method: 'patch',
      action: 'patch',
      operationId: `patch${id}${scoped}${Sub}`,
      description: `partially update ${name} of the specified ${def.kind}`,
      gvk,
      params: [...WRITE_PARAMS, P.force],
      body: { schema: NAMES.patch, contentTypes: typed(gvk) ? PATCH_CONSUMES : PATCH_CONSUMES_UNTYPED },
      responses: [
        { code: '200', description: 'OK', schema },
        { code: '201', description: 'Created', schema },
      ],
    })
  return ops
}

/**
 * The `paths` object of a document over `defs`, adding every schema the operations reference to `collector`.
 * `schemaOf` names the component of a kind (undefined when the kind has no declared schema).
 */
export function buildPaths(defs: ResourceDefinition[], collector: SchemaCollector): JsonObject {
  const registry = collector.registry
  // Kinds with their own schema (custom resources): components built from it, found by GVK before declared types.
  const own = new Map<string, string>()
  const gvkKey = (gvk: Gvk) => `${gvk.group}/${gvk.version}/${gvk.kind}`
  for (const def of defs) {
    const schema = ownSchemaOf(def)
    if (!schema) continue
    collector.defineOwn(schema.name, (c) => ownKindComponent(def, schema, c))
    collector.defineOwn(schema.listName, (c) => ownListComponent(def, schema, c))
    own.set(gvkKey(def), schema.name)
    own.set(gvkKey({ ...def, kind: `${def.kind}List` }), schema.listName)
  }
  const schemaOf = (gvk: Gvk): string | undefined => {
    const name = own.get(gvkKey(gvk)) ?? registry.forKind(gvk.group, gvk.version, gvk.kind)?.name
    return name && collector.add(name) ? name : undefined
  }
  const typed = (gvk: Gvk) => registry.forKind(gvk.group, gvk.version, gvk.kind) !== undefined
  const listOf = (gvk: Gvk) => schemaOf({ ...gvk, kind: `${gvk.kind}List` })
  const specs = defs.flatMap((d) => resourcePaths(d, schemaOf, listOf, typed))
  const paths: JsonObject = {}
  for (const spec of specs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) paths[spec.path] = renderPath(spec, collector)
  return paths
}

function renderPath(spec: PathSpec, c: SchemaCollector): JsonObject {
  const item: JsonObject = {}
  for (const op of spec.ops) item[op.method] = renderOp(op, c)
  item.parameters = spec.params.map((p) => renderParam(p, c.flavour))
  return item
}

function renderParam(p: ParamSpec, flavour: 'v3' | 'v2'): JsonObject {
  const out: JsonObject = { name: p.name, in: p.in, description: p.description }
  if (p.required) out.required = true
  if (flavour === 'v3') out.schema = { type: p.type ?? 'string', uniqueItems: true }
  else Object.assign(out, { type: p.type ?? 'string', uniqueItems: true })
  return out
}

function schemaRef(name: string | undefined, c: SchemaCollector): JsonObject {
  if (name && c.add(name)) return c.refTo(name)
  return { type: 'object' }
}

function renderOp(op: OpSpec, c: SchemaCollector): JsonObject {
  const out: JsonObject = { description: op.description, operationId: op.operationId, tags: [tagOf(op.gvk.group, op.gvk.version)] }
  const params = op.params.map((p) => renderParam(p, c.flavour))
  if (c.flavour === 'v3') {
    if (params.length) out.parameters = params
    if (op.body) {
      const schema = schemaRef(op.body.schema, c)
      out.requestBody = { content: Object.fromEntries(op.body.contentTypes.map((t) => [t, { schema }])), required: op.method !== 'delete' }
    }
    const responses: JsonObject = {}
    for (const r of op.responses) {
      const schema = schemaRef(r.schema, c)
      responses[r.code] = { content: Object.fromEntries(PRODUCES.map((t) => [t, { schema }])), description: r.description }
    }
    responses['401'] = { description: 'Unauthorized' }
    out.responses = responses
  } else {
    if (op.body) {
      out.consumes = op.body.contentTypes
      params.unshift({ name: 'body', in: 'body', required: op.method !== 'delete', schema: schemaRef(op.body.schema, c) })
    } else out.consumes = ['*/*']
    out.produces = PRODUCES
    out.schemes = ['https']
    if (params.length) out.parameters = params
    const responses: JsonObject = {}
    for (const r of op.responses) responses[r.code] = { description: r.description, schema: schemaRef(r.schema, c) }
    responses['401'] = { description: 'Unauthorized' }
    out.responses = responses
  }
  out['x-kubernetes-action'] = op.action
  out['x-kubernetes-group-version-kind'] = { group: op.gvk.group, kind: op.gvk.kind, version: op.gvk.version }
  return out
}
