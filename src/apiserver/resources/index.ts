import type { ResourceDefinition } from '../registry/resource-definition.ts'
import { configmaps } from './configmaps.ts'
import { events, eventsV1 } from './events.ts'
import { namespaces } from './namespaces.ts'
import { nodes } from './nodes.ts'
import { pods } from './pods.ts'
import { secrets } from './secrets.ts'
import { services } from './services.ts'
import { endpoints, leases, serviceaccounts } from './simple-kinds.ts'
import { deployments, replicasets } from './workloads.ts'
import { jobs } from './jobs.ts'
import { endpointslices } from './endpointslices.ts'
import { clusterrolebindings, clusterroles, rolebindings, roles } from './rbac.ts'
import { controllerrevisions, daemonsets, statefulsets } from './apps-sets.ts'
import { cronjobs } from './cronjobs.ts'
import { poddisruptionbudgets } from './policy.ts'
import { horizontalpodautoscalers, horizontalpodautoscalersV1 } from './autoscaling.ts'
import { ingressclasses, ingresses, networkpolicies } from './networking.ts'
import { persistentvolumeclaims, persistentvolumes, storageclasses } from './storage.ts'
import { limitranges, podtemplates, resourcequotas } from './core-policy.ts'
import { priorityclasses } from './scheduling.ts'
import { mutatingwebhookconfigurations, validatingwebhookconfigurations } from './admission.ts'
import { customresourcedefinitions } from './customresourcedefinitions.ts'

/** Every kind the API server serves. Discovery, routes and storage are derived from this list. */
export const builtinResources: ResourceDefinition[] = [
  namespaces,
  nodes,
  pods,
  configmaps,
  secrets,
  services,
  serviceaccounts,
  endpoints,
  persistentvolumeclaims,
  persistentvolumes,
  limitranges,
  resourcequotas,
  podtemplates,
  events,
  eventsV1,
  leases,
  deployments,
  replicasets,
  statefulsets,
  daemonsets,
  controllerrevisions,
  jobs,
  cronjobs,
  endpointslices,
  roles,
  rolebindings,
  clusterroles,
  clusterrolebindings,
  poddisruptionbudgets,
  // autoscaling/v2 first: discovery's preferred version is the first one listed.
  horizontalpodautoscalers,
  horizontalpodautoscalersV1,
  ingresses,
  ingressclasses,
  networkpolicies,
  storageclasses,
  priorityclasses,
  mutatingwebhookconfigurations,
  validatingwebhookconfigurations,
  customresourcedefinitions,
]
