import type { StatusCause } from '../api/meta.ts'

/**
 * The one error type that carries a Kubernetes `metav1.Status` from where it is raised.
 * Throw the helpers below where you know what went wrong; `to-status.ts` turns any error into a Status,
 * and anything that is not an ApiError becomes a 500 (a bug), as Kubernetes' ErrorToAPIStatus does.
 */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number },
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** What names an object in messages: `pods "x"`, `deployments.apps "web"`. */
export interface ResourceRef {
  resource: string
  group: string
  name?: string
}

function qualified({ resource, group }: ResourceRef): string {
  return group ? `${resource}.${group}` : resource
}

export const notFound = (ref: ResourceRef) =>
  new ApiError(404, 'NotFound', `${qualified(ref)} "${ref.name ?? ''}" not found`, {
    name: ref.name,
    group: ref.group,
    kind: ref.resource,
  })

export const alreadyExists = (ref: ResourceRef) =>
  new ApiError(409, 'AlreadyExists', `${qualified(ref)} "${ref.name ?? ''}" already exists`, {
    name: ref.name,
    group: ref.group,
    kind: ref.resource,
  })

export const conflict = (ref: ResourceRef, why = 'the object has been modified; please apply your changes to the latest version and try again') =>
  new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(ref)} "${ref.name ?? ''}": ${why}`, {
    name: ref.name,
    group: ref.group,
    kind: ref.resource,
  })

/** 422: `details.kind` is the Kind (not the resource) here, as Kubernetes' NewInvalid does. */
export const invalid = (kind: string, group: string, name: string | undefined, causes: StatusCause[]) =>
  new ApiError(
    422,
    'Invalid',
    `${kind}${group ? '.' + group : ''} "${name ?? ''}" is invalid: ${causes.map((c) => `${c.field ? c.field + ': ' : ''}${c.message}`).join(', ')}`,
    { name, group, kind, causes },
  )

export const badRequest = (message: string) => new ApiError(400, 'BadRequest', message)

export const methodNotAllowed = (message: string) => new ApiError(405, 'MethodNotAllowed', message)

export const unsupportedMediaType = (contentType: string, accepted: string[]) =>
  new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    { causes: [{ reason: 'UnexpectedServerResponse', message: contentType }] },
  )

export const notAcceptable = (accepted: string[]) =>
  new ApiError(406, 'NotAcceptable', `only the following media types are accepted: ${accepted.join(', ')}`)

export const expired = (message: string) => new ApiError(410, 'Expired', message)

export const tooLarge = (limit: number) =>
  new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`)

export const serviceUnavailable = (message: string) => new ApiError(503, 'ServiceUnavailable', message)

export const internalError = (message: string) => new ApiError(500, 'InternalError', `Internal error occurred: ${message}`)

/** The reason a cause carries in `details.causes` of a 422, as field.ErrorType names them. */
export const CauseReason = {
  required: 'FieldValueRequired',
  invalid: 'FieldValueInvalid',
  notSupported: 'FieldValueNotSupported',
  forbidden: 'FieldValueForbidden',
  duplicate: 'FieldValueDuplicate',
  notFound: 'FieldValueNotFound',
  tooLong: 'FieldValueTooLong',
} as const
