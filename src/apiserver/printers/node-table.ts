/** `kubectl get nodes`: printNode of kubernetes pkg/printers/internalversion/printers.go. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, arr, column, nameColumn, obj, orUnknown, str } from './format.ts'

const LABEL_NODE_ROLE_PREFIX = 'node-role.kubernetes.io/'
const NODE_LABEL_ROLE = 'kubernetes.io/role'

/** STATUS: `Ready` / `NotReady` from the Ready condition, `Unknown` without one, plus `SchedulingDisabled`. */
export function nodeStatus(node: KubeObject): string {
  // A map keyed by type: the last condition of a type wins, as in Go.
  let ready: Record<string, any> | undefined
  for (const c of arr(obj(node.status).conditions)) if (c?.type === 'Ready') ready = c
  const status: string[] = []
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady')
  if (status.length === 0) status.push('Unknown')
  if (obj(node.spec).unschedulable === true) status.push('SchedulingDisabled')
  return status.join(',')
}

/** findNodeRoles: `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role=<role>`, sorted, unique. */
export function findNodeRoles(node: KubeObject): string[] {
  const roles = new Set<string>()
  for (const [k, v] of Object.entries(obj(node.metadata?.labels))) {
    if (k.startsWith(LABEL_NODE_ROLE_PREFIX)) {
      const role = k.slice(LABEL_NODE_ROLE_PREFIX.length)
      if (role.length > 0) roles.add(role)
    } else if (k === NODE_LABEL_ROLE && v !== '') {
      roles.add(String(v))
    }
  }
  return [...roles].sort()
}

/** The first address of a type, or `<none>`. */
function nodeAddress(node: KubeObject, type: string): string {
  const a = arr(obj(node.status).addresses).find((a) => a?.type === type)
  return a ? str(a.address) : '<none>'
}

export const nodeTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    ageColumn(),
    column('Version', 'string', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'string', 'List of addresses reachable to the node.', 1),
    column('External-IP', 'string', 'List of addresses reachable to the node.', 1),
    column('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
    column('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
    column('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
  ],
  row(node: KubeObject, now: Date): unknown[] {
    const info = obj(obj(node.status).nodeInfo)
    const roles = findNodeRoles(node).join(',')
    return [
      str(node.metadata?.name),
      nodeStatus(node),
      roles || '<none>',
      age(node, now),
      str(info.kubeletVersion),
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      orUnknown(str(info.osImage)),
      orUnknown(str(info.kernelVersion)),
      orUnknown(str(info.containerRuntimeVersion)),
    ]
  },
}
