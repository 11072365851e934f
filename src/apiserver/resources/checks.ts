/**
 * Small validation pieces shared by the kinds declared in rbac.ts, apps-sets.ts, cronjobs.ts, policy.ts,
 * autoscaling.ts, networking.ts, storage.ts, core-policy.ts, scheduling.ts and admission.ts, worded as
 * apimachinery's field errors (`Required value`, `Invalid value: …`, `Unsupported value: …`).
 */
import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { scaleOf } from './subresources.ts'
import { CauseReason } from '../../errors/api-error.ts'
import { jsonEqual } from '../../util/deep-equal.ts'
import { formatLabelSelector, matchesLabels, selectorFromLabelSelectorObject } from '../selectors/label-selector.ts'
import type { SubresourceDefinition } from '../registry/resource-definition.ts'

/** Collects causes; each helper returns the list so that checks chain. */
export class Causes {
  readonly list: StatusCause[] = []

  required(field: string, detail?: string): this {
    this.list.push({ field, reason: CauseReason.required, message: detail ? `Required value: ${detail}` : 'Required value' })
    return this
  }

  invalid(field: string, value: unknown, detail: string): this {
    this.list.push({ field, reason: CauseReason.invalid, message: `Invalid value: ${JSON.stringify(value ?? null)}: ${detail}` })
    return this
  }

  notSupported(field: string, value: unknown, supported: string[]): this {
    this.list.push({ field, reason: CauseReason.notSupported, message: `Unsupported value: ${JSON.stringify(value ?? null)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` })
    return this
  }

  forbidden(field: string, detail: string): this {
    this.list.push({ field, reason: CauseReason.forbidden, message: `Forbidden: ${detail}` })
    return this
  }

  duplicate(field: string, value: unknown): this {
    this.list.push({ field, reason: CauseReason.duplicate, message: `Duplicate value: ${JSON.stringify(value)}` })
    return this
  }

  /** An optional integer ≥ min (ValidateNonnegativeField and friends). */
  atLeast(field: string, value: unknown, min: number): this {
    if (value === undefined || value === null) return this
    if (!Number.isInteger(value) || (value as number) < min)
      this.invalid(field, value, min === 0 ? 'must be greater than or equal to 0' : `must be greater than or equal to ${min}`)
    return this
  }

  /** An optional string of a closed set. */
  oneOf(field: string, value: unknown, supported: string[]): this {
    if (value === undefined || value === null) return this
    if (typeof value !== 'string' || !supported.includes(value)) this.notSupported(field, value, supported)
    return this
  }

  /** The field may not change (ValidateImmutableField). */
  immutable(field: string, value: unknown, old: unknown): this {
    if (!jsonEqual(value ?? null, old ?? null)) this.invalid(field, value, 'field is immutable')
    return this
  }
}

/** A metav1.LabelSelector that parses (ValidateLabelSelector); `required` also wants it non-empty. */
export function checkSelector(c: Causes, field: string, selector: unknown, required: boolean): boolean {
  const sel = selector as { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } | undefined | null
  const empty = !sel || (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length)
  if (required && empty) {
    c.required(field)
    return false
  }
  if (!sel) return true
  try {
    selectorFromLabelSelectorObject(sel as never)
    return true
  } catch (err) {
    c.invalid(field, sel, (err as Error).message)
    return false
  }
}

/** A workload's selector: required, valid, and matching its pod template's labels. */
export function checkSelectorMatchesTemplate(c: Causes, spec: any): void {
  if (!checkSelector(c, 'spec.selector', spec?.selector, true)) return
  if (!matchesLabels(selectorFromLabelSelectorObject(spec.selector), spec?.template?.metadata?.labels))
    c.invalid('spec.template.metadata.labels', spec?.template?.metadata?.labels ?? {}, '`selector` does not match template `labels`')
}

/** An IntOrString that is a non-negative integer or a percentage (`25%`). */
export function checkIntOrPercent(c: Causes, field: string, value: unknown): void {
  if (value === undefined || value === null) return
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) c.invalid(field, value, 'must be greater than or equal to 0')
  } else if (typeof value !== 'string' || !/^[0-9]+%$/.test(value)) c.invalid(field, value, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")
  else if (Number(value.slice(0, -1)) > 100) c.invalid(field, value, 'must not be greater than 100%')
}

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/
const SUFFIX: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 }

/** The value of a resource.Quantity (`500m` → 0.5, `1Gi` → 1073741824), or undefined when it does not parse. */
export function quantityValue(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined
  if (typeof q !== 'string') return undefined
  const m = QUANTITY.exec(q.trim())
  if (!m) return undefined
  const n = Number(m[1])
  if (m[2]) return n * 10 ** Number(m[2].slice(1))
  return n * (m[3] ? SUFFIX[m[3]]! : 1)
}

/** A resource.Quantity that parses and is not negative (ValidateResourceQuantityValue / ValidateNonnegativeQuantity). */
export function checkQuantity(c: Causes, field: string, q: unknown): void {
  const value = quantityValue(q)
  if (value === undefined) c.invalid(field, q, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
  else if (value < 0) c.invalid(field, q, 'must be greater than or equal to 0')
}

/** `<workload>/scale` of a kind with spec.replicas, status.replicas and spec.selector: an autoscaling/v1 Scale. */
export const scaleSubresource: SubresourceDefinition = {
  verbs: ['get', 'update', 'patch'],
  kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  view: {
    get: (obj) => {
      let selector = ''
      try {
        selector = obj.spec?.selector ? formatLabelSelector(obj.spec.selector) : ''
      } catch {
        selector = ''
      }
      return scaleOf(obj, { replicas: obj.spec?.replicas ?? 0 }, { replicas: obj.status?.replicas ?? 0, selector })
    },
    apply(obj, scale) {
      obj.spec.replicas = scale.spec?.replicas ?? 0
      if (scale.metadata?.resourceVersion) obj.metadata.resourceVersion = scale.metadata.resourceVersion
      return obj
    },
  },
}

/** Sets `key` on `target` from `value` unless already set (Go's `if x == nil { x = … }`). */
export const defaultTo = <T>(target: Record<string, any>, key: string, value: T): void => {
  if (target[key] === undefined || target[key] === null) target[key] = value
}

/** A plain object, or undefined (for fields decoded from arbitrary JSON). */
export const asObject = (v: unknown): Record<string, any> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : undefined)

/** The list at a field, skipping what is not an object. */
export const objects = (v: unknown): Record<string, any>[] => (Array.isArray(v) ? v.filter((x) => asObject(x)) : [])

export type { KubeObject }
