/**
 * Shared pieces of the server-side printers (kubernetes pkg/printers/internalversion/printers.go and
 * apimachinery's duration.HumanDuration). Pure: every function takes `now` where time matters.
 */
import type { ColumnDefinition } from '../registry/resource-definition.ts'
import { labelSelectorToString, selectorFromLabelSelectorObject, type LabelSelectorObject } from '../selectors/label-selector.ts'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

/**
 * duration.HumanDuration: ~2-3 significant figures. `59s`, `119s`, `2m`, `5m10s`, `10m`, `179m`, `3h`,
 * `7h59m`, `8h`, `47h`, `2d`, `7d23h`, `8d`, `729d`, `2y`, `2y10d`, `8y`. Up to 2 s in the future is `0s`
 * (clock skew); more is `<invalid>`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND)
  if (seconds < -1) return '<invalid>'
  if (seconds < 0) return '0s'
  if (seconds < 60 * 2) return `${seconds}s`
  const minutes = Math.trunc(ms / MINUTE)
  if (minutes < 10) {
    const s = seconds % 60
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`
  }
  if (minutes < 60 * 3) return `${minutes}m`
  const hours = Math.trunc(ms / HOUR)
  if (hours < 8) {
    const m = minutes % 60
    return m === 0 ? `${hours}h` : `${hours}h${m}m`
  }
  if (hours < 48) return `${hours}h`
  if (hours < 24 * 8) {
    const h = hours % 24
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365
    return dy === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${dy}d`
  }
  return `${Math.trunc(hours / 24 / 365)}y`
}

/** Go's zero time.Time (`0001-01-01T00:00:00Z`): what IsZero() reports, and what a null metav1.Time decodes to. */
const ZERO_MS = Date.parse('0001-01-01T00:00:00Z')

/** A metav1.Time / MicroTime string as epoch ms; `undefined` for missing, unparsable or Go's zero time. */
export function parseTime(ts: unknown): number | undefined {
  if (typeof ts !== 'string' || ts === '') return undefined
  const ms = Date.parse(ts)
  if (Number.isNaN(ms) || ms === ZERO_MS) return undefined
  return ms
}

/** translateTimestampSince: `<unknown>` for a missing (zero) time, else the human age. */
export function translateTimestampSince(ts: string | null | undefined, now: Date): string {
  const ms = parseTime(ts)
  return ms === undefined ? '<unknown>' : humanDuration(now.getTime() - ms)
}

/** The Age cell of every printer: translateTimestampSince(metadata.creationTimestamp). */
export function age(obj: { metadata?: { creationTimestamp?: string } }, now: Date): string {
  return translateTimestampSince(obj.metadata?.creationTimestamp, now)
}

/** `s`, or `<none>` when empty / missing. */
export const orNone = (s: string | null | undefined): string => (s ? s : '<none>')
/** `s`, or `<unknown>` when empty / missing. */
export const orUnknown = (s: string | null | undefined): string => (s ? s : '<unknown>')

/** A Go string field of a JSON object: `''` when missing or not a string. */
export const str = (v: unknown): string => (typeof v === 'string' ? v : '')
/** A Go integer field: 0 when missing or not a number. */
export const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0)
/** A JSON array field: `[]` when missing. */
export const arr = <T = any>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : [])
/** A JSON map field: `{}` when missing. */
export const obj = (v: unknown): Record<string, any> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : {}

/** layoutContainerCells: container names and images, each joined by `,`. */
export function layoutContainerCells(containers: unknown): [names: string, images: string] {
  const list = arr<Record<string, unknown>>(containers)
  return [list.map((c) => str(c?.name)).join(','), list.map((c) => str(c?.image)).join(',')]
}

/** labels.Set.String(): `k=v` pairs sorted, joined by `,`. */
export function labelSetString(labels: unknown): string {
  return Object.entries(obj(labels))
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(',')
}

/** labels.FormatLabels: labelSetString, or `<none>` when empty. */
export const formatLabels = (labels: unknown): string => orNone(labelSetString(labels))

/** metav1.FormatLabelSelector: the selector string, `<none>` when empty or missing, `<error>` when invalid. */
export function formatLabelSelectorForTable(sel: LabelSelectorObject | null | undefined): string {
  try {
    return orNone(labelSelectorToString(selectorFromLabelSelectorObject(sel)))
  } catch {
    return '<error>'
  }
}

/** Descriptions of the shared columns, from ObjectMeta's swagger docs (first sentence). */
export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.'
export const AGE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is represented in RFC3339 form and is in UTC.'

/** A column definition with every field set, as the Table on the wire carries it (`format: ''`). */
export function column(
  name: string,
  type: ColumnDefinition['type'],
  description: string,
  priority: 0 | 1 = 0,
  format = '',
): ColumnDefinition {
  return { name, type, format, description, priority }
}

export const nameColumn = (): ColumnDefinition => column('Name', 'string', NAME_DESCRIPTION, 0, 'name')
export const ageColumn = (): ColumnDefinition => column('Age', 'string', AGE_DESCRIPTION)
