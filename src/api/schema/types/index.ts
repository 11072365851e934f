/** The registry of every declared API type (OpenAPI, protobuf, strategic merge patch and field validation derive from it). */
import { SchemaRegistry } from '../schema.ts'
import { metaV1Types } from './meta-v1.ts'
import { coreV1PodTypes } from './core-v1-pod.ts'
import { coreV1VolumeTypes } from './core-v1-volume.ts'
import { coreV1Types } from './core-v1.ts'
import { appsV1Types } from './apps-v1.ts'
import { autoscalingV1Types } from './autoscaling-v1.ts'
import { coordinationV1Types } from './coordination-v1.ts'
import { eventsV1Types } from './events-v1.ts'
import { batchV1Types } from './batch-v1.ts'
import { discoveryV1Types } from './discovery-v1.ts'

export const apiSchemas = new SchemaRegistry([
  ...metaV1Types,
  ...coreV1PodTypes,
  ...coreV1VolumeTypes,
  ...coreV1Types,
  ...appsV1Types,
  ...autoscalingV1Types,
  ...coordinationV1Types,
  ...eventsV1Types,
  ...batchV1Types,
  ...discoveryV1Types,
])
