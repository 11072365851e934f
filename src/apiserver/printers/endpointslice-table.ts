/** `kubectl get endpointslices`: printEndpointSlice of kubernetes pkg/printers/internalversion/printers.go. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, arr, column, nameColumn, str } from './format.ts'

const MAX = 3

/** listWithMoreString: at most 3 items, then ` + N more...`; `<unset>` when there are none. */
function listWithMore(items: string[]): string {
  const shown = items.slice(0, MAX).join(',')
  if (items.length > MAX) return `${shown} + ${items.length - MAX} more...`
  return shown === '' ? '<unset>' : shown
}

/** formatDiscoveryPorts: each port's number, else its name, else `*`. */
export function formatDiscoveryPorts(ports: unknown): string {
  return listWithMore(arr(ports).map((p) => (typeof p?.port === 'number' ? String(p.port) : typeof p?.name === 'string' ? p.name : '*')))
}

/** formatDiscoveryEndpoints: every address of every endpoint. */
export function formatDiscoveryEndpoints(endpoints: unknown): string {
  return listWithMore(arr(endpoints).flatMap((e) => arr<unknown>(e?.addresses).map(str)))
}

export const endpointSliceTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('AddressType', 'string', 'addressType specifies the type of address carried by this EndpointSlice.'),
    column('Ports', 'string', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    column('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice.'),
    ageColumn(),
  ],
  row(slice: KubeObject, now: Date): unknown[] {
    return [str(slice.metadata?.name), str(slice.addressType), formatDiscoveryPorts(slice.ports), formatDiscoveryEndpoints(slice.endpoints), age(slice, now)]
  },
}
