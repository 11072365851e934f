/** `kubectl get services`: printService of kubernetes pkg/printers/internalversion/printers.go. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, arr, column, formatLabels, int, nameColumn, obj, str } from './format.ts'

/**
 * loadBalancerStatusStringer: ingress IPs (else hostnames), sorted and unique. The API server always prints
 * wide (printers/storage: GenerateOptions{Wide: true}), so the value is never clipped to 16 characters.
 */
export function loadBalancerStatusString(status: unknown): string {
  const result = new Set<string>()
  for (const ing of arr(obj(obj(status).loadBalancer).ingress)) {
    if (str(ing?.ip)) result.add(str(ing.ip))
    else if (str(ing?.hostname)) result.add(str(ing.hostname))
  }
  return [...result].sort().join(',')
}

/** The Type field, defaulted as the API server defaults it (`ClusterIP`). */
const serviceType = (svc: KubeObject) => str(obj(svc.spec).type) || 'ClusterIP'

/** getServiceExternalIP: externalIPs, LoadBalancer ingress or `<pending>`, externalName, `<none>`. */
export function serviceExternalIP(svc: KubeObject): string {
  const spec = obj(svc.spec)
  const externalIPs = arr<string>(spec.externalIPs).map(String)
  switch (serviceType(svc)) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>'
    case 'LoadBalancer': {
      const lbIps = loadBalancerStatusString(svc.status)
      if (externalIPs.length > 0) return [...(lbIps ? lbIps.split(',') : []), ...externalIPs].join(',')
      return lbIps || '<pending>'
    }
    case 'ExternalName':
      return str(spec.externalName)
  }
  return '<unknown>'
}

/** makePortString: `80/TCP`, `443:30443/TCP`, joined by `,`. */
export function servicePortString(ports: unknown): string {
  return arr(ports)
    .map((p) => {
      const protocol = str(p?.protocol) || 'TCP'
      const nodePort = int(p?.nodePort)
      return nodePort > 0 ? `${int(p?.port)}:${nodePort}/${protocol}` : `${int(p?.port)}/${protocol}`
    })
    .join(',')
}

export const serviceTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Type', 'string', 'type determines how the Service is exposed. Defaults to ClusterIP.'),
    column('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    column('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    column('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    ageColumn(),
    column('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
  ],
  row(svc: KubeObject, now: Date): unknown[] {
    const spec = obj(svc.spec)
    // v1 → internal conversion fills clusterIPs from clusterIP when only the latter is set.
    const internalIP = str(arr(spec.clusterIPs)[0]) || str(spec.clusterIP) || '<none>'
    const ports = servicePortString(spec.ports) || '<none>'
    return [
      str(svc.metadata?.name),
      serviceType(svc),
      internalIP,
      serviceExternalIP(svc),
      ports,
      age(svc, now),
      formatLabels(spec.selector),
    ]
  },
}
