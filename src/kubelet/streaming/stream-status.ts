/**
 * What the error channel of an exec/attach carries at the end (kubelet's ServeExec, v4+ protocols): a
 * metav1.Status as JSON, without kind/apiVersion, as apierrors.StatusError.Status() marshals it. A non-zero exit
 * puts the ExitCode cause first: kubectl exits with it, the Python client reads causes[0].
 */
export interface StreamStatus {
  metadata: Record<string, never>
  status: 'Success' | 'Failure'
  message?: string
  reason?: string
  details?: { causes: { reason?: string; message: string }[] }
  code?: number
}

export const successStatus = (): StreamStatus => ({ metadata: {}, status: 'Success' })

export function exitStatus(exitCode: number): StreamStatus {
  if (exitCode === 0) return successStatus()
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit status ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  }
}

export function internalErrorStatus(message: string): StreamStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  }
}

/** Protocols before v4 carry only the message of a failure, as text (v1WriteStatusFunc). */
export function statusText(status: StreamStatus): string | undefined {
  return status.status === 'Success' ? undefined : (status.message ?? 'error')
}
