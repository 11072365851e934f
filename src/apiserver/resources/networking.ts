/**
 * networking.k8s.io/v1 Ingress, IngressClass and NetworkPolicy: storage, defaults (SetDefaults_NetworkPolicy,
 * _NetworkPolicyPort, _IngressClass) and validation (pkg/apis/networking/validation). Nothing routes traffic
 * for an Ingress or enforces a NetworkPolicy here: they are stored for the clients that read them.
 */
import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { isDNS1123Label, isDNS1123Subdomain } from '../../api/validation.ts'
import { ingressClassTable, ingressTable, networkPolicyTable } from '../printers/index.ts'
import { ALL_VERBS, type ResourceDefinition } from '../registry/resource-definition.ts'
import { asObject, Causes, checkSelector, objects } from './checks.ts'
import { statusSubresource } from './subresources.ts'

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix']
const PROTOCOLS = ['SCTP', 'TCP', 'UDP']

/** A host name of a rule or a TLS entry: a DNS subdomain, optionally `*.` wildcarded, never an IP. */
function checkHost(c: Causes, field: string, host: string): void {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':')) {
    c.invalid(field, host, 'must be a DNS name, not an IP address')
    return
  }
  const name = host.startsWith('*.') ? host.slice(2) : host
  for (const m of isDNS1123Subdomain(name)) c.invalid(field, host, m)
}

/** validateIngressBackend: a service (name, and a port name or number) or a resource reference, not both. */
function checkBackend(c: Causes, field: string, raw: unknown): void {
  const backend = asObject(raw) ?? {}
  const service = asObject(backend.service)
  const resource = asObject(backend.resource)
  if (service && resource) {
    c.invalid(field, backend, 'cannot set both resource and service backends')
    return
  }
  if (resource) {
    if (!resource.kind) c.required(`${field}.resource.kind`)
    if (!resource.name) c.required(`${field}.resource.name`)
    return
  }
  if (!service) {
    c.invalid(field, backend, 'one backend type must be specified')
    return
  }
  if (!service.name) c.required(`${field}.service.name`)
  else for (const m of isDNS1123Label(String(service.name))) c.invalid(`${field}.service.name`, service.name, m)
  const port = asObject(service.port) ?? {}
  const hasName = typeof port.name === 'string' && port.name !== ''
  const hasNumber = port.number !== undefined && port.number !== null && port.number !== 0
  if (hasName && hasNumber) c.invalid(`${field}.service.port`, port, 'cannot set both port name & port number')
  else if (!hasName && !hasNumber) c.required(`${field}.service.port`, 'port name or number is required')
  else if (hasNumber && (!Number.isInteger(port.number) || port.number < 1 || port.number > 65535))
    c.invalid(`${field}.service.port.number`, port.number, 'must be between 1 and 65535, inclusive')
}

function validateIngress(ing: KubeObject): StatusCause[] {
  const c = new Causes()
  const spec = ing.spec ?? {}
  const rules = objects(spec.rules)
  if (!spec.defaultBackend && rules.length === 0) c.invalid('spec', spec, 'either `defaultBackend` or `rules` must be specified')
  if (spec.defaultBackend) checkBackend(c, 'spec.defaultBackend', spec.defaultBackend)
  if (typeof spec.ingressClassName === 'string') for (const m of isDNS1123Subdomain(spec.ingressClassName)) c.invalid('spec.ingressClassName', spec.ingressClassName, m)
  rules.forEach((rule, i) => {
    const at = `spec.rules[${i}]`
    if (rule.host) checkHost(c, `${at}.host`, String(rule.host))
    if (rule.http === undefined || rule.http === null) return
    const paths = objects(asObject(rule.http)?.paths)
    if (paths.length === 0) c.required(`${at}.http.paths`)
    paths.forEach((p, j) => {
      const pat = `${at}.http.paths[${j}]`
      if (!p.pathType) c.required(`${pat}.pathType`, 'pathType must be specified')
      else if (!PATH_TYPES.includes(p.pathType)) c.notSupported(`${pat}.pathType`, p.pathType, PATH_TYPES)
      else if (p.pathType !== 'ImplementationSpecific' && !String(p.path ?? '').startsWith('/')) c.invalid(`${pat}.path`, p.path ?? '', 'must be an absolute path')
      checkBackend(c, `${pat}.backend`, p.backend)
    })
  })
  objects(spec.tls).forEach((tls, i) => {
    ;(Array.isArray(tls.hosts) ? tls.hosts : []).forEach((h: unknown, j: number) => checkHost(c, `spec.tls[${i}].hosts[${j}]`, String(h)))
    if (typeof tls.secretName === 'string' && tls.secretName !== '') for (const m of isDNS1123Subdomain(tls.secretName)) c.invalid(`spec.tls[${i}].secretName`, tls.secretName, m)
  })
  return c.list
}

export const ingresses: ResourceDefinition = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  plural: 'ingresses',
  singular: 'ingress',
  shortNames: ['ing'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    tracksGeneration: true,
    prepareForCreate(ing) {
      ing.spec ??= {}
      // IngressStatus.loadBalancer is a struct value: Go always writes it.
      ing.status = { loadBalancer: {} }
    },
    validate: validateIngress,
  },
  subresources: { status: statusSubresource },
  table: ingressTable,
}

/** SetDefaults_IngressClass: parameters are cluster-scoped unless they say otherwise. */
function defaultIngressClass(ic: KubeObject): void {
  const params = asObject(ic.spec?.parameters)
  if (params) params.scope ??= 'Cluster'
}

/** IsDomainPrefixedPath: `example.com/path`, the domain a DNS subdomain. */
function domainPrefixedPathError(value: string): string | undefined {
  const slash = value.indexOf('/')
  if (slash < 1) return 'must be a domain-prefixed path (such as "acme.io/foo")'
  const errs = isDNS1123Subdomain(value.slice(0, slash))
  return errs.length ? errs[0] : undefined
}

function validateIngressClass(ic: KubeObject): StatusCause[] {
  const c = new Causes()
  const spec = ic.spec ?? {}
  if (!spec.controller) c.required('spec.controller')
  else {
    if (String(spec.controller).length > 250) c.invalid('spec.controller', spec.controller, 'must be no more than 250 characters')
    const err = domainPrefixedPathError(String(spec.controller))
    if (err) c.invalid('spec.controller', spec.controller, err)
  }
  const params = asObject(spec.parameters)
  if (params) {
    if (!params.kind) c.required('spec.parameters.kind')
    if (!params.name) c.required('spec.parameters.name')
    c.oneOf('spec.parameters.scope', params.scope, ['Cluster', 'Namespace'])
    if (params.scope === 'Namespace' && !params.namespace) c.required('spec.parameters.namespace', '`parameters.scope` is set to "Namespace"')
    if (params.scope === 'Cluster' && params.namespace) c.forbidden('spec.parameters.namespace', '`parameters.scope` is set to "Cluster"')
  }
  return c.list
}

export const ingressclasses: ResourceDefinition = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  plural: 'ingressclasses',
  singular: 'ingressclass',
  namespaced: false,
  verbs: ALL_VERBS,
  strategy: {
    tracksGeneration: true,
    prepareForCreate: defaultIngressClass,
    prepareForUpdate: defaultIngressClass,
    validate: validateIngressClass,
    validateUpdate: (ic, old) => new Causes().immutable('spec.controller', ic.spec?.controller, old.spec?.controller).list,
  },
  table: ingressClassTable,
}

/** SetDefaults_NetworkPolicy (policyTypes from the rules present) and _NetworkPolicyPort (protocol TCP). */
function defaultNetworkPolicy(np: KubeObject): void {
  const spec = (np.spec ??= {})
  spec.podSelector ??= {}
  for (const rule of [...objects(spec.ingress), ...objects(spec.egress)]) for (const port of objects(rule.ports)) port.protocol ??= 'TCP'
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = ['Ingress']
    if (objects(spec.egress).length) spec.policyTypes.push('Egress')
  }
}

function validateNetworkPolicy(np: KubeObject): StatusCause[] {
  const c = new Causes()
  const spec = np.spec ?? {}
  checkSelector(c, 'spec.podSelector', spec.podSelector, false)
  const types: unknown[] = Array.isArray(spec.policyTypes) ? spec.policyTypes : []
  types.forEach((t, i) => c.oneOf(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']))
  if (types.length > 2) c.invalid('spec.policyTypes', types, 'may not specify more than two policyTypes')
  for (const direction of ['ingress', 'egress'] as const) {
    objects(spec[direction]).forEach((rule, i) => {
      const at = `spec.${direction}[${i}]`
      objects(rule.ports).forEach((p, j) => {
        const pat = `${at}.ports[${j}]`
        c.oneOf(`${pat}.protocol`, p.protocol, PROTOCOLS)
        if (typeof p.port === 'number' && (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535)) c.invalid(`${pat}.port`, p.port, 'must be between 1 and 65535, inclusive')
        if (p.endPort !== undefined && p.endPort !== null) {
          if (typeof p.port !== 'number') c.required(`${pat}.port`, 'When endPort is specified, port must be specified')
          else if (!Number.isInteger(p.endPort) || p.endPort < p.port) c.invalid(`${pat}.endPort`, p.endPort, 'must be greater than or equal to `port`')
        }
      })
      objects(rule[direction === 'ingress' ? 'from' : 'to']).forEach((peer, j) => {
        const pat = `${at}.${direction === 'ingress' ? 'from' : 'to'}[${j}]`
        const ipBlock = asObject(peer.ipBlock)
        if (ipBlock && (peer.podSelector || peer.namespaceSelector)) c.forbidden(pat, 'may not specify more than 1 peer type')
        if (ipBlock && !ipBlock.cidr) c.required(`${pat}.ipBlock.cidr`)
        if (!ipBlock && !peer.podSelector && !peer.namespaceSelector) c.required(pat, 'must specify a peer')
        if (peer.podSelector) checkSelector(c, `${pat}.podSelector`, peer.podSelector, false)
        if (peer.namespaceSelector) checkSelector(c, `${pat}.namespaceSelector`, peer.namespaceSelector, false)
      })
    })
  }
  return c.list
}

export const networkpolicies: ResourceDefinition = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'NetworkPolicy',
  plural: 'networkpolicies',
  singular: 'networkpolicy',
  shortNames: ['netpol'],
  namespaced: true,
  verbs: ALL_VERBS,
  strategy: {
    tracksGeneration: true,
    prepareForCreate: defaultNetworkPolicy,
    prepareForUpdate: defaultNetworkPolicy,
    validate: validateNetworkPolicy,
  },
  table: networkPolicyTable,
}
