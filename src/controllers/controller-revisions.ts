/**
 * A workload's template history as ControllerRevisions (upstream's controller/history package), shared by the
 * StatefulSet and DaemonSet controllers: the revision of the current template (created, or promoted when a
 * rollback returns to an older one), and the pruning of old ones beyond revisionHistoryLimit.
 */
import type { KubeObject } from '../api/meta.ts'
import type { ApiClient } from '../client/api-client.ts'
import { jsonClone } from '../client/json-clone.ts'
import { ApiError } from '../errors/api-error.ts'
import { controllerRefOf, newControllerRef } from './controller-ref.ts'
import type { ObjectIndex } from './object-index.ts'
import { canonical, templateHash } from './pod-template.ts'

export const REVISIONS = { group: 'apps', version: 'v1', resource: 'controllerrevisions' }
export const REVISION_LABEL = 'controller-revision-hash'

/** What a revision stores: the owner's template as a strategic-merge patch that replaces it (as upstream). */
export const revisionData = (owner: KubeObject) => ({ spec: { template: { ...jsonClone(owner.spec?.template ?? {}), $patch: 'replace' } } })
const sameData = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b))

/** The revisions `owner` controls. */
export const ownedRevisions = (index: ObjectIndex, owner: KubeObject): KubeObject[] =>
  index.ownedBy(owner.metadata.uid!).filter((r) => controllerRefOf(r)?.uid === owner.metadata.uid)

/**
 * The revision of `owner`'s current template: an existing one with the same data (made the newest if it is not,
 * a rollback), or a new one named `<owner>-<hash>`; a name taken by other data counts a collision and hashes again.
 */
export async function currentRevision(client: ApiClient, owner: KubeObject, kind: string, revs: KubeObject[]): Promise<{ revision: KubeObject; collisionCount: number }> {
  const ns = owner.metadata.namespace!
  const data = revisionData(owner)
  const maxRevision = Math.max(0, ...revs.map((r) => r.revision ?? 0))
  let collisionCount = owner.status?.collisionCount ?? 0
  let revision = revs.filter((r) => sameData(r.data, data)).sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))[0]
  if (revision && (revision.revision ?? 0) < maxRevision) revision = await client.update(REVISIONS, ns, { ...jsonClone(revision), revision: maxRevision + 1 })
  while (!revision) {
    const hash = templateHash(owner.spec?.template, collisionCount)
    const rev: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${owner.metadata.name}-${hash}`,
        namespace: ns,
        labels: { ...(owner.spec?.template?.metadata?.labels ?? {}), [REVISION_LABEL]: hash },
        ownerReferences: [newControllerRef(owner, 'apps/v1', kind)],
      },
      data,
      revision: maxRevision + 1,
    }
    try {
      revision = await client.create(REVISIONS, ns, rev)
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) throw err
      const existing = await client.get(REVISIONS, ns, rev.metadata.name!)
      if (controllerRefOf(existing)?.uid === owner.metadata.uid && sameData(existing.data, data)) revision = existing
      else collisionCount++
    }
  }
  return { revision, collisionCount }
}

/** Deletes the oldest of `revs` that are not live beyond `owner`'s revisionHistoryLimit (default 10). */
export async function truncateHistory(client: ApiClient, owner: KubeObject, revs: KubeObject[], isLive: (r: KubeObject) => boolean): Promise<void> {
  const limit = owner.spec?.revisionHistoryLimit ?? 10
  const history = revs.filter((r) => !isLive(r)).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0))
  for (const r of history.slice(0, Math.max(0, history.length - limit))) {
    try {
      await client.delete(REVISIONS, r.metadata.namespace!, r.metadata.name!)
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err
    }
  }
}
