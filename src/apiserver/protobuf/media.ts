/**
 * The protobuf codec bound to the API's schema registry, as the HTTP layer uses it: request bodies in
 * (body.ts) and, when a client prefers protobuf, single objects and lists out (handler-context `respond`).
 */
import type { KubeObject } from '../../api/meta.ts'
import { apiSchemas } from '../../api/schema/types/index.ts'
import { decodeProtobufObject } from './decode-object.ts'
import { encodeProtobufObject } from './encode-object.ts'

export { PROTOBUF_MEDIA_TYPE } from './fields.ts'

/** Decodes an `application/vnd.kubernetes.protobuf` request body; errors are 400s, a kind with no schema a 415. */
export function decodeProtobufBody(raw: Uint8Array): KubeObject {
  return decodeProtobufObject(raw, apiSchemas)
}

/**
 * A response body in protobuf, or undefined to answer JSON: for a Status (errors stay readable JSON), a kind
 * with no schema, or an object the schema cannot represent exactly (a field it does not declare). JSON is
 * always a correct answer, since client-go decodes by the response's Content-Type.
 */
export function encodeProtobufResponse(body: unknown): Uint8Array | undefined {
  if (typeof body !== 'object' || body === null || (body as KubeObject).kind === 'Status') return undefined
  try {
    return encodeProtobufObject(body as KubeObject, apiSchemas)
  } catch {
    return undefined
  }
}
