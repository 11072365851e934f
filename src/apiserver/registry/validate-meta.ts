import type { KubeObject, StatusCause } from '../../api/meta.ts'
import { isLabelKey, isLabelValue, nameValidators, type NameRule } from '../../api/validation.ts'
import { CauseReason } from '../../errors/api-error.ts'

/** Kubernetes' limit on the total size of all annotations of one object. */
const ANNOTATIONS_MAX_BYTES = 256 * 1024

/** ValidateObjectMeta: the checks every kind shares (name, labels, annotations, finalizers, owners). */
export function validateObjectMeta(obj: KubeObject, nameRule: NameRule, namespaced: boolean): StatusCause[] {
  const causes: StatusCause[] = []
  const meta = obj.metadata
  const add = (field: string, reason: string, message: string) => causes.push({ field, reason, message })
  if (!meta.name) add('metadata.name', CauseReason.required, 'name or generateName is required')
  else for (const m of nameValidators[nameRule](meta.name)) add('metadata.name', CauseReason.invalid, `Invalid value: "${meta.name}": ${m}`)
  if (namespaced && !meta.namespace) add('metadata.namespace', CauseReason.required, 'Required value')
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    for (const m of isLabelKey(k)) add('metadata.labels', CauseReason.invalid, `Invalid value: "${k}": ${m}`)
    if (typeof v !== 'string') add(`metadata.labels`, CauseReason.invalid, `Invalid value: ${JSON.stringify(v)}: label values must be strings`)
    else for (const m of isLabelValue(v)) add('metadata.labels', CauseReason.invalid, `Invalid value: "${v}": ${m}`)
  }
  let annotationBytes = 0
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    for (const m of isLabelKey(k.toLowerCase())) add('metadata.annotations', CauseReason.invalid, `Invalid value: "${k}": ${m}`)
    if (typeof v !== 'string') add('metadata.annotations', CauseReason.invalid, `Invalid value: ${JSON.stringify(v)}: annotation values must be strings`)
    annotationBytes += k.length + (typeof v === 'string' ? Buffer.byteLength(v) : 0)
  }
  if (annotationBytes > ANNOTATIONS_MAX_BYTES)
    add('metadata.annotations', CauseReason.tooLong, `Too long: must have at most ${ANNOTATIONS_MAX_BYTES} bytes`)
  ;(meta.finalizers ?? []).forEach((f, i) => {
    for (const m of isLabelKey(String(f))) add(`metadata.finalizers[${i}]`, CauseReason.invalid, `Invalid value: "${f}": ${m}`)
  })
  ;(meta.ownerReferences ?? []).forEach((o, i) => {
    for (const field of ['apiVersion', 'kind', 'name', 'uid'] as const)
      if (!o?.[field]) add(`metadata.ownerReferences[${i}].${field}`, CauseReason.required, 'Required value')
  })
  return causes
}
