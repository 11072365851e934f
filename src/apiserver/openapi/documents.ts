import type { SchemaRegistry } from '../../api/schema/schema.ts'
import { KUBERNETES_VERSION, groupVersions } from '../discovery.ts'
import type { ResourceDefinition } from '../registry/resource-definition.ts'
import { buildPaths } from './paths.ts'
import { SchemaCollector, type JsonObject } from './schemas.ts'

/** The key of a group-version in `/openapi/v3`: `api/v1`, `apis/apps/v1`. */
export const gvPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`)

/**
 * The OpenAPI 3.0 document of one group-version: the paths of its resources, and `components.schemas` with every
 * type they reach (meta types, the autoscaling/v1 Scale of a scale subresource, scalars such as Time).
 */
export function buildV3Document(defs: ResourceDefinition[], registry: SchemaRegistry, group: string, version: string): JsonObject {
  const collector = new SchemaCollector(registry, 'v3')
  const paths = buildPaths(
    defs.filter((d) => d.group === group && d.version === version),
    collector,
  )
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: KUBERNETES_VERSION.gitVersion }, paths, components: { schemas: collector.sorted() } }
}

/** Every group-version's v3 document, keyed by `gvPath`. */
export function buildV3Documents(defs: ResourceDefinition[], registry: SchemaRegistry): Map<string, JsonObject> {
  const out = new Map<string, JsonObject>()
  for (const { group, version } of groupVersions(defs)) out.set(gvPath(group, version), buildV3Document(defs, registry, group, version))
  return out
}

/** The Swagger 2.0 document of the whole API (`/openapi/v2`): all paths, all `definitions`. */
export function buildV2Document(defs: ResourceDefinition[], registry: SchemaRegistry): JsonObject {
  const collector = new SchemaCollector(registry, 'v2')
  const paths = buildPaths(defs, collector)
  return { swagger: '2.0', info: { title: 'Kubernetes', version: KUBERNETES_VERSION.gitVersion }, paths, definitions: collector.sorted() }
}
