import type { IncomingMessage } from 'node:http'
import getRawBody from 'raw-body'
import { parse as parseYaml } from 'yaml'
import { ApiError, badRequest, tooLarge, unsupportedMediaType } from '../errors/api-error.ts'
import { parseMediaTypes } from './negotiation.ts'
import { decodeProtobufBody, PROTOBUF_MEDIA_TYPE } from './protobuf/media.ts'

/** Kubernetes' limit on a request body (3 MiB, MaxRequestBodyBytes). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024

export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json'] as const
export type PatchType = (typeof PATCH_TYPES)[number]

/**
 * Body formats we decode for create/update; patch bodies are JSON (or YAML for apply) too. Protobuf is what
 * kubectl 1.32+ typed clients send for `create configmap|secret|namespace|service|deployment`, with no fallback.
 */
const OBJECT_TYPES = ['application/json', 'application/yaml', PROTOBUF_MEDIA_TYPE]

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  try {
    return await getRawBody(req, { limit: MAX_BODY_BYTES })
  } catch (err: any) {
    if (err?.type === 'entity.too.large') throw tooLarge(MAX_BODY_BYTES)
    throw badRequest(`unable to read the request body: ${err?.message ?? err}`)
  }
}

/** The bare media type of a request's Content-Type ('' when absent). */
export function contentTypeOf(req: IncomingMessage): string {
  return parseMediaTypes(req.headers['content-type'])[0]?.type ?? ''
}

/** Decodes an object body of a POST or PUT (JSON, YAML or Kubernetes protobuf); anything else is a 415. */
export function decodeObjectBody(raw: Buffer, contentType: string): any {
  if (contentType && !OBJECT_TYPES.includes(contentType)) throw unsupportedMediaType(contentType, OBJECT_TYPES)
  if (contentType === PROTOBUF_MEDIA_TYPE) return decodeProtobufBody(raw)
  return decodeDocument(raw, contentType === 'application/yaml' ? 'yaml' : 'json')
}

/** Parses a JSON or YAML document; an empty or malformed one is a 400, as the apiserver's decoder answers. */
export function decodeDocument(raw: Buffer, format: 'json' | 'yaml'): any {
  const text = raw.toString('utf8')
  if (!text.trim()) throw badRequest('the request body is empty')
  try {
    if (format === 'yaml') return parseYaml(text, { maxAliasCount: 100 })
    return JSON.parse(text)
  } catch (err) {
    if (err instanceof ApiError) throw err
    throw badRequest(`error decoding the request body as ${format.toUpperCase()}: ${(err as Error).message}`)
  }
}
