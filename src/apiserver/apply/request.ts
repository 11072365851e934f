/**
 * What a write request says about field management: its manager (`fieldManager`, else the User-Agent), `force`,
 * checked as Kubernetes' ValidateCreateOptions / ValidateUpdateOptions / ValidatePatchOptions check them; and the
 * server-side apply patcher (`application/apply-patch+yaml`).
 */
import type { KubeObject } from '../../api/meta.ts'
import { CauseReason, invalid } from '../../errors/api-error.ts'
import { parseBool } from '../../util/bool.ts'
import { param, type Query } from '../query.ts'
import type { ResourceDefinition } from '../registry/resource-definition.ts'
import { fieldManager as defaultFieldManager, managerOrUserAgent, type FieldManager, type FieldManagerOptions } from './field-manager.ts'

export const APPLY_PATCH = 'application/apply-patch+yaml'

const FIELD_MANAGER_MAX_LENGTH = 128
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u

type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'

const optionsInvalid = (kind: OptionsKind, field: string, reason: string, message: string) =>
  invalid(kind, 'meta.k8s.io', '', [{ field, reason, message }])

/**
 * The manager of a write request: `?fieldManager=` (at most 128 characters, printable; required for an apply
 * patch), else the User-Agent's product. Invalid options are a 422 on the options kind.
 */
export function requestFieldManager(query: Query, userAgent: string | undefined, kind: OptionsKind, isApply = false): FieldManagerOptions {
  const requested = param(query, 'fieldManager') ?? ''
  if (isApply && !requested) throw optionsInvalid(kind, 'fieldManager', CauseReason.required, 'Required value: is required for apply patch')
  if (requested.length > FIELD_MANAGER_MAX_LENGTH)
    throw optionsInvalid(kind, 'fieldManager', CauseReason.tooLong, `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes`)
  // One test of the whole name (every write names its manager); the characters one by one only to say which is wrong.
  if (!PRINTABLE.test(requested))
    for (const [i, ch] of [...requested].entries())
      if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch))
        throw optionsInvalid(
          kind,
          'fieldManager',
          CauseReason.invalid,
          `Invalid value: ${JSON.stringify(requested)}: invalid character U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} (at position ${i})`,
        )
  return { manager: managerOrUserAgent(requested, userAgent) }
}

/** `?force=`: only for apply patches (a 422 otherwise, as Kubernetes answers), false when absent. */
export function forceOf(query: Query, isApply: boolean): boolean {
  const raw = param(query, 'force')
  if (raw === undefined) return false
  if (!isApply) throw optionsInvalid('PatchOptions', 'force', CauseReason.forbidden, 'Forbidden: may not be specified for non-apply patch')
  const value = parseBool(raw)
  if (value === undefined) throw optionsInvalid('PatchOptions', 'force', CauseReason.invalid, `Invalid value: ${JSON.stringify(raw)}: must be a boolean`)
  return value
}

export interface ApplyContext {
  def: ResourceDefinition
  /** The request's manager; the patcher sets `applied` on it with the managedFields it computed. */
  fieldManager: FieldManagerOptions
  force: boolean
  subresource?: string
  manager?: FieldManager
}

/**
 * The server-side apply patcher: applied to the live object, or to an object without a uid (an empty
 * `{metadata: {}}`) to create one from the configuration (create-on-apply).
 */
export function applyPatcher(config: KubeObject, ctx: ApplyContext): (current: KubeObject) => KubeObject {
  const manager = ctx.manager ?? defaultFieldManager
  return (current) => {
    const live = current?.metadata?.uid ? current : undefined
    const result = manager.apply(ctx.def, live, structuredClone(config), {
      manager: ctx.fieldManager.manager,
      subresource: ctx.subresource,
      force: ctx.force,
    })
    ctx.fieldManager.applied = { managedFields: result.metadata.managedFields }
    return result
  }
}
