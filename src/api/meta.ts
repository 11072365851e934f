/**
 * The shapes every Kubernetes object shares (metav1.TypeMeta + ObjectMeta), as plain JSON types.
 * Kind-specific fields stay `unknown`-typed JSON: the API server is generic and reads them only in strategies.
 */
export interface OwnerReference {
  apiVersion: string
  kind: string
  name: string
  uid: string
  controller?: boolean
  blockOwnerDeletion?: boolean
}

export interface ObjectMeta {
  name?: string
  generateName?: string
  namespace?: string
  uid?: string
  resourceVersion?: string
  generation?: number
  creationTimestamp?: string
  deletionTimestamp?: string
  deletionGracePeriodSeconds?: number
  labels?: Record<string, string>
  annotations?: Record<string, string>
  ownerReferences?: OwnerReference[]
  finalizers?: string[]
  managedFields?: unknown[]
  [extra: string]: unknown
}

export interface KubeObject {
  apiVersion?: string
  kind?: string
  metadata: ObjectMeta
  spec?: any
  status?: any
  [field: string]: any
}

export interface ListMeta {
  resourceVersion?: string
  continue?: string
  remainingItemCount?: number
}

export interface KubeList<T = KubeObject> {
  apiVersion: string
  kind: string
  metadata: ListMeta
  items: T[]
}

/** A metav1.Status: the body of every failed API call, and of a few successful ones. */
export interface Status {
  kind: 'Status'
  apiVersion: 'v1'
  metadata: Record<string, never> | ListMeta
  status: 'Success' | 'Failure'
  message?: string
  reason?: string
  details?: StatusDetails
  code: number
}

export interface StatusCause {
  reason?: string
  message?: string
  field?: string
}

export interface StatusDetails {
  name?: string
  group?: string
  kind?: string
  uid?: string
  causes?: StatusCause[]
  retryAfterSeconds?: number
}

/** metav1.DeleteOptions as kubectl (body), client-node (query) and Python (body) send them. */
export interface DeleteOptions {
  gracePeriodSeconds?: number
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan'
  orphanDependents?: boolean
  dryRun?: string[]
  preconditions?: { uid?: string; resourceVersion?: string }
}

/** metav1.Time: RFC 3339 to the second, as Go's apimachinery writes it. Now's is formatted once per second. */
export function formatTime(date?: Date): string {
  if (date) return date.toISOString().replace(/\.\d+Z$/, 'Z')
  const second = Math.floor(Date.now() / 1000)
  if (second !== nowSecond) {
    nowSecond = second
    nowText = formatTime(new Date(second * 1000))
  }
  return nowText
}
let nowSecond = NaN
let nowText = ''

/** metav1.MicroTime: exactly six fractional digits, or clients fail to parse it (kubectl-compat.md §0). */
export function formatMicroTime(date: Date = new Date()): string {
  const micros = String(date.getUTCMilliseconds() * 1000).padStart(6, '0')
  return date.toISOString().replace(/\.\d+Z$/, `.${micros}Z`)
}
