import type { Status } from '../api/meta.ts'
import { ApiError } from './api-error.ts'
import { CompactedError, StoreUnavailableError } from '../store/store.ts'

/**
 * The only place an error becomes a metav1.Status (apiserver's ErrorToAPIStatus). Typed errors keep their
 * code and reason; a store that can not be reached is a 503; anything else is a bug, reported as a 500.
 */
export function toStatus(err: unknown): { status: Status; isBug: boolean } {
  if (err instanceof ApiError) return { status: statusOf(err), isBug: false }
  if (err instanceof StoreUnavailableError)
    return { status: statusOf(new ApiError(503, 'ServiceUnavailable', `storage is unavailable: ${err.message}`)), isBug: false }
  if (err instanceof CompactedError) return { status: statusOf(new ApiError(410, 'Expired', err.message)), isBug: false }
  const message = err instanceof Error ? err.message : String(err)
  return { status: statusOf(new ApiError(500, 'InternalError', `Internal error occurred: ${message}`)), isBug: true }
}

export function statusOf(err: ApiError): Status {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: err.message, reason: err.reason, code: err.code }
  if (err.details) {
    const details = Object.fromEntries(Object.entries(err.details).filter(([, v]) => v !== undefined && v !== ''))
    if (Object.keys(details).length) status.details = details
  }
  return status
}
