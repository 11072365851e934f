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
  events,
  eventsV1,
  leases,
  deployments,
  replicasets,
  jobs,
  endpointslices,
]
