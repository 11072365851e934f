import { ApiError } from '../errors/api-error.ts'
import type { Logger } from '../log/logger.ts'
import type { Result } from './controller.ts'

/** How soon a key that hit a write conflict is looked at again. */
const CONFLICT_RETRY_MS = 50

/**
 * Runs a sync; a 409 Conflict (the object changed since the informer's copy was read, or between a read and a
 * write) is not a failure but a sign to look again shortly, at debug level, as Kubernetes' controllers requeue
 * on conflicts. Other errors go to the controller's back-off.
 */
export async function requeueOnConflict(log: Logger, key: string, sync: () => Promise<Result | void>): Promise<Result | void> {
  try {
    return await sync()
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409 && err.reason === 'Conflict')) throw err
    log.debug({ key, err: err.message }, 'write conflict; looking again')
    return { requeueAfterMs: CONFLICT_RETRY_MS }
  }
}
