/** `kubectl get endpoints`: printEndpoints / formatEndpoints of kubernetes pkg/printers/internalversion/printers.go. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, arr, column, int, nameColumn, str } from './format.ts'

/** Go's net.JoinHostPort: IPv6 hosts in brackets. */
const joinHostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`)

/**
 * formatEndpoints (all ports): `ip:port` for each ready address and port, at most 3, then ` + N more...`;
 * headless subsets without ports list bare IPs; `<none>` without subsets.
 */
export function formatEndpoints(endpoints: KubeObject): string {
  const subsets = arr(endpoints.subsets)
  if (subsets.length === 0) return '<none>'
  const list: string[] = []
  const max = 3
  let more = false
  let count = 0
  for (const ss of subsets) {
    const addresses = arr(ss?.addresses)
    const ports = arr(ss?.ports)
    if (ports.length === 0) {
      // Headless services may have no ports.
      count += addresses.length
      for (const addr of addresses) {
        if (list.length === max) {
          more = true
          break
        }
        list.push(str(addr?.ip))
      }
      continue
    }
    for (const port of ports) {
      count += addresses.length
      for (const addr of addresses) {
        if (list.length === max) {
          more = true
          break
        }
        list.push(joinHostPort(str(addr?.ip), int(port?.port)))
      }
    }
  }
  const ret = list.join(',')
  return more ? `${ret} + ${count - max} more...` : ret
}

export const endpointsTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'),
    ageColumn(),
  ],
  row(ep: KubeObject, now: Date): unknown[] {
    return [str(ep.metadata?.name), formatEndpoints(ep), age(ep, now)]
  },
}
