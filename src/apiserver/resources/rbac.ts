/**
 * rbac.authorization.k8s.io/v1: Role, RoleBinding (namespaced), ClusterRole, ClusterRoleBinding (cluster).
 * Stored, defaulted (SetDefaults_*Binding, SetDefaults_Subject) and validated (pkg/apis/rbac/validation) as
 * Kubernetes does. No authorization is enforced: kubebox serves every request of every client, so these objects
 * only matter to the clients that read them (charts, operators, `kubectl auth` tooling).
 */
import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { isDNS1123Subdomain, isPathSegmentName } from '../../api/validation.ts'
import { clusterRoleBindingTable, createdAtTable, roleBindingTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'
import { asObject, Causes, checkSelector, objects } from './checks.ts'

export const RBAC_GROUP = 'rbac.authorization.k8s.io'

/** ValidatePolicyRule: verbs; resource rules need apiGroups and resources, non-resource URLs only cluster-wide. */
function validateRules(c: Causes, rules: unknown, namespaced: boolean): void {
  if (rules === undefined || rules === null) return
  if (!Array.isArray(rules)) {
    c.invalid('rules', rules, 'must be a list')
    return
  }
  rules.forEach((raw, i) => {
    const at = `rules[${i}]`
    const rule = asObject(raw) ?? {}
    const len = (v: unknown) => (Array.isArray(v) ? v.length : 0)
    if (!len(rule.verbs)) c.required(`${at}.verbs`, 'verbs must contain at least one value')
    if (len(rule.nonResourceURLs)) {
      if (namespaced) c.invalid(`${at}.nonResourceURLs`, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs')
      if (len(rule.apiGroups) || len(rule.resources) || len(rule.resourceNames))
        c.invalid(`${at}.nonResourceURLs`, rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs')
      return
    }
    if (!len(rule.apiGroups)) c.required(`${at}.apiGroups`, 'resource rules must supply at least one api group')
    if (!len(rule.resources)) c.required(`${at}.resources`, 'resource rules must supply at least one resource')
  })
}

function validateAggregationRule(c: Causes, role: KubeObject): void {
  const rule = role.aggregationRule
  if (rule === undefined || rule === null) return
  const selectors = objects(asObject(rule)?.clusterRoleSelectors)
  if (selectors.length === 0) c.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil')
  selectors.forEach((sel, i) => {
    const field = `aggregationRule.clusterRoleSelectors[${i}]`
    if (checkSelector(c, field, sel, false) && !Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length)
      c.invalid(field, sel, 'selector must not be empty')
  })
}

/** SetDefaults_RoleBinding / _ClusterRoleBinding and SetDefaults_Subject. */
function defaultBinding(b: KubeObject): void {
  const roleRef = asObject(b.roleRef)
  if (roleRef && !roleRef.apiGroup) roleRef.apiGroup = RBAC_GROUP
  // A ServiceAccount's group is "" (omitted in JSON, as Go's omitempty drops it).
  for (const s of objects(b.subjects)) if (!s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = RBAC_GROUP
}

/** ValidateRoleBindingSubject: a known kind, a name, the API group of the kind; cluster bindings name the namespace of service accounts. */
function validateSubjects(c: Causes, subjects: unknown, namespaced: boolean): void {
  objects(subjects).forEach((s, i) => {
    const at = `subjects[${i}]`
    if (!s.name) c.required(`${at}.name`)
    switch (s.kind) {
      case 'ServiceAccount':
        if (s.name) for (const m of isDNS1123Subdomain(String(s.name))) c.invalid(`${at}.name`, s.name, m)
        if (s.apiGroup) c.notSupported(`${at}.apiGroup`, s.apiGroup, [''])
        if (!namespaced && !s.namespace) c.required(`${at}.namespace`)
        break
      case 'User':
      case 'Group':
        if (s.apiGroup !== RBAC_GROUP) c.notSupported(`${at}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP])
        break
      default:
        c.notSupported(`${at}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group'])
    }
  })
}

/** ValidateRoleBinding / ValidateClusterRoleBinding: a roleRef to a role of this group, and valid subjects. */
function validateBinding(b: KubeObject, namespaced: boolean): StatusCause[] {
  const c = new Causes()
  const roleRef = asObject(b.roleRef) ?? {}
  if (roleRef.apiGroup !== RBAC_GROUP) c.notSupported('roleRef.apiGroup', roleRef.apiGroup ?? '', [RBAC_GROUP])
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole']
  if (!kinds.includes(roleRef.kind)) c.notSupported('roleRef.kind', roleRef.kind ?? '', kinds)
  if (!roleRef.name) c.required('roleRef.name')
  else for (const m of isPathSegmentName(String(roleRef.name))) c.invalid('roleRef.name', roleRef.name, m)
  validateSubjects(c, b.subjects, namespaced)
  return c.list
}

/** The roleRef of a binding is fixed at creation: a binding to another role is a new binding. */
function validateBindingUpdate(b: KubeObject, old: KubeObject): StatusCause[] {
  const norm = (r: unknown) => {
    const o = asObject(r) ?? {}
    return { apiGroup: o.apiGroup ?? '', kind: o.kind ?? '', name: o.name ?? '' }
  }
  const now = norm(b.roleRef)
  const before = norm(old.roleRef)
  if (now.apiGroup === before.apiGroup && now.kind === before.kind && now.name === before.name) return []
  return new Causes().invalid('roleRef', b.roleRef, 'cannot change roleRef').list
}

const rbacKind = (kind: string, plural: string, namespaced: boolean) => ({
  group: RBAC_GROUP,
  version: 'v1',
  kind,
  plural,
  singular: kind.toLowerCase(),
  namespaced,
  // ValidateRBACName: any name usable as a path segment (`system:controller:x` is a valid ClusterRole name).
  nameRule: 'path' as const,
  verbs: ALL_VERBS,
})

export const roles: ResourceDefinition = {
  ...rbacKind('Role', 'roles', true),
  strategy: {
    validate: (role) => {
      const c = new Causes()
      validateRules(c, role.rules, true)
      return c.list
    },
  },
  table: createdAtTable,
}

export const clusterroles: ResourceDefinition = {
  ...rbacKind('ClusterRole', 'clusterroles', false),
  strategy: {
    validate: (role) => {
      const c = new Causes()
      validateRules(c, role.rules, false)
      validateAggregationRule(c, role)
      return c.list
    },
  },
  table: createdAtTable,
}

export const rolebindings: ResourceDefinition = {
  ...rbacKind('RoleBinding', 'rolebindings', true),
  strategy: {
    prepareForCreate: defaultBinding,
    prepareForUpdate: defaultBinding,
    validate: (b) => validateBinding(b, true),
    validateUpdate: validateBindingUpdate,
  },
  table: roleBindingTable,
}

export const clusterrolebindings: ResourceDefinition = {
  ...rbacKind('ClusterRoleBinding', 'clusterrolebindings', false),
  strategy: {
    prepareForCreate: defaultBinding,
    prepareForUpdate: defaultBinding,
    validate: (b) => validateBinding(b, false),
    validateUpdate: validateBindingUpdate,
  },
  table: clusterRoleBindingTable,
}
