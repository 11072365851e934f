import { parseMediaTypes } from './negotiation.ts'
import type { ResourceDefinition } from './registry/resource-definition.ts'

/** The Kubernetes version we answer to /version and report as compatible with (kubectl skew warnings use it). */
export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0' }

/**
 * Kubernetes' version priority (version.CompareKubeAwareVersionStrings): GA before beta before alpha, higher
 * numbers first; anything else after them, alphabetically. A group's preferred version is its first.
 */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v)
    if (!m) return undefined
    return { major: Number(m[1]), level: m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2, minor: m[3] ? Number(m[3]) : 0 }
  }
  const pa = parse(a)
  const pb = parse(b)
  if (pa && pb) return pb.level - pa.level || pb.major - pa.major || pb.minor - pa.minor
  if (pa) return -1
  if (pb) return 1
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Group-versions in the order discovery lists them: groups as the definitions first name them (core first), each
 * group's versions by priority (so the kinds of CustomResourceDefinitions, which come and go, keep that order).
 */
export function groupVersions(defs: ResourceDefinition[]): { group: string; version: string }[] {
  const groups = new Map<string, Set<string>>()
  for (const d of defs) {
    let versions = groups.get(d.group)
    if (!versions) groups.set(d.group, (versions = new Set()))
    versions.add(d.version)
  }
  return [...groups].flatMap(([group, versions]) => [...versions].sort(compareVersions).map((version) => ({ group, version })))
}

/** The versions of one group, preferred first (empty when the group is not served). */
export const versionsOf = (defs: ResourceDefinition[], group: string): string[] => groupVersions(defs.filter((d) => d.group === group)).map((gv) => gv.version)

/** GET /api: the legacy core group's versions. */
export const apiVersions = (serverAddress: string) => ({
  kind: 'APIVersions',
  versions: ['v1'],
  serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
})

/** GET /apis: every named group with its versions. */
export function apiGroupList(defs: ResourceDefinition[]) {
  const groups = new Map<string, string[]>()
  for (const { group, version } of groupVersions(defs)) {
    if (!group) continue
    const versions = groups.get(group) ?? []
    if (!versions.includes(version)) versions.push(version)
    groups.set(group, versions)
  }
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups].map(([name, versions]) => apiGroup(name, versions)) }
}

export function apiGroup(name: string, versions: string[]) {
  const entries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }))
  return { kind: 'APIGroup', apiVersion: 'v1', name, versions: entries, preferredVersion: entries[0] }
}

/** GET /api/v1, /apis/<g>/<v>: the resources of one group-version, subresources as `pods/status`. */
export function apiResourceList(defs: ResourceDefinition[], group: string, version: string) {
  const resources: Record<string, unknown>[] = []
  for (const d of defs.filter((x) => x.group === group && x.version === version)) {
    const entry: Record<string, unknown> = { name: d.plural, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: [...d.verbs].sort() }
    if (d.shortNames?.length) entry.shortNames = d.shortNames
    if (d.categories?.length) entry.categories = d.categories
    resources.push(entry)
    for (const [name, sub] of Object.entries(d.subresources ?? {})) {
      const subEntry: Record<string, unknown> = { name: `${d.plural}/${name}`, singularName: '', namespaced: d.namespaced, kind: sub.kind?.kind ?? d.kind, verbs: [...sub.verbs].sort() }
      if (sub.kind && (sub.kind.group !== d.group || sub.kind.version !== d.version)) Object.assign(subEntry, { group: sub.kind.group, version: sub.kind.version })
      resources.push(subEntry)
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources }
}

/** The aggregated discovery versions (apidiscovery.k8s.io): kubectl 1.27-1.29 ask for v2beta1, 1.30+ for v2 first. */
export type AggregatedDiscoveryVersion = 'v2' | 'v2beta1'

export const aggregatedDiscoveryContentType = (version: AggregatedDiscoveryVersion) => `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`

/**
 * The aggregated discovery version a client asked for, if its Accept lists one we serve before any plain JSON
 * entry. Only a version the client lists may be answered: kubectl 1.27 reads a v2 document as legacy JSON and
 * finds no resources at all.
 */
export function aggregatedDiscoveryVersion(accept: string | undefined): AggregatedDiscoveryVersion | undefined {
  for (const { type, params } of parseMediaTypes(accept)) {
    if (type === 'application/json' && params.g === 'apidiscovery.k8s.io' && params.as === 'APIGroupDiscoveryList') {
      if (params.v === 'v2' || params.v === 'v2beta1') return params.v
      continue
    }
    if (type === 'application/json' || type === 'application/*' || type === '*/*') return undefined
  }
  return undefined
}

const gvk = (x: { group: string; version: string; kind: string }) => ({ group: x.group, version: x.version, kind: x.kind })

/** The resources of one group-version as APIResourceDiscovery entries (subresources nested). */
function discoveryResources(defs: ResourceDefinition[], group: string, version: string) {
  return defs
    .filter((d) => d.group === group && d.version === version)
    .map((d) => {
      const entry: Record<string, unknown> = {
        resource: d.plural,
        responseKind: gvk(d),
        scope: d.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: d.singular,
        verbs: [...d.verbs].sort(),
      }
      if (d.shortNames?.length) entry.shortNames = d.shortNames
      if (d.categories?.length) entry.categories = d.categories
      const subresources = Object.entries(d.subresources ?? {}).map(([name, sub]) => ({ subresource: name, responseKind: gvk(sub.kind ?? d), verbs: [...sub.verbs].sort() }))
      if (subresources.length) entry.subresources = subresources
      return entry
    })
}

/**
 * GET /api or /apis answered as an APIGroupDiscoveryList: every group with its versions and their resources in
 * one document, so that clients need no per-group-version requests. `/api` holds the core group only.
 */
export function aggregatedDiscovery(defs: ResourceDefinition[], which: 'api' | 'apis', version: AggregatedDiscoveryVersion) {
  const groups = new Map<string, string[]>()
  for (const gv of groupVersions(defs)) {
    if ((which === 'api') !== (gv.group === '')) continue
    const versions = groups.get(gv.group) ?? []
    if (!versions.includes(gv.version)) versions.push(gv.version)
    groups.set(gv.group, versions)
  }
  const items = [...groups].map(([group, versions]) => ({
    metadata: group ? { name: group } : {},
    versions: versions.map((v) => ({ version: v, resources: discoveryResources(defs, group, v), freshness: 'Current' })),
  }))
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items }
}

export function versionInfo() {
  return {
    ...KUBERNETES_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'kubebox',
    platform: `${process.platform === 'win32' ? 'windows' : process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  }
}
