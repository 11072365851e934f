import { ApiError, badRequest } from '../../errors/api-error.ts'

export function parseResourceVersion(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw badRequest(`invalid resource version "${value}"`)
  return n
}

/** A LIST or GET at a resourceVersion the store has not reached (504, as the apiserver answers it). */
export function tooLargeResourceVersion(requested: number, current: number): ApiError {
  return new ApiError(504, 'Timeout', `Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
  })
}
