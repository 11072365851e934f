/** `kubectl get ingresses|ingressclasses|networkpolicies`: printIngress, printIngressClass, printNetworkPolicy. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, arr, column, formatLabelSelectorForTable, nameColumn, obj, str } from './format.ts'
import { loadBalancerStatusString } from './service-table.ts'

/** formatHosts: the first three rule hosts, `*` when none has one, `a,b,c + N more...` past three rules. */
export function formatIngressHosts(rules: unknown): string {
  const list: string[] = []
  const all = arr(rules)
  const max = 3
  let more = false
  for (const rule of all) {
    if (list.length === max) more = true
    if (!more && str(obj(rule).host)) list.push(str(obj(rule).host))
  }
  if (list.length === 0) return '*'
  return more ? `${list.join(',')} + ${all.length - max} more...` : list.join(',')
}

export const ingressTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  row(ing: KubeObject, now: Date): unknown[] {
    const spec = obj(ing.spec)
    return [
      str(ing.metadata?.name),
      typeof spec.ingressClassName === 'string' ? spec.ingressClassName : '<none>',
      formatIngressHosts(spec.rules),
      loadBalancerStatusString(ing.status),
      arr(spec.tls).length ? '80, 443' : '80',
      age(ing, now),
    ]
  },
}

export const ingressClassTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Controller', 'string', 'Controller that is responsible for handling this class'),
    column('Parameters', 'string', 'A reference to a resource with additional parameters'),
    ageColumn(),
  ],
  row(ic: KubeObject, now: Date): unknown[] {
    const spec = obj(ic.spec)
    let parameters = '<none>'
    if (spec.parameters && typeof spec.parameters === 'object') {
      const p = obj(spec.parameters)
      parameters = `${str(p.kind)}${typeof p.apiGroup === 'string' ? `.${p.apiGroup}` : ''}/${str(p.name)}`
    }
    return [str(ic.metadata?.name), str(spec.controller), parameters, age(ic, now)]
  },
}

export const networkPolicyTable: TableDefinition = {
  columns: [
    nameColumn(),
    column('Pod-Selector', 'string', 'Selects the pods to which this NetworkPolicy object applies.'),
    ageColumn(),
  ],
  row(np: KubeObject, now: Date): unknown[] {
    return [str(np.metadata?.name), formatLabelSelectorForTable(obj(obj(np.spec).podSelector)), age(np, now)]
  },
}
