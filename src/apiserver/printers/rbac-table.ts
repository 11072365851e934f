/** `kubectl get rolebindings|clusterrolebindings`: printRoleBinding / printClusterRoleBinding of printers.go. */
import type { KubeObject } from '../../api/meta.ts'
import type { TableDefinition } from '../registry/resource-definition.ts'
import { age, ageColumn, arr, column, nameColumn, obj, str } from './format.ts'

/** rbac.SubjectsStrings: the users, groups and service accounts (`namespace/name`) of a binding's subjects. */
export function subjectsStrings(subjects: unknown): [users: string[], groups: string[], serviceAccounts: string[]] {
  const users: string[] = []
  const groups: string[] = []
  const sas: string[] = []
  for (const s of arr(subjects)) {
    const subject = obj(s)
    switch (subject.kind) {
      case 'ServiceAccount':
        sas.push(`${str(subject.namespace)}/${str(subject.name)}`)
        break
      case 'User':
        users.push(str(subject.name))
        break
      case 'Group':
        groups.push(str(subject.name))
        break
    }
  }
  return [users, groups, sas]
}

function bindingTable(what: string): TableDefinition {
  return {
    columns: [
      nameColumn(),
      column('Role', 'string', `RoleRef can ${what === 'roleBinding' ? 'reference a Role in the current namespace or a ClusterRole in the global namespace' : 'only reference a ClusterRole in the global namespace'}. If the RoleRef cannot be resolved, the Authorizer must return an error.`),
      ageColumn(),
      column('Users', 'string', `Users in the ${what}`, 1),
      column('Groups', 'string', `Groups in the ${what}`, 1),
      column('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`, 1),
    ],
    row(b: KubeObject, now: Date): unknown[] {
      const roleRef = obj(b.roleRef)
      const [users, groups, sas] = subjectsStrings(b.subjects)
      return [str(b.metadata?.name), `${str(roleRef.kind)}/${str(roleRef.name)}`, age(b, now), users.join(', '), groups.join(', '), sas.join(', ')]
    },
  }
}

export const roleBindingTable = bindingTable('roleBinding')
export const clusterRoleBindingTable = bindingTable('clusterRoleBinding')
