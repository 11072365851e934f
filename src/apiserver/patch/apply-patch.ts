import jsonPatch from 'fast-json-patch'
import mergePatch from 'json-merge-patch'
import type { KubeObject } from '../../api/meta.ts'
import { ApiError, badRequest, unsupportedMediaType } from '../../errors/api-error.ts'
import { decodeDocument } from '../body.ts'

/** PATCH content types we apply, each with a well-kept library (RFC 6902 and RFC 7386). */
export const SUPPORTED_PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json']

/** A parsed patch, ready to apply to any version of the object (GuaranteedUpdate may apply it more than once). */
export type Patcher = (current: KubeObject) => KubeObject

export function parsePatch(contentType: string, raw: Buffer): Patcher {
  switch (contentType) {
    case 'application/json-patch+json': {
      const ops = decodeDocument(raw, 'json')
      if (!Array.isArray(ops)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch')
      const invalid = jsonPatch.validate(ops)
      if (invalid) throw badRequest(`invalid JSON patch: ${invalid.message.split('\n')[0]}`)
      return (current) => {
        try {
          return jsonPatch.applyPatch(current, ops, true, false).newDocument as KubeObject
        } catch (err) {
          // A patch that is well formed but does not apply (failed test, missing path) is a 422, as in Kubernetes.
          throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${(err as Error).message.split('\n')[0]}`)
        }
      }
    }
    case 'application/merge-patch+json': {
      const patch = decodeDocument(raw, 'json')
      if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw badRequest('merge patch must be a JSON object')
      return (current) => mergePatch.apply(current, structuredClone(patch)) as KubeObject
    }
    default:
      throw unsupportedMediaType(contentType || '(none)', SUPPORTED_PATCH_TYPES)
  }
}
