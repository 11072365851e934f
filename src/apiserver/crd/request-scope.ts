/**
 * The request a strategy runs for, as Go's context.Context carries it to apiextensions' strategies: custom
 * resources are pruned by their schema inside the registry (the generic handlers know no schema for them), and
 * what was pruned is reported by the request's `fieldValidation` directive, as strict decoding reports unknown
 * fields of built-in kinds (validation/field-validation.ts):
 * - Strict: 400 `Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field
 *   "spec.foo"` (a PATCH: 422 Invalid on `patch`, as Kubernetes' patcher answers);
 * - Warn (the default): a `Warning: 299 - "unknown field \"spec.foo\""` header per field, which is dropped;
 * - Ignore, and in-process writes (no request): dropped silently.
 */
import type { Context } from 'koa'
import { ApiError, badRequest, CauseReason } from '../../errors/api-error.ts'
import { addWarning, fieldValidationOf, type FieldValidation } from '../validation/field-validation.ts'

/** A write request, as the registry hands it to the strategies it runs (WriteOptions.request). */
export interface RequestScope {
  koa: Context
  /** Warnings already added (a patch is applied again after a conflict: warn once). */
  warned: Set<string>
}

export function requestScope(koa: Context): RequestScope {
  return { koa, warned: new Set() }
}

/**
 * The request whose strategy hook is running. Set only around the synchronous call of a hook (inRequestScope), not
 * carried across awaits as AsyncLocalStorage would be: on Node 20 an AsyncLocalStorage in use turns on promise
 * hooks for the whole process, which made every await of every request several times dearer.
 */
let current: RequestScope | undefined

/** Runs `work` (a strategy hook; an async one is in scope until its first await) as part of `scope`'s request. */
export function inRequestScope<T>(scope: RequestScope | undefined, work: () => T): T {
  if (scope === current) return work()
  const outer = current
  current = scope
  try {
    return work()
  } finally {
    current = outer
  }
}

/** Runs work that is nobody's request (a controller's), even when a request's notification started it. */
export function outsideRequestScope<T>(work: () => T): T {
  return inRequestScope(undefined, work)
}

/** How unknown fields of the current write are to be reported. */
export interface UnknownFieldPolicy {
  directive: FieldValidation
  /** Reports the pruned paths of an object (`original`: its JSON as written, before pruning); throws under Strict. */
  report(pruned: string[], kind: { kind: string; version: string }, original?: string): void
}

const SILENT: UnknownFieldPolicy = { directive: 'Ignore', report() {} }

export function unknownFieldPolicy(): UnknownFieldPolicy {
  const scope = current
  if (!scope) return SILENT
  const method = scope.koa.method
  const directive = fieldValidationOf(scope.koa.query, method === 'POST' ? 'CreateOptions' : method === 'PATCH' ? 'PatchOptions' : 'UpdateOptions')
  if (directive === 'Ignore') return SILENT
  return {
    directive,
    report(pruned, { kind, version }, original) {
      if (!pruned.length) return
      const problems = pruned.map((p) => `unknown field ${JSON.stringify(p)}`)
      if (directive === 'Warn') {
        for (const p of problems) if (!scope.warned.has(p)) addWarning(scope, p), scope.warned.add(p)
        return
      }
      if (method !== 'PATCH') throw badRequest(`${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: strict decoding error: ${problems.join(', ')}`)
      const message = `Invalid value: ${JSON.stringify(original ?? '')}: strict decoding error: ${problems.join(', ')}`
      throw new ApiError(422, 'Invalid', ` "" is invalid: patch: ${message}`, { name: '', group: '', kind: '', causes: [{ reason: CauseReason.invalid, message, field: 'patch' }] })
    },
  }
}
