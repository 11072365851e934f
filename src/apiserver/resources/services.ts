import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { CauseReason } from '../../errors/api-error.ts'
import { serviceTable } from '../printers/index.ts'
import { ALL_VERBS, type AllocationPool, type ResourceDefinition, type StrategyContext } from '../registry/resource-definition.ts'
import { statusSubresource } from './subresources.ts'

const TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']
const usesNodePorts = (svc: KubeObject) => svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer'
const hasClusterIP = (svc: KubeObject) => svc.spec?.type !== 'ExternalName' && svc.spec?.clusterIP !== 'None'

/** Takes the service's ClusterIP and NodePorts from the allocators; gives back what it took if one fails. */
async function allocate(svc: KubeObject, ctx: StrategyContext): Promise<void> {
  const spec = svc.spec
  const taken: [AllocationPool, string][] = []
  try {
    if (hasClusterIP(svc)) {
      const ip = await ctx.services.allocate('clusterIP', spec.clusterIP || spec.clusterIPs?.[0] || undefined)
      taken.push(['clusterIP', ip])
      spec.clusterIP = ip
      spec.clusterIPs = [ip]
    } else if (spec.clusterIP === 'None') spec.clusterIPs = ['None']
    if (usesNodePorts(svc))
      for (const port of spec.ports ?? []) {
        const value = await ctx.services.allocate('nodePort', port.nodePort ? String(port.nodePort) : undefined)
        taken.push(['nodePort', value])
        port.nodePort = Number(value)
      }
  } catch (err) {
    for (const [pool, value] of taken) await ctx.services.release(pool, value)
    throw err
  }
}

async function release(svc: KubeObject, ctx: StrategyContext): Promise<void> {
  const spec = svc.spec ?? {}
  if (spec.clusterIP && spec.clusterIP !== 'None') await ctx.services.release('clusterIP', spec.clusterIP)
  if (usesNodePorts(svc)) for (const port of spec.ports ?? []) if (port?.nodePort) await ctx.services.release('nodePort', String(port.nodePort))
}

function validate(svc: KubeObject): StatusCause[] {
  const causes: StatusCause[] = []
  const spec = svc.spec
  if (!spec || typeof spec !== 'object') return [{ field: 'spec', reason: CauseReason.required, message: 'Required value' }]
  if (!TYPES.includes(spec.type))
    causes.push({ field: 'spec.type', reason: CauseReason.notSupported, message: `Unsupported value: "${spec.type}": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"` })
  const ports = spec.ports ?? []
  if (!Array.isArray(ports)) return [{ field: 'spec.ports', reason: CauseReason.invalid, message: 'Invalid value: must be a list' }]
  if (ports.length === 0 && spec.type !== 'ExternalName' && spec.clusterIP !== 'None')
    causes.push({ field: 'spec.ports', reason: CauseReason.required, message: 'Required value' })
  if (spec.type === 'ExternalName' && !spec.externalName)
    causes.push({ field: 'spec.externalName', reason: CauseReason.required, message: 'Required value' })
  const names = new Set<string>()
  ports.forEach((p: any, i: number) => {
    const at = `spec.ports[${i}]`
    if (!Number.isInteger(p?.port) || p.port < 1 || p.port > 65535)
      causes.push({ field: `${at}.port`, reason: CauseReason.invalid, message: `Invalid value: ${JSON.stringify(p?.port)}: must be between 1 and 65535, inclusive` })
    if (ports.length > 1 && !p?.name) causes.push({ field: `${at}.name`, reason: CauseReason.required, message: 'Required value' })
    if (p?.name && names.has(p.name)) causes.push({ field: `${at}.name`, reason: CauseReason.duplicate, message: `Duplicate value: "${p.name}"` })
    if (p?.name) names.add(p.name)
  })
  return causes
}

/** SetDefaults_Service: applied to every write, so that an update with a manifest as first sent changes nothing. */
function defaultService(svc: KubeObject): void {
  const spec = (svc.spec ??= {})
  spec.type ??= 'ClusterIP'
  spec.sessionAffinity ??= 'None'
  if (spec.type !== 'ExternalName') {
    spec.ipFamilies ??= ['IPv4']
    spec.ipFamilyPolicy ??= 'SingleStack'
    spec.internalTrafficPolicy ??= 'Cluster'
  }
  if (Array.isArray(spec.ports))
    for (const p of spec.ports)
      if (p && typeof p === 'object') {
        p.protocol ??= 'TCP'
        p.targetPort ??= p.port
      }
}

export const services: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  singular: 'service',
  shortNames: ['svc'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    prepareForCreate(svc) {
      defaultService(svc)
      svc.status = { loadBalancer: {} }
    },
    prepareForUpdate(svc, old) {
      defaultService(svc)
      // An update that leaves the ClusterIP out keeps the allocated one (it is immutable).
      if (!svc.spec.clusterIP && old.spec?.clusterIP) svc.spec.clusterIP = old.spec.clusterIP
      if (!svc.spec.clusterIPs && old.spec?.clusterIPs) svc.spec.clusterIPs = old.spec.clusterIPs
      if (usesNodePorts(svc))
        for (const p of svc.spec.ports ?? []) {
          const before = (old.spec?.ports ?? []).find((o: any) => o.port === p?.port && o.protocol === (p?.protocol ?? 'TCP'))
          if (p && !p.nodePort && before?.nodePort) p.nodePort = before.nodePort
        }
    },
    validate,
    allocate,
    validateUpdate: (svc, old) =>
      svc.spec?.clusterIP !== old.spec?.clusterIP
        ? [{ field: 'spec.clusterIPs[0]', reason: CauseReason.invalid, message: `Invalid value: ${JSON.stringify(svc.spec?.clusterIPs ?? [])}: may not change once set` }]
        : [],
    release,
  },
  subresources: { status: statusSubresource },
  table: serviceTable,
}
