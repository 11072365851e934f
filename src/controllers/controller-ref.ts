import type { KubeObject, OwnerReference } from '../api/meta.ts'
import type { ApiClient, ResourceId } from '../client/api-client.ts'
import { ApiError } from '../errors/api-error.ts'
import { jsonClone } from '../client/json-clone.ts'

/** The ownerReference with `controller: true`, if any (metav1.GetControllerOf). */
export const controllerRefOf = (obj: KubeObject): OwnerReference | undefined => obj.metadata.ownerReferences?.find((r) => r.controller)

/** metav1.NewControllerRef: the owner as the controller of what it creates, blocking the owner's foreground deletion. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true }
}

export interface ClaimOptions {
  client: ApiClient
  resource: ResourceId
  owner: KubeObject
  ownerRef: OwnerReference
  /** Does the owner's selector select this object? */
  selects(obj: KubeObject): boolean
}

/**
 * ControllerRefManager.ClaimObjects: of `owned` (objects whose controller is the owner) and `orphans` (objects of the
 * namespace without a controller), the ones the owner keeps. Orphans it selects are adopted (unless it or they are
 * being deleted); owned objects it no longer selects are released. Both are written with the object's
 * resourceVersion: a conflict or a 404 leaves the object out, and the next sync looks again.
 */
export async function claimObjects(opts: ClaimOptions, owned: KubeObject[], orphans: KubeObject[]): Promise<KubeObject[]> {
  const { client, resource, owner, ownerRef, selects } = opts
  const ownerDeleting = Boolean(owner.metadata.deletionTimestamp)
  const claimed: KubeObject[] = []
  for (const obj of owned) {
    if (selects(obj) || ownerDeleting) {
      claimed.push(obj)
      continue
    }
    if (obj.metadata.deletionTimestamp) continue
    await writeRefs(client, resource, obj, (refs) => refs.filter((r) => r.uid !== ownerRef.uid))
  }
  if (ownerDeleting) return claimed
  for (const obj of orphans) {
    if (obj.metadata.deletionTimestamp || !selects(obj)) continue
    const adopted = await writeRefs(client, resource, obj, (refs) => [...refs.filter((r) => r.uid !== ownerRef.uid), ownerRef])
    if (adopted) claimed.push(adopted)
  }
  return claimed
}

/** Rewrites an object's ownerReferences (optimistically); undefined when it changed or went away meanwhile. */
async function writeRefs(client: ApiClient, r: ResourceId, obj: KubeObject, change: (refs: OwnerReference[]) => OwnerReference[]): Promise<KubeObject | undefined> {
  const copy = jsonClone(obj)
  const refs = change(copy.metadata.ownerReferences ?? [])
  if (refs.length) copy.metadata.ownerReferences = refs
  else delete copy.metadata.ownerReferences
  try {
    return await client.update(r, copy.metadata.namespace ?? '', copy)
  } catch (err) {
    if (err instanceof ApiError && (err.code === 404 || err.code === 409 || err.code === 422)) return undefined
    throw err
  }
}
