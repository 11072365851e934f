import type { ResourceDefinition } from './registry/resource-definition.ts'
import { apiVersionOf } from './registry/resource-definition.ts'

/** The Kubernetes version we answer to /version and report as compatible with (kubectl skew warnings use it). */
export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0' }

/** Group-versions in the order discovery lists them (core first). */
export function groupVersions(defs: ResourceDefinition[]): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>()
  for (const d of defs) seen.set(apiVersionOf(d), { group: d.group, version: d.version })
  return [...seen.values()]
}

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
