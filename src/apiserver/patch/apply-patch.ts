import jsonPatch from 'fast-json-patch'
import mergePatch from 'json-merge-patch'
import type { KubeObject } from '../../api/meta.ts'
import { apiSchemas } from '../../api/schema/types/index.ts'
import { ApiError, badRequest, unsupportedMediaType } from '../../errors/api-error.ts'
import { APPLY_PATCH, applyPatcher, type ApplyContext } from '../apply/request.ts'
import { decodeDocument } from '../body.ts'
import { strategicMergePatch } from './strategic-merge.ts'

export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json'
export { APPLY_PATCH }

/**
 * PATCH content types we apply, in the order Kubernetes lists them in a 415: RFC 6902 and RFC 7386 (each with
 * a well-kept library), strategic merge patch (./strategic-merge.ts) and server-side apply (../apply/).
 */
export const SUPPORTED_PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', STRATEGIC_MERGE_PATCH, APPLY_PATCH]

/** The kind a patch applies to: the resource's kind, or the subresource's (autoscaling/v1 Scale for `scale`). */
export interface PatchKind {
  group: string
  version: string
  kind: string
}

/** A parsed patch, ready to apply to any version of the object (GuaranteedUpdate may apply it more than once). */
export type Patcher = (current: KubeObject) => KubeObject

/** `apply`: who applies, for an `application/apply-patch+yaml` patch (which is unsupported without it). */
export function parsePatch(contentType: string, raw: Buffer, kind: PatchKind, apply?: ApplyContext): Patcher {
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
    case STRATEGIC_MERGE_PATCH: {
      // Merge keys and strategies come from the kind's declared schema. Kinds without one (custom resources)
      // do not offer strategic merge patch, as the apiextensions-apiserver does not.
      const schema = apiSchemas.forKind(kind.group, kind.version, kind.kind)
      if (!schema) throw unsupportedMediaType(contentType, SUPPORTED_PATCH_TYPES.filter((t) => t !== STRATEGIC_MERGE_PATCH))
      let patch = decodeDocument(raw, 'json')
      // The apiserver decodes the body into a map: `null` is an empty patch, anything but an object a 400.
      if (patch === null) patch = {}
      if (typeof patch !== 'object' || Array.isArray(patch))
        throw badRequest(`json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeof patch === 'boolean' ? 'bool' : typeof patch} into Go value of type map[string]interface {}`)
      return (current) => strategicMergePatch(current, patch, schema, apiSchemas) as KubeObject
    }
    case APPLY_PATCH: {
      if (!apply) throw unsupportedMediaType(contentType, SUPPORTED_PATCH_TYPES.filter((t) => t !== APPLY_PATCH))
      // YAML (or JSON, which kubectl sends) of the applied configuration, decoded into a map as Kubernetes does.
      const config = decodeDocument(raw, 'yaml')
      if (!config || typeof config !== 'object' || Array.isArray(config))
        throw badRequest(`error decoding patch: json: cannot unmarshal ${Array.isArray(config) ? 'array' : config === null ? 'null' : typeof config === 'boolean' ? 'bool' : typeof config} into Go value of type map[string]interface {}`)
      return applyPatcher(config as KubeObject, apply)
    }
    default:
      throw unsupportedMediaType(contentType || '(none)', SUPPORTED_PATCH_TYPES)
  }
}
